// W2, per-op overhead: 1000 elementwise ops (add, mul, tanh in turn) on 16 floats requiring grad,
// then backward. The arithmetic is nothing; what is timed is dispatch, the tape and the engine.
#include "bench.h"

#include <tapegrad/tapegrad.h>

namespace {

using namespace tg;

constexpr int kChainOps = 1000;

void w2_op_chain(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  manual_seed(0);
  Tensor x = randn({16}).requires_grad_(true);
  const Tensor c = full({16}, 0.5);
  auto chain = [&] {
    Tensor y = x;
    for (int i = 0; i < kChainOps; ++i) {
      switch (i % 3) {
        case 0: y = y + c; break;
        case 1: y = y * c; break;
        default: y = y.tanh(); break;
      }
    }
    x.set_grad(Tensor());
    y.sum().backward();
  };
  chain();
  for (auto _ : state) chain();
  bench::ns_per(state, "ns/op", kChainOps);
}
BENCH_WORKLOAD("W2_op_chain_1000", "tapegrad", w2_op_chain)->Unit(benchmark::kMicrosecond);

}  // namespace
