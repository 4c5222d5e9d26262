#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/optim/clip_grad.h>
#include <tapegrad/optim/optimizer.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tg::optim {
namespace {

// Runs f(T* g, n) on each defined gradient's elements, in place: a non-contiguous gradient is
// worked on as a contiguous copy and written back.
template <typename F> void for_each_grad(const tensor_list& params, std::string_view op, F&& f) {
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    TG_CHECK(p.defined(), "{}: a parameter is an undefined tensor", op);
    const Tensor& grad = p.grad();
    if (!grad.defined()) continue;
    Tensor target = grad.detach();
    Tensor work = target.contiguous();
    dispatch_floating(work.dtype(), op, [&]<typename T>() { f(work.data_ptr<T>(), work.numel()); });
    if (!target.is_contiguous()) target.copy_(work);
    detail::bump_version(grad);
  }
}

// Σ|g|^p (p finite) or max|g| over n elements, accumulated in double; NaN propagates.
template <typename T> double norm_part(const T* g, int64_t n, double p) {
  double acc = 0;
  if (std::isinf(p)) {
    bool nan = false;
#pragma omp parallel for reduction(max : acc) reduction(|| : nan) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      acc = std::max(acc, std::abs(static_cast<double>(g[i])));
      nan = nan || std::isnan(g[i]);
    }
    if (nan) acc = std::numeric_limits<double>::quiet_NaN();
  } else if (p == 2) {
#pragma omp parallel for reduction(+ : acc) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(g[i]) * static_cast<double>(g[i]);
  } else {
#pragma omp parallel for reduction(+ : acc) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) acc += std::pow(std::abs(static_cast<double>(g[i])), p);
  }
  return acc;
}

}  // namespace

double clip_grad_norm_(const tensor_list& params, double max_norm, ClipGradNormOptions options) {
  const double p = options.norm_type;
  TG_CHECK(p > 0, "clip_grad_norm_: norm_type {} should be > 0 (or kInfNorm)", p);
  TG_CHECK(max_norm >= 0, "clip_grad_norm_: max_norm {} should be >= 0", max_norm);
  double acc = 0;
  bool any = false;
  {
    NoGradGuard no_grad;
    for (const Tensor& param : params) {
      TG_CHECK(param.defined(), "clip_grad_norm_: a parameter is an undefined tensor");
      const Tensor& grad = param.grad();
      if (!grad.defined()) continue;
      any = true;
      const Tensor g = grad.detach().contiguous();
      const double part = dispatch_floating(g.dtype(), "clip_grad_norm_", [&]<typename T>() {
        return norm_part<T>(g.data_ptr<T>(), g.numel(), p);
      });
      if (!std::isinf(p)) {
        acc += part;
      } else if (std::isnan(part) || part > acc) {  // once NaN, acc stays NaN
        acc = part;
      }
    }
  }
  if (!any) return 0.0;
  const double total = std::isinf(p) ? acc : std::pow(acc, 1.0 / p);
  TG_CHECK(!options.error_if_nonfinite || std::isfinite(total),
           "clip_grad_norm_: the total norm of order {} of the gradients is {}, so they cannot be clipped "
           "(set error_if_nonfinite = false to scale them anyway)",
           p, total);
  // As PyTorch: always multiply, by a factor clamped to at most 1 (1e-6 guards a zero norm).
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  for_each_grad(params, "clip_grad_norm_", [coef]<typename T>(T* g, int64_t n) {
    const T c = static_cast<T>(coef);
#pragma omp parallel for if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) g[i] *= c;
  });
  return total;
}

void clip_grad_value_(const tensor_list& params, double clip_value) {
  TG_CHECK(clip_value >= 0, "clip_grad_value_: clip_value {} should be >= 0", clip_value);
  for_each_grad(params, "clip_grad_value_", [clip_value]<typename T>(T* g, int64_t n) {
    const T hi = static_cast<T>(clip_value), lo = -hi;
#pragma omp parallel for if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) g[i] = std::clamp(g[i], lo, hi);
  });
}

}  // namespace tg::optim
