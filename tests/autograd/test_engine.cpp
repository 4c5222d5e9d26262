// The tape and the engine: accumulation, retain_graph, higher order, hooks, guards, deep graphs.
#include <thread>

#include "gradcheck_support.h"

using namespace tg;

TEST_CASE("backward accumulates into leaves across calls", "[engine]") {
  Tensor x = tensor<double>({1.0, 2.0, 3.0}).requires_grad_(true);
  (x * x).sum().backward();
  REQUIRE(allclose(x.grad(), tensor<double>({2.0, 4.0, 6.0})));
  (x * 3.0).sum().backward();
  REQUIRE(allclose(x.grad(), tensor<double>({5.0, 7.0, 9.0})));
}

TEST_CASE("a value used twice gets the sum of both paths", "[engine]") {
  Tensor x = tensor<double>({2.0}).requires_grad_(true);
  Tensor y = x * x + x * 3.0 + x;  // dy/dx = 2x + 4
  y.backward();
  REQUIRE(x.grad().item<double>() == Approx(8.0));
}

TEST_CASE("is_leaf, grad_fn names and requires_grad propagation", "[engine]") {
  Tensor a = ones({2}).requires_grad_(true);
  Tensor b = ones({2});
  Tensor c = a * b;
  REQUIRE(a.is_leaf());
  REQUIRE_FALSE(c.is_leaf());
  REQUIRE(c.requires_grad());
  REQUIRE(c.grad_fn()->name() == "MulBackward");
  REQUIRE_FALSE((b * b).requires_grad());
  REQUIRE((b * b).grad_fn() == nullptr);
}

TEST_CASE("backward on a non-scalar needs a gradient", "[engine]") {
  Tensor x = ones({3}).requires_grad_(true);
  Tensor y = x * 2.0;
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("one-element") && Catch::Contains("[3]"));
  y.backward(tensor<float>({1.0f, 0.0f, 2.0f}));
  REQUIRE(allclose(x.grad(), tensor<float>({2.0f, 0.0f, 4.0f})));
  REQUIRE_THROWS_WITH(( x * 2.0).backward(ones({4})), Catch::Contains("[4]") && Catch::Contains("[3]"));
}

TEST_CASE("backward on something that does not require grad is an error", "[engine]") {
  Tensor x = ones({1});
  REQUIRE_THROWS_WITH(x.backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("a second backward through a freed graph is a clear error", "[engine]") {
  Tensor x = tensor<double>({1.5}).requires_grad_(true);
  Tensor y = (x * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();  // allowed: the first kept the graph
  REQUIRE(x.grad().item<double>() == Approx(6.0));
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("second time") && Catch::Contains("retain_graph"));
}

TEST_CASE("a saved tensor changed in place makes backward fail", "[engine]") {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_(true);
  Tensor w = tensor<double>({3.0, 4.0}).requires_grad_(true);
  Tensor y = x * 1.0;
  Tensor z = y * w;  // saves y
  y.add_(1.0);
  REQUIRE_THROWS_WITH(z.sum().backward(), Catch::Contains("MulBackward") && Catch::Contains("in-place"));
}

TEST_CASE("autograd::grad returns gradients without touching .grad()", "[engine]") {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_(true);
  Tensor y = tensor<double>({3.0, -1.0}).requires_grad_(true);
  Tensor z = (x * y).sum();
  tensor_list g = autograd::grad({z}, {x, y});
  REQUIRE(allclose(g[0], tensor<double>({3.0, -1.0})));
  REQUIRE(allclose(g[1], tensor<double>({1.0, 2.0})));
  REQUIRE_FALSE(x.grad().defined());
  REQUIRE_FALSE(y.grad().defined());
}

TEST_CASE("autograd::grad on an unused input needs allow_unused", "[engine]") {
  Tensor x = ones({2}, kDouble).requires_grad_(true);
  Tensor u = ones({2}, kDouble).requires_grad_(true);
  Tensor z = (x * 2.0).sum();
  REQUIRE_THROWS_WITH(autograd::grad({z}, {x, u}, {}, true), Catch::Contains("allow_unused"));
  tensor_list g = autograd::grad({z}, {x, u}, {}, true, false, /*allow_unused=*/true);
  REQUIRE(g[0].defined());
  REQUIRE_FALSE(g[1].defined());
}

TEST_CASE("autograd::grad w.r.t. an intermediate tensor", "[engine]") {
  Tensor x = tensor<double>({2.0}).requires_grad_(true);
  Tensor h = x * x;        // 4
  Tensor z = h * h * 3.0;  // dz/dh = 6h = 24
  tensor_list g = autograd::grad({z}, {h});
  REQUIRE(g[0].item<double>() == Approx(24.0));
}

TEST_CASE("second derivatives with create_graph", "[engine]") {
  Tensor x = tensor<double>({0.5, -1.5}).requires_grad_(true);
  Tensor y = (x * x * x).sum();  // dy/dx = 3x^2, d2y/dx2 = 6x
  tensor_list g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  REQUIRE(g[0].requires_grad());
  REQUIRE(allclose(g[0], tensor<double>({0.75, 6.75})));
  g[0].sum().backward();
  REQUIRE(allclose(x.grad(), tensor<double>({3.0, -9.0})));
}

TEST_CASE("Hessian-vector product through backward(create_graph)", "[engine]") {
  // f(x) = sum(x_i^2 x_j) over i != j shapes aside: use f = (x . x) * sum(x); H v checked against hand algebra.
  Tensor x = tensor<double>({1.0, 2.0, 3.0}).requires_grad_(true);
  Tensor v = tensor<double>({1.0, 0.0, -1.0});
  Tensor f = (x * x).sum() * x.sum();
  // grad = 2x S + |x|^2 1, H = 2 S I + 2 x 1^T + 2 1 x^T, with S = sum x = 6.
  tensor_list g = autograd::grad({f}, {x}, {}, true, true);
  tensor_list hv = autograd::grad({(g[0] * v).sum()}, {x});
  // H v = 2 S v + 2 x (1.v) + 2 1 (x.v) = 12 v + 0 + 2*(1-3) 1 = 12v - 4
  REQUIRE(allclose(hv[0], tensor<double>({8.0, -4.0, -16.0})));
}

TEST_CASE("gradient penalty: grad of a gradient norm", "[engine]") {
  Tensor w = tensor<double>({0.5, -2.0}).requires_grad_(true);
  Tensor x = tensor<double>({1.0, 3.0}).requires_grad_(true);
  Tensor out = (w * x * x).sum();  // d out / dx = 2 w x
  tensor_list gx = autograd::grad({out}, {x}, {}, true, true);
  Tensor penalty = (gx[0] * gx[0]).sum();  // 4 w^2 x^2 -> d/dw = 8 w x^2
  penalty.backward();
  REQUIRE(allclose(w.grad(), tensor<double>({4.0, -144.0})));
}

TEST_CASE("tensor hooks see and may replace gradients", "[engine]") {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_(true);
  Tensor seen;
  size_t id = x.register_hook([&](const Tensor& g) {
    seen = g.clone();
    return g * 10.0;
  });
  (x * 3.0).sum().backward();
  REQUIRE(allclose(seen, tensor<double>({3.0, 3.0})));
  REQUIRE(allclose(x.grad(), tensor<double>({30.0, 30.0})));
  x.remove_hook(id);
  x.mutable_grad() = Tensor();
  (x * 3.0).sum().backward();
  REQUIRE(allclose(x.grad(), tensor<double>({3.0, 3.0})));

  // On a non-leaf: the hook changes what flows further down.
  Tensor a = tensor<double>({1.0}).requires_grad_(true);
  Tensor h = a * 2.0;
  h.register_hook([](const Tensor& g) { return g * 0.5; });
  (h * 4.0).backward();
  REQUIRE(a.grad().item<double>() == Approx(4.0));
}

TEST_CASE("retain_grad keeps a non-leaf's gradient", "[engine]") {
  Tensor a = tensor<double>({1.0, 2.0}).requires_grad_(true);
  Tensor h = a * 3.0;
  h.retain_grad();
  (h * h).sum().backward();
  REQUIRE(allclose(h.grad(), tensor<double>({6.0, 12.0})));
  REQUIRE(allclose(a.grad(), tensor<double>({18.0, 36.0})));
}

TEST_CASE("NoGradGuard stops recording, per thread", "[engine]") {
  Tensor x = ones({2}).requires_grad_(true);
  {
    NoGradGuard no_grad;
    Tensor y = x * 2.0;
    REQUIRE_FALSE(y.requires_grad());
    bool other_thread_records = false;
    std::thread t([&] { other_thread_records = (x * 2.0).requires_grad(); });
    t.join();
    REQUIRE(other_thread_records);
  }
  REQUIRE((x * 2.0).requires_grad());
}

TEST_CASE("detach cuts the graph and shares storage", "[engine]") {
  Tensor x = ones({2}).requires_grad_(true);
  Tensor y = x * 2.0;
  Tensor d = y.detach();
  REQUIRE_FALSE(d.requires_grad());
  REQUIRE(d.shares_storage(y));
  Tensor z = (d * x).sum();
  z.backward();
  REQUIRE(allclose(x.grad(), tensor<float>({2.0f, 2.0f})));
}

TEST_CASE("anomaly detection names the op that made a NaN", "[engine]") {
  Tensor x = tensor<double>({0.0}).requires_grad_(true);
  Tensor y = sqrt(x) * 0.0;  // sqrt'(0) = inf, times 0 is NaN in SqrtBackward's output
  {
    autograd::DetectAnomalyGuard detect;
    REQUIRE_THROWS_WITH(y.sum().backward(Tensor(), true), Catch::Contains("NaN") || Catch::Contains("Inf"));
  }
  REQUIRE_NOTHROW(y.sum().backward());  // off again: NaN flows through silently, as in PyTorch
}

TEST_CASE("a 1,000,000-op chain backprops and is freed without recursion", "[engine][deep]") {
  Tensor x = tensor<float>({1.0f}).requires_grad_(true);
  Tensor y = x;
  for (int i = 0; i < 1'000'000; ++i) y = y + 1.0;  // the graph is a chain a million nodes deep
  y.backward();
  REQUIRE(x.grad().item<float>() == 1.0f);
  y = Tensor();  // destroying the chain must not overflow the stack either
  Tensor z = x;
  for (int i = 0; i < 1'000'000; ++i) z = z * 1.0;
  z = Tensor();  // freed without a backward
  SUCCEED();
}

TEST_CASE("two threads train separate graphs at once", "[engine]") {
  auto run = [](double start) {
    Tensor w = tensor<double>({start}).requires_grad_(true);
    for (int step = 0; step < 200; ++step) {
      Tensor loss = (w - 3.0) * (w - 3.0);
      loss.backward();
      NoGradGuard no_grad;
      w.sub_(w.grad() * 0.1);
      w.mutable_grad() = Tensor();
    }
    return w.item<double>();
  };
  const double serial_a = run(0.0), serial_b = run(10.0);
  double par_a = 0, par_b = 0;
  std::thread ta([&] { par_a = run(0.0); });
  std::thread tb([&] { par_b = run(10.0); });
  ta.join();
  tb.join();
  REQUIRE(par_a == serial_a);
  REQUIRE(par_b == serial_b);
  REQUIRE(par_a == Approx(3.0));
}

TEST_CASE("dtype of gradients matches the leaf", "[engine]") {
  Tensor x = ones({2}, kFloat).requires_grad_(true);
  Tensor y = (x.to(kDouble) * 2.0).sum();
  y.backward();
  REQUIRE(x.grad().dtype() == kFloat);
  REQUIRE(allclose(x.grad(), full({2}, 2.0)));
}

TEST_CASE("broadcast inputs get un-broadcast gradients", "[engine]") {
  Tensor a = ones({3, 1}, kDouble).requires_grad_(true);
  Tensor b = ones({1, 4}, kDouble).requires_grad_(true);
  (a * b).sum().backward();
  REQUIRE(a.grad().shape() == Shape{3, 1});
  REQUIRE(allclose(a.grad(), full({3, 1}, 4.0, kDouble)));
  REQUIRE(allclose(b.grad(), full({1, 4}, 3.0, kDouble)));
}
