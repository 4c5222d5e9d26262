#include <tapegrad/nn/functional.h>

namespace tg::nn::functional {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  TG_CHECK(weight.dim() == 2, "linear: weight must be 2-D (out, in), got shape {}", weight.shape());
  TG_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1),
           "linear: input of shape {} does not match weight of shape {} (expected last dim {})", x.shape(),
           weight.shape(), weight.size(1));
  if (bias.defined()) {
    TG_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias of shape {} for weight of shape {}",
             bias.shape(), weight.shape());
    // One GEMM with the bias as its C operand.
    if (x.dim() == 2) return addmm(bias, x, weight.t());
    return matmul(x, weight.t()) + bias;
  }
  return matmul(x, weight.t());
}

}  // namespace tg::nn::functional
