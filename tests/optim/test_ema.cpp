// ExponentialMovingAverage against its closed form, exact swaps, warm-up, and its state dict.
#include <tapegrad/autograd.h>
#include <tapegrad/optim.h>

#include <catch2/catch.hpp>

#include <cmath>

using namespace tg;

TEST_CASE("EMA matches its closed form a_n = d^n a_0 + (1-d) sum_k d^(n-k) w_k", "[optim][ema]") {
  Tensor w = tensor<double>({1.0, -2.0, 0.5}, {3}).requires_grad_();
  const Tensor w0 = w.detach().clone();
  const double d = 0.9;
  optim::ExponentialMovingAverage ema({w}, {.decay = d});
  const int n = 25;
  Tensor expected = w0 * std::pow(d, n);
  for (int k = 1; k <= n; ++k) {
    {
      NoGradGuard no_grad;
      w.copy_(w0 * std::sin(k) + static_cast<double>(k));  // w_k
    }
    ema.update();
    expected = expected + (w.detach() * ((1 - d) * std::pow(d, n - k)));
  }
  REQUIRE(ema.num_updates() == n);
  REQUIRE((ema.averages()[0] - expected).abs().max().item<double>() < 1e-12);
}

TEST_CASE("EMA swap is exact and restores on the second call; Swapped scopes it", "[optim][ema]") {
  Tensor w = randn({4, 3}).requires_grad_();
  optim::ExponentialMovingAverage ema({w}, {.decay = 0.5});
  {
    NoGradGuard no_grad;
    w.add_(ones({4, 3}));
  }
  ema.update();
  const Tensor live = w.detach().clone(), avg = ema.averages()[0].clone();
  {
    optim::ExponentialMovingAverage::Swapped use(ema);
    REQUIRE(ema.swapped());
    REQUIRE((w.detach() - avg).abs().max().item<double>() == 0.0);
    REQUIRE_THROWS_WITH(ema.update(), Catch::Contains("swapped in"));
    // The state dict holds the averages whichever side they are on.
    REQUIRE((ema.state_dict()[0].second - avg).abs().max().item<double>() == 0.0);
  }
  REQUIRE(!ema.swapped());
  REQUIRE((w.detach() - live).abs().max().item<double>() == 0.0);
  REQUIRE((ema.averages()[0] - avg).abs().max().item<double>() == 0.0);
}

TEST_CASE("EMA warm-up uses min(decay, (1+t)/(10+t))", "[optim][ema]") {
  Tensor w = zeros({2});
  optim::ExponentialMovingAverage ema({w}, {.decay = 0.999, .warmup = true});
  REQUIRE(ema.current_decay() == Approx(0.1));
  w.fill_(1.0);
  ema.update();
  REQUIRE(ema.averages()[0][0].item<double>() == Approx(0.9));
  REQUIRE(ema.current_decay() == Approx(2.0 / 11.0));
}

TEST_CASE("EMA state dict round-trips and is checked", "[optim][ema]") {
  Tensor a = randn({3}), b = randn({2, 2}, kDouble);
  optim::ExponentialMovingAverage ema({a, b}, {.decay = 0.8});
  a.add_(1.0);
  ema.update();
  ema.update();
  const optim::StateDict saved = ema.state_dict();

  Tensor a2 = a.clone(), b2 = b.clone();
  optim::ExponentialMovingAverage restored({a2, b2}, {.decay = 0.8});
  restored.load_state_dict(saved);
  REQUIRE(restored.num_updates() == 2);
  for (size_t i = 0; i < 2; ++i)
    REQUIRE((restored.averages()[i] - ema.averages()[i]).abs().max().item<double>() == 0.0);
  // The loaded averages are copies: updating one run leaves the other alone.
  restored.update();
  REQUIRE((ema.state_dict()[0].second - saved[0].second).abs().max().item<double>() == 0.0);

  optim::ExponentialMovingAverage other_decay({a2, b2}, {.decay = 0.9});
  REQUIRE_THROWS_WITH(other_decay.load_state_dict(saved), Catch::Contains("saved with decay 0.8"));
  optim::ExponentialMovingAverage fewer({a2}, {.decay = 0.8});
  REQUIRE_THROWS_WITH(fewer.load_state_dict(saved), Catch::Contains("unexpected key 'average.1'"));
  REQUIRE_THROWS_WITH(optim::ExponentialMovingAverage({ones({2}, kLong)}), Catch::Contains("float32/float64"));
}
