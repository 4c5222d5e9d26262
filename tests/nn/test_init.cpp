// Initialisation: empirical variances match the formulas; the deep-network demonstration.
#include <tapegrad/nn.h>

#include <catch2/catch.hpp>

#include <cmath>

using namespace tg;
namespace init = tg::nn::init;

namespace {
double variance(const Tensor& t) { return t.to(kDouble).var().item<double>(); }
}  // namespace

TEST_CASE("fans and gains", "[nn][init]") {
  REQUIRE(init::calculate_fan_in_and_fan_out(zeros({256, 784})) == std::pair<int64_t, int64_t>{784, 256});
  REQUIRE(init::calculate_fan_in_and_fan_out(zeros({32, 16, 3, 3})) == std::pair<int64_t, int64_t>{144, 288});
  REQUIRE(init::calculate_gain("relu") == Approx(std::sqrt(2.0)));
  REQUIRE(init::calculate_gain("tanh") == Approx(5.0 / 3.0));
  REQUIRE(init::calculate_gain("leaky_relu", 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  REQUIRE_THROWS_WITH(init::calculate_gain("swish"), Catch::Contains("swish"));
  REQUIRE_THROWS_WITH(init::calculate_fan_in_and_fan_out(zeros({5})), Catch::Contains("[5]"));
}

TEST_CASE("empirical variance of each init matches its formula", "[nn][init]") {
  manual_seed(0);
  Tensor w = empty({400, 600});
  const double fan_in = 600, fan_out = 400;
  init::xavier_uniform_(w);
  REQUIRE(variance(w) == Approx(2.0 / (fan_in + fan_out)).epsilon(0.03));
  REQUIRE(w.abs().max().item<float>() <= std::sqrt(6.0 / (fan_in + fan_out)) + 1e-6);
  init::xavier_normal_(w, 2.0);
  REQUIRE(variance(w) == Approx(4.0 * 2.0 / (fan_in + fan_out)).epsilon(0.03));
  init::kaiming_normal_(w, {.nonlinearity = "relu"});
  REQUIRE(variance(w) == Approx(2.0 / fan_in).epsilon(0.03));
  init::kaiming_uniform_(w, {.mode = init::FanMode::FanOut, .nonlinearity = "relu"});
  REQUIRE(variance(w) == Approx(2.0 / fan_out).epsilon(0.03));
  init::lecun_normal_(w);
  REQUIRE(variance(w) == Approx(1.0 / fan_in).epsilon(0.03));
  init::normal_(w, 1.0, 0.5);
  REQUIRE(w.to(kDouble).mean().item<double>() == Approx(1.0).epsilon(0.01));
  REQUIRE(variance(w) == Approx(0.25).epsilon(0.03));
  init::uniform_(w, -3, 1);
  REQUIRE(variance(w) == Approx(16.0 / 12.0).epsilon(0.03));
  init::constant_(w, 0.5);
  REQUIRE(equal(w, full({400, 600}, 0.5)));
  Tensor q = empty({6, 10});
  init::orthogonal_(q);
  REQUIRE(allclose(matmul(q, q.t()), eye(6), 1e-5, 1e-5));
  Tensor tall = empty({10, 4});
  init::orthogonal_(tall, 2.0);
  REQUIRE(allclose(matmul(tall.t(), tall), eye(4) * 4.0, 1e-5, 1e-5));
}

TEST_CASE("Linear's default init is PyTorch's U(-1/sqrt(in), 1/sqrt(in))", "[nn][init]") {
  manual_seed(1);
  nn::Linear fc(900, 500);
  const double bound = 1.0 / 30.0;
  REQUIRE(fc.weight.abs().max().item<float>() <= bound + 1e-6);
  REQUIRE(variance(fc.weight) == Approx(bound * bound / 3.0).epsilon(0.03));
  REQUIRE(fc.bias.abs().max().item<float>() <= bound + 1e-6);
}

// The classic demonstration (CS231n, "weight initialization"): push unit-variance data through 10
// layers and look at the last layer's activations.
namespace {
double last_layer_std(const std::string& nonlinearity, const std::function<void(Tensor&)>& init_fn) {
  manual_seed(7);
  Tensor h = randn({500, 256});
  for (int layer = 0; layer < 10; ++layer) {
    Tensor w = empty({256, 256});
    init_fn(w);
    h = matmul(h, w.t());
    h = nonlinearity == "tanh" ? tanh(h) : relu(h);
  }
  return h.to(kDouble).std().item<double>();
}
}  // namespace

TEST_CASE("deep tanh/ReLU nets keep healthy activations with Xavier/He and collapse with small init",
          "[nn][init]") {
  const double small_tanh = last_layer_std("tanh", [](Tensor& w) { init::normal_(w, 0.0, 0.01); });
  const double xavier_tanh = last_layer_std("tanh", [](Tensor& w) { init::xavier_normal_(w, init::calculate_gain("tanh")); });
  const double small_relu = last_layer_std("relu", [](Tensor& w) { init::normal_(w, 0.0, 0.01); });
  const double he_relu = last_layer_std("relu", [](Tensor& w) { init::kaiming_normal_(w, {.nonlinearity = "relu"}); });
  INFO("tanh: small " << small_tanh << ", xavier " << xavier_tanh << "; relu: small " << small_relu << ", he " << he_relu);
  REQUIRE(small_tanh < 1e-6);
  REQUIRE(small_relu < 1e-6);
  REQUIRE(xavier_tanh > 0.2);
  REQUIRE(he_relu > 0.3);
  REQUIRE(he_relu < 3.0);
}
