// W1 and W4: one training step (zero_grad, forward, loss, backward, optimizer step) on random data.
#include "bench.h"
#include "models.h"

#include <tapegrad/tapegrad.h>

namespace {

using namespace tg;

void w1_mlp_step(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  manual_seed(0);
  auto model = bench::make_w1_mlp();
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  const Tensor x = randn({128, 784});
  const Tensor y = randint(0, 10, {128});
  bench::time_steps(state, [&] { bench::train_step(*model, opt, x, y); });
  bench::rate(state, "samples/s", 128);
}
BENCH_WORKLOAD("W1_mlp_step", "tapegrad", w1_mlp_step)->Unit(benchmark::kMillisecond);

void w4_cnn_step(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  manual_seed(0);
  auto model = bench::make_w4_cnn();
  optim::SGD opt(model->parameters(), {.lr = 0.01, .momentum = 0.9});
  const Tensor x = randn({64, 1, 28, 28});
  const Tensor y = randint(0, 10, {64});
  bench::time_steps(state, [&] { bench::train_step(*model, opt, x, y); });
  bench::rate(state, "samples/s", 64);
}
BENCH_WORKLOAD("W4_cnn_step", "tapegrad", w4_cnn_step)->Unit(benchmark::kMillisecond);

}  // namespace
