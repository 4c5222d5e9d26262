// compare: the classic comparisons of training techniques on Fashion-MNIST, each as one chart
// and one markdown table.
//
//   build/release/examples/compare [--out DIR] [--epochs N] [--only GROUP,...] [--quick]
//
// Groups: optimizers (SGD, momentum, AdaGrad, RMSProp, Adam), init (small random vs Xavier vs He
// on a deep ReLU network), regularisation (none, dropout, DropConnect, BatchNorm, augmentation),
// preprocessing (raw, zero-centred, normalised, PCA-whitened).
// Every variant is one run of tapegrad-train (found next to this executable) with a fixed seed and a
// constant learning rate, so that one technique differs at a time. Writes DIR/<group>.svg,
// DIR/<group>/<variant>.{jsonl,log} and DIR/compare.md (also printed). --quick trains on 2,000 images
// for one epoch (ctest runs it); a run that fails or ends with a non-finite loss makes compare fail.
#include "train/process.h"
#include "train/report.h"
#include "train/svg_chart.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct Variant {
  std::string label;
  std::vector<std::string> args;
};

struct Comparison {
  std::string name, title;
  std::vector<std::string> common_args;  // the same for every variant of the group
  std::vector<Variant> variants;
};

// Each group holds everything fixed but the technique it compares. Learning rates are the CLI's
// defaults for each optimizer (0.05 for the SGD family, 0.01 AdaGrad, 1e-3 RMSProp/Adam).
std::vector<Comparison> comparisons() {
  const std::vector<std::string> plain = {"--no-batchnorm", "--dropout", "0"};
  auto with = [](std::vector<std::string> a, std::initializer_list<std::string> more) {
    a.insert(a.end(), more);
    return a;
  };
  return {
      {"optimizers", "Optimizers (MLP 784-512-256-10, BatchNorm, dropout 0.2, He init)", {},
       {{"SGD", {"--optimizer", "sgd"}},
        {"momentum 0.9", {"--optimizer", "momentum"}},
        {"AdaGrad", {"--optimizer", "adagrad"}},
        {"RMSProp", {"--optimizer", "rmsprop"}},
        {"Adam", {"--optimizer", "adam"}}}},
      {"init", "Initialisation (deep MLP: 8 x 256 ReLU layers, no BatchNorm, SGD momentum)",
       with(plain, {"--hidden", "256,256,256,256,256,256,256,256", "--optimizer", "momentum", "--lr", "0.01"}),
       {{"small N(0, 0.01^2)", {"--init", "small"}},
        {"Xavier/Glorot", {"--init", "xavier"}},
        {"He/Kaiming", {"--init", "he"}}}},
      {"regularisation", "Regularisation (MLP 784-512-256-10, Adam, He init)", {},
       {{"none", plain},
        {"dropout 0.5", {"--no-batchnorm", "--dropout", "0.5"}},
        {"DropConnect 0.5", {"--no-batchnorm", "--dropout", "0", "--dropconnect", "0.5"}},
        {"BatchNorm", {"--batchnorm", "--dropout", "0"}},
        {"augmentation", with(plain, {"--augment", "flip,crop"})}}},
      {"preprocessing", "Preprocessing (MLP 784-512-256-10, no BatchNorm, dropout 0.2, Adam)",
       {"--no-batchnorm"},
       {{"raw [0,1]", {"--preprocess", "none"}},
        {"zero-centred", {"--preprocess", "zero-center"}},
        {"normalised", {"--preprocess", "normalize"}},
        {"PCA-whitened", {"--preprocess", "whiten"}}}},
  };
}

std::vector<train::EpochMetrics> read_metrics(const fs::path& path) {
  std::ifstream in(path);
  TG_CHECK(in, "compare: no metrics file {}", path.string());
  std::vector<train::EpochMetrics> history;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) history.push_back(train::from_json(nlohmann::json::parse(line)));
  TG_CHECK(!history.empty(), "compare: {} holds no epoch", path.string());
  return history;
}

std::string file_stem(const std::string& label) {
  std::string s;
  for (char c : label) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

std::string join(const std::vector<std::string>& parts, const char* sep = " ") {
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : sep) + p;
  return s;
}

struct Options {
  fs::path out = "runs/compare";
  int epochs = 10;
  bool quick = false;
  std::string only;
  int threads = 0;
};

// Runs every variant of one comparison; writes its chart and returns its markdown table.
std::string run_comparison(const Comparison& c, const Options& o, const fs::path& trainer) {
  const fs::path dir = o.out / c.name;
  fs::create_directories(dir);
  std::vector<std::vector<train::EpochMetrics>> results;
  for (const Variant& v : c.variants) {
    const fs::path metrics = dir / (file_stem(v.label) + ".jsonl"), log = dir / (file_stem(v.label) + ".log");
    std::vector<std::string> argv = {trainer.string(), "--seed", "0", "--lr-schedule", "none",
                                     "--epochs", std::to_string(o.epochs), "--metrics", metrics.string()};
    if (o.quick) argv.insert(argv.end(), {"--train-samples", "2000", "--test-samples", "500"});
    if (o.threads > 0) argv.insert(argv.end(), {"--threads", std::to_string(o.threads)});
    argv.insert(argv.end(), c.common_args.begin(), c.common_args.end());
    argv.insert(argv.end(), v.args.begin(), v.args.end());
    fmt::print(stderr, "compare: {} / {} ...\n", c.name, v.label);
    const int status = train::run_process(argv, log.string());
    TG_CHECK(status == 0, "compare: {} / {} failed (exit {}); see {}\n  command: {}", c.name, v.label, status,
             log.string(), join(argv));
    results.push_back(read_metrics(metrics));
    const train::EpochMetrics& last = results.back().back();
    TG_CHECK(std::isfinite(last.train_loss) && std::isfinite(last.test_loss),
             "compare: {} / {} ended with a non-finite loss; see {}", c.name, v.label, log.string());
  }

  std::vector<train::Panel> panels = {{"test accuracy", {}}, {"train loss", {}}};
  size_t epochs = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    train::Series acc{c.variants[i].label, {}}, loss{c.variants[i].label, {}};
    for (const train::EpochMetrics& m : results[i]) {
      acc.values.push_back(m.test_accuracy);
      loss.values.push_back(m.train_loss);
    }
    epochs = std::max(epochs, results[i].size());
    panels[0].series.push_back(std::move(acc));
    panels[1].series.push_back(std::move(loss));
  }
  std::vector<std::string> x_labels;
  for (size_t e = 1; e <= epochs; ++e) x_labels.push_back(std::to_string(e));
  tg::io::atomic_write_file((o.out / (c.name + ".svg")).string(), train::svg_line_charts(panels, x_labels));

  std::string md = fmt::format("### {}\n\n![{}]({}.svg)\n\nCommon options: `{}`\n\n", c.title, c.name, c.name,
                               join(c.common_args).empty() ? "(defaults)" : join(c.common_args));
  md += "| variant | options | train loss | train acc | test loss | test acc | s/epoch |\n";
  md += "|---|---|---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const train::EpochMetrics& last = results[i].back();
    double seconds = 0;
    for (const train::EpochMetrics& m : results[i]) seconds += m.seconds;
    md += fmt::format("| {} | `{}` | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.1f} |\n", c.variants[i].label,
                      join(c.variants[i].args), last.train_loss, last.train_accuracy, last.test_loss,
                      last.test_accuracy, seconds / static_cast<double>(results[i].size()));
  }
  return md + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"compare: training techniques side by side on Fashion-MNIST"};
  Options o;
  app.add_option("--out", o.out, "output directory (charts, tables, per-run metrics and logs)");
  app.add_option("--epochs", o.epochs, "epochs per run")->check(CLI::PositiveNumber);
  app.add_option("--only", o.only, "comma list of groups: optimizers,init,regularisation,preprocessing");
  app.add_option("--threads", o.threads, "threads per run (default: tapegrad-train's)")->check(CLI::NonNegativeNumber);
  app.add_flag("--quick", o.quick, "2,000 training and 500 test images, 1 epoch unless --epochs is given");
  CLI11_PARSE(app, argc, argv);
  if (o.quick && app.count("--epochs") == 0) o.epochs = 1;

  try {
    const fs::path trainer = fs::read_symlink("/proc/self/exe").parent_path() / "tapegrad-train";
    TG_CHECK(fs::exists(trainer), "compare: {} not found (build the tapegrad-train target)", trainer.string());
    std::set<std::string> wanted;
    std::stringstream groups(o.only);
    for (std::string g; std::getline(groups, g, ',');) wanted.insert(g);
    std::vector<Comparison> all = comparisons();
    for (const std::string& g : wanted)
      TG_CHECK(std::any_of(all.begin(), all.end(), [&](const Comparison& c) { return c.name == g; }),
               "compare: --only: unknown group '{}' (expected optimizers, init, regularisation, preprocessing)", g);

    fs::create_directories(o.out);
    std::string md = fmt::format("## Comparisons ({} epoch{}{}, seed 0, constant learning rate)\n\n", o.epochs,
                                 o.epochs == 1 ? "" : "s", o.quick ? ", quick mode: 2,000/500 images" : "");
    for (const Comparison& c : all)
      if (wanted.empty() || wanted.count(c.name)) md += run_comparison(c, o, trainer);
    tg::io::atomic_write_file((o.out / "compare.md").string(), md);
    fmt::print("{}", md);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "compare: error: {}\n", e.what());
    return 1;
  }
}
