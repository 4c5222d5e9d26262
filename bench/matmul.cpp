// matmul GFLOP/s: square sizes and the shapes of the W1 MLP's first layers (forward x W^T, and the
// two backward products), next to raw OpenBLAS sgemm on the same shapes ("openblas").
#include "bench.h"
#include "matmul_shapes.h"

#include <tapegrad/tapegrad.h>

#include <cblas.h>

namespace {

using namespace tg;

// C (m x n) = op(A) op(B), with A stored (k x m) when trans_a, B stored (n x k) when trans_b.
Tensor operand(int64_t rows, int64_t cols, bool transposed) {
  return transposed ? randn({cols, rows}).t() : randn({rows, cols});
}

template <const bench::MatmulShape& S>
void tapegrad_matmul(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  manual_seed(0);
  const Tensor a = operand(S.m, S.k, S.trans_a);
  const Tensor b = operand(S.k, S.n, S.trans_b);
  Tensor c = matmul(a, b);
  for (auto _ : state) {
    c = Tensor();  // return the buffer to the cache, as a training step does
    c = matmul(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  bench::rate(state, "GFLOP/s", S.flops() * 1e-9);
}

template <const bench::MatmulShape& S>
void openblas_sgemm(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  std::vector<float> a(static_cast<size_t>(S.m * S.k), 0.5f), b(static_cast<size_t>(S.k * S.n), 0.25f),
      c(static_cast<size_t>(S.m * S.n));
  const int m = static_cast<int>(S.m), n = static_cast<int>(S.n), k = static_cast<int>(S.k);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, S.trans_a ? CblasTrans : CblasNoTrans, S.trans_b ? CblasTrans : CblasNoTrans, m, n,
                k, 1.0f, a.data(), S.trans_a ? m : k, b.data(), S.trans_b ? k : n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  bench::rate(state, "GFLOP/s", S.flops() * 1e-9);
}

#define BENCH_MATMUL(S)                                                          \
  BENCH_WORKLOAD(S.name, "tapegrad", tapegrad_matmul<S>)->Unit(benchmark::kMicrosecond); \
  BENCH_WORKLOAD(S.name, "openblas", openblas_sgemm<S>)->Unit(benchmark::kMicrosecond)

BENCH_MATMUL(bench::kMatmul256);
BENCH_MATMUL(bench::kMatmul512);
BENCH_MATMUL(bench::kMatmul1024);
BENCH_MATMUL(bench::kMatmul2048);
BENCH_MATMUL(bench::kMatmulMlpForward1);
BENCH_MATMUL(bench::kMatmulMlpGradWeight1);
BENCH_MATMUL(bench::kMatmulMlpGradInput1);
BENCH_MATMUL(bench::kMatmulMlpForward2);

}  // namespace
