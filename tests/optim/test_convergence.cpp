// Each optimizer trains a tiny 2-8-1 tanh network on XOR (as PyTorch's test/cpp/api/optim.cpp does).
#include "optim_test_support.h"

using namespace optim_test;
using namespace tg::optim;

namespace {

struct Xor {
  tg::Tensor x = tg::tensor<double>({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  tg::Tensor y = tg::tensor<double>({0, 1, 1, 0}, {4, 1});
  tg::Tensor w1, b1, w2, b2;

  Xor() {
    tg::manual_seed(7);
    w1 = tg::randn({2, 8}, tg::kDouble).requires_grad_(true);
    b1 = tg::zeros({8}, tg::kDouble).requires_grad_(true);
    w2 = (tg::randn({8, 1}, tg::kDouble) * 0.5).detach().requires_grad_(true);
    b2 = tg::zeros({1}, tg::kDouble).requires_grad_(true);
  }
  tg::tensor_list params() const { return {w1, b1, w2, b2}; }
  tg::Tensor loss() const {
    const tg::Tensor out = tg::matmul(tg::tanh(tg::matmul(x, w1) + b1), w2) + b2;
    const tg::Tensor d = out - y;
    return (d * d).mean();
  }
};

}  // namespace

TEST_CASE("every optimizer learns XOR", "[optim]") {
  auto [name, make_optimizer] = GENERATE(table<std::string, MakeOptimizer>({
      {"SGD", make<SGD>(SGDOptions{.lr = 0.1})},
      {"SGD momentum", make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9})},
      {"SGD nesterov", make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true})},
      {"Adagrad", make<Adagrad>(AdagradOptions{.lr = 0.1})},
      {"RMSprop", make<RMSprop>(RMSpropOptions{.lr = 0.01})},
      {"RMSprop centered", make<RMSprop>(RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true})},
      {"Adam", make<Adam>(AdamOptions{.lr = 0.03})},
      {"Adam amsgrad", make<Adam>(AdamOptions{.lr = 0.03, .amsgrad = true})},
      {"AdamW", make<AdamW>(AdamWOptions{.lr = 0.03})},
  }));
  INFO(name);
  Xor problem;
  auto opt = make_optimizer(problem.params());
  const double initial = problem.loss().item<double>();
  double final_loss = initial;
  for (int step = 0; step < 300; ++step) {
    opt->zero_grad();
    tg::Tensor loss = problem.loss();
    loss.backward();
    opt->step();
    final_loss = loss.item<double>();
  }
  INFO("loss " << initial << " -> " << final_loss);
  REQUIRE(final_loss < 0.02);
}
