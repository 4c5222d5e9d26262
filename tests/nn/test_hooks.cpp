// Module hooks: forward pre-hooks, forward hooks and full backward hooks, their order inside
// Sequential, replacement of values, and removal by handle.
#include <tapegrad/nn.h>

#include <catch2/catch.hpp>

using namespace tg;

namespace {
// A named step that logs its forward, so tests can see where hooks run relative to it.
struct Logged : nn::Module {
  std::vector<std::string>& log;
  std::string tag;
  Logged(std::vector<std::string>& l, std::string t) : Module("Logged"), log(l), tag(std::move(t)) {}
  Tensor forward(const Tensor& x) override {
    log.push_back(tag + ".forward");
    return x * 2.0;
  }
};

bool close(const Tensor& a, const Tensor& b, double tol = 1e-12) {
  return a.shape() == b.shape() && (a - b).abs().max().item<double>() <= tol;
}
}  // namespace

TEST_CASE("hooks run in order around forward, also inside Sequential", "[nn][hooks]") {
  std::vector<std::string> log;
  auto a = std::make_shared<Logged>(log, "a");
  auto b = std::make_shared<Logged>(log, "b");
  nn::Sequential net{a, b};
  for (auto* m : {static_cast<nn::Module*>(a.get()), static_cast<nn::Module*>(b.get())}) {
    const std::string tag = static_cast<Logged*>(m)->tag;
    m->register_forward_pre_hook([&log, tag](nn::Module&, const Tensor&) { log.push_back(tag + ".pre1"); });
    m->register_forward_pre_hook([&log, tag](nn::Module&, const Tensor&) { log.push_back(tag + ".pre2"); });
    m->register_forward_hook([&log, tag](nn::Module&, const Tensor&, const Tensor&) { log.push_back(tag + ".post"); });
  }
  net.register_forward_hook([&log](nn::Module& m, const Tensor&, const Tensor&) { log.push_back(m.type_name()); });
  const Tensor y = net(ones({2}));
  REQUIRE(log == std::vector<std::string>{"a.pre1", "a.pre2", "a.forward", "a.post", "b.pre1", "b.pre2", "b.forward",
                                          "b.post", "Sequential"});
  REQUIRE(y.sum().item<double>() == 8.0);
  // forward() itself skips this module's hooks (but Sequential still calls its children through them).
  log.clear();
  net.forward(ones({2}));
  REQUIRE(log.back() == "b.post");
}

TEST_CASE("hooks can replace the input and the output", "[nn][hooks]") {
  auto lin = std::make_shared<nn::Linear>(3, 2);
  const Tensor x = randn({4, 3});
  const Tensor plain = (*lin)(x);
  lin->register_forward_pre_hook([](nn::Module&, const Tensor& in) { return in * 0.0; });
  lin->register_forward_hook([](nn::Module&, const Tensor& in, const Tensor& out) {
    REQUIRE(in.abs().sum().item<double>() == 0.0);  // sees the replaced input
    return out + 1.0;
  });
  const Tensor y = (*lin)(x);
  REQUIRE(close(y, (lin->bias + 1.0).unsqueeze(0).expand({4, 2})));
  REQUIRE(!close(y, plain));
}

TEST_CASE("removed hooks no longer run; removing twice or after the module is gone is harmless", "[nn][hooks]") {
  auto relu = std::make_shared<nn::ReLU>();
  int calls = 0;
  nn::HookHandle h1 = relu->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) { ++calls; });
  nn::HookHandle h2 = relu->register_forward_pre_hook([&](nn::Module&, const Tensor&) { calls += 10; });
  (*relu)(ones({2}));
  REQUIRE(calls == 11);
  h1.remove();
  (*relu)(ones({2}));
  REQUIRE(calls == 21);
  h1.remove();
  h2.remove();
  (*relu)(ones({2}));
  REQUIRE(calls == 21);
  // A hook that removes itself while running.
  nn::HookHandle self;
  self = relu->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) {
    ++calls;
    self.remove();
  });
  (*relu)(ones({2}));
  (*relu)(ones({2}));
  REQUIRE(calls == 22);
  nn::HookHandle late = relu->register_forward_hook([](nn::Module&, const Tensor&, const Tensor&) {});
  relu.reset();
  late.remove();
}

TEST_CASE("without hooks a call adds nothing to the graph", "[nn][hooks]") {
  auto lin = std::make_shared<nn::Linear>(3, 2);
  const Tensor x = randn({4, 3}).requires_grad_();
  const std::string plain = (*lin)(x).grad_fn()->name();
  auto h = lin->register_full_backward_hook([](nn::Module&, const Tensor&, const Tensor&) {});
  REQUIRE((*lin)(x).grad_fn()->name() == "ViewBackward");
  h.remove();
  REQUIRE((*lin)(x).grad_fn()->name() == plain);
}

TEST_CASE("full backward hooks see grad_input and grad_output, last layer first", "[nn][hooks]") {
  auto fc1 = std::make_shared<nn::Linear>(nn::LinearOptions{.in = 3, .out = 4, .bias = true});
  auto fc2 = std::make_shared<nn::Linear>(nn::LinearOptions{.in = 4, .out = 2, .bias = true});
  nn::Sequential net{fc1, fc2};
  std::vector<std::string> order;
  Tensor gi1, go1, gi2, go2;
  fc1->register_full_backward_hook([&](nn::Module&, const Tensor& gi, const Tensor& go) {
    order.push_back("fc1");
    gi1 = gi;
    go1 = go;
  });
  fc2->register_full_backward_hook([&](nn::Module&, const Tensor& gi, const Tensor& go) {
    order.push_back("fc2");
    gi2 = gi;
    go2 = go;
  });
  const Tensor x = randn({5, 3}).requires_grad_();
  const Tensor c = randn({5, 2});
  (net(x) * c).sum().backward();
  REQUIRE(order == std::vector<std::string>{"fc2", "fc1"});
  // y = h W2^T + b2: dL/dy = c, dL/dh = c W2; dL/dx = (c W2) W1.
  REQUIRE(close(go2, c));
  REQUIRE(close(gi2, c.mm(fc2->weight.detach()), 1e-5));
  REQUIRE(close(go1, gi2));
  REQUIRE(close(gi1, gi2.mm(fc1->weight.detach()), 1e-5));
  REQUIRE(close(x.grad(), gi1));
}

TEST_CASE("a backward hook can replace grad_input; without an input gradient it still fires", "[nn][hooks]") {
  auto lin = std::make_shared<nn::Linear>(3, 2);
  Tensor x = randn({4, 3}).requires_grad_();
  (*lin)(x).sum().backward();
  const Tensor plain = x.grad().clone();
  x.set_grad(Tensor());
  lin->register_full_backward_hook([](nn::Module&, const Tensor& gi, const Tensor&) { return gi * 3.0; });
  (*lin)(x).sum().backward();
  REQUIRE(close(x.grad(), plain * 3.0, 1e-6));

  bool fired = false;
  auto first = std::make_shared<nn::Linear>(3, 2);
  first->register_full_backward_hook([&](nn::Module&, const Tensor& gi, const Tensor& go) {
    fired = true;
    REQUIRE(!gi.defined());
    REQUIRE(go.shape() == Shape{4, 2});
  });
  (*first)(randn({4, 3})).sum().backward();  // the input is data: no gradient for it
  REQUIRE(fired);
  REQUIRE(first->weight.grad().defined());
}
