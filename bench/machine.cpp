// The machine's memory limit: a STREAM-like triad a = b + s * c on 16M floats per array, at
// 1 and 2 threads (the compute limit, raw OpenBLAS sgemm, is the "openblas" row of bench/matmul.cpp).
#include "bench.h"

#include <tapegrad/tapegrad.h>

#include <omp.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace {

constexpr int64_t kNumel = int64_t{1} << 24;

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float[], AlignedFree>;

Buffer make_buffer(float value) {
  Buffer b(static_cast<float*>(std::aligned_alloc(64, kNumel * sizeof(float))));
  // First touch in the same static partition as the triad, so pages are where they are used.
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < kNumel; ++i) b[i] = value;
  return b;
}

void triad(benchmark::State& state) {
  tg::set_num_threads(bench::threads(state));
  Buffer a = make_buffer(0), b = make_buffer(1), c = make_buffer(2);
  const float s = 3.0f;
  float* __restrict pa = a.get();
  const float* __restrict pb = b.get();
  const float* __restrict pc = c.get();
  for (auto _ : state) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < kNumel; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::ClobberMemory();
  }
  bench::rate(state, "GB/s", 3.0 * kNumel * sizeof(float) * 1e-9);
}
BENCH_WORKLOAD("machine_triad_16M", "limit", triad)->Unit(benchmark::kMillisecond);

}  // namespace
