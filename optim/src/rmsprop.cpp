#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/optim/rmsprop.h>

#include <cmath>

#include "update_check.h"

namespace tg::optim {

void RMSpropOptions::check() const {
  TG_CHECK(lr >= 0, "RMSprop: invalid lr {} (expected >= 0)", lr);
  TG_CHECK(alpha >= 0, "RMSprop: invalid alpha {} (expected >= 0)", alpha);
  TG_CHECK(eps >= 0, "RMSprop: invalid eps {} (expected >= 0)", eps);
  TG_CHECK(weight_decay >= 0, "RMSprop: invalid weight_decay {} (expected >= 0)", weight_decay);
  TG_CHECK(momentum >= 0, "RMSprop: invalid momentum {} (expected >= 0)", momentum);
}

namespace {

// gbar is null unless centered, b null unless momentum > 0.
template <typename T>
void rmsprop_kernel(int64_t n, T* x, const T* grad, T* v, T* gbar, T* b, const RMSpropOptions& o) {
  const T lr = static_cast<T>(o.lr), a = static_cast<T>(o.alpha), eps = static_cast<T>(o.eps);
  const T lambda = static_cast<T>(o.weight_decay), rho = static_cast<T>(o.momentum);
#pragma omp parallel for if (n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    T g = o.maximize ? -grad[i] : grad[i];
    if (o.weight_decay != 0) g += lambda * x[i];
    v[i] = a * v[i] + (1 - a) * g * g;
    T d;
    if (gbar) {
      gbar[i] = a * gbar[i] + (1 - a) * g;
      d = std::sqrt(v[i] - gbar[i] * gbar[i]) + eps;
    } else {
      d = std::sqrt(v[i]) + eps;
    }
    if (b) {
      b[i] = rho * b[i] + g / d;
      x[i] -= lr * b[i];
    } else {
      x[i] -= lr * g / d;
    }
  }
}

}  // namespace

void rmsprop_update(const Tensor& param, const Tensor& grad, RMSpropState& state, const RMSpropOptions& options) {
  detail::check_update("RMSprop", param, grad);
  if (!state.square_avg.defined()) state.square_avg = zeros_like(param);
  if (options.centered && !state.grad_avg.defined()) state.grad_avg = zeros_like(param);
  if (options.momentum > 0 && !state.momentum_buffer.defined()) state.momentum_buffer = zeros_like(param);
  detail::check_buffer("RMSprop", "square_avg", state.square_avg, param);
  if (options.centered) detail::check_buffer("RMSprop", "grad_avg", state.grad_avg, param);
  if (options.momentum > 0) detail::check_buffer("RMSprop", "momentum_buffer", state.momentum_buffer, param);
  dispatch_floating(param.dtype(), "RMSprop", [&]<typename T>() {
    rmsprop_kernel<T>(param.numel(), param.data_ptr<T>(), grad.data_ptr<T>(), state.square_avg.data_ptr<T>(),
                      options.centered ? state.grad_avg.data_ptr<T>() : nullptr,
                      options.momentum > 0 ? state.momentum_buffer.data_ptr<T>() : nullptr, options);
  });
}

}  // namespace tg::optim
