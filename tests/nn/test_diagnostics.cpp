// TrainingDiagnostics: activation statistics, the dead-ReLU fraction, gradient norms and
// update/weight ratios, on layers whose values are known.
#include <tapegrad/nn.h>

#include <catch2/catch.hpp>

#include <cmath>

using namespace tg;

namespace {
// Linear(2 -> 4) whose units are, for inputs x > 0: x0, -x0 (dead), -1 (dead), x1.
std::shared_ptr<nn::Linear> half_dead_layer() {
  auto lin = std::make_shared<nn::Linear>(2, 4);
  NoGradGuard no_grad;
  lin->weight.copy_(tensor<float>({1, 0, -1, 0, 0, 0, 0, 1}, {4, 2}));
  lin->bias.copy_(tensor<float>({0, 0, -1, 0}, {4}));
  return lin;
}
}  // namespace

TEST_CASE("dead_unit_fraction counts units zero for the whole batch", "[nn][diagnostics]") {
  const Tensor x = rand({16, 2}) + 0.1;
  const Tensor h = relu(half_dead_layer()->forward(x));
  REQUIRE(nn::dead_unit_fraction(h) == 0.5);
  // One sample that wakes a unit is enough for it to count as alive.
  REQUIRE(nn::dead_unit_fraction(tensor<double>({0, 0, 0, 0, 3, 0}, {3, 2})) == 0.5);
  REQUIRE(nn::dead_unit_fraction(zeros({4, 2, 3, 3})) == 1.0);
  REQUIRE_THROWS_WITH(nn::dead_unit_fraction(zeros({4})), Catch::Contains("dead_unit_fraction"));
}

TEST_CASE("diagnostics: per-layer statistics in training mode only", "[nn][diagnostics]") {
  auto lin = half_dead_layer();
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      lin, std::make_shared<nn::ReLU>()});
  nn::TrainingDiagnostics diag(*net);
  const Tensor x1 = rand({8, 2}) + 0.1, x2 = rand({8, 2}) + 0.1;
  (*net)(x1);
  (*net)(x2);
  net->eval();
  (*net)(randn({8, 2}) * 100.0);  // not counted
  net->train();
  const auto layers = diag.layers();
  REQUIRE(layers.size() == 2);
  REQUIRE(layers[0].name == "0");
  REQUIRE(layers[0].type == "Linear");
  REQUIRE(!layers[0].dead_fraction);
  REQUIRE(layers[1].type == "ReLU");
  REQUIRE(layers[1].batches == 2);
  REQUIRE(*layers[1].dead_fraction == 0.5);
  // Mean and population std of each batch's output, averaged over the two batches.
  auto stats = [&](const Tensor& x) {
    const Tensor h = relu(lin->forward(x)).detach().to(kDouble);
    const double mean = h.mean().item<double>();
    return std::pair{mean, std::sqrt(((h - mean) * (h - mean)).mean().item<double>())};
  };
  const auto [m1, s1] = stats(x1);
  const auto [m2, s2] = stats(x2);
  REQUIRE(layers[1].mean == Approx((m1 + m2) / 2).epsilon(1e-6));
  REQUIRE(layers[1].std == Approx((s1 + s2) / 2).epsilon(1e-6));
  REQUIRE(diag.last_outputs().size() == 2);
  REQUIRE(diag.table().find("ReLU") != std::string::npos);
  diag.reset();
  REQUIRE(diag.layers()[1].batches == 0);
}

TEST_CASE("diagnostics: gradient norm and update/weight ratio of an SGD step", "[nn][diagnostics]") {
  auto lin = std::make_shared<nn::Linear>(nn::LinearOptions{.in = 3, .out = 2, .bias = false});
  nn::TrainingDiagnostics diag(*lin);
  const double lr = 0.01;
  (*lin)(randn({5, 3})).pow(2.0).sum().backward();
  const double g = lin->weight.grad().norm().item<double>();
  const double w = lin->weight.detach().norm().item<double>();
  diag.before_step();
  {
    NoGradGuard no_grad;
    lin->weight.sub_(lin->weight.grad() * lr);  // plain SGD: ||Δw|| = lr ||g||
  }
  diag.after_step();
  const auto params = diag.parameters();
  REQUIRE(params.size() == 1);
  REQUIRE(params[0].name == "weight");
  REQUIRE(params[0].steps == 1);
  REQUIRE(params[0].grad_norm == Approx(g).epsilon(1e-6));
  REQUIRE(params[0].update_ratio == Approx(lr * g / w).epsilon(1e-4));
}

TEST_CASE("diagnostics remove their hooks when destroyed", "[nn][diagnostics]") {
  auto relu = std::make_shared<nn::ReLU>();
  const std::string plain = (*relu)(randn({2, 2}).requires_grad_()).grad_fn()->name();
  {
    nn::TrainingDiagnostics diag(*relu);
    (*relu)(randn({2, 2}));
    REQUIRE(diag.layers()[0].batches == 1);
  }
  (*relu)(randn({2, 2}));  // would write into the destroyed object if the hook were left
  REQUIRE((*relu)(randn({2, 2}).requires_grad_()).grad_fn()->name() == plain);
}
