#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/optim/sgd.h>

#include "update_check.h"

namespace tg::optim {

void SGDOptions::check() const {
  TG_CHECK(lr >= 0, "SGD: invalid lr {} (expected >= 0)", lr);
  TG_CHECK(momentum >= 0, "SGD: invalid momentum {} (expected >= 0)", momentum);
  TG_CHECK(dampening >= 0 && dampening <= 1, "SGD: invalid dampening {} (expected in [0, 1])", dampening);
  TG_CHECK(weight_decay >= 0, "SGD: invalid weight_decay {} (expected >= 0)", weight_decay);
  TG_CHECK(!nesterov || (momentum > 0 && dampening == 0),
           "SGD: nesterov needs momentum > 0 and dampening = 0 (got momentum {}, dampening {})", momentum, dampening);
}

namespace {

// x, g (and v when kMomentum): n elements each; kFresh: v holds no history yet (v <- g). The
// options are template flags, so the loop body has no branches and vectorises.
template <typename T, bool kMomentum, bool kNesterov, bool kDecay, bool kFresh>
void sgd_loop(int64_t n, T* __restrict x, const T* __restrict grad, T* __restrict v, T lr, T rho, T lambda, T keep,
              T sign) {
#pragma omp parallel for simd if (parallel : n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    T g = sign * grad[i];  // sign is -1 to maximize; exact either way
    if constexpr (kDecay) g += lambda * x[i];
    if constexpr (kMomentum) {
      v[i] = kFresh ? g : rho * v[i] + keep * g;
      g = kNesterov ? g + rho * v[i] : v[i];
    }
    x[i] -= lr * g;
  }
}

// v is null without momentum.
template <typename T>
void sgd_kernel(int64_t n, T* x, const T* grad, T* v, bool fresh, const SGDOptions& o) {
  const T lr = static_cast<T>(o.lr), rho = static_cast<T>(o.momentum), lambda = static_cast<T>(o.weight_decay);
  const T keep = static_cast<T>(1 - o.dampening), sign = o.maximize ? T(-1) : T(1);
  auto run = [&]<bool kMomentum, bool kNesterov, bool kFresh>() {
    if (o.weight_decay != 0) sgd_loop<T, kMomentum, kNesterov, true, kFresh>(n, x, grad, v, lr, rho, lambda, keep, sign);
    else sgd_loop<T, kMomentum, kNesterov, false, kFresh>(n, x, grad, v, lr, rho, lambda, keep, sign);
  };
  if (!v) run.template operator()<false, false, false>();
  else if (o.nesterov) fresh ? run.template operator()<true, true, true>() : run.template operator()<true, true, false>();
  else fresh ? run.template operator()<true, false, true>() : run.template operator()<true, false, false>();
}

}  // namespace

void sgd_update(const Tensor& param, const Tensor& grad, SGDState& state, const SGDOptions& options) {
  detail::check_update("SGD", param, grad);
  const bool momentum = options.momentum != 0;
  const bool fresh = momentum && !state.momentum_buffer.defined();
  if (fresh) state.momentum_buffer = empty_like(param);
  if (momentum) detail::check_buffer("SGD", "momentum_buffer", state.momentum_buffer, param);
  dispatch_floating(param.dtype(), "SGD", [&]<typename T>() {
    sgd_kernel<T>(param.numel(), param.data_ptr<T>(), grad.data_ptr<T>(),
                  momentum ? state.momentum_buffer.data_ptr<T>() : nullptr, fresh, options);
  });
}

}  // namespace tg::optim
