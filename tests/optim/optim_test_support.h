// Test problems for the optimizers and a harness that runs an optimizer next to a reference.
//
// Gradients for the optimizer come from tapegrad's autograd; the reference gets the analytic gradient
// in doubles and implements the published update formula with plain loops, so the comparison never
// uses the implementation under test.
#pragma once

#include <tapegrad/autograd.h>
#include <tapegrad/optim.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace optim_test {

using Vec = std::vector<double>;
// One reference step: updates x in place from the gradient g at x; t counts steps from 1.
using RefStep = std::function<void(Vec& x, const Vec& g, int64_t t)>;
using MakeOptimizer = std::function<std::unique_ptr<tg::optim::Optimizer>(const tg::tensor_list&)>;

struct Problem {
  std::string name;
  Vec x0;
  tg::Shape shape;
  std::function<tg::Tensor(const tg::Tensor&)> loss;  // differentiable, for the optimizer
  std::function<Vec(const Vec&)> grad;                 // analytic, for the reference
};

// f(x) = ½ Σ a_i (x_i − c_i)², on a 2x2 parameter.
inline Problem quadratic() {
  static const Vec a = {1.0, 2.0, 3.0, 0.5}, c = {0.5, -1.0, 2.0, 0.0};
  return {"quadratic",
          {1.0, 0.5, -1.0, 2.0},
          {2, 2},
          [](const tg::Tensor& x) {
            const tg::Tensor ta = tg::tensor(a, {2, 2}).to(x.dtype()), tc = tg::tensor(c, {2, 2}).to(x.dtype());
            const tg::Tensor d = x - tc;
            return (ta * d * d).sum() * 0.5;
          },
          [](const Vec& x) {
            Vec g(x.size());
            for (size_t i = 0; i < x.size(); ++i) g[i] = a[i] * (x[i] - c[i]);
            return g;
          }};
}

// f(x, y) = (1 − x)² + 100 (y − x²)², from the classic start (−1.2, 1).
inline Problem rosenbrock() {
  return {"rosenbrock",
          {-1.2, 1.0},
          {2},
          [](const tg::Tensor& p) {
            const tg::Tensor x = p.select(0, 0), y = p.select(0, 1);
            const tg::Tensor u = 1.0 - x, w = y - x * x;
            return u * u + 100.0 * w * w;
          },
          [](const Vec& p) {
            const double x = p[0], y = p[1];
            return Vec{-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)};
          }};
}

inline Vec values(const tg::Tensor& t) {
  const tg::Tensor d = t.detach().to(tg::kDouble).contiguous();
  const double* p = d.data_ptr<double>();
  return Vec(p, p + d.numel());
}

inline tg::Tensor leaf(const Vec& x, const tg::Shape& shape, tg::DType dtype) {
  return tg::tensor(x, shape).to(dtype).requires_grad_(true);
}

// One forward/backward/step of `opt` on `problem` for parameter p.
inline void optimizer_step(tg::optim::Optimizer& opt, const Problem& problem, const tg::Tensor& p) {
  opt.zero_grad();
  problem.loss(p).backward();
  opt.step();
}

// Runs both for `steps` steps and checks every coordinate after every step: |x − x_ref| ≤ tol·max(1, |x_ref|).
inline void require_same_trajectory(const Problem& problem, const MakeOptimizer& make, RefStep reference,
                                    int steps = 8, tg::DType dtype = tg::kDouble, double tol = 1e-6) {
  tg::Tensor p = leaf(problem.x0, problem.shape, dtype);
  auto opt = make({p});
  Vec x = problem.x0;
  for (int64_t t = 1; t <= steps; ++t) {
    optimizer_step(*opt, problem, p);
    reference(x, problem.grad(x), t);
    const Vec got = values(p);
    size_t worst = 0;  // the element furthest from the reference, relative to the tolerance
    double worst_ratio = 0;
    bool finite = true;
    for (size_t i = 0; i < x.size(); ++i) {
      finite = finite && std::isfinite(x[i]);
      const double ratio = std::abs(got[i] - x[i]) / (tol * std::max(1.0, std::abs(x[i])));
      if (std::isnan(ratio) || ratio > worst_ratio) worst = i, worst_ratio = ratio;  // a NaN stays worst
    }
    INFO(problem.name << ", step " << t << ", element " << worst << ": got " << got[worst] << ", reference "
                      << x[worst]);
    REQUIRE(finite);
    REQUIRE(worst_ratio <= 1.0);
  }
}

template <typename Opt, typename Options> MakeOptimizer make(Options options) {
  return [options](const tg::tensor_list& params) -> std::unique_ptr<tg::optim::Optimizer> {
    return std::make_unique<Opt>(params, options);
  };
}

}  // namespace optim_test
