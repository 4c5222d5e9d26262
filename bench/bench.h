// Shared by every suite in bench/ (tapegrad) and bench/vs_libtorch/ (the same workloads in LibTorch).
//
// A workload is registered once per implementation under the name "<workload>/<impl>", at 1 and
// 2 threads (the benchmark argument "threads"), timed on the wall clock:
//
//   void mlp_step(benchmark::State& state) {
//     tg::set_num_threads(bench::threads(state));  // ...setup, untimed...
//     bench::time_steps(state, [&] { train_step(); });
//   }
//   BENCH_WORKLOAD("W1_mlp_step", "tapegrad", mlp_step)->Unit(benchmark::kMillisecond);
//
// bench/report/ pairs the rows with the same workload and thread count into one table.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

namespace bench {

using Body = void (*)(benchmark::State&);

inline benchmark::internal::Benchmark* add(const char* workload, const char* impl, Body body) {
  return benchmark::RegisterBenchmark((std::string(workload) + "/" + impl).c_str(), body)
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->UseRealTime();
}

inline int threads(const benchmark::State& state) { return static_cast<int>(state.range(0)); }

// A rate shown next to the time: `per_iteration` units (e.g. 1e-9 * bytes for "GB/s") per iteration.
inline void rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] = benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

// Nanoseconds per unit of work, for `units` units per iteration (e.g. "ns/op").
inline void ns_per(benchmark::State& state, const char* name, double units) {
  state.counters[name] = benchmark::Counter(units * 1e-9, benchmark::Counter::kIsIterationInvariantRate |
                                                              benchmark::Counter::kInvert);
}

// Times step() after one untimed call (optimizer state, the allocator's cache): an optimizer's
// step, or a training step; works for tapegrad's and LibTorch's objects alike.
template <typename Step> void time_steps(benchmark::State& state, Step&& step) {
  step();
  for (auto _ : state) step();
}

// One step of an optimizer over the 1M parameters (4 x 512 x 512) of the optimizer workloads.
template <typename Optimizer> void time_optimizer_steps(benchmark::State& state, Optimizer& opt) {
  time_steps(state, [&] { opt.step(); });
  rate(state, "Mparam/s", 1.048576);
}

}  // namespace bench

#define BENCH_CONCAT_(a, b) a##b
#define BENCH_CONCAT(a, b) BENCH_CONCAT_(a, b)
// Registers at static-initialisation time; evaluates to the Benchmark* so options can be chained.
#define BENCH_WORKLOAD(workload, impl, body)                                                      \
  [[maybe_unused]] static benchmark::internal::Benchmark* BENCH_CONCAT(bench_registered_, __COUNTER__) = \
      ::bench::add(workload, impl, body)
