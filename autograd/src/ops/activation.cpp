// Activations: tanh, sigmoid, relu, leaky_relu, elu, gelu. Float activations of int64/bool tensors
// compute in float32.
//
// The hot ones (tanh, sigmoid, relu, gelu) have a fused backward: one kernel g * f'(.) instead of
// a chain of tensor ops. That backward is itself a recorded op whose own backward is written with
// tensor ops, so create_graph still gives second (and higher) derivatives.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <numbers>

#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

constexpr double kInvSqrt2 = 1.0 / std::numbers::sqrt2;
constexpr double kInvSqrt2Pi = std::numbers::inv_sqrtpi / std::numbers::sqrt2;  // 1 / sqrt(2 pi)
constexpr double kTanhK0 = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;     // sqrt(2 / pi)
constexpr double kTanhK1 = 0.044715;

template <typename F> Tensor float_unary(const Tensor& x, std::string_view op, int64_t grain, F f) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  const DType dt = ops::floating_dtype(x);
  return ops::unary_map(x, dt, dt, op, grain, f);
}

// g * f'(y) in one kernel (g and y broadcast together), computed in their promoted dtype.
template <typename F> Tensor fused_grad(const Tensor& g, const Tensor& y, std::string_view op, int64_t grain, F f) {
  const DType dt = promote(g.dtype(), y.dtype());
  return ops::binary_map(g, y, dt, dt, op, grain, f);
}

// ---- tanh / sigmoid: derivatives in terms of the output y -------------------------------------

// g (1 - y^2)
Tensor tanh_backward(const Tensor& g, const Tensor& y) {
  Tensor out = fused_grad(g, y, "tanh_backward", kernels::kGrainSize,
                          [](std::floating_point auto gv, std::floating_point auto yv) { return gv * (1 - yv * yv); });
  if (needs_grad({g, y})) {
    record("TanhBackwardBackward", {g, y}, {out}, {g, y},
           [](const Tensor& gg, const tensor_list& s, Needs n) -> tensor_list {
             return {n[0] ? tanh_backward(gg, s[1]) : Tensor(), n[1] ? gg * s[0] * s[1] * -2.0 : Tensor()};
           });
  }
  return out;
}

// g y (1 - y)
Tensor sigmoid_backward(const Tensor& g, const Tensor& y) {
  Tensor out = fused_grad(g, y, "sigmoid_backward", kernels::kGrainSize,
                          [](std::floating_point auto gv, std::floating_point auto yv) { return gv * yv * (1 - yv); });
  if (needs_grad({g, y})) {
    record("SigmoidBackwardBackward", {g, y}, {out}, {g, y},
           [](const Tensor& gg, const tensor_list& s, Needs n) -> tensor_list {
             return {n[0] ? sigmoid_backward(gg, s[1]) : Tensor(), n[1] ? gg * s[0] * (1.0 - s[1] * 2.0) : Tensor()};
           });
  }
  return out;
}

// y > 0 ? g : 0. The mask is piecewise constant, so only g gets a gradient.
Tensor relu_backward(const Tensor& g, const Tensor& y) {
  Tensor out = fused_grad(g, y, "relu_backward", kernels::kGrainSize, [](auto gv, auto yv) {
    using T = decltype(gv);
    return yv > decltype(yv)(0) ? gv : T(0);
  });
  if (needs_grad({g})) {
    record("ReluBackwardBackward", {g}, {out}, {y}, [](const Tensor& gg, const tensor_list& s, Needs) -> tensor_list {
      return {relu_backward(gg, s[0])};
    });
  }
  return out;
}

// ---- gelu --------------------------------------------------------------------------------------

// Exact: x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2.
template <typename T> T gelu_exact(T x) { return T(0.5) * x * (T(1) + std::erf(x * T(kInvSqrt2))); }
// d/dx: Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi).
template <typename T> T gelu_exact_grad(T x) {
  return T(0.5) * (T(1) + std::erf(x * T(kInvSqrt2))) + x * std::exp(T(-0.5) * x * x) * T(kInvSqrt2Pi);
}
// Tanh form: x (1 + tanh(u)) / 2, u = k0 (x + k1 x^3).
template <typename T> T gelu_tanh(T x) {
  return T(0.5) * x * (T(1) + std::tanh(T(kTanhK0) * (x + T(kTanhK1) * x * x * x)));
}
// d/dx: (1 + t) / 2 + x (1 - t^2) u' / 2, t = tanh(u), u' = k0 (1 + 3 k1 x^2).
template <typename T> T gelu_tanh_grad(T x) {
  const T t = std::tanh(T(kTanhK0) * (x + T(kTanhK1) * x * x * x));
  const T du = T(kTanhK0) * (T(1) + T(3 * kTanhK1) * x * x);
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du;
}

// gelu''(x) with tensor ops (used only for second derivatives, so clarity over speed):
// exact phi(x) (2 - x^2); tanh form (1 - t^2) (u' + x u'' / 2 - x t u'^2), u'' = 6 k0 k1 x.
Tensor gelu_second_derivative(const Tensor& x, bool tanh_form) {
  Tensor x2 = x * x;
  if (!tanh_form) return exp(x2 * -0.5) * kInvSqrt2Pi * (2.0 - x2);
  Tensor t = tanh((x + x2 * x * kTanhK1) * kTanhK0);
  Tensor du = (x2 * (3 * kTanhK1) + 1.0) * kTanhK0;
  Tensor d2u = x * (6 * kTanhK0 * kTanhK1);
  return (1.0 - t * t) * (du + x * d2u * 0.5 - x * t * du * du);
}

// g gelu'(x)
Tensor gelu_backward(const Tensor& g, const Tensor& x, bool tanh_form) {
  Tensor out = tanh_form ? fused_grad(g, x, "gelu_backward", kernels::kGrainSizeTranscendental,
                                      [](std::floating_point auto gv, std::floating_point auto xv) {
                                        return gv * gelu_tanh_grad(xv);
                                      })
                         : fused_grad(g, x, "gelu_backward", kernels::kGrainSizeTranscendental,
                                      [](std::floating_point auto gv, std::floating_point auto xv) {
                                        return gv * gelu_exact_grad(xv);
                                      });
  if (needs_grad({g, x})) {
    record("GeluBackwardBackward", {g, x}, {out}, {g, x},
           [tanh_form](const Tensor& gg, const tensor_list& s, Needs n) -> tensor_list {
             return {n[0] ? gelu_backward(gg, s[1], tanh_form) : Tensor(),
                     n[1] ? gg * s[0] * gelu_second_derivative(s[1], tanh_form) : Tensor()};
           });
  }
  return out;
}

}  // namespace

Tensor tanh(const Tensor& x) {
  Tensor out = float_unary(x, "tanh", kernels::kGrainSizeTranscendental, [](std::floating_point auto v) { return std::tanh(v); });
  if (needs_grad({x})) {
    record("TanhBackward", {x}, {out}, {out}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {tanh_backward(g, s[0])};
    });
  }
  return out;
}

Tensor sigmoid(const Tensor& x) {
  // exp(-x) overflows to inf for very negative x, giving exactly 0: no NaN.
  Tensor out = float_unary(x, "sigmoid", kernels::kGrainSizeTranscendental,
                           [](std::floating_point auto v) { return decltype(v)(1) / (decltype(v)(1) + std::exp(-v)); });
  if (needs_grad({x})) {
    record("SigmoidBackward", {x}, {out}, {out}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {sigmoid_backward(g, s[0])};
    });
  }
  return out;
}

Tensor relu(const Tensor& x) {
  TG_CHECK(x.defined(), "relu: called with an undefined tensor");
  TG_CHECK(x.dtype() != kBool, "relu: not defined for bool tensors (shape {})", x.shape());
  Tensor out = ops::unary_map(x, x.dtype(), x.dtype(), "relu", kernels::kGrainSize, [](auto v) {
    using T = decltype(v);
    return !(v <= T(0)) ? v : T(0);  // written so that NaN passes through
  });
  if (needs_grad({x})) {
    // out > 0 exactly where x > 0, so the saved output gives the mask.
    record("ReluBackward", {x}, {out}, {out}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {relu_backward(g, s[0])};
    });
  }
  return out;
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  // max(x, 0) + slope min(x, 0): the same values as x > 0 ? x : slope x, without a branch that
  // random signs would mispredict.
  Tensor out = float_unary(x, "leaky_relu", kernels::kGrainSize, [negative_slope](std::floating_point auto v) {
    using T = decltype(v);
    return std::max(v, T(0)) + static_cast<T>(negative_slope) * std::min(v, T(0));
  });
  if (needs_grad({x})) {
    record("LeakyReluBackward", {x}, {out}, {x},
           [negative_slope](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             return {where(s[0] > 0.0, g, g * negative_slope)};
           });
  }
  return out;
}

Tensor elu(const Tensor& x, double alpha) {
  // expm1 keeps precision for small negative x.
  Tensor out = float_unary(x, "elu", kernels::kGrainSizeTranscendental, [alpha](std::floating_point auto v) {
    using T = decltype(v);
    return v > T(0) ? v : static_cast<T>(alpha) * std::expm1(v);
  });
  if (needs_grad({x})) {
    // For x <= 0: d alpha (e^x - 1) = alpha e^x = out + alpha.
    record("EluBackward", {x}, {out}, {x, out}, [alpha](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {where(s[0] > 0.0, g, g * (s[1] + alpha))};
    });
  }
  return out;
}

Tensor gelu(const Tensor& x, std::string_view approximate) {
  TG_CHECK(approximate == "none" || approximate == "tanh",
           "gelu: approximate must be \"none\" or \"tanh\", got \"{}\" (tensor of shape {})", approximate,
           x.defined() ? x.shape() : Shape{});
  const bool tanh_form = approximate == "tanh";
  Tensor out = tanh_form ? float_unary(x, "gelu", kernels::kGrainSizeTranscendental,
                                       [](std::floating_point auto v) { return gelu_tanh(v); })
                         : float_unary(x, "gelu", kernels::kGrainSizeTranscendental,
                                       [](std::floating_point auto v) { return gelu_exact(v); });
  if (needs_grad({x})) {
    record("GeluBackward", {x}, {out}, {x}, [tanh_form](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {gelu_backward(g, s[0], tanh_form)};
    });
  }
  return out;
}

Tensor Tensor::tanh() const { return tg::tanh(*this); }
Tensor Tensor::sigmoid() const { return tg::sigmoid(*this); }
Tensor Tensor::relu() const { return tg::relu(*this); }

}  // namespace tg
