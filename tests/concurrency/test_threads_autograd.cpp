// Thread-local autograd state: NoGradGuard and anomaly mode in one thread do not leak into another
// thread running at the same time.
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <latch>
#include <string>
#include <thread>

using namespace tg;

TEST_CASE("NoGradGuard in one thread does not stop recording in another running at once", "[threads]") {
  std::latch guard_on(1), other_done(1);
  bool recorded_under_guard = true, recorded_in_other = false;
  std::thread guarded([&] {
    NoGradGuard no_grad;
    guard_on.count_down();
    other_done.wait();  // the other thread records while this guard is alive
    Tensor x = ones({3}).requires_grad_(true);
    recorded_under_guard = (x * 2.0).requires_grad();
  });
  std::thread other([&] {
    guard_on.wait();
    Tensor x = ones({3}).requires_grad_(true);
    Tensor y = (x * 2.0).sum();
    recorded_in_other = y.requires_grad();
    y.backward();
    recorded_in_other = recorded_in_other && x.grad().sum().item<float>() == 6.0f;
    other_done.count_down();
  });
  guarded.join();
  other.join();
  REQUIRE_FALSE(recorded_under_guard);
  REQUIRE(recorded_in_other);
}

TEST_CASE("anomaly mode in one thread does not affect another running at once", "[threads]") {
  // sqrt'(0) = inf, times 0 is NaN: a NaN made in backward.
  auto nan_backward = [] {
    Tensor x = tensor<double>({0.0, 1.0}).requires_grad_(true);
    (sqrt(x) * 0.0).sum().backward();
    return x.grad();
  };
  std::latch detecting(1), other_done(1);
  std::string detected;
  bool other_threw = true, other_has_nan = false;
  std::thread detector([&] {
    autograd::DetectAnomalyGuard detect;
    detecting.count_down();
    other_done.wait();
    try {
      nan_backward();
    } catch (const Error& e) {
      detected = e.what();
    }
  });
  std::thread other([&] {
    detecting.wait();
    try {
      const Tensor g = nan_backward();
      other_has_nan = std::isnan(g.data_ptr<double>()[0]);
      other_threw = false;
    } catch (const Error&) {
    }
    other_done.count_down();
  });
  detector.join();
  other.join();
  REQUIRE_THAT(detected, Catch::Contains("Sqrt") && Catch::Contains("NaN"));
  REQUIRE_FALSE(other_threw);  // NaN flows through silently without anomaly mode, as in PyTorch
  REQUIRE(other_has_nan);
}

TEST_CASE("threads read one tensor at once and each differentiate their own graph", "[threads]") {
  const Tensor shared = randn({64, 64}, kDouble);
  auto work = [&](double scale) {
    Tensor w = (shared * scale).detach().requires_grad_(true);
    Tensor loss = matmul(w, shared).tanh().sum();
    loss.backward();
    return w.grad().sum().item<double>();
  };
  const double a = work(0.5), b = work(2.0);
  double pa = 0, pb = 0;
  std::thread ta([&] { pa = work(0.5); });
  std::thread tb([&] { pb = work(2.0); });
  ta.join();
  tb.join();
  REQUIRE(pa == a);
  REQUIRE(pb == b);
}
