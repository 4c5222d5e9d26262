#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/optim/adam.h>

#include <algorithm>
#include <cmath>

#include "adam_kernel.h"
#include "update_check.h"

namespace tg::optim {
namespace detail {

void check_adam_options(std::string_view optimizer, double lr, std::pair<double, double> betas, double eps,
                        double weight_decay) {
  TG_CHECK(lr >= 0, "{}: invalid lr {} (expected >= 0)", optimizer, lr);
  TG_CHECK(betas.first >= 0 && betas.first < 1, "{}: invalid beta1 {} (betas.first, expected in [0, 1))", optimizer,
           betas.first);
  TG_CHECK(betas.second >= 0 && betas.second < 1, "{}: invalid beta2 {} (betas.second, expected in [0, 1))",
           optimizer, betas.second);
  TG_CHECK(eps >= 0, "{}: invalid eps {} (expected >= 0)", optimizer, eps);
  TG_CHECK(weight_decay >= 0, "{}: invalid weight_decay {} (expected >= 0)", optimizer, weight_decay);
}

namespace {

// The per-step scalars, in the parameter's type.
template <typename T>
struct AdamScalars {
  T step_size, bias2_sqrt, b1, b2, eps, l2, shrink, sign;
};

// x, g, m, v (and vmax when kAmsgrad): n elements each. The options are template flags, so the
// loop body has no branches and vectorises (the branchy loop ran ~5x slower).
template <typename T, bool kDecoupled, bool kL2, bool kAmsgrad>
void adam_loop(int64_t n, T* __restrict x, const T* __restrict grad, T* __restrict m, T* __restrict v,
               T* __restrict vmax, const AdamScalars<T> s) {
#pragma omp parallel for simd if (parallel : n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (kDecoupled) x[i] *= s.shrink;
    T g = s.sign * grad[i];  // sign is -1 to maximize; exact either way
    if constexpr (kL2) g += s.l2 * x[i];
    m[i] = s.b1 * m[i] + (1 - s.b1) * g;
    v[i] = s.b2 * v[i] + (1 - s.b2) * g * g;
    T v_hat = v[i];
    if constexpr (kAmsgrad) v_hat = vmax[i] = std::max(vmax[i], v[i]);
    x[i] -= s.step_size * m[i] / (std::sqrt(v_hat) / s.bias2_sqrt + s.eps);
  }
}

// vmax is null unless amsgrad.
template <typename T>
void adam_kernel(int64_t n, T* x, const T* grad, T* m, T* v, T* vmax, int64_t t, const AdamCoefficients& c) {
  // Bias corrections in double: β^t underflows gracefully and 1 − β^t keeps its digits.
  const double bias1 = 1 - std::pow(c.beta1, static_cast<double>(t));
  const double bias2 = 1 - std::pow(c.beta2, static_cast<double>(t));
  const AdamScalars<T> s{.step_size = static_cast<T>(c.lr / bias1),
                         .bias2_sqrt = static_cast<T>(std::sqrt(bias2)),
                         .b1 = static_cast<T>(c.beta1),
                         .b2 = static_cast<T>(c.beta2),
                         .eps = static_cast<T>(c.eps),
                         .l2 = static_cast<T>(c.l2_weight_decay),
                         .shrink = static_cast<T>(1 - c.lr * c.decoupled_weight_decay),
                         .sign = c.maximize ? T(-1) : T(1)};
  const bool decoupled = c.decoupled_weight_decay != 0, l2 = c.l2_weight_decay != 0;
  auto run = [&]<bool kDecoupled, bool kL2>() {
    if (vmax) adam_loop<T, kDecoupled, kL2, true>(n, x, grad, m, v, vmax, s);
    else adam_loop<T, kDecoupled, kL2, false>(n, x, grad, m, v, nullptr, s);
  };
  if (decoupled && l2) run.template operator()<true, true>();
  else if (decoupled) run.template operator()<true, false>();
  else if (l2) run.template operator()<false, true>();
  else run.template operator()<false, false>();
}

}  // namespace

void adam_step(std::string_view optimizer, const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
               const AdamCoefficients& c) {
  check_update(optimizer, param, grad);
  TG_CHECK(step >= 1, "{}: update: step {} should be >= 1", optimizer, step);
  if (!state.exp_avg.defined()) state.exp_avg = zeros_like(param);
  if (!state.exp_avg_sq.defined()) state.exp_avg_sq = zeros_like(param);
  if (c.amsgrad && !state.max_exp_avg_sq.defined()) state.max_exp_avg_sq = zeros_like(param);
  check_buffer(optimizer, "exp_avg", state.exp_avg, param);
  check_buffer(optimizer, "exp_avg_sq", state.exp_avg_sq, param);
  if (c.amsgrad) check_buffer(optimizer, "max_exp_avg_sq", state.max_exp_avg_sq, param);
  dispatch_floating(param.dtype(), optimizer, [&]<typename T>() {
    adam_kernel<T>(param.numel(), param.data_ptr<T>(), grad.data_ptr<T>(), state.exp_avg.data_ptr<T>(),
                   state.exp_avg_sq.data_ptr<T>(), c.amsgrad ? state.max_exp_avg_sq.data_ptr<T>() : nullptr, step, c);
  });
}

}  // namespace detail

void AdamOptions::check() const { detail::check_adam_options("Adam", lr, betas, eps, weight_decay); }

void adam_update(const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
                 const AdamOptions& options) {
  const auto& [beta1, beta2] = options.betas;
  detail::adam_step("Adam", param, grad, state, step,
                    {.lr = options.lr, .beta1 = beta1, .beta2 = beta2, .eps = options.eps,
                     .l2_weight_decay = options.weight_decay, .decoupled_weight_decay = 0,
                     .amsgrad = options.amsgrad, .maximize = options.maximize});
}

}  // namespace tg::optim
