#include "results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <tuple>

namespace bench {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// "W1_mlp_step/tapegrad" + "threads:2" -> ("W1_mlp_step", "tapegrad", 2).
std::optional<std::tuple<std::string, int, std::string>> parse_name(const benchmark::BenchmarkName& name) {
  const auto slash = name.function_name.rfind('/');
  constexpr std::string_view kThreads = "threads:";
  if (slash == std::string::npos || name.args.rfind(kThreads, 0) != 0) return std::nullopt;
  return std::tuple{name.function_name.substr(0, slash), std::stoi(name.args.substr(kThreads.size())),
                    name.function_name.substr(slash + 1)};
}

std::string format_time(double seconds) {
  if (!std::isfinite(seconds)) return "—";
  if (seconds >= 1) return fmt::format("{:.3f} s", seconds);
  if (seconds >= 1e-3) return fmt::format("{:.3f} ms", seconds * 1e3);
  return fmt::format("{:.2f} µs", seconds * 1e6);
}

std::string format_rate(const Measurement& m) {
  if (m.counters.empty()) return "";
  const auto& [name, value] = *m.counters.begin();
  return value >= 100 ? fmt::format("{:.0f} {}", value, name) : fmt::format("{:.3g} {}", value, name);
}

const Measurement* find(const Results::Table& t, const std::string& workload, int threads, const std::string& impl) {
  auto w = t.find(workload);
  if (w == t.end()) return nullptr;
  auto th = w->second.find(threads);
  if (th == w->second.end()) return nullptr;
  auto i = th->second.find(impl);
  if (i == th->second.end() || !i->second.error.empty()) return nullptr;
  return &i->second;
}

double counter(const Measurement* m, const std::string& name) {
  if (!m) return std::nan("");
  auto c = m->counters.find(name);
  return c == m->counters.end() ? std::nan("") : c->second;
}

// One line of the targets table.
std::string target_row(const std::string& what, double value, const std::string& shown, bool lower_is_better,
                       double goal, const std::string& goal_text) {
  if (!std::isfinite(value)) return fmt::format("| {} | — | {} | not measured |\n", what, goal_text);
  const bool met = lower_is_better ? value <= goal : value >= goal;
  return fmt::format("| {} | {} | {} | {} |\n", what, shown, goal_text, met ? "met" : "**not met**");
}

std::string side_by_side(const Results::Table& table) {
  std::string out =
      "| workload | threads | tapegrad | LibTorch | tapegrad / LibTorch | CPU-time ratio | tapegrad rate | LibTorch rate |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [workload, by_threads] : table) {
    for (const auto& [threads, impls] : by_threads) {
      auto tg = impls.find("tapegrad");
      if (tg == impls.end()) continue;  // machine rows go to the next table
      const Measurement& a = tg->second;
      auto lt = impls.find("libtorch");
      const Measurement* b = lt == impls.end() ? nullptr : &lt->second;
      std::string ratio = "—", cpu_ratio = "—", b_time = "—", b_rate;
      if (b && b->error.empty()) {
        b_time = format_time(b->seconds);
        b_rate = format_rate(*b);
        if (a.error.empty()) ratio = fmt::format("{:.2f}", a.seconds / b->seconds);
        // With one thread the calling thread does all the work, so CPU time measures it even
        // when other processes share the cores; with more, the other threads' time is missing.
        if (a.error.empty() && threads == 1) cpu_ratio = fmt::format("{:.2f}", a.cpu_seconds / b->cpu_seconds);
      } else if (b) {
        b_time = "error: " + b->error;
      }
      const std::string a_time = a.error.empty() ? format_time(a.seconds) : "error: " + a.error;
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", workload, threads, a_time, b_time, ratio,
                         cpu_ratio, a.error.empty() ? format_rate(a) : "", b_rate);
    }
  }
  return out;
}

std::string machine_limits(const Results::Table& table) {
  std::string out =
      "| workload | threads | tapegrad | machine limit | % of the limit |\n"
      "|---|---:|---:|---:|---:|\n";
  for (const auto& [workload, by_threads] : table) {
    for (const auto& [threads, impls] : by_threads) {
      if (workload.rfind("matmul", 0) == 0) {
        const double mine = counter(find(table, workload, threads, "tapegrad"), "GFLOP/s");
        const double blas = counter(find(table, workload, threads, "openblas"), "GFLOP/s");
        out += fmt::format("| {} | {} | {:.1f} GFLOP/s | {:.1f} GFLOP/s (raw OpenBLAS sgemm) | {:.0f}% |\n", workload,
                           threads, mine, blas, 100 * mine / blas);
      } else if (workload.rfind("W3_", 0) == 0) {
        const double mine = counter(find(table, workload, threads, "tapegrad"), "GB/s");
        const double triad = counter(find(table, "machine_triad_16M", threads, "limit"), "GB/s");
        out += fmt::format("| {} | {} | {:.1f} GB/s | {:.1f} GB/s (triad) | {:.0f}% |\n", workload, threads, mine,
                           triad, 100 * mine / triad);
      }
    }
  }
  return out;
}

double ratio(const Results::Table& t, const std::string& workload, int threads) {
  const Measurement* a = find(t, workload, threads, "tapegrad");
  const Measurement* b = find(t, workload, threads, "libtorch");
  return a && b ? a->seconds / b->seconds : std::nan("");
}

std::string targets(const Results::Table& t) {
  std::string out = "| target | measured | goal | |\n|---|---:|---:|---|\n";
  for (int threads : {1, 2}) {
    auto ratio_row = [&](const std::string& what, const std::string& workload, double goal) {
      const double r = ratio(t, workload, threads);
      out += target_row(fmt::format("{}, {} thread{}", what, threads, threads > 1 ? "s" : ""), r,
                        fmt::format("{:.2f}", r), true, goal, fmt::format("≤ {:.1f}", goal));
    };
    ratio_row("W1 MLP step, tapegrad/LibTorch time", "W1_mlp_step", 0.8);
    ratio_row("W2 per-op overhead, tapegrad/LibTorch time", "W2_op_chain_1000", 0.5);
    ratio_row("W4 CNN step, tapegrad/LibTorch time", "W4_cnn_step", 1.0);
    ratio_row("Fashion-MNIST epoch of W1, tapegrad/LibTorch time", "epoch_fashion_mnist_W1", 1.0);
    const double w3 = counter(find(t, "W3_relu_mul_add_16M", threads, "tapegrad"), "GB/s") /
                      counter(find(t, "machine_triad_16M", threads, "limit"), "GB/s");
    out += target_row(fmt::format("W3 elementwise, share of triad GB/s, {} thread{}", threads, threads > 1 ? "s" : ""),
                      w3, fmt::format("{:.0f}%", 100 * w3), false, 0.8, "≥ 80%");
    for (const auto& [workload, by_threads] : t) {
      if (workload.rfind("matmul", 0) != 0) continue;
      const double share = counter(find(t, workload, threads, "tapegrad"), "GFLOP/s") /
                           counter(find(t, workload, threads, "openblas"), "GFLOP/s");
      out += target_row(fmt::format("{}, share of raw OpenBLAS, {} thread{}", workload, threads, threads > 1 ? "s" : ""),
                        share, fmt::format("{:.0f}%", 100 * share), false, 0.9, "≥ 90%");
    }
    // The loader keeps up: one loader worker with flip+crop delivers samples faster than W1 trains.
    const double loader = counter(find(t, "data_loader_flip_crop", 1, "tapegrad"), "samples/s");
    const double training = counter(find(t, "W1_mlp_step", threads, "tapegrad"), "samples/s");
    out += target_row(fmt::format("DataLoader (1 worker, flip+crop) / W1 training samples/s, {} thread{}", threads,
                                  threads > 1 ? "s" : ""),
                      loader / training, fmt::format("{:.1f}", loader / training), false, 1.0, "≥ 1");
    // And so an epoch with augmentation (loaded by one worker) costs about what one without does.
    const Measurement* plain = find(t, "epoch_fashion_mnist_W1", threads, "tapegrad");
    const Measurement* augmented = find(t, "epoch_fashion_mnist_W1_flip_crop", threads, "tapegrad");
    const double slowdown = plain && augmented ? augmented->seconds / plain->seconds : std::nan("");
    out += target_row(fmt::format("epoch with flip+crop / epoch without, {} thread{}", threads, threads > 1 ? "s" : ""),
                      slowdown, fmt::format("{:.2f}", slowdown), true, 1.1, "≤ 1.1");
  }
  const Measurement* load = find(t, "data_load_fashion_mnist_train", 1, "tapegrad");
  const double load_s = load ? load->seconds : std::nan("");
  out += target_row("reading the Fashion-MNIST training set", load_s, format_time(load_s), true, 0.5, "≤ 0.5 s");
  return out;
}

}  // namespace

void Results::add(const benchmark::BenchmarkReporter::Run& run) {
  if (run.run_type != benchmark::BenchmarkReporter::Run::RT_Iteration) return;
  auto key = parse_name(run.run_name);
  if (!key) return;
  Samples& s = samples_[*key];
  if (run.error_occurred) {
    s.error = run.error_message;
    return;
  }
  s.seconds.push_back(run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit));
  s.cpu_seconds.push_back(run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit));
  for (const auto& [name, c] : run.counters) s.counters[name].push_back(c.value);
}

Results::Table Results::medians() const {
  Table t;
  for (const auto& [key, s] : samples_) {
    const auto& [workload, threads, impl] = key;
    Measurement& m = t[workload][threads][impl];
    m.error = s.error;
    m.repetitions = static_cast<int>(s.seconds.size());
    m.seconds = median(s.seconds);
    m.cpu_seconds = median(s.cpu_seconds);
    for (const auto& [name, values] : s.counters) m.counters[name] = median(values);
  }
  return t;
}

void CollectingReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& run : runs) results_.add(run);
}

std::string markdown_report(const Results::Table& table) {
  return "### Side by side (medians)\n\n" + side_by_side(table) + "\n### Against the machine's limits\n\n" +
         machine_limits(table) + "\n### Targets\n\n" + targets(table);
}

}  // namespace bench
