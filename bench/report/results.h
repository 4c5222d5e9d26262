// Collects the benchmark runs of one invocation and turns them into markdown tables: every
// workload side by side (tapegrad, LibTorch, ratio), against the machine's limits, and the targets.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// The median over repetitions of one "<workload>/<impl>/threads:<n>".
struct Measurement {
  double seconds = 0;                      // wall time per iteration
  double cpu_seconds = 0;                  // the main thread's CPU time per iteration
  std::map<std::string, double> counters;  // rates such as "GB/s", medians likewise
  int repetitions = 0;
  std::string error;                       // non-empty when the benchmark was skipped
};

class Results {
 public:
  void add(const benchmark::BenchmarkReporter::Run& run);
  // workload -> threads -> impl -> measurement (medians computed here).
  using Table = std::map<std::string, std::map<int, std::map<std::string, Measurement>>>;
  Table medians() const;

 private:
  struct Samples {
    std::vector<double> seconds, cpu_seconds;
    std::map<std::string, std::vector<double>> counters;
    std::string error;
  };
  std::map<std::tuple<std::string, int, std::string>, Samples> samples_;
};

// Prints the runs as the console reporter does and keeps them in `results`.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  explicit CollectingReporter(Results& results) : results_(results) {}
  void ReportRuns(const std::vector<Run>& runs) override;

 private:
  Results& results_;
};

// The markdown for RESULTS.md: the side-by-side table, the machine limits, the targets.
std::string markdown_report(const Results::Table& table);

}  // namespace bench
