// Embedding: a lookup table, weight (num_embeddings, dim), indexed by int64 tensors of any shape.
// Init N(0, 1), as PyTorch.
#pragma once

#include <tapegrad/nn/module.h>

namespace tg::nn {

struct EmbeddingOptions {
  int64_t num_embeddings = 0;
  int64_t embedding_dim = 0;
};

class Embedding : public Module {
 public:
  explicit Embedding(EmbeddingOptions options);
  Embedding(int64_t num_embeddings, int64_t embedding_dim)
      : Embedding(EmbeddingOptions{.num_embeddings = num_embeddings, .embedding_dim = embedding_dim}) {}
  // indices (*) int64 -> (*, embedding_dim)
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;

  EmbeddingOptions options;
  Tensor& weight;
};

namespace functional {
Tensor embedding(const Tensor& indices, const Tensor& weight);
}

}  // namespace tg::nn
