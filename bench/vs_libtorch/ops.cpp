// W2, W3, matmul, softmax, cross-entropy, BatchNorm and optimizer steps in LibTorch
// (tapegrad's: bench/op_overhead.cpp, elementwise.cpp, matmul.cpp, nn_ops.cpp, optimizer_step.cpp).
#include "libtorch_bench.h"
#include "matmul_shapes.h"

namespace {

using bench::libtorch::set_threads;

void w2_op_chain(benchmark::State& state) {
  set_threads(bench::threads(state));
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({16}, torch::requires_grad());
  const torch::Tensor c = torch::full({16}, 0.5);
  auto chain = [&] {
    torch::Tensor y = x;
    for (int i = 0; i < 1000; ++i) {
      switch (i % 3) {
        case 0: y = y + c; break;
        case 1: y = y * c; break;
        default: y = y.tanh(); break;
      }
    }
    x.mutable_grad().reset();
    y.sum().backward();
  };
  chain();
  for (auto _ : state) chain();
  bench::ns_per(state, "ns/op", 1000);
}
BENCH_WORKLOAD("W2_op_chain_1000", "libtorch", w2_op_chain)->Unit(benchmark::kMicrosecond);

void w3_relu_mul_add(benchmark::State& state) {
  set_threads(bench::threads(state));
  torch::manual_seed(0);
  constexpr int64_t n = int64_t{1} << 24;
  torch::Tensor a = torch::randn({n}, torch::requires_grad());
  torch::Tensor b = torch::randn({n}, torch::requires_grad());
  torch::Tensor c = torch::randn({n}, torch::requires_grad());
  const torch::Tensor grad_y = torch::ones({n});
  auto step = [&] {
    for (torch::Tensor* t : {&a, &b, &c}) t->mutable_grad().reset();
    torch::Tensor y = (a * b + c).relu();
    y.backward(grad_y);
  };
  step();
  for (auto _ : state) step();
  bench::rate(state, "GB/s", 11.0 * n * sizeof(float) * 1e-9);  // as bench/elementwise.cpp counts
}
BENCH_WORKLOAD("W3_relu_mul_add_16M", "libtorch", w3_relu_mul_add)->Unit(benchmark::kMillisecond);

torch::Tensor operand(int64_t rows, int64_t cols, bool transposed) {
  return transposed ? torch::randn({cols, rows}).t() : torch::randn({rows, cols});
}

template <const bench::MatmulShape& S>
void matmul(benchmark::State& state) {
  set_threads(bench::threads(state));
  torch::manual_seed(0);
  const torch::Tensor a = operand(S.m, S.k, S.trans_a);
  const torch::Tensor b = operand(S.k, S.n, S.trans_b);
  torch::Tensor c = torch::matmul(a, b);
  for (auto _ : state) {
    c = torch::Tensor();
    c = torch::matmul(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  bench::rate(state, "GFLOP/s", S.flops() * 1e-9);
}
BENCH_WORKLOAD(bench::kMatmul256.name, "libtorch", matmul<bench::kMatmul256>)->Unit(benchmark::kMicrosecond);
BENCH_WORKLOAD(bench::kMatmul512.name, "libtorch", matmul<bench::kMatmul512>)->Unit(benchmark::kMicrosecond);
BENCH_WORKLOAD(bench::kMatmul1024.name, "libtorch", matmul<bench::kMatmul1024>)->Unit(benchmark::kMicrosecond);
BENCH_WORKLOAD(bench::kMatmul2048.name, "libtorch", matmul<bench::kMatmul2048>)->Unit(benchmark::kMicrosecond);
BENCH_WORKLOAD(bench::kMatmulMlpForward1.name, "libtorch", matmul<bench::kMatmulMlpForward1>)
    ->Unit(benchmark::kMicrosecond);
BENCH_WORKLOAD(bench::kMatmulMlpGradWeight1.name, "libtorch", matmul<bench::kMatmulMlpGradWeight1>)
    ->Unit(benchmark::kMicrosecond);
BENCH_WORKLOAD(bench::kMatmulMlpGradInput1.name, "libtorch", matmul<bench::kMatmulMlpGradInput1>)
    ->Unit(benchmark::kMicrosecond);
BENCH_WORKLOAD(bench::kMatmulMlpForward2.name, "libtorch", matmul<bench::kMatmulMlpForward2>)
    ->Unit(benchmark::kMicrosecond);

template <typename F>
void forward_backward(benchmark::State& state, torch::IntArrayRef shape, F f) {
  set_threads(bench::threads(state));
  torch::manual_seed(0);
  torch::Tensor x = torch::randn(shape, torch::requires_grad());
  torch::Tensor grad_y;
  auto step = [&] {
    x.mutable_grad().reset();
    torch::Tensor y = f(x);
    if (!grad_y.defined()) grad_y = torch::randn(y.sizes());
    y.backward(grad_y);
  };
  step();
  for (auto _ : state) step();
}

void softmax_fwd_bwd(benchmark::State& state) {
  forward_backward(state, {256, 1000}, [](const torch::Tensor& x) { return torch::softmax(x, 1); });
}
BENCH_WORKLOAD("softmax_256x1000", "libtorch", softmax_fwd_bwd)->Unit(benchmark::kMicrosecond);

void cross_entropy_fwd_bwd(benchmark::State& state) {
  torch::manual_seed(1);
  const torch::Tensor target = torch::randint(0, 1000, {256});
  forward_backward(state, {256, 1000},
                   [&](const torch::Tensor& x) { return torch::nn::functional::cross_entropy(x, target); });
}
BENCH_WORKLOAD("cross_entropy_256x1000", "libtorch", cross_entropy_fwd_bwd)->Unit(benchmark::kMicrosecond);

void batchnorm1d_fwd_bwd(benchmark::State& state) {
  torch::nn::BatchNorm1d bn(512);
  forward_backward(state, {128, 512}, [&](const torch::Tensor& x) { return bn->forward(x); });
}
BENCH_WORKLOAD("batchnorm1d_128x512", "libtorch", batchnorm1d_fwd_bwd)->Unit(benchmark::kMicrosecond);

void batchnorm2d_fwd_bwd(benchmark::State& state) {
  torch::nn::BatchNorm2d bn(32);
  forward_backward(state, {64, 32, 28, 28}, [&](const torch::Tensor& x) { return bn->forward(x); });
}
BENCH_WORKLOAD("batchnorm2d_64x32x28x28", "libtorch", batchnorm2d_fwd_bwd)->Unit(benchmark::kMicrosecond);

std::vector<torch::Tensor> params_with_grads() {
  torch::manual_seed(0);
  std::vector<torch::Tensor> params;
  for (int i = 0; i < 4; ++i) {
    torch::Tensor p = torch::randn({512, 512}, torch::requires_grad());
    p.mutable_grad() = torch::randn({512, 512}) * 1e-3;
    params.push_back(p);
  }
  return params;
}

void adam_step(benchmark::State& state) {
  set_threads(bench::threads(state));
  torch::optim::Adam opt(params_with_grads(), torch::optim::AdamOptions(1e-3));
  bench::time_optimizer_steps(state, opt);
}
BENCH_WORKLOAD("optimizer_adam_1M", "libtorch", adam_step)->Unit(benchmark::kMicrosecond);

void sgd_momentum_step(benchmark::State& state) {
  set_threads(bench::threads(state));
  torch::optim::SGD opt(params_with_grads(), torch::optim::SGDOptions(0.01).momentum(0.9));
  bench::time_optimizer_steps(state, opt);
}
BENCH_WORKLOAD("optimizer_sgd_momentum_1M", "libtorch", sgd_momentum_step)->Unit(benchmark::kMicrosecond);

}  // namespace
