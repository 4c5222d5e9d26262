// Comparisons and masks (eq..ge, logical_not, isfinite, isnan, all, any, allclose, equal), which
// give bool tensors and are not differentiable, and the selections built on them: maximum, minimum
// and where.
#include <atomic>
#include <bit>
#include <cmath>

#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

// c ? x : y without a branch: a random mask would mispredict every other element (7x slower).
template <typename T> T branchless_select(bool c, T x, T y) {
  using U = std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
  static_assert(sizeof(U) == sizeof(T));
  const U mask = U(0) - U(c);
  return std::bit_cast<T>(static_cast<U>((std::bit_cast<U>(x) & mask) | (std::bit_cast<U>(y) & U(~mask))));
}

template <typename T> bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Bool mask cmp(a, b), compared in the promoted dtype of a and b.
template <typename Cmp> Tensor compare(const Tensor& a, const Tensor& b, std::string_view op, Cmp cmp) {
  TG_CHECK(a.defined() && b.defined(), "{}: called with an undefined tensor", op);
  return ops::binary_map(a, b, promote(a.dtype(), b.dtype()), kBool, op, kernels::kGrainSize, cmp);
}

// True when pred holds for some element. Each thread stops at its first hit or once another
// thread has found one.
template <typename Pred> bool any_element(const Tensor& x, std::string_view op, Pred pred) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  auto loop = ops::make_loop<1>(x.shape(), {&x}, op);
  const int64_t stride = loop.inner_stride(0);
  std::atomic<bool> found{false};
  dispatch(x.dtype(), op, [&]<typename T>() {
    const T* data = x.data_ptr<T>();
    kernels::parallel_rows(loop, kernels::kGrainSize, [&](const std::array<int64_t, 1>& offs, int64_t n) {
      if (found.load(std::memory_order_relaxed)) return;
      const T* row = data + offs[0];
      for (int64_t i = 0; i < n; ++i) {
        if (pred(row[i * stride])) {
          found.store(true, std::memory_order_relaxed);
          return;
        }
      }
    });
  });
  return found.load();
}

// Gradient share of the first operand of maximum (greater) / minimum: 1 where it was chosen,
// 1/2 on ties (the gradient is split evenly, as in PyTorch), 0 elsewhere.
Tensor select_weight(const Tensor& a, const Tensor& b, DType out_dtype, bool greater) {
  const DType dt = promote(a.dtype(), b.dtype());
  // Arithmetic on the comparisons rather than ?: keeps the loop free of branches.
  if (greater) {
    return ops::binary_map(a, b, dt, out_dtype, "maximum", kernels::kGrainSize, [](auto x, auto y) {
      const bool nan = is_nan(x);
      return static_cast<double>((x > y) | nan) + 0.5 * static_cast<double>(x == y);
    });
  }
  return ops::binary_map(a, b, dt, out_dtype, "minimum", kernels::kGrainSize, [](auto x, auto y) {
    const bool nan = is_nan(x);
    return static_cast<double>((x < y) | nan) + 0.5 * static_cast<double>(x == y);
  });
}

// maximum / minimum: a NaN in either operand wins, as in PyTorch.
Tensor select_binary(const Tensor& a, const Tensor& b, bool greater) {
  const char* op = greater ? "maximum" : "minimum";
  TG_CHECK(a.defined() && b.defined(), "{}: called with an undefined tensor", op);
  const DType dt = promote(a.dtype(), b.dtype());
  Tensor out = greater ? ops::binary_map(a, b, dt, dt, op, kernels::kGrainSize,
                                         [](auto x, auto y) { return (x > y || is_nan(x)) ? x : y; })
                       : ops::binary_map(a, b, dt, dt, op, kernels::kGrainSize,
                                         [](auto x, auto y) { return (x < y || is_nan(x)) ? x : y; });
  if (needs_grad({a, b})) {
    record(greater ? "MaximumBackward" : "MinimumBackward", {a, b}, {out}, {a, b},
           [greater](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
             Tensor w = select_weight(s[0], s[1], g.dtype(), greater);
             return {n[0] ? g * w : Tensor(), n[1] ? g * (1.0 - w) : Tensor()};
           });
  }
  return out;
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(a, b, "eq", [](auto x, auto y) { return x == y; }); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(a, b, "ne", [](auto x, auto y) { return x != y; }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(a, b, "lt", [](auto x, auto y) { return x < y; }); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(a, b, "le", [](auto x, auto y) { return x <= y; }); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(a, b, "gt", [](auto x, auto y) { return x > y; }); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(a, b, "ge", [](auto x, auto y) { return x >= y; }); }

Tensor logical_not(const Tensor& mask) {
  TG_CHECK(mask.defined(), "logical_not: called with an undefined tensor");
  return ops::unary_map(mask, mask.dtype(), kBool, "logical_not", kernels::kGrainSize,
                        [](auto v) { return v == decltype(v)(0); });
}

Tensor isfinite(const Tensor& x) {
  TG_CHECK(x.defined(), "isfinite: called with an undefined tensor");
  return ops::unary_map(x, x.dtype(), kBool, "isfinite", kernels::kGrainSize, [](auto v) {
    if constexpr (std::is_floating_point_v<decltype(v)>) return std::isfinite(v);
    else return true;
  });
}

Tensor isnan(const Tensor& x) {
  TG_CHECK(x.defined(), "isnan: called with an undefined tensor");
  return ops::unary_map(x, x.dtype(), kBool, "isnan", kernels::kGrainSize, [](auto v) {
    if constexpr (std::is_floating_point_v<decltype(v)>) return std::isnan(v);
    else return false;
  });
}

Tensor all(const Tensor& x) {
  return scalar_tensor(!any_element(x, "all", [](auto v) { return v == decltype(v)(0); }), kBool);
}

Tensor any(const Tensor& x) {
  return scalar_tensor(any_element(x, "any", [](auto v) { return v != decltype(v)(0); }), kBool);
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  // Equal values (infinities included) are close; an infinity is close only to itself; NaN to nothing.
  Tensor far = compare(a, b, "allclose", [rtol, atol](auto x, auto y) {
    const auto dx = static_cast<double>(x), dy = static_cast<double>(y);
    if (dx == dy) return false;
    return !(std::isfinite(dx) && std::isfinite(dy) && std::abs(dx - dy) <= atol + rtol * std::abs(dy));
  });
  return !any_element(far, "allclose", [](bool v) { return v; });
}

bool equal(const Tensor& a, const Tensor& b) {
  TG_CHECK(a.defined() && b.defined(), "equal: called with an undefined tensor");
  return a.shape() == b.shape() && !any_element(ne(a, b), "equal", [](bool v) { return v; });
}

Tensor maximum(const Tensor& a, const Tensor& b) { return select_binary(a, b, /*greater=*/true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return select_binary(a, b, /*greater=*/false); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  TG_CHECK(cond.defined() && a.defined() && b.defined(), "where: called with an undefined tensor");
  TG_CHECK(cond.dtype() == kBool, "where: the condition must be a bool tensor, got {} (shape {})", cond.dtype(),
           cond.shape());
  const Shape shape = broadcast_shapes(cond.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
  const DType dt = promote(a.dtype(), b.dtype());
  Tensor ca = a.dtype() == dt ? a : a.detach().to(dt);
  Tensor cb = b.dtype() == dt ? b : b.detach().to(dt);
  Tensor out = empty(shape, dt);
  auto loop = ops::make_loop<4>(shape, {&out, &cond, &ca, &cb}, "where");
  dispatch(dt, "where", [&]<typename T>() {
    kernels::ternary(loop, out.data_ptr<T>(), cond.data_ptr<bool>(), ca.data_ptr<T>(), cb.data_ptr<T>(),
                     kernels::kGrainSize, [](bool c, T x, T y) { return branchless_select(c, x, y); });
  });
  if (needs_grad({a, b})) {
    record("WhereBackward", {a, b}, {out}, {cond}, [](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
      return {n[0] ? where(s[0], g, 0.0) : Tensor(), n[1] ? where(logical_not(s[0]), g, 0.0) : Tensor()};
    });
  }
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, double b) {
  TG_CHECK(a.defined(), "where: called with an undefined tensor");
  return where(cond, a, scalar_like(a, b));
}

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return eq(a, scalar_like(a, b)); }
Tensor operator!=(const Tensor& a, double b) { return ne(a, scalar_like(a, b)); }
Tensor operator<(const Tensor& a, double b) { return lt(a, scalar_like(a, b)); }
Tensor operator<=(const Tensor& a, double b) { return le(a, scalar_like(a, b)); }
Tensor operator>(const Tensor& a, double b) { return gt(a, scalar_like(a, b)); }
Tensor operator>=(const Tensor& a, double b) { return ge(a, scalar_like(a, b)); }

Tensor Tensor::eq(const Tensor& other) const { return tg::eq(*this, other); }
Tensor Tensor::ne(const Tensor& other) const { return tg::ne(*this, other); }
Tensor Tensor::lt(const Tensor& other) const { return tg::lt(*this, other); }
Tensor Tensor::le(const Tensor& other) const { return tg::le(*this, other); }
Tensor Tensor::gt(const Tensor& other) const { return tg::gt(*this, other); }
Tensor Tensor::ge(const Tensor& other) const { return tg::ge(*this, other); }
Tensor Tensor::eq(double other) const { return *this == other; }
Tensor Tensor::ne(double other) const { return *this != other; }
Tensor Tensor::lt(double other) const { return *this < other; }
Tensor Tensor::le(double other) const { return *this <= other; }
Tensor Tensor::gt(double other) const { return *this > other; }
Tensor Tensor::ge(double other) const { return *this >= other; }

}  // namespace tg
