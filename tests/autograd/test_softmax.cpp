// softmax, log_softmax and logsumexp: values, stability, gradients (fused and graph-building).
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gradcheck_support.h"

using namespace tg;
using tg::testing::values;
using tg::testing::require_values;
using tg::testing::leaf;
using tg::testing::one_output;
using tg::testing::require_gradcheck;

namespace {

// One assertion on the worst element, so large tensors stay cheap to check.
void require_close(const Tensor& a, const Tensor& b, double tol) {
  REQUIRE(a.shape() == b.shape());
  const std::vector<double> va = values(a), vb = values(b);
  double worst = 0.0;
  size_t at = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    const double err = std::isnan(va[i]) != std::isnan(vb[i]) ? INFINITY : std::abs(va[i] - vb[i]);
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  INFO("worst element " << at);
  REQUIRE(worst <= tol);
}

Tensor layout_leaf(const std::string& layout) { return tg::testing::layout_leaf(layout, 3, 4); }

// softmax written with the unfused ops, as a reference.
Tensor reference_softmax(const Tensor& x, int64_t dim) {
  const Tensor e = exp(x - amax(x, {dim}, true));
  return e / sum(e, {dim}, true);
}

}  // namespace

TEST_CASE("softmax, log_softmax, logsumexp: values", "[softmax]") {
  for (DType dt : {kDouble, kFloat}) {
    const Tensor x = tensor<double>({1, 2, 3}).to(dt);
    require_values(softmax(x, 0), {3}, {0.09003057317038046, 0.24472847105479767, 0.6652409557748219});
    require_values(log_softmax(x, -1), {3}, {-2.4076059644443806, -1.4076059644443806, -0.4076059644443806}, 1e-5);
    require_values(logsumexp(x, {0}), {}, {3.4076059644443806}, 1e-5);
    REQUIRE(softmax(x, 0).dtype() == dt);
  }
  const Tensor m = tensor<double>({1, 2, 3, 1, 1, 1}, {2, 3});
  require_values(m.softmax(1), {2, 3},
                 {0.09003057317038046, 0.24472847105479767, 0.6652409557748219, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  require_values(m.softmax(0), {2, 3}, {0.5, 0.7310585786300049, 0.8807970779778823, 0.5, 0.2689414213699951,
                                        0.11920292202211769});
  require_values(m.logsumexp({1}, true), {2, 1}, {3.4076059644443806, 1 + std::log(3.0)});
  require_values(logsumexp(m, {}), {}, {std::log(std::exp(1) + std::exp(2) + std::exp(3) + 3 * std::exp(1))});
  require_values(softmax(scalar_tensor(5.0, kDouble), 0), {}, {1});
}

TEST_CASE("softmax: slices sum to 1 along every dim and match the unfused formula", "[softmax]") {
  manual_seed(1);
  // inner = 300 crosses the kernel's 256-column block; 40 x 300 x 3 is large enough to use threads.
  const Tensor x = randn({40, 300, 3}, kDouble) * 3.0;
  const int64_t dim = GENERATE(0, 1, 2, -1, -2);
  const Tensor y = softmax(x, dim);
  const Shape reduced = sum(x, {dim}).shape();
  require_close(sum(y, {dim}), ones(reduced, kDouble), 1e-12);
  require_close(y, reference_softmax(x, dim), 1e-12);
  require_close(log_softmax(x, dim), log(reference_softmax(x, dim)), 1e-10);
  require_close(logsumexp(x, {dim}), log(sum(exp(x), {dim})), 1e-10);
  // float32 agrees with float64.
  require_close(softmax(x.to(kFloat), dim), y, 1e-6);
  // Non-contiguous input.
  const Tensor xt = x.transpose(0, 2);
  require_close(softmax(xt, dim), reference_softmax(xt, dim), 1e-12);
}

TEST_CASE("softmax family: stable for large logits", "[softmax]") {
  for (DType dt : {kDouble, kFloat}) {
    const Tensor x = tensor<double>({1000, -1000, 0}).to(dt);
    require_values(softmax(x, 0), {3}, {1, 0, 0});
    require_values(log_softmax(x, 0), {3}, {0, -2000, -1000});
    require_values(logsumexp(x, {0}), {}, {1000});
    const Tensor big = tensor<double>({1000, 1000}).to(dt);
    require_values(softmax(big, 0), {2}, {0.5, 0.5});
    require_values(logsumexp(big, {0}), {}, {1000 + std::log(2.0)}, 1e-4);
    const Tensor neg = tensor<double>({-1000, -1001}, {2, 1}).to(dt);
    require_values(log_softmax(neg, 0), {2, 1}, {-std::log1p(std::exp(-1.0)), -1 - std::log1p(std::exp(-1.0))}, 1e-5);
  }
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE(logsumexp(tensor<double>({-inf, -inf}), {0}).item<double>() == -inf);
  REQUIRE(logsumexp(tensor<double>({inf, 1}), {0}).item<double>() == inf);
  require_values(softmax(tensor<double>({-inf, 0}), 0), {2}, {0, 1});
  REQUIRE(logsumexp(zeros({0, 2}, kDouble), {0}).shape() == Shape{2});
  REQUIRE(logsumexp(zeros({0, 2}, kDouble), {0}).max().item<double>() == -inf);

  // Gradients stay finite too.
  const Tensor x = tensor<double>({1000, -1000, 0}).requires_grad_(true);
  log_softmax(x, 0).select(0, 1).backward();
  require_values(x.grad(), {3}, {-1, 1, 0});
}

TEST_CASE("softmax, log_softmax: gradcheck and gradgradcheck on every layout", "[softmax]") {
  manual_seed(2);
  const auto layout = GENERATE(as<std::string>{}, "contiguous", "transposed", "strided");
  const int64_t dim = GENERATE(0, 1, -1);
  const Tensor x = layout_leaf(layout);
  INFO(layout << " dim " << dim);
  require_gradcheck(one_output([dim](const tensor_list& in) { return softmax(in[0], dim); }), {x}, true);
  require_gradcheck(one_output([dim](const tensor_list& in) { return log_softmax(in[0], dim); }), {x}, true);
}

TEST_CASE("softmax, log_softmax: gradcheck on a 3-d tensor (columns kernel)", "[softmax]") {
  manual_seed(3);
  const int64_t dim = GENERATE(0, 1, 2);
  const Tensor x = leaf({2, 3, 4});
  require_gradcheck(one_output([dim](const tensor_list& in) { return softmax(in[0], dim); }), {x}, true);
  require_gradcheck(one_output([dim](const tensor_list& in) { return log_softmax(in[0], dim); }), {x}, true);
}

TEST_CASE("softmax, log_softmax: fused backward equals the graph-building formula", "[softmax]") {
  manual_seed(4);
  const int64_t dim = GENERATE(0, 1, 2);
  const bool log = GENERATE(false, true);
  const Tensor x = randn({5, 300, 6}, kDouble).requires_grad_(true);
  const Tensor g = randn({5, 300, 6}, kDouble);
  const Tensor y = log ? log_softmax(x, dim) : softmax(x, dim);
  const Tensor fused = autograd::grad({y}, {x}, {g}, true, false)[0];
  const Tensor formula = autograd::grad({y}, {x}, {g}, true, true)[0];
  require_close(fused, formula, 1e-12);
  // A broadcast (stride-0) incoming gradient, as sum() produces.
  const Tensor expected = autograd::grad({y}, {x}, {full(y.shape(), 2.0, kDouble)}, true, true)[0];
  const Tensor via_sum = autograd::grad({(y * 2.0).sum()}, {x})[0];
  require_close(via_sum, expected, 1e-12);
}

TEST_CASE("logsumexp: gradcheck and gradgradcheck over dims", "[softmax]") {
  manual_seed(5);
  const auto dims = GENERATE(Shape{}, Shape{0}, Shape{-1}, Shape{0, 2}, Shape{1, 2});
  const bool keepdim = GENERATE(false, true);
  const Tensor x = leaf({2, 3, 4});
  require_gradcheck(one_output([&](const tensor_list& in) { return logsumexp(in[0], dims, keepdim); }), {x}, true);
  const Tensor xt = tg::testing::transposed_leaf(3, 4);
  require_gradcheck(one_output([&](const tensor_list& in) { return logsumexp(in[0], {-1}, keepdim); }), {xt}, true);
}

TEST_CASE("softmax family: errors name the op and the shape", "[softmax]") {
  const Tensor x = zeros({2, 3});
  REQUIRE_THROWS_AS(softmax(x, 2), Error);
  REQUIRE_THROWS_WITH(softmax(x, 2), Catch::Contains("softmax") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(log_softmax(x, -3), Catch::Contains("log_softmax") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(logsumexp(x, {0, -2}), Catch::Contains("logsumexp") && Catch::Contains("repeated"));
  REQUIRE_THROWS_WITH(logsumexp(x, {4}), Catch::Contains("logsumexp") && Catch::Contains("[2, 3]"));
  const Tensor ints = tensor<int64_t>({1, 2});
  REQUIRE_THROWS_WITH(softmax(ints, 0), Catch::Contains("softmax") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(logsumexp(ints, {}), Catch::Contains("logsumexp") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(softmax(Tensor(), 0), Catch::Contains("softmax"));
}
