// Shared plumbing of the elementwise op files: output allocation, dtype promotion and kernel calls.
#pragma once

#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include "kernels/loop.h"
#include "ops/iter.h"

namespace tg {
// Elementwise copy with dtype conversion; src broadcasts to dst's shape. No autograd.
void kernel_copy(Tensor& dst, const Tensor& src);
}  // namespace tg

namespace tg::ops {

// The dtype of an arithmetic result: promoted, bool counted as int64.
inline DType arithmetic_dtype(const Tensor& a, const Tensor& b) {
  DType d = promote(a.dtype(), b.dtype());
  return d == kBool ? kLong : d;
}

// out = f(a, b) elementwise in compute dtype `dt` (inputs converted first), output dtype out_dt.
template <typename F>
Tensor binary_map(const Tensor& a, const Tensor& b, DType dt, DType out_dt, std::string_view op, int64_t grain, F f) {
  TG_CHECK(a.defined() && b.defined(), "{}: called with an undefined tensor", op);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor ca = a.dtype() == dt ? a : a.detach().to(dt);
  Tensor cb = b.dtype() == dt ? b : b.detach().to(dt);
  Tensor out = empty(shape, out_dt);
  auto loop = make_loop<3>(shape, {&out, &ca, &cb}, op);
  dispatch(dt, op, [&]<typename T>() {
    dispatch(out_dt, op, [&]<typename O>() {
      if constexpr (std::is_invocable_v<F, T, T>) {
        using R = std::invoke_result_t<F, T, T>;
        if constexpr (std::is_convertible_v<R, O>) {
          kernels::binary(loop, out.data_ptr<O>(), ca.data_ptr<T>(), cb.data_ptr<T>(), grain,
                          [&](T x, T y) { return static_cast<O>(f(x, y)); });
          return;
        }
      }
      TG_FAIL("{}: not defined for {} inputs", op, dt);
    });
  });
  return out;
}

// out = f(x) elementwise, computed and returned in dtype dt.
template <typename F> Tensor unary_map(const Tensor& x, DType dt, DType out_dt, std::string_view op, int64_t grain, F f) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  Tensor cx = x.dtype() == dt ? x : x.detach().to(dt);
  Tensor out = empty(x.shape(), out_dt);
  auto loop = make_loop<2>(x.shape(), {&out, &cx}, op);
  dispatch(dt, op, [&]<typename T>() {
    dispatch(out_dt, op, [&]<typename O>() {
      if constexpr (std::is_invocable_v<F, T>) {
        using R = std::invoke_result_t<F, T>;
        if constexpr (std::is_convertible_v<R, O>) {
          kernels::unary(loop, out.data_ptr<O>(), cx.data_ptr<T>(), grain, [&](T v) { return static_cast<O>(f(v)); });
          return;
        }
      }
      TG_FAIL("{}: not defined for {} inputs", op, dt);
    });
  });
  return out;
}

// Float ops on int/bool inputs compute in float32, as PyTorch does.
inline DType floating_dtype(const Tensor& x) { return is_floating(x.dtype()) ? x.dtype() : kFloat; }

}  // namespace tg::ops
