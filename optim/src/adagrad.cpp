#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/optim/adagrad.h>

#include <cmath>

#include "update_check.h"

namespace tg::optim {

void AdagradOptions::check() const {
  TG_CHECK(lr >= 0, "Adagrad: invalid lr {} (expected >= 0)", lr);
  TG_CHECK(lr_decay >= 0, "Adagrad: invalid lr_decay {} (expected >= 0)", lr_decay);
  TG_CHECK(weight_decay >= 0, "Adagrad: invalid weight_decay {} (expected >= 0)", weight_decay);
  TG_CHECK(initial_accumulator_value >= 0, "Adagrad: invalid initial_accumulator_value {} (expected >= 0)",
           initial_accumulator_value);
  TG_CHECK(eps >= 0, "Adagrad: invalid eps {} (expected >= 0)", eps);
}

namespace {

template <typename T>
void adagrad_kernel(int64_t n, T* x, const T* grad, T* s, double clr, const AdagradOptions& o) {
  const T lr = static_cast<T>(clr), lambda = static_cast<T>(o.weight_decay), eps = static_cast<T>(o.eps);
#pragma omp parallel for if (n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    T g = o.maximize ? -grad[i] : grad[i];
    if (o.weight_decay != 0) g += lambda * x[i];
    s[i] += g * g;
    x[i] -= lr * g / (std::sqrt(s[i]) + eps);
  }
}

}  // namespace

void adagrad_update(const Tensor& param, const Tensor& grad, AdagradState& state, int64_t step,
                    const AdagradOptions& options) {
  detail::check_update("Adagrad", param, grad);
  TG_CHECK(step >= 1, "Adagrad: update: step {} should be >= 1", step);
  if (!state.sum.defined()) state.sum = full_like(param, options.initial_accumulator_value);
  detail::check_buffer("Adagrad", "sum", state.sum, param);
  const double clr = options.lr / (1 + static_cast<double>(step - 1) * options.lr_decay);
  dispatch_floating(param.dtype(), "Adagrad", [&]<typename T>() {
    adagrad_kernel<T>(param.numel(), param.data_ptr<T>(), grad.data_ptr<T>(), state.sum.data_ptr<T>(), clr, options);
  });
}

}  // namespace tg::optim
