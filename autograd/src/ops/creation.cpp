// Deterministic factories: constants, ranges, copies of user data.
#include <tapegrad/autograd/ops.h>

#include <cmath>
#include <cstring>

#include "kernels/loop.h"

namespace tg {

namespace {
template <typename F> Tensor fill_with(const Shape& shape, TensorOptions options, F value_at) {
  Tensor out = empty(shape, options.dtype_);
  dispatch(options.dtype_, "factory", [&]<typename T>() {
    T* p = out.data_ptr<T>();
    kernels::parallel_for(out.numel(), kernels::kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = static_cast<T>(value_at(i));
    });
  });
  if (options.requires_grad_) out.requires_grad_(true);
  return out;
}
}  // namespace

Tensor full(const Shape& shape, double value, TensorOptions options) {
  return fill_with(shape, options, [value](int64_t) { return value; });
}
Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }
Tensor scalar_tensor(double value, TensorOptions options) { return full({}, value, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  TG_CHECK(step != 0, "arange: step must be nonzero");
  TG_CHECK(std::isfinite(start) && std::isfinite(end), "arange: start {} and end {} must be finite", start, end);
  TG_CHECK((end - start) / step >= 0, "arange: the range [{}, {}) is empty or the step {} points the wrong way", start,
           end, step);
  const auto n = static_cast<int64_t>(std::ceil((end - start) / step));
  return fill_with({n}, options, [=](int64_t i) { return start + static_cast<double>(i) * step; });
}
Tensor arange(double end, TensorOptions options) { return arange(0, end, 1, options); }

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  TG_CHECK(steps >= 0, "linspace: steps must be non-negative, got {}", steps);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // The last point is exactly `end` (no rounding drift); one step gives `start`, as in PyTorch.
  return fill_with({steps}, options,
                   [=](int64_t i) { return i == steps - 1 && steps > 1 ? end : start + static_cast<double>(i) * step; });
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
  TG_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got {} x {}", n, m);
  return fill_with({n, m}, options, [m](int64_t i) { return (i / m == i % m) ? 1.0 : 0.0; });
}
Tensor eye(int64_t n, TensorOptions options) { return eye(n, n, options); }

Tensor empty_like(const Tensor& t, std::optional<DType> dtype) { return empty(t.shape(), dtype.value_or(t.dtype())); }
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) { return zeros(t.shape(), dtype.value_or(t.dtype())); }
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) { return ones(t.shape(), dtype.value_or(t.dtype())); }
Tensor full_like(const Tensor& t, double value, std::optional<DType> dtype) {
  return full(t.shape(), value, dtype.value_or(t.dtype()));
}

template <typename T> Tensor tensor(const std::vector<T>& values, const Shape& shape) {
  TG_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()),
           "tensor: {} values do not fill shape {} ({} elements)", values.size(), shape, shape_numel(shape));
  using Stored = std::conditional_t<std::is_same_v<T, int>, int64_t, T>;
  Tensor out = empty(shape, dtype_of<Stored>());
  Stored* p = out.data_ptr<Stored>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<Stored>(values[i]);
  return out;
}
template Tensor tensor<float>(const std::vector<float>&, const Shape&);
template Tensor tensor<double>(const std::vector<double>&, const Shape&);
template Tensor tensor<int64_t>(const std::vector<int64_t>&, const Shape&);
template Tensor tensor<int>(const std::vector<int>&, const Shape&);
template Tensor tensor<bool>(const std::vector<bool>&, const Shape&);

Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter) {
  TG_CHECK(data != nullptr || shape_numel(shape) == 0, "from_blob: null data for shape {}", shape);
  for (int64_t s : shape) TG_CHECK(s >= 0, "from_blob: negative size in shape {}", shape);
  auto storage = std::make_shared<Storage>(data, shape_numel(shape) * itemsize(dtype), std::move(deleter));
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), shape, contiguous_strides(shape), 0, dtype));
}

}  // namespace tg
