// Shared test helpers: gradcheck with Catch2 reporting, and the input variants every
// differentiable op is checked on (contiguous, broadcast, non-contiguous).
#pragma once

#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace tg::testing {

// A float64 leaf requiring grad, with values drawn away from 0 when `away_from_zero` (to keep
// finite differences off the kinks of abs/relu/clamp/max).
inline Tensor leaf(const Shape& shape, bool away_from_zero = false, double scale = 1.0) {
  Tensor t = randn(shape, kDouble) * scale;
  if (away_from_zero) {
    NoGradGuard no_grad;
    t = t + sign(t) * 0.1 * scale;
  }
  return t.detach().requires_grad_(true);
}

// A float64 leaf that is a transposed (non-contiguous) view: logical shape {rows, cols}.
inline Tensor transposed_leaf(int64_t rows, int64_t cols, bool away_from_zero = false) {
  Tensor base = leaf({cols, rows}, away_from_zero).detach();
  Tensor t = base.t();
  REQUIRE_FALSE(t.is_contiguous());
  return t.requires_grad_(true);
}

// A float64 leaf that is every other column of a wider tensor (non-contiguous, strided).
inline Tensor strided_leaf(int64_t rows, int64_t cols, bool away_from_zero = false) {
  Tensor base = leaf({rows, 2 * cols}, away_from_zero).detach();
  Tensor t = base.slice(1, 0, 2 * cols, 2);
  REQUIRE_FALSE(t.is_contiguous());
  return t.requires_grad_(true);
}

// A tensor's elements as doubles, in logical (row-major) order.
inline std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  return {p, p + c.numel()};
}

// REQUIREs shape and elements (a NaN expected means a NaN got), naming the first wrong element.
inline void require_values(const Tensor& t, const Shape& shape, const std::vector<double>& expected,
                           double tol = 1e-6) {
  REQUIRE(t.shape() == shape);
  const std::vector<double> got = values(t);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", expected " << expected[i]);
    if (std::isnan(expected[i])) {
      REQUIRE(std::isnan(got[i]));
    } else {
      REQUIRE(got[i] == Approx(expected[i]).margin(tol));
    }
  }
}

// The three layouts every differentiable op is checked on ("contiguous", "transposed", "strided"),
// as float64 leaves of logical shape {rows, cols}.
inline Tensor layout_leaf(const std::string& layout, int64_t rows, int64_t cols, bool away_from_zero = false) {
  if (layout == "transposed") return transposed_leaf(rows, cols, away_from_zero);
  if (layout == "strided") return strided_leaf(rows, cols, away_from_zero);
  return leaf({rows, cols}, away_from_zero);
}

// REQUIREs that gradcheck (and gradgradcheck when asked) passes, printing the worst element.
inline void require_gradcheck(const autograd::DifferentiableFn& fn, const tensor_list& inputs, bool second_order = false,
                              autograd::GradcheckOptions options = {}) {
  auto first = autograd::gradcheck(fn, inputs, options);
  INFO(first.message);
  REQUIRE(first.ok);
  if (second_order) {
    auto second = autograd::gradgradcheck(fn, inputs, options);
    INFO(second.message);
    REQUIRE(second.ok);
  }
}

// Wraps a one-output function of n tensors for gradcheck.
template <typename F> autograd::DifferentiableFn one_output(F f) {
  return [f](const tensor_list& in) { return tensor_list{f(in)}; };
}

}  // namespace tg::testing
