// Layer normalisation (Ba et al., 2016) over the last dims given by normalized_shape:
//   y = (x - mean) / sqrt(var_biased + eps) * weight + bias. Init: weight 1, bias 0.
#pragma once

#include <tapegrad/nn/module.h>

namespace tg::nn {

struct LayerNormOptions {
  Shape normalized_shape;
  double eps = 1e-5;
  bool elementwise_affine = true;
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(LayerNormOptions options);
  explicit LayerNorm(int64_t features) : LayerNorm(LayerNormOptions{.normalized_shape = {features}}) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  LayerNormOptions options;
  Tensor& weight;  // normalized_shape, when elementwise_affine
  Tensor& bias;
};

}  // namespace tg::nn
