// nn::utils::max_norm_: rows longer than c are scaled to norm c, shorter rows are left alone.
#include <tapegrad/nn.h>

#include <catch2/catch.hpp>

using namespace tg;

TEST_CASE("max_norm_ clamps long rows to c and leaves short rows bit-identical", "[nn][max_norm]") {
  const auto dtype = GENERATE(kFloat, kDouble);
  Tensor w = tensor<double>({3, 4, 0, 0,      // norm 5: clamped
                             0.1, 0.2, 0.2, 0,  // norm 0.3: untouched
                             0, 0, 0, 2},       // norm 2 == c: untouched
                            {3, 4})
                 .to(dtype)
                 .requires_grad_();
  const Tensor before = w.detach().clone();
  const uint64_t version = w.version();
  REQUIRE(nn::utils::max_norm_(w, 2.0) == 1);
  REQUIRE(w.version() > version);
  const Tensor norms = w.detach().to(kDouble).norm(2.0, {1});
  REQUIRE(norms[0].item<double>() == Approx(2.0).epsilon(1e-6));
  REQUIRE(w.detach()[0][0].item<double>() == Approx(1.2).epsilon(1e-6));  // direction kept: 3/5 * 2
  REQUIRE((w.detach().narrow(0, 1, 2) - before.narrow(0, 1, 2)).abs().max().item<double>() == 0.0);
  REQUIRE(w.is_leaf());
  REQUIRE(!w.grad().defined());
  // Nothing to clamp: no change at all, not even the version counter.
  const uint64_t after = w.version();
  REQUIRE(nn::utils::max_norm_(w, 10.0) == 0);
  REQUIRE(w.version() == after);
}

TEST_CASE("max_norm_ treats each conv filter as one unit", "[nn][max_norm]") {
  Tensor w = ones({2, 3, 2, 2});  // each filter has norm sqrt(12)
  w.narrow(0, 1, 1).mul_(0.1);    // the second has norm 0.1*sqrt(12) < 1
  REQUIRE(nn::utils::max_norm_(w, 1.0) == 1);
  const Tensor norms = w.reshape({2, -1}).norm(2.0, {1});
  REQUIRE(norms[0].item<double>() == Approx(1.0).epsilon(1e-6));
  REQUIRE(norms[1].item<double>() == Approx(0.1 * std::sqrt(12.0)).epsilon(1e-6));
}

TEST_CASE("max_norm_ rejects a bad bound or tensor", "[nn][max_norm]") {
  Tensor w = ones({2, 2});
  REQUIRE_THROWS_WITH(nn::utils::max_norm_(w, 0.0), Catch::Contains("max_norm_: the bound must be positive"));
  REQUIRE_THROWS_WITH(nn::utils::max_norm_(ones({2}, kLong), 1.0), Catch::Contains("max_norm_: expected a float"));
}
