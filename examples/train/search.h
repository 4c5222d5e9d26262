// tapegrad-train --search N: random hyperparameter search (Bergstra & Bengio 2012, "Random search
// for hyper-parameter optimization"): N trials, each a run of tapegrad-train itself with sampled
// lr (log-uniform), weight decay, dropout and batch size, trained for a few epochs and scored on a
// validation split carved from the training set (--val-split; the test set is never read). Writes
// DIR/trial-<i>.{jsonl,log}, DIR/search.csv (ranked) and DIR/search.svg (accuracy against lr).
#pragma once

#include <tapegrad/tapegrad.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "process.h"
#include "report.h"

namespace train {

struct SearchSpace {
  double lr_min = 1e-4, lr_max = 1e-1;  // log-uniform
  double wd_min = 0, wd_max = 0;        // log-uniform; uniform when wd_min is 0
  double dropout_min = 0, dropout_max = 0.5;
  std::vector<int64_t> batch_sizes = {64, 128, 256};
  int64_t epochs = 3;       // per trial
  double val_split = 0.1;  // the last part of the training images
  std::string dir = "runs/search";
};

struct Trial {
  int index = 0;
  double lr = 0, weight_decay = 0, dropout = 0;
  int64_t batch_size = 0;
  double val_accuracy = std::numeric_limits<double>::quiet_NaN(), val_loss = val_accuracy, seconds = 0;
  int status = -1;  // exit status of the run
};

// SplitMix64: a fixed, documented generator, so a seed gives the same trials on every platform
// (std:: distributions are implementation-defined).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  uint64_t state_;
};

inline double sample_range(SplitMix64& rng, double lo, double hi, bool log_scale) {
  const double u = rng.uniform();
  if (log_scale && lo > 0) return std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
  return lo + u * (hi - lo);
}

inline std::vector<Trial> sample_trials(const SearchSpace& space, int n, uint64_t seed) {
  SplitMix64 rng(seed ^ 0x5eedc0deULL);
  std::vector<Trial> trials;
  for (int i = 0; i < n; ++i) {
    Trial t;
    t.index = i + 1;
    t.lr = sample_range(rng, space.lr_min, space.lr_max, true);
    t.weight_decay = sample_range(rng, space.wd_min, space.wd_max, true);
    t.dropout = sample_range(rng, space.dropout_min, space.dropout_max, false);
    t.batch_size = space.batch_sizes[std::min(space.batch_sizes.size() - 1,
                                              static_cast<size_t>(rng.uniform() * space.batch_sizes.size()))];
    trials.push_back(t);
  }
  return trials;
}

// argv without the options a trial sets itself. Options take one value ("--lr 0.1" or
// "--lr=0.1") unless listed as flags.
inline std::vector<std::string> strip_options(const std::vector<std::string>& argv,
                                              const std::vector<std::string>& with_value,
                                              const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    const std::string name = a.substr(0, a.find('='));
    const bool has_value = std::find(with_value.begin(), with_value.end(), name) != with_value.end();
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
    if (!has_value) {
      out.push_back(a);
      continue;
    }
    if (a.find('=') == std::string::npos) ++i;  // skip the value too
  }
  return out;
}

// Log x axis (lr), linear y (validation accuracy); the best trial in red.
inline std::string svg_search(const std::vector<Trial>& ranked) {
  constexpr double kW = 640, kH = 400, kPad = 60;
  double xlo = 1e300, xhi = -1e300, ylo = 1e300, yhi = -1e300;
  for (const Trial& t : ranked) {
    xlo = std::min(xlo, std::log10(t.lr));
    xhi = std::max(xhi, std::log10(t.lr));
    if (std::isfinite(t.val_accuracy)) {
      ylo = std::min(ylo, t.val_accuracy);
      yhi = std::max(yhi, t.val_accuracy);
    }
  }
  if (!(xhi > xlo)) xhi = xlo + 1, xlo -= 1;
  if (!(yhi > ylo)) yhi = (ylo < 1e300 ? ylo : 0.5) + 0.05, ylo = yhi - 0.1;
  const double xpad = (xhi - xlo) * 0.05, ypad = (yhi - ylo) * 0.08;
  xlo -= xpad, xhi += xpad, ylo -= ypad, yhi += ypad;
  auto px = [&](double lr) { return kPad + (kW - 2 * kPad) * (std::log10(lr) - xlo) / (xhi - xlo); };
  auto py = [&](double a) { return kH - kPad - (kH - 2 * kPad) * (a - ylo) / (yhi - ylo); };
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' font-size='12'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n"
      "<text x='{}' y='25' text-anchor='middle' font-size='14'>random search: validation accuracy against lr ({} "
      "trials)</text>\n<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#999'/>\n",
      kW, kH, kW / 2, ranked.size(), kPad, kPad, kW - 2 * kPad, kH - 2 * kPad);
  // Ticks at 1, 2 and 5 times each power of ten inside the range.
  for (int e = static_cast<int>(std::floor(xlo)); e <= static_cast<int>(std::ceil(xhi)); ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (std::log10(v) < xlo || std::log10(v) > xhi) continue;
      s += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' stroke='#999'/>", px(v), kH - kPad,
                       kH - kPad + 4);
      s += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{:g}</text>\n", px(v), kH - kPad + 16, v);
    }
  for (int k = 0; k <= 4; ++k) {
    const double a = ylo + (yhi - ylo) * k / 4;
    s += fmt::format("<text x='{}' y='{:.1f}' text-anchor='end'>{:.3f}</text>\n", kPad - 5, py(a) + 4, a);
  }
  s += fmt::format("<text x='{}' y='{}' text-anchor='middle'>learning rate (log scale)</text>\n", kW / 2, kH - 15);
  for (size_t i = 0; i < ranked.size(); ++i) {
    const Trial& t = ranked[i];
    if (!std::isfinite(t.val_accuracy)) continue;
    s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='5' fill='{}'/>\n", px(t.lr), py(t.val_accuracy),
                     i == 0 ? "#d62728" : "#1f77b4");
  }
  return s + "</svg>\n";
}

// Runs the trials one after another (trainer_args: this run's arguments, argv[0] first, without
// the trial's own options) and prints the ranked table; returns the exit status.
inline int run_search(const SearchSpace& space, int n, uint64_t seed, std::vector<std::string> trainer_args) {
  namespace fs = std::filesystem;
  fs::create_directories(space.dir);
  std::vector<Trial> trials = sample_trials(space, n, seed);
  for (Trial& t : trials) {
    const std::string stem = (fs::path(space.dir) / fmt::format("trial-{}", t.index)).string();
    std::vector<std::string> argv = trainer_args;
    for (const std::string& a :
         {std::string("--epochs"), std::to_string(space.epochs), std::string("--val-split"),
          fmt::format("{}", space.val_split), std::string("--lr"), fmt::format("{:.6g}", t.lr),
          std::string("--weight-decay"), fmt::format("{:.6g}", t.weight_decay), std::string("--dropout"),
          fmt::format("{:.4f}", t.dropout), std::string("--batch-size"), std::to_string(t.batch_size),
          std::string("--metrics"), stem + ".jsonl"})
      argv.push_back(a);
    std::printf("trial %d/%d: lr %.3g, weight decay %.3g, dropout %.3f, batch %lld ... ", t.index, n, t.lr,
                t.weight_decay, t.dropout, static_cast<long long>(t.batch_size));
    std::fflush(stdout);
    t.status = run_process(argv, stem + ".log");
    std::ifstream metrics(stem + ".jsonl");
    for (std::string line; std::getline(metrics, line);)
      if (!line.empty()) {
        const EpochMetrics m = from_json(nlohmann::json::parse(line));
        t.val_accuracy = m.test_accuracy;  // with --val-split, "test" is the validation split
        t.val_loss = m.test_loss;
        t.seconds += m.seconds;
      }
    if (t.status != 0) t.val_accuracy = t.val_loss = std::numeric_limits<double>::quiet_NaN();
    if (t.status == 0) std::printf("val acc %.4f\n", t.val_accuracy);
    else std::printf("failed (exit %d, see %s.log)\n", t.status, stem.c_str());
  }

  std::vector<Trial> ranked = trials;
  std::stable_sort(ranked.begin(), ranked.end(), [](const Trial& a, const Trial& b) {
    const double x = std::isfinite(a.val_accuracy) ? a.val_accuracy : -1, y = std::isfinite(b.val_accuracy) ? b.val_accuracy : -1;
    return x > y;
  });
  std::string table = fmt::format("| rank | trial | val acc | val loss | lr | weight decay | dropout | batch | train s |\n"
                                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::string csv = "rank,trial,val_accuracy,val_loss,lr,weight_decay,dropout,batch_size,seconds\n";
  for (size_t r = 0; r < ranked.size(); ++r) {
    const Trial& t = ranked[r];
    table += fmt::format("| {} | {} | {:.4f} | {:.4f} | {:.3g} | {:.3g} | {:.3f} | {} | {:.1f} |\n", r + 1, t.index,
                         t.val_accuracy, t.val_loss, t.lr, t.weight_decay, t.dropout, t.batch_size, t.seconds);
    csv += fmt::format("{},{},{:.6f},{:.6f},{:.6g},{:.6g},{:.4f},{},{:.2f}\n", r + 1, t.index, t.val_accuracy,
                       t.val_loss, t.lr, t.weight_decay, t.dropout, t.batch_size, t.seconds);
  }
  tg::io::atomic_write_file((fs::path(space.dir) / "search.csv").string(), csv);
  tg::io::atomic_write_file((fs::path(space.dir) / "search.svg").string(), svg_search(ranked));
  std::printf("\nrandom search, %d trials of %lld epochs, validation split %.0f%% of the training images:\n%s", n,
              static_cast<long long>(space.epochs), 100 * space.val_split, table.c_str());
  std::printf("wrote %s/search.csv and %s/search.svg\n", space.dir.c_str(), space.dir.c_str());
  const Trial& best = ranked.front();
  const bool ok = std::isfinite(best.val_accuracy);
  std::printf("%s\n", nlohmann::json{{"search", n},
                                     {"best", {{"trial", best.index}, {"val_accuracy", best.val_accuracy},
                                               {"lr", best.lr}, {"weight_decay", best.weight_decay},
                                               {"dropout", best.dropout}, {"batch_size", best.batch_size}}}}
                          .dump()
                          .c_str());
  return ok ? 0 : 1;
}

}  // namespace train
