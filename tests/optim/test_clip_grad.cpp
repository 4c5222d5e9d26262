// clip_grad_norm_ and clip_grad_value_ against hand-computed norms.
#include "optim_test_support.h"

#include <limits>

using namespace optim_test;
using namespace tg::optim;

namespace {

// Parameters whose gradients are set directly: a = [3, −4], b = [[12]] (float32), c has none.
struct Grads {
  tg::Tensor a = tg::zeros({2}, tg::kDouble).requires_grad_(true);
  tg::Tensor b = tg::zeros({1, 1}).requires_grad_(true);
  tg::Tensor c = tg::zeros({3}, tg::kDouble).requires_grad_(true);
  Grads() {
    a.set_grad(tg::tensor<double>({3, -4}));
    b.set_grad(tg::tensor<float>({12}, {1, 1}));
  }
  tg::tensor_list params() const { return {a, b, c}; }
};

}  // namespace

TEST_CASE("clip_grad_norm_ scales all gradients by max_norm / total norm", "[clip]") {
  Grads g;
  const double total = clip_grad_norm_(g.params(), 6.5);
  REQUIRE(total == Approx(13.0));  // √(9 + 16 + 144)
  const double coef = 6.5 / (13.0 + 1e-6);
  REQUIRE_THAT(values(g.a.grad()), Catch::Matchers::Approx(std::vector<double>{3 * coef, -4 * coef}));
  REQUIRE(values(g.b.grad())[0] == Approx(12 * coef).epsilon(1e-6));
  REQUIRE_FALSE(g.c.grad().defined());
}

TEST_CASE("clip_grad_norm_ leaves gradients under max_norm as they are", "[clip]") {
  Grads g;
  const double total = clip_grad_norm_(g.params(), 100.0);
  REQUIRE(total == Approx(13.0));
  REQUIRE(values(g.a.grad()) == std::vector<double>{3, -4});
}

TEST_CASE("clip_grad_norm_ with other norms", "[clip]") {
  const auto [p, expected] = GENERATE(std::pair{1.0, 19.0}, std::pair{kInfNorm, 12.0},
                                      std::pair{3.0, std::cbrt(27.0 + 64 + 1728)});
  Grads g;
  const double total = clip_grad_norm_(g.params(), 1.0, {.norm_type = p});
  REQUIRE(total == Approx(expected));
  REQUIRE(values(g.a.grad())[0] == Approx(3 / (expected + 1e-6)));
}

TEST_CASE("clip_grad_norm_ handles non-contiguous gradients and no gradients", "[clip]") {
  tg::Tensor p = tg::zeros({2, 2}, tg::kDouble).requires_grad_(true);
  p.mutable_grad() = tg::tensor<double>({3, 0, 4, 0}, {2, 2}).t();  // [[3, 4], [0, 0]]
  const double total = clip_grad_norm_({p}, 1.0);
  REQUIRE(total == Approx(5.0));
  REQUIRE_THAT(values(p.grad()), Catch::Matchers::Approx(std::vector<double>{0.6, 0.8, 0, 0}));
  tg::Tensor q = tg::zeros({2}).requires_grad_(true);
  REQUIRE(clip_grad_norm_({q}, 1.0) == 0.0);
}

TEST_CASE("clip_grad_norm_ and non-finite gradients", "[clip]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  tg::Tensor p = tg::zeros({3}, tg::kDouble).requires_grad_(true);
  for (double norm_type : {2.0, kInfNorm}) {
    p.set_grad(tg::tensor<double>({1, nan, 2}));
    INFO("norm_type " << norm_type);
    REQUIRE_THROWS_WITH(clip_grad_norm_({p}, 1.0, {.norm_type = norm_type, .error_if_nonfinite = true}),
                        Catch::Contains("clip_grad_norm_") && Catch::Contains("nan"));
    REQUIRE(std::isnan(clip_grad_norm_({p}, 1.0, {.norm_type = norm_type})));
  }
  p.set_grad(tg::tensor<double>({1, std::numeric_limits<double>::infinity(), 2}));
  REQUIRE_THROWS_WITH(clip_grad_norm_({p}, 1.0, {.error_if_nonfinite = true}), Catch::Contains("inf"));
}

TEST_CASE("clip_grad_value_ clamps every element", "[clip]") {
  Grads g;
  clip_grad_value_(g.params(), 3.5);
  REQUIRE(values(g.a.grad()) == std::vector<double>{3, -3.5});
  REQUIRE(values(g.b.grad()) == std::vector<double>{3.5});
  REQUIRE_FALSE(g.c.grad().defined());
  tg::Tensor p = tg::zeros({2, 2}, tg::kDouble).requires_grad_(true);
  p.mutable_grad() = tg::tensor<double>({-5, 1, 0.5, 9}, {2, 2}).t();
  clip_grad_value_({p}, 1.0);
  REQUIRE(values(p.grad()) == std::vector<double>{-1, 0.5, 1, 1});
}

TEST_CASE("clipping errors", "[clip]") {
  Grads g;
  REQUIRE_THROWS_WITH(clip_grad_norm_(g.params(), 1.0, {.norm_type = 0}),
                      Catch::Contains("clip_grad_norm_") && Catch::Contains("norm_type"));
  REQUIRE_THROWS_WITH(clip_grad_norm_(g.params(), -1.0), Catch::Contains("max_norm"));
  REQUIRE_THROWS_WITH(clip_grad_value_(g.params(), -1.0), Catch::Contains("clip_grad_value_"));
  REQUIRE_THROWS_WITH(clip_grad_value_({tg::Tensor()}, 1.0), Catch::Contains("undefined"));
  tg::Tensor i = tg::zeros({2}, tg::kLong);
  i.mutable_grad() = tg::ones({2}, tg::kLong);
  REQUIRE_THROWS_WITH(clip_grad_norm_({i}, 1.0), Catch::Contains("clip_grad_norm_") && Catch::Contains("int64"));
}

TEST_CASE("clipping large gradients (the multi-threaded loops)", "[clip]") {
  const int64_t n = 3 * kParallelGrain;
  tg::Tensor p = tg::zeros({n}, tg::kDouble).requires_grad_(true);
  p.set_grad(tg::full({n}, -2.0, tg::kDouble));
  REQUIRE(clip_grad_norm_({p}, 1.0, {.norm_type = kInfNorm}) == 2.0);
  const double total = clip_grad_norm_({p}, 1.0);
  REQUIRE(total == Approx(1.0 / (2.0 + 1e-6) * 2.0 * std::sqrt(static_cast<double>(n))));
  const Vec g = values(p.grad());
  REQUIRE(g.front() == Approx(-1.0 / std::sqrt(static_cast<double>(n))));
  REQUIRE(g.back() == g.front());
  clip_grad_value_({p}, 1e-3);
  REQUIRE(values(p.grad()).back() == -1e-3);
}
