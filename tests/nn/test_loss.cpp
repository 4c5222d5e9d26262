// Losses: values against hand computation and PyTorch conventions; gradchecks.
#include <tapegrad/nn.h>

#include "gradcheck_support.h"

#include <cmath>

using namespace tg;
namespace F = tg::nn::functional;
using testing::leaf;

TEST_CASE("cross entropy: value, reductions, label smoothing, ignore_index", "[nn][loss]") {
  Tensor logits = tensor<double>({1, 2, 3, 1, 1, 1}, {2, 3});
  Tensor target = tensor<int64_t>({2, 0});
  const double l0 = std::log(std::exp(1) + std::exp(2) + std::exp(3)) - 3;
  const double l1 = std::log(3.0);
  REQUIRE(F::cross_entropy(logits, target).item<double>() == Approx((l0 + l1) / 2));
  REQUIRE(F::cross_entropy(logits, target, {.reduction = Reduction::Sum}).item<double>() == Approx(l0 + l1));
  Tensor none = F::cross_entropy(logits, target, {.reduction = Reduction::None});
  REQUIRE(allclose(none, tensor<double>({l0, l1})));
  REQUIRE(F::cross_entropy(logits, tensor<int64_t>({2, -100})).item<double>() == Approx(l0));
  // Smoothing 0.1: (1 - 0.1) nll + 0.1 * mean over classes of -log p.
  const double lse0 = l0 + 3;
  const double smooth0 = 0.9 * l0 + 0.1 * (lse0 - 2.0);
  REQUIRE(F::cross_entropy(logits.narrow(0, 0, 1), tensor<int64_t>({2}), {.label_smoothing = 0.1}).item<double>() ==
          Approx(smooth0));
  // Stable for huge logits.
  Tensor huge = tensor<float>({1000, -1000, 0}, {1, 3});
  REQUIRE(F::cross_entropy(huge, tensor<int64_t>({0})).item<float>() == Approx(0.0).margin(1e-6));
  REQUIRE(std::isfinite(F::cross_entropy(huge, tensor<int64_t>({1})).item<float>()));
}

TEST_CASE("cross entropy and nll gradchecks, including double backward", "[nn][loss]") {
  manual_seed(3);
  Tensor target = tensor<int64_t>({0, 2, 1, -100});
  for (double smoothing : {0.0, 0.2}) {
    auto ce = [&](const tensor_list& in) {
      return tensor_list{F::cross_entropy(in[0], target, {.label_smoothing = smoothing})};
    };
    testing::require_gradcheck(ce, {leaf({4, 3})}, /*second_order=*/true);
  }
  auto ce_none = [&](const tensor_list& in) {
    return tensor_list{F::cross_entropy(in[0], target, {.reduction = Reduction::None})};
  };
  testing::require_gradcheck(ce_none, {testing::transposed_leaf(4, 3)});
  auto nll = [&](const tensor_list& in) { return tensor_list{F::nll_loss(log_softmax(in[0], 1), target)}; };
  testing::require_gradcheck(nll, {leaf({4, 3})});
  // cross_entropy == nll_loss(log_softmax).
  Tensor x = randn({4, 3}, kDouble);
  REQUIRE(allclose(F::cross_entropy(x, target), F::nll_loss(log_softmax(x, 1), target)));
}

TEST_CASE("regression and binary losses", "[nn][loss]") {
  Tensor x = tensor<double>({0.0, 2.0, -1.0});
  Tensor y = tensor<double>({0.5, 0.0, -1.0});
  REQUIRE(F::mse_loss(x, y).item<double>() == Approx((0.25 + 4.0) / 3));
  REQUIRE(F::l1_loss(x, y, Reduction::Sum).item<double>() == Approx(2.5));
  REQUIRE(F::smooth_l1_loss(x, y).item<double>() == Approx((0.5 * 0.25 + 1.5 + 0) / 3));
  Tensor logits = tensor<double>({0.0, 100.0, -100.0});
  Tensor labels = tensor<double>({1.0, 1.0, 0.0});
  REQUIRE(F::binary_cross_entropy_with_logits(logits, labels, Reduction::None)[0].item<double>() ==
          Approx(std::log(2.0)));
  REQUIRE(F::binary_cross_entropy_with_logits(logits, labels).item<double>() == Approx(std::log(2.0) / 3));
  manual_seed(4);
  Tensor t = randn({3, 2}, kDouble);
  Tensor p = rand({3, 2}, kDouble);
  for (auto fn : {F::mse_loss, F::l1_loss}) {
    testing::require_gradcheck([&](const tensor_list& in) { return tensor_list{fn(in[0], t, Reduction::Mean)}; },
                               {leaf({3, 2}, true)});
  }
  testing::require_gradcheck(
      [&](const tensor_list& in) { return tensor_list{F::binary_cross_entropy_with_logits(in[0], p)}; }, {leaf({3, 2})},
      true);
  REQUIRE_THROWS_WITH(F::mse_loss(zeros({2}), zeros({3})), Catch::Contains("mse_loss") && Catch::Contains("[3]"));
}

TEST_CASE("loss errors name the op and the shapes", "[nn][loss]") {
  REQUIRE_THROWS_WITH(F::cross_entropy(zeros({2, 3}), tensor<int64_t>({0, 3})),
                      Catch::Contains("cross_entropy") && Catch::Contains("out of range"));
  REQUIRE_THROWS_WITH(F::cross_entropy(zeros({2, 3}), tensor<int64_t>({0})), Catch::Contains("[1]"));
  REQUIRE_THROWS_WITH(F::cross_entropy(zeros({2, 3}), zeros({2})), Catch::Contains("int64"));
  nn::CrossEntropyLoss criterion;
  REQUIRE(criterion(zeros({2, 4}), tensor<int64_t>({1, 2})).item<float>() == Approx(std::log(4.0)));
}
