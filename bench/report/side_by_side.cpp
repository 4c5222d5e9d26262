// bench/side_by_side: every suite of bench/ (and bench/vs_libtorch/ when LibTorch was found) in
// one process. Google Benchmark's flags apply; use --benchmark_repetitions and
// --benchmark_enable_random_interleaving so tapegrad's and LibTorch's repetitions alternate.
// The console output goes to stderr, the markdown tables of the medians to stdout.
#include "results.h"

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  bench::Results results;
  bench::CollectingReporter console(results);
  console.SetOutputStream(&std::cerr);
  console.SetErrorStream(&std::cerr);
  benchmark::RunSpecifiedBenchmarks(&console);
  benchmark::Shutdown();
  std::fputs(bench::markdown_report(results.medians()).c_str(), stdout);
  return 0;
}
