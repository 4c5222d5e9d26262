#include <tapegrad/nn/embedding.h>
#include <tapegrad/nn/init.h>

namespace tg::nn {

namespace functional {
Tensor embedding(const Tensor& indices, const Tensor& weight) {
  TG_CHECK(weight.dim() == 2, "embedding: weight must be 2-D, got shape {}", weight.shape());
  TG_CHECK(indices.dtype() == kLong, "embedding: indices must be int64, got {}", indices.dtype());
  Shape out_shape = indices.shape();
  out_shape.push_back(weight.size(1));
  // index_select checks every index against the table size.
  return weight.index_select(0, indices.reshape({-1})).view(out_shape);
}
}  // namespace functional

Embedding::Embedding(EmbeddingOptions o)
    : Module("Embedding"),
      options(o),
      weight(register_parameter("weight",
                                empty({std::max<int64_t>(o.num_embeddings, 0), std::max<int64_t>(o.embedding_dim, 0)}))) {
  TG_CHECK(o.num_embeddings > 0 && o.embedding_dim > 0,
           "Embedding: num_embeddings and embedding_dim must be positive, got {} and {}", o.num_embeddings,
           o.embedding_dim);
  init::normal_(weight);
}

Tensor Embedding::forward(const Tensor& indices) { return functional::embedding(indices, weight); }

std::string Embedding::extra_repr() const { return fmt::format("{}, {}", options.num_embeddings, options.embedding_dim); }

}  // namespace tg::nn
