// W3, large elementwise: relu(a * b + c) on 16M floats, forward and backward.
#include "bench.h"

#include <tapegrad/tapegrad.h>

namespace {

using namespace tg;

constexpr int64_t kNumel = int64_t{1} << 24;
// The least memory traffic, in arrays of kNumel floats: forward reads a, b, c and writes y;
// backward reads the incoming gradient, y (the ReLU mask), a and b, and writes the three gradients.
constexpr double kArraysMoved = 11;

void w3_relu_mul_add(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  manual_seed(0);
  Tensor a = randn({kNumel}).requires_grad_(true);
  Tensor b = randn({kNumel}).requires_grad_(true);
  Tensor c = randn({kNumel}).requires_grad_(true);
  const Tensor grad_y = ones({kNumel});
  auto step = [&] {
    for (Tensor* t : {&a, &b, &c}) t->set_grad(Tensor());
    Tensor y = (a * b + c).relu();
    y.backward(grad_y);
  };
  step();
  for (auto _ : state) step();
  bench::rate(state, "GB/s", kArraysMoved * kNumel * sizeof(float) * 1e-9);
}
BENCH_WORKLOAD("W3_relu_mul_add_16M", "tapegrad", w3_relu_mul_add)->Unit(benchmark::kMillisecond);

}  // namespace
