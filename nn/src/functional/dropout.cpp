#include <tapegrad/nn/functional.h>

namespace tg::nn::functional {

namespace {
void check_p(double p, std::string_view op) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "{}: probability must be in [0, 1], got {}", op, p);
}
}  // namespace

Tensor dropout(const Tensor& x, double p, bool training) {
  check_p(p, "dropout");
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  // The mask is a constant: gradients flow only through kept elements, scaled the same way.
  Tensor mask = bernoulli(x.shape(), 1.0 - p, x.dtype()) * (1.0 / (1.0 - p));
  return x * mask;
}

Tensor dropout2d(const Tensor& x, double p, bool training) {
  check_p(p, "dropout2d");
  TG_CHECK(x.dim() >= 3, "dropout2d: expected (N, C, ...) input, got shape {}", x.shape());
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  Shape mask_shape(static_cast<size_t>(x.dim()), 1);
  mask_shape[0] = x.size(0);
  mask_shape[1] = x.size(1);
  Tensor mask = bernoulli(mask_shape, 1.0 - p, x.dtype()) * (1.0 / (1.0 - p));
  return x * mask;
}

}  // namespace tg::nn::functional
