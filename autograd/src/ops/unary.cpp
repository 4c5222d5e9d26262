// Math functions: pow, exp, log, sqrt, rsqrt, abs, sign, clamp. Float functions of int64/bool
// tensors compute in float32. Backward formulas are tensor ops (create_graph differentiates them
// again); each saves whatever makes its derivative cheapest, often its own output.
#include <cmath>
#include <concepts>
#include <limits>

#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

constexpr double kTwoPow63 = 9223372036854775808.0;

// out = f(x) computed in x's float dtype (float32 for int64/bool inputs).
template <typename F> Tensor float_unary(const Tensor& x, std::string_view op, int64_t grain, F f) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  const DType dt = ops::floating_dtype(x);
  return ops::unary_map(x, dt, dt, op, grain, f);
}

// base^exp in int64 with wrap-around on overflow; negative exponents truncate like integer
// division (1 for base 1, +-1 for base -1, else 0), as PyTorch does.
int64_t int_pow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return exp % 2 == 0 ? 1 : -1;
    return 0;
  }
  uint64_t result = 1, b = static_cast<uint64_t>(base);  // unsigned: overflow wraps instead of UB
  for (auto e = static_cast<uint64_t>(exp); e != 0; e >>= 1) {
    if (e & 1U) result *= b;
    b *= b;
  }
  return static_cast<int64_t>(result);
}

// A bound as a T; int64 bounds saturate so the cast is defined.
template <typename T> T saturate(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (v >= kTwoPow63) return std::numeric_limits<T>::max();
    if (v < -kTwoPow63) return std::numeric_limits<T>::min();
  }
  return static_cast<T>(v);
}

bool is_integral_value(double v) { return std::isfinite(v) && std::floor(v) == v; }

// True where lo <= x <= hi: where clamp lets the gradient through.
Tensor clamp_mask(const Tensor& x, double lo, double hi) {
  return ops::unary_map(x, x.dtype(), kBool, "clamp", kernels::kGrainSize,
                        [lo, hi](auto v) { return static_cast<double>(v) >= lo && static_cast<double>(v) <= hi; });
}

}  // namespace

Tensor pow(const Tensor& x, double p) {
  TG_CHECK(x.defined(), "pow: called with an undefined tensor");
  DType dt = x.dtype() == kBool ? kLong : x.dtype();
  if (!is_floating(dt) && !is_integral_value(p)) dt = kFloat;
  Tensor out;
  if (is_floating(dt)) {
    // Common exponents get exact, cheaper kernels than std::pow.
    if (p == 2.0) {
      out = ops::unary_map(x, dt, dt, "pow", kernels::kGrainSize, [](std::floating_point auto v) { return v * v; });
    } else if (p == 0.5) {
      out = ops::unary_map(x, dt, dt, "pow", kernels::kGrainSize, [](std::floating_point auto v) { return std::sqrt(v); });
    } else if (p == -1.0) {
      out = ops::unary_map(x, dt, dt, "pow", kernels::kGrainSize,
                           [](std::floating_point auto v) { return decltype(v)(1) / v; });
    } else {
      out = ops::unary_map(x, dt, dt, "pow", kernels::kGrainSizeTranscendental,
                           [p](std::floating_point auto v) { return std::pow(v, static_cast<decltype(v)>(p)); });
    }
  } else {
    TG_CHECK(p >= 0, "pow: integers to negative integer powers are not allowed (tensor of shape {}, {}, exponent {})",
             x.shape(), x.dtype(), p);
    const int64_t n = p < kTwoPow63 / 2 ? static_cast<int64_t>(p) : int64_t{1} << 62;  // huge doubles are even
    out = ops::unary_map(x, dt, dt, "pow", kernels::kGrainSize,
                         [n](std::same_as<int64_t> auto v) { return int_pow(v, n); });
  }
  if (needs_grad({x})) {
    // d x^p / dx = p x^(p-1); zero for p = 0 (PyTorch's convention, also at x = 0).
    record("PowBackward", {x}, {out}, {x}, [p](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      if (p == 0.0) return {zeros_like(g)};
      if (p == 2.0) return {g * s[0] * 2.0};
      return {g * pow(s[0], p - 1.0) * p};
    });
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  const DType dt = ops::arithmetic_dtype(a, b);
  Tensor out = ops::binary_map(a, b, dt, dt, "pow", kernels::kGrainSizeTranscendental, [](auto x, auto y) {
    if constexpr (std::is_floating_point_v<decltype(x)>) return std::pow(x, y);
    else return int_pow(x, y);
  });
  if (needs_grad({a, b})) {
    // d/da = b a^(b-1) (0 where b = 0); d/db = a^b log(a) (0 where a = 0 and b >= 0, as in PyTorch).
    record("PowBackward", {a, b}, {out}, {a, b, out}, [](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
      Tensor ga, gb;
      if (n[0]) ga = where(s[1] != 0.0, g * s[1] * pow(s[0], s[1] - 1.0), 0.0);
      if (n[1]) {
        const DType cdt = promote(s[0].dtype(), s[1].dtype());
        Tensor defined = ops::binary_map(s[0], s[1], cdt, kBool, "pow", kernels::kGrainSize,
                                         [](auto x, auto y) { return !(x == 0 && y >= decltype(y)(0)); });
        gb = where(defined, g * s[2] * log(s[0]), 0.0);
      }
      return {ga, gb};
    });
  }
  return out;
}

Tensor exp(const Tensor& x) {
  Tensor out = float_unary(x, "exp", kernels::kGrainSizeTranscendental, [](std::floating_point auto v) { return std::exp(v); });
  if (needs_grad({x})) {
    record("ExpBackward", {x}, {out}, {out}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {g * s[0]};  // d e^x = e^x
    });
  }
  return out;
}

Tensor log(const Tensor& x) {
  Tensor out = float_unary(x, "log", kernels::kGrainSizeTranscendental, [](std::floating_point auto v) { return std::log(v); });
  if (needs_grad({x})) {
    record("LogBackward", {x}, {out}, {x}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {g / s[0]};
    });
  }
  return out;
}

Tensor sqrt(const Tensor& x) {
  Tensor out = float_unary(x, "sqrt", kernels::kGrainSize, [](std::floating_point auto v) { return std::sqrt(v); });
  if (needs_grad({x})) {
    record("SqrtBackward", {x}, {out}, {out}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {g / (s[0] * 2.0)};  // d sqrt(x) = 1 / (2 sqrt(x))
    });
  }
  return out;
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = float_unary(x, "rsqrt", kernels::kGrainSize,
                           [](std::floating_point auto v) { return decltype(v)(1) / std::sqrt(v); });
  if (needs_grad({x})) {
    record("RsqrtBackward", {x}, {out}, {out}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {g * pow(s[0], 3.0) * -0.5};  // d x^(-1/2) = -x^(-3/2) / 2
    });
  }
  return out;
}

Tensor abs(const Tensor& x) {
  TG_CHECK(x.defined(), "abs: called with an undefined tensor");
  Tensor out = ops::unary_map(x, x.dtype(), x.dtype(), "abs", kernels::kGrainSize, [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, bool>) return v;
    // -INT64_MIN overflows: negate in unsigned arithmetic (it stays INT64_MIN, as in PyTorch).
    else if constexpr (std::is_integral_v<T>) return v < 0 ? static_cast<T>(0ULL - static_cast<uint64_t>(v)) : v;
    else return std::abs(v);
  });
  if (needs_grad({x})) {
    record("AbsBackward", {x}, {out}, {x}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {g * sign(s[0])};
    });
  }
  return out;
}

Tensor sign(const Tensor& x) {
  TG_CHECK(x.defined(), "sign: called with an undefined tensor");
  Tensor out = ops::unary_map(x, x.dtype(), x.dtype(), "sign", kernels::kGrainSize, [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, bool>) return v;
    else if constexpr (std::is_integral_v<T>) return static_cast<T>((v > 0) - (v < 0));
    else {
      const T s = static_cast<T>(v > 0) - static_cast<T>(v < 0);  // no branch on the sign
      return std::isnan(v) ? v : s;                                 // NaN stays NaN
    }
  });
  if (needs_grad({x})) {
    // Piecewise constant: the gradient is zero (defined, so sign can sit inside a graph).
    record("SignBackward", {x}, {out}, {}, [](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {zeros_like(g)};
    });
  }
  return out;
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  TG_CHECK(x.defined(), "clamp: called with an undefined tensor");
  TG_CHECK(min || max, "clamp: at least one of min and max must be given (tensor of shape {})", x.shape());
  DType dt = x.dtype() == kBool ? kLong : x.dtype();
  if (!is_floating(dt) && ((min && !is_integral_value(*min)) || (max && !is_integral_value(*max)))) dt = kFloat;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double lo = min.value_or(-kInf), hi = max.value_or(kInf);
  Tensor out = dispatch_numeric(dt, "clamp", [&]<typename T>() {
    const T l = saturate<T>(lo), h = saturate<T>(hi);
    // max(x, lo) then min(., hi): hi wins when lo > hi; NaN passes through both comparisons.
    return ops::unary_map(x, dt, dt, "clamp", kernels::kGrainSize, [l, h](std::same_as<T> auto v) {
      const T r = v < l ? l : v;
      return r > h ? h : r;
    });
  });
  if (needs_grad({x})) {
    record("ClampBackward", {x}, {out}, {x}, [lo, hi](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {where(clamp_mask(s[0], lo, hi), g, 0.0)};
    });
  }
  return out;
}

Tensor Tensor::exp() const { return tg::exp(*this); }
Tensor Tensor::log() const { return tg::log(*this); }
Tensor Tensor::sqrt() const { return tg::sqrt(*this); }
Tensor Tensor::rsqrt() const { return tg::rsqrt(*this); }
Tensor Tensor::abs() const { return tg::abs(*this); }
Tensor Tensor::sign() const { return tg::sign(*this); }
Tensor Tensor::pow(double exponent) const { return tg::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return tg::pow(*this, exponent); }
Tensor Tensor::clamp(std::optional<double> min, std::optional<double> max) const { return tg::clamp(*this, min, max); }

}  // namespace tg
