// add, sub, mul, div, neg and the operators. Each op: checks and kernel call, then its backward
// written with tensor ops (so create_graph differentiates it again). Un-broadcasting of the
// gradients happens once, in the engine.
#include <cmath>

#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

Tensor scalar_like(const Tensor& t, double s) {
  DType d = t.dtype();
  if (!is_floating(d) && (std::floor(s) != s || !std::isfinite(s))) d = kFloat;
  if (d == kBool) d = kLong;
  return scalar_tensor(s, d);
}

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  const DType dt = ops::arithmetic_dtype(a, b);
  Tensor out = dispatch(dt, "add", [&]<typename T>() {
    const T al = static_cast<T>(alpha);
    if (alpha == 1.0) return ops::binary_map(a, b, dt, dt, "add", kernels::kGrainSize, [](T x, T y) { return T(x + y); });
    return ops::binary_map(a, b, dt, dt, "add", kernels::kGrainSize, [al](T x, T y) { return T(x + al * y); });
  });
  if (needs_grad({a, b})) {
    record("AddBackward", {a, b}, {out}, {}, [alpha](const Tensor& g, const tensor_list&, Needs n) -> tensor_list {
      return {n[0] ? g : Tensor(), n[1] ? (alpha == 1.0 ? g : g * alpha) : Tensor()};
    });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  const DType dt = ops::arithmetic_dtype(a, b);
  Tensor out = dispatch(dt, "sub", [&]<typename T>() {
    const T al = static_cast<T>(alpha);
    return ops::binary_map(a, b, dt, dt, "sub", kernels::kGrainSize, [al](T x, T y) { return T(x - al * y); });
  });
  if (needs_grad({a, b})) {
    record("SubBackward", {a, b}, {out}, {}, [alpha](const Tensor& g, const tensor_list&, Needs n) -> tensor_list {
      return {n[0] ? g : Tensor(), n[1] ? g * -alpha : Tensor()};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  const DType dt = ops::arithmetic_dtype(a, b);
  Tensor out = ops::binary_map(a, b, dt, dt, "mul", kernels::kGrainSize, [](auto x, auto y) { return x * y; });
  if (needs_grad({a, b})) {
    record("MulBackward", {a, b}, {out}, {a, b}, [](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
      return {n[0] ? g * s[1] : Tensor(), n[1] ? g * s[0] : Tensor()};
    });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType dt = ops::arithmetic_dtype(a, b);
  if (!is_floating(dt)) dt = kFloat;  // true division, as in PyTorch
  Tensor out = ops::binary_map(a, b, dt, dt, "div", kernels::kGrainSize, [](auto x, auto y) { return x / y; });
  if (needs_grad({a, b})) {
    // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
    record("DivBackward", {a, b}, {out}, {a, b}, [](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
      return {n[0] ? g / s[1] : Tensor(), n[1] ? -g * s[0] / (s[1] * s[1]) : Tensor()};
    });
  }
  return out;
}

Tensor neg(const Tensor& x) {
  TG_CHECK(x.dtype() != kBool, "neg: not defined for bool tensors; use logical_not");
  Tensor out = ops::unary_map(x, x.dtype(), x.dtype(), "neg", kernels::kGrainSize, [](auto v) { return -v; });
  if (needs_grad({x})) {
    record("NegBackward", {x}, {out}, {}, [](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {-g};
    });
  }
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }
Tensor operator+(double a, const Tensor& b) { return add(scalar_like(b, a), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar_like(b, a), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar_like(b, a), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, double b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, double b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, double b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, double b) { return a.div_(b); }

Tensor Tensor::neg() const { return tg::neg(*this); }

}  // namespace tg
