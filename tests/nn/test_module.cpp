// Module registration, names, modes, state dicts and printing.
#include <tapegrad/nn.h>

#include <catch2/catch.hpp>

using namespace tg;

namespace {
struct Block : nn::Module {
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::BatchNorm1d> bn;
  Block() : Module("Block") {
    fc = register_module("fc", std::make_shared<nn::Linear>(4, 3));
    bn = register_module("bn", std::make_shared<nn::BatchNorm1d>(3));
  }
  Tensor forward(const Tensor& x) override { return relu(bn->forward(fc->forward(x))); }
};
}  // namespace

TEST_CASE("named_parameters gives dotted names in registration order", "[nn][module]") {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<Block>());
  net->push_back([](const Tensor& x) { return x * 2.0; });
  net->push_back(std::make_shared<nn::Linear>(3, 2));
  std::vector<std::string> names;
  for (const auto& [name, p] : net->named_parameters()) names.push_back(name);
  REQUIRE(names == std::vector<std::string>{"0.fc.weight", "0.fc.bias", "0.bn.weight", "0.bn.bias", "2.weight", "2.bias"});
  std::vector<std::string> buffers;
  for (const auto& [name, b] : net->named_buffers()) buffers.push_back(name);
  REQUIRE(buffers == std::vector<std::string>{"0.bn.running_mean", "0.bn.running_var", "0.bn.num_batches_tracked"});
  REQUIRE(net->parameters().size() == 6);
  REQUIRE(net->num_parameters() == 4 * 3 + 3 + 3 + 3 + 3 * 2 + 2);
  REQUIRE(net->modules().size() == 6);  // Sequential, Block, fc, bn, Lambda, Linear
  REQUIRE(net->named_modules()[2].first == "0.fc");
  REQUIRE(net->forward(randn({5, 4})).shape() == Shape{5, 2});
}

TEST_CASE("train and eval propagate, apply visits every module, zero_grad", "[nn][module]") {
  auto block = std::make_shared<Block>();
  block->eval();
  REQUIRE_FALSE(block->bn->is_training());
  block->train();
  REQUIRE(block->fc->is_training());
  int visited = 0;
  block->apply([&](nn::Module&) { ++visited; });
  REQUIRE(visited == 3);
  block->forward(randn({6, 4})).sum().backward();
  REQUIRE(block->fc->weight.grad().defined());
  block->zero_grad(false);
  REQUIRE(block->fc->weight.grad().abs().sum().item<float>() == 0.0f);
  block->zero_grad();
  REQUIRE_FALSE(block->fc->weight.grad().defined());
}

TEST_CASE("state_dict round trip and load errors", "[nn][module]") {
  manual_seed(0);
  auto a = std::make_shared<Block>();
  auto b = std::make_shared<Block>();
  a->forward(randn({8, 4}));  // moves a's running statistics
  b->load_state_dict(a->state_dict());
  for (const auto& [name, t] : a->state_dict()) {
    bool found = false;
    for (const auto& [n2, t2] : b->state_dict())
      if (n2 == name) found = equal(t, t2);
    REQUIRE(found);
  }
  nn::StateDict partial = a->state_dict();
  partial.pop_back();
  partial.emplace_back("extra.weight", zeros({1}));
  REQUIRE_THROWS_WITH(b->load_state_dict(partial),
                      Catch::Contains("bn.num_batches_tracked") && Catch::Contains("extra.weight"));
  auto result = b->load_state_dict(partial, /*strict=*/false);
  REQUIRE(result.missing_keys == std::vector<std::string>{"bn.num_batches_tracked"});
  REQUIRE(result.unexpected_keys == std::vector<std::string>{"extra.weight"});
  nn::StateDict wrong = a->state_dict();
  wrong[0].second = zeros({2, 2});
  REQUIRE_THROWS_WITH(b->load_state_dict(wrong), Catch::Contains("fc.weight") && Catch::Contains("[2, 2]"));
}

TEST_CASE("registration errors", "[nn][module]") {
  nn::Module m("Custom");
  m.register_parameter("w", zeros({2}));
  REQUIRE_THROWS_WITH(m.register_parameter("w", zeros({2})), Catch::Contains("already registered"));
  REQUIRE_THROWS_WITH(m.register_buffer("a.b", zeros({2})), Catch::Contains("invalid name"));
  REQUIRE_THROWS_WITH(m.forward(zeros({1})), Catch::Contains("Custom"));
  REQUIRE_THROWS_WITH(m.parameter("nope"), Catch::Contains("nope"));
  REQUIRE_THROWS_WITH(nn::Linear(0, 3), Catch::Contains("Linear"));
}

TEST_CASE("printing shows the tree with parameter counts", "[nn][module]") {
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(784, 256), std::make_shared<nn::ReLU>(), std::make_shared<nn::Dropout>(0.2)});
  const std::string s = net->to_string();
  REQUIRE_THAT(s, Catch::Contains("(0): Linear(in=784, out=256, bias=true)  # 200960 params"));
  REQUIRE_THAT(s, Catch::Contains("(1): ReLU()"));
  REQUIRE_THAT(s, Catch::Contains("(2): Dropout(p=0.2)"));
  REQUIRE_THAT(s, Catch::Contains("total: 200960 parameters"));
  REQUIRE(fmt::format("{}", *net) == s);
}

TEST_CASE("ModuleList and ModuleDict register their children", "[nn][module]") {
  auto list = std::make_shared<nn::ModuleList>();
  list->push_back(std::make_shared<nn::Linear>(2, 2)).push_back(std::make_shared<nn::Linear>(2, 1));
  REQUIRE(list->size() == 2);
  REQUIRE(list->named_parameters()[2].first == "1.weight");
  REQUIRE_THROWS_WITH((*list)[2], Catch::Contains("out of range"));
  auto dict = std::make_shared<nn::ModuleDict>();
  dict->insert("encoder", std::make_shared<nn::Linear>(2, 2));
  REQUIRE(dict->contains("encoder"));
  REQUIRE(dict->named_parameters()[0].first == "encoder.weight");
}
