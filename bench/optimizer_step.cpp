// One optimizer step over 1M parameters (four 512 x 512 tensors) with fixed gradients.
#include "bench.h"

#include <tapegrad/tapegrad.h>

namespace {

using namespace tg;

tensor_list params_with_grads() {
  manual_seed(0);
  tensor_list params;
  for (int i = 0; i < 4; ++i) {
    Tensor p = randn({512, 512}).requires_grad_(true);
    p.set_grad(randn({512, 512}) * 1e-3);
    params.push_back(p);
  }
  return params;
}

void adam_step(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  optim::Adam opt(params_with_grads(), {.lr = 1e-3});
  bench::time_optimizer_steps(state, opt);
}
BENCH_WORKLOAD("optimizer_adam_1M", "tapegrad", adam_step)->Unit(benchmark::kMicrosecond);

void sgd_momentum_step(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  optim::SGD opt(params_with_grads(), {.lr = 0.01, .momentum = 0.9});
  bench::time_optimizer_steps(state, opt);
}
BENCH_WORKLOAD("optimizer_sgd_momentum_1M", "tapegrad", sgd_momentum_step)->Unit(benchmark::kMicrosecond);

}  // namespace
