#include <tapegrad/nn/loss.h>

namespace tg::nn::functional {

namespace {
void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  TG_CHECK(input.shape() == target.shape(), "{}: input shape {} and target shape {} differ", op, input.shape(),
           target.shape());
  TG_CHECK(input.is_floating_point() && target.is_floating_point(),
           "{}: expected float inputs, got {} and {}", op, input.dtype(), target.dtype());
}
Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return losses;
    case Reduction::Sum: return losses.sum();
    case Reduction::Mean: return losses.mean();
  }
  return losses;
}
}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "mse_loss");
  Tensor d = input - target;
  return reduce(d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "l1_loss");
  return reduce(abs(input - target), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check_same_shape(input, target, "smooth_l1_loss");
  TG_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got {}", beta);
  Tensor d = abs(input - target);
  if (beta == 0.0) return reduce(d, reduction);
  return reduce(where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  check_same_shape(logits, target, "binary_cross_entropy_with_logits");
  // max(x, 0) - x y + log(1 + exp(-|x|)): never exponentiates a large positive number.
  Tensor losses = relu(logits) - logits * target + log(exp(-abs(logits)) + 1.0);
  return reduce(losses, reduction);
}

}  // namespace tg::nn::functional
