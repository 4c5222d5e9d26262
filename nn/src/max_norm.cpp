#include <tapegrad/nn/max_norm.h>

namespace tg::nn::utils {

int64_t max_norm_(const Tensor& weight, double max_norm) {
  TG_CHECK(weight.defined() && weight.is_floating_point() && weight.dim() >= 1,
           "max_norm_: expected a float32/float64 weight with at least one dim, got {}",
           weight.defined() ? fmt::format("{} of shape {}", weight.dtype(), weight.shape()) : "an undefined tensor");
  TG_CHECK(max_norm > 0 && std::isfinite(max_norm), "max_norm_: the bound must be positive and finite, got {}",
           max_norm);
  NoGradGuard no_grad;
  const int64_t units = weight.size(0);
  if (units == 0 || weight.numel() == 0) return 0;
  // Norms in float64, so the comparison with c does not depend on float32 rounding of the sum.
  const Tensor norms = weight.detach().reshape({units, -1}).to(kDouble).norm(2.0, {1}).contiguous();
  const double* n = norms.data_ptr<double>();
  Tensor scale = ones({units}, kDouble);
  double* s = scale.data_ptr<double>();
  int64_t clamped = 0;
  for (int64_t i = 0; i < units; ++i)
    if (n[i] > max_norm) {
      s[i] = max_norm / n[i];
      ++clamped;
    }
  if (clamped == 0) return 0;  // leave the tensor (and its version counter) alone
  Shape shape(static_cast<size_t>(weight.dim()), 1);
  shape[0] = units;
  // Rows inside the ball are multiplied by exactly 1, which leaves them bit-identical.
  Tensor w = weight.detach();
  w.mul_(scale.to(weight.dtype()).view(shape));
  return clamped;
}

}  // namespace tg::nn::utils
