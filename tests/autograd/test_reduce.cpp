// Reductions: sum, mean, var, std, prod, max/min, argmax/argmin, amax/amin, norm.
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
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

// [[1, 2, 3, 4], [2, 4, 6, 8]]
Tensor sample(DType dtype = kDouble) { return tensor<double>({1, 2, 3, 4, 2, 4, 6, 8}, {2, 4}).to(dtype); }

// The three layouts every differentiable reduction is checked on: {3, 4} float64 leaves.
Tensor layout_leaf(const std::string& layout) { return tg::testing::layout_leaf(layout, 3, 4, true); }

using Reduction = std::function<Tensor(const Tensor&, const Shape&, bool)>;

struct NamedReduction {
  std::string name;
  Reduction fn;
};

std::vector<NamedReduction> reductions() {
  return {
      {"sum", [](const Tensor& x, const Shape& d, bool k) { return sum(x, d, k); }},
      {"mean", [](const Tensor& x, const Shape& d, bool k) { return mean(x, d, k); }},
      {"var", [](const Tensor& x, const Shape& d, bool k) { return var(x, d, true, k); }},
      {"var_biased", [](const Tensor& x, const Shape& d, bool k) { return var(x, d, false, k); }},
      {"std", [](const Tensor& x, const Shape& d, bool k) { return tg::std(x, d, true, k); }},
      {"amax", [](const Tensor& x, const Shape& d, bool k) { return amax(x, d, k); }},
      {"amin", [](const Tensor& x, const Shape& d, bool k) { return amin(x, d, k); }},
      {"norm2", [](const Tensor& x, const Shape& d, bool k) { return norm(x, 2.0, d, k); }},
      {"norm3", [](const Tensor& x, const Shape& d, bool k) { return norm(x, 3.0, d, k); }},
      {"norm1", [](const Tensor& x, const Shape& d, bool k) { return norm(x, 1.0, d, k); }},
      {"norm_inf", [](const Tensor& x, const Shape& d, bool k) { return norm(x, INFINITY, d, k); }},
      {"logsumexp", [](const Tensor& x, const Shape& d, bool k) { return logsumexp(x, d, k); }},
  };
}

}  // namespace

// ---- forward values -------------------------------------------------------------------------

TEST_CASE("sum: values, dims, keepdim and dtypes", "[reduce]") {
  const Tensor x = sample();
  require_values(sum(x), {}, {30});
  require_values(sum(x, {1}), {2}, {10, 20});
  require_values(sum(x, {-1}, true), {2, 1}, {10, 20});
  require_values(sum(x, {0}), {4}, {3, 6, 9, 12});
  require_values(sum(x, {0, 1}, true), {1, 1}, {30});
  require_values(x.sum(-2, true), {1, 4}, {3, 6, 9, 12});

  const Tensor x3 = arange(24, kDouble).view({2, 3, 4});
  require_values(sum(x3, {0, 2}), {3}, {60, 92, 124});
  require_values(sum(x3, {2, 0}, true), {1, 3, 1}, {60, 92, 124});
  require_values(sum(x3.transpose(0, 2), {1}), {4, 2}, {12, 48, 15, 51, 18, 54, 21, 57});

  const Tensor i = tensor<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  REQUIRE(sum(i).dtype() == kLong);
  REQUIRE(sum(i).item<int64_t>() == 21);
  require_values(sum(i, {0}), {3}, {5, 7, 9});

  const Tensor b = tensor<bool>({true, false, true, true, false, true}, {2, 3});
  REQUIRE(sum(b).dtype() == kLong);
  REQUIRE(sum(b).item<int64_t>() == 4);
  require_values(sum(b, {1}), {2}, {2, 2});

  REQUIRE(sum(zeros({0, 3})).item<double>() == 0.0);
  require_values(sum(zeros({0, 3}), {0}), {3}, {0, 0, 0});
  require_values(sum(scalar_tensor(2.5, kDouble), {0}), {}, {2.5});
}

TEST_CASE("mean: values and dims", "[reduce]") {
  const Tensor x = sample();
  require_values(mean(x), {}, {3.75});
  require_values(mean(x, {1}), {2}, {2.5, 5});
  require_values(x.mean(0, true), {1, 4}, {1.5, 3, 4.5, 6});
  require_values(mean(sample(kFloat), {-1}), {2}, {2.5, 5});
}

TEST_CASE("var and std: unbiased and biased", "[reduce]") {
  for (DType dt : {kDouble, kFloat}) {
    const Tensor x = sample(dt);
    require_values(x.var(), {}, {37.5 / 7}, 1e-5);
    require_values(x.var(false), {}, {37.5 / 8}, 1e-5);
    require_values(x.std(), {}, {std::sqrt(37.5 / 7)}, 1e-5);
    require_values(var(x, {1}), {2}, {5.0 / 3, 20.0 / 3}, 1e-5);
    require_values(var(x, {-1}, false, true), {2, 1}, {1.25, 5}, 1e-5);
    require_values(var(x, {0}), {4}, {0.5, 2, 4.5, 8}, 1e-5);
    require_values(tg::std(x, {0}, false), {4}, {0.5, 1, 1.5, 2}, 1e-5);
    require_values(x.std({1}, true, true), {2, 1}, {std::sqrt(5.0 / 3), std::sqrt(20.0 / 3)}, 1e-5);
  }
  // Non-adjacent dims of a 3-d tensor, and a large offset (two-pass: no cancellation).
  const Tensor x3 = arange(24, kDouble).view({2, 3, 4});
  require_values(var(x3, {0, 2}, false), {3}, {37.25, 37.25, 37.25});
  require_values(tensor<float>({1e6F + 1, 1e6F + 2, 1e6F + 3}).var(), {}, {1.0}, 1e-6);
  // One element, unbiased: 0 / 0.
  REQUIRE(std::isnan(ones({1}, kDouble).var().item<double>()));
}

TEST_CASE("var and std: a braced or integer dim reduces that dim, not every element", "[reduce]") {
  const Tensor x = sample();
  require_values(x.var({0}), {4}, {0.5, 2, 4.5, 8}, 1e-12);
  require_values(x.var(0), {4}, {0.5, 2, 4.5, 8}, 1e-12);
  require_values(x.var({1}), {2}, {5.0 / 3, 20.0 / 3}, 1e-12);
  require_values(x.var(1, false, true), {2, 1}, {1.25, 5}, 1e-12);
  require_values(x.std({0}), {4}, {std::sqrt(0.5), std::sqrt(2.0), std::sqrt(4.5), std::sqrt(8.0)}, 1e-12);
  require_values(x.std(-1, false), {2}, {std::sqrt(1.25), std::sqrt(5.0)}, 1e-12);
  // The whole-tensor forms keep their meaning.
  require_values(x.var(true), {}, {37.5 / 7}, 1e-12);
  require_values(x.std(false), {}, {std::sqrt(37.5 / 8)}, 1e-12);
}

TEST_CASE("prod: all, one dim, dtypes and zeros", "[reduce]") {
  const Tensor x = tensor<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  require_values(x.prod(), {}, {720});
  require_values(prod(x, 1), {2}, {6, 120});
  require_values(prod(x, 0, true), {1, 3}, {4, 10, 18});
  require_values(prod(x.t(), -1), {3}, {4, 10, 18});
  require_values(prod(tensor<double>({2, 0, 3})), {}, {0});
  REQUIRE(prod(tensor<int64_t>({2, 3, 4})).item<int64_t>() == 24);
  REQUIRE(prod(tensor<int64_t>({2, 3, 4})).dtype() == kLong);
  REQUIRE(prod(tensor<bool>({true, true})).dtype() == kLong);
  REQUIRE(prod(zeros({0}, kDouble)).item<double>() == 1.0);
  require_values(prod(scalar_tensor(3.0, kDouble), 0), {}, {3});
}

TEST_CASE("max and min: all elements, along a dim, ties and NaN", "[reduce]") {
  const Tensor x = tensor<double>({3, 7, 7, -1, 9, 0}, {2, 3});
  REQUIRE(x.max().item<double>() == 9);
  REQUIRE(x.min().item<double>() == -1);
  REQUIRE(x.max().dim() == 0);

  auto [v, i] = x.max(1);
  require_values(v, {2}, {7, 9});
  REQUIRE(i.dtype() == kLong);
  require_values(i, {2}, {1, 1});  // the first of the tied 7s
  auto [v0, i0] = tg::min(x, 0, true);
  require_values(v0, {1, 3}, {-1, 7, 0});
  require_values(i0, {1, 3}, {1, 0, 1});
  auto [vt, it] = tg::max(x.t(), -1);  // non-contiguous input
  require_values(vt, {3}, {3, 9, 7});
  require_values(it, {3}, {0, 1, 0});

  // An inner size past the kernel's column block (256), reduced over the middle dim.
  const Tensor wide = arange(2 * 3 * 300, kDouble).view({2, 3, 300});
  auto [vw, iw] = tg::max(wide, 1);
  REQUIRE(iw.shape() == Shape{2, 300});
  REQUIRE(sum(iw).item<int64_t>() == 2 * 2 * 300);
  REQUIRE(sum(vw).item<double>() == 719700);
  REQUIRE(sum(argmin(wide, 1)).item<int64_t>() == 0);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor with_nan = tensor<double>({1, nan, 3});
  REQUIRE(std::isnan(with_nan.max().item<double>()));
  REQUIRE(std::isnan(amin(with_nan, {0}).item<double>()));
  REQUIRE(argmax(with_nan).item<int64_t>() == 1);

  REQUIRE(tensor<int64_t>({4, -2, 8}).max().item<int64_t>() == 8);
  REQUIRE(tensor<bool>({false, true}).max().item<bool>());
  REQUIRE(tensor<double>({-INFINITY, -INFINITY}).max().item<double>() == -INFINITY);

  auto [vs, is] = tg::max(scalar_tensor(4.0, kDouble), 0);
  REQUIRE(vs.item<double>() == 4.0);
  REQUIRE(is.item<int64_t>() == 0);
}

TEST_CASE("argmax and argmin: all elements or one dim, keepdim", "[reduce]") {
  const Tensor x = tensor<double>({3, 7, 7, -1, 9, 0}, {2, 3});
  REQUIRE(argmax(x).item<int64_t>() == 4);
  REQUIRE(argmax(x).dim() == 0);
  REQUIRE(x.argmin().item<int64_t>() == 3);
  require_values(argmax(x, std::nullopt, true), {1, 1}, {4});
  require_values(x.argmax(0), {3}, {0, 1, 0});
  require_values(x.argmax(-1, true), {2, 1}, {1, 1});
  require_values(x.argmin(1), {2}, {0, 0});
  require_values(argmax(x.t(), 1), {3}, {0, 1, 0});
  REQUIRE(argmax(tensor<int64_t>({2, 5, 5})).item<int64_t>() == 1);
  REQUIRE(argmax(x).requires_grad() == false);
}

TEST_CASE("amax and amin: one or several dims", "[reduce]") {
  const Tensor x3 = arange(24, kDouble).view({2, 3, 4});
  require_values(amax(x3, {}), {}, {23});
  require_values(amax(x3, {0, 2}), {3}, {15, 19, 23});
  require_values(amin(x3, {-1, 0}, true), {1, 3, 1}, {0, 4, 8});
  require_values(amax(x3, {1}), {2, 4}, {8, 9, 10, 11, 20, 21, 22, 23});
  require_values(amin(x3.transpose(0, 2), {2}), {4, 3}, {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  require_values(amax(zeros({0, 3}), {1}), {0}, {});
}

TEST_CASE("norm: p = 2, 1, 3, inf over all elements and dims", "[reduce]") {
  const Tensor v = tensor<double>({3, -4});
  REQUIRE(v.norm().item<double>() == Approx(5));
  REQUIRE(norm(v, 1).item<double>() == Approx(7));
  REQUIRE(norm(v, 3).item<double>() == Approx(std::cbrt(91.0)));
  REQUIRE(norm(v, INFINITY).item<double>() == Approx(4));
  REQUIRE(norm(v, -INFINITY).item<double>() == Approx(3));
  const Tensor m = tensor<float>({3, 4, 0, 6, 8, 0}, {2, 3});
  require_values(m.norm(2, {1}), {2}, {5, 10}, 1e-5);
  require_values(m.norm(2, {0}, true), {1, 3}, {std::sqrt(45.0), std::sqrt(80.0), 0}, 1e-5);
  require_values(norm(zeros({2}, kDouble)), {}, {0});
}

// ---- gradients ------------------------------------------------------------------------------

TEST_CASE("reductions: gradcheck over all elements and dims, on every layout", "[reduce]") {
  manual_seed(7);
  const auto layout = GENERATE(as<std::string>{}, "contiguous", "transposed", "strided");
  const auto dims = GENERATE(Shape{}, Shape{0}, Shape{1}, Shape{-1}, Shape{0, 1});
  const bool keepdim = GENERATE(false, true);
  for (const NamedReduction& r : reductions()) {
    INFO(r.name << " over " << fmt::format("{}", dims) << " keepdim " << keepdim << " on a " << layout << " leaf");
    const Tensor x = layout_leaf(layout);
    require_gradcheck(one_output([&](const tensor_list& in) { return r.fn(in[0], dims, keepdim); }), {x});
  }
}

TEST_CASE("reductions: gradcheck over non-adjacent dims of a 3-d tensor", "[reduce]") {
  manual_seed(8);
  const bool keepdim = GENERATE(false, true);
  for (const NamedReduction& r : reductions()) {
    INFO(r.name << " keepdim " << keepdim);
    const Tensor x = leaf({2, 3, 4}, true);
    require_gradcheck(one_output([&](const tensor_list& in) { return r.fn(in[0], {0, 2}, keepdim); }), {x});
    const Tensor xt = leaf({4, 3, 2}, true).detach().transpose(0, 2).requires_grad_(true);
    require_gradcheck(one_output([&](const tensor_list& in) { return r.fn(in[0], {2, 0}, keepdim); }), {xt});
  }
}

TEST_CASE("reductions: gradgradcheck", "[reduce]") {
  manual_seed(9);
  const auto dims = GENERATE(Shape{}, Shape{1}, Shape{0, 1});
  const bool keepdim = GENERATE(false, true);
  for (const NamedReduction& r : reductions()) {
    INFO(r.name << " over " << fmt::format("{}", dims) << " keepdim " << keepdim);
    const Tensor x = tg::testing::strided_leaf(3, 4, true);
    require_gradcheck(one_output([&](const tensor_list& in) { return r.fn(in[0], dims, keepdim); }), {x}, true);
  }
}

TEST_CASE("prod: gradcheck on every layout, with and without zeros", "[reduce]") {
  manual_seed(10);
  const auto layout = GENERATE(as<std::string>{}, "contiguous", "transposed", "strided");
  const int64_t dim = GENERATE(0, 1, -1);
  const bool keepdim = GENERATE(false, true);
  const Tensor x = layout_leaf(layout);
  require_gradcheck(one_output([&](const tensor_list& in) { return prod(in[0], dim, keepdim); }), {x});
  require_gradcheck(one_output([](const tensor_list& in) { return prod(in[0]); }), {x});
  {
    NoGradGuard no_grad;
    x.select(0, 1).select(0, 2).fill_(0.0);  // one zero
  }
  require_gradcheck(one_output([&](const tensor_list& in) { return prod(in[0], dim, keepdim); }), {x}, true);
  require_gradcheck(one_output([](const tensor_list& in) { return prod(in[0]); }), {x});
  {
    NoGradGuard no_grad;
    x.select(0, 0).select(0, 2).fill_(0.0);  // two zeros in column 2
  }
  require_gradcheck(one_output([&](const tensor_list& in) { return prod(in[0], dim, keepdim); }), {x}, true);
}

TEST_CASE("prod: gradient values with zeros", "[reduce]") {
  const Tensor x = tensor<double>({2, 0, 3, 4}).requires_grad_(true);
  prod(x).backward();
  require_values(x.grad(), {4}, {0, 24, 0, 0});
  const Tensor y = tensor<double>({2, 0, 0, 4}).requires_grad_(true);
  prod(y).backward();
  require_values(y.grad(), {4}, {0, 0, 0, 0});
  const Tensor z = tensor<double>({2, 5, 3}).requires_grad_(true);
  prod(z).backward();
  require_values(z.grad(), {3}, {15, 6, 10});
}

TEST_CASE("max and min along a dim: gradcheck on every layout", "[reduce]") {
  manual_seed(11);
  const auto layout = GENERATE(as<std::string>{}, "contiguous", "transposed", "strided");
  const int64_t dim = GENERATE(0, 1, -1);
  const bool keepdim = GENERATE(false, true);
  const Tensor x = layout_leaf(layout);
  require_gradcheck(one_output([&](const tensor_list& in) { return std::get<0>(tg::max(in[0], dim, keepdim)); }), {x},
                    true);
  require_gradcheck(one_output([&](const tensor_list& in) { return std::get<0>(tg::min(in[0], dim, keepdim)); }), {x});
  require_gradcheck(one_output([](const tensor_list& in) { return in[0].max(); }), {x});
  require_gradcheck(one_output([](const tensor_list& in) { return in[0].min(); }), {x});
}

TEST_CASE("max, amax: gradient goes to the selected index or is split among ties", "[reduce]") {
  const Tensor x = tensor<double>({1, 5, 5, 2, 0, 3}, {2, 3}).requires_grad_(true);
  std::get<0>(x.max(1)).sum().backward();
  require_values(x.grad(), {2, 3}, {0, 1, 0, 0, 0, 1});  // the returned (first) index of the tie

  const Tensor y = tensor<double>({1, 5, 5, 2, 0, 3}, {2, 3}).requires_grad_(true);
  amax(y, {1}).sum().backward();
  require_values(y.grad(), {2, 3}, {0, 0.5, 0.5, 0, 0, 1});

  const Tensor z = tensor<double>({4, 1, 4, 4}).requires_grad_(true);
  z.max().backward();
  require_values(z.grad(), {4}, {1.0 / 3, 0, 1.0 / 3, 1.0 / 3});

  const Tensor w = tensor<double>({4, 1, 1, 4}).requires_grad_(true);
  (amin(w, {0}) * 6.0).backward();
  require_values(w.grad(), {4}, {0, 3, 3, 0});
}

TEST_CASE("norm and std: gradient at zero is 0, not NaN", "[reduce]") {
  const Tensor x = zeros({3}, TensorOptions(kDouble).requires_grad(true));
  norm(x).backward();
  require_values(x.grad(), {3}, {0, 0, 0});
  const Tensor y = full({2, 3}, 2.0, TensorOptions(kDouble).requires_grad(true));
  tg::std(y, {1}).sum().backward();
  require_values(y.grad(), {2, 3}, {0, 0, 0, 0, 0, 0});
  // Second order through a zero slice stays finite.
  const Tensor z = tensor<double>({0, 0, 3, 4}, {2, 2}).requires_grad_(true);
  const Tensor g = autograd::grad({norm(z, 2, {1}).sum()}, {z}, {}, true, true)[0];
  require_values(g, {2, 2}, {0, 0, 0.6, 0.8});
  const Tensor gg = autograd::grad({g.sum()}, {z})[0];
  for (double v : values(gg)) REQUIRE(std::isfinite(v));
}

// ---- errors ---------------------------------------------------------------------------------

TEST_CASE("reductions: errors name the op and the shape", "[reduce]") {
  const Tensor x = zeros({2, 3});
  REQUIRE_THROWS_AS(sum(x, {2}), Error);
  REQUIRE_THROWS_WITH(sum(x, {2}), Catch::Contains("sum") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(mean(x, {-3}), Catch::Contains("mean") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(var(x, {0, 0}), Catch::Contains("var") && Catch::Contains("repeated"));
  REQUIRE_THROWS_WITH(tg::std(x, {5}), Catch::Contains("std") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(prod(x, 2), Catch::Contains("prod") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(amax(x, {3}), Catch::Contains("amax") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(tg::max(x, 2), Catch::Contains("max") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(argmin(x, 4), Catch::Contains("argmin") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(norm(x, 2, {7}), Catch::Contains("norm") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(norm(x, -1), Catch::Contains("norm") && Catch::Contains("p must be"));

  const Tensor empty_t = zeros({0, 3});
  REQUIRE_THROWS_WITH(empty_t.max(), Catch::Contains("max") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(empty_t.min(), Catch::Contains("min") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(argmax(empty_t), Catch::Contains("argmax") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(tg::max(empty_t, 0), Catch::Contains("max") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(amin(empty_t, {0}), Catch::Contains("amin") && Catch::Contains("[0, 3]"));

  const Tensor ints = tensor<int64_t>({1, 2, 3});
  REQUIRE_THROWS_WITH(var(ints, {}), Catch::Contains("var") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(norm(ints), Catch::Contains("norm") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(mean(ints), Catch::Contains("mean"));
  REQUIRE_THROWS_WITH(sum(Tensor()), Catch::Contains("sum"));
}
