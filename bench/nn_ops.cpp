// Fused nn ops, forward and backward: softmax, cross-entropy, BatchNorm (1d and 2d, training mode).
#include "bench.h"

#include <tapegrad/tapegrad.h>

namespace {

using namespace tg;

// Times forward + backward of f(x) against a fixed upstream gradient.
template <typename F>
void forward_backward(benchmark::State& state, const Shape& shape, F f) {
  set_num_threads(bench::threads(state));
  manual_seed(0);
  Tensor x = randn(shape).requires_grad_(true);
  Tensor grad_y;
  auto step = [&] {
    x.set_grad(Tensor());
    Tensor y = f(x);
    if (!grad_y.defined()) grad_y = randn(y.shape());
    y.backward(grad_y);
  };
  step();
  for (auto _ : state) step();
}

void softmax_fwd_bwd(benchmark::State& state) {
  forward_backward(state, {256, 1000}, [](const Tensor& x) { return softmax(x, 1); });
}
BENCH_WORKLOAD("softmax_256x1000", "tapegrad", softmax_fwd_bwd)->Unit(benchmark::kMicrosecond);

void cross_entropy_fwd_bwd(benchmark::State& state) {
  manual_seed(1);
  const Tensor target = randint(0, 1000, {256});
  forward_backward(state, {256, 1000}, [&](const Tensor& x) { return cross_entropy(x, target); });
}
BENCH_WORKLOAD("cross_entropy_256x1000", "tapegrad", cross_entropy_fwd_bwd)->Unit(benchmark::kMicrosecond);

void batchnorm1d_fwd_bwd(benchmark::State& state) {
  nn::BatchNorm1d bn(512);
  forward_backward(state, {128, 512}, [&](const Tensor& x) { return bn.forward(x); });
}
BENCH_WORKLOAD("batchnorm1d_128x512", "tapegrad", batchnorm1d_fwd_bwd)->Unit(benchmark::kMicrosecond);

void batchnorm2d_fwd_bwd(benchmark::State& state) {
  nn::BatchNorm2d bn(32);
  forward_backward(state, {64, 32, 28, 28}, [&](const Tensor& x) { return bn.forward(x); });
}
BENCH_WORKLOAD("batchnorm2d_64x32x28x28", "tapegrad", batchnorm2d_fwd_bwd)->Unit(benchmark::kMicrosecond);

}  // namespace
