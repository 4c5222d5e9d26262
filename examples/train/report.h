// tapegrad-train: progress display, the metrics file and the loss/accuracy picture.
#pragma once

#include <tapegrad/tapegrad.h>

#include "svg_chart.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace train {

struct EpochMetrics {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0, test_loss = 0, test_accuracy = 0, lr = 0, seconds = 0;
  nlohmann::json diagnostics;  // --diagnostics: flat name -> figure (train/diagnostics.h), else null
};

inline nlohmann::json to_json(const EpochMetrics& m) {
  nlohmann::json j = {{"epoch", m.epoch},         {"train_loss", m.train_loss}, {"train_accuracy", m.train_accuracy},
                      {"test_loss", m.test_loss}, {"test_accuracy", m.test_accuracy}, {"lr", m.lr},
                      {"seconds", m.seconds}};
  if (!m.diagnostics.is_null()) j["diagnostics"] = m.diagnostics;
  return j;
}

inline EpochMetrics from_json(const nlohmann::json& j) {
  return {j.at("epoch").get<int64_t>(),        j.at("train_loss").get<double>(), j.at("train_accuracy").get<double>(),
          j.at("test_loss").get<double>(),     j.at("test_accuracy").get<double>(), j.at("lr").get<double>(),
          j.at("seconds").get<double>(),       j.value("diagnostics", nlohmann::json())};
}

// A progress bar redrawn in place on a terminal; on a pipe or file, one line every ~10%.
class Progress {
 public:
  Progress(int64_t epoch, int64_t epochs, int64_t batches)
      : epoch_(epoch), epochs_(epochs), batches_(batches), tty_(isatty(fileno(stdout)) != 0),
        start_(std::chrono::steady_clock::now()) {}

  void update(int64_t done, int64_t samples, double running_loss) {
    const double secs = elapsed();
    const double rate = secs > 0 ? static_cast<double>(samples) / secs : 0.0;
    const double eta = done > 0 ? secs * static_cast<double>(batches_ - done) / static_cast<double>(done) : 0.0;
    if (tty_) {
      constexpr int kWidth = 30;
      const auto filled = static_cast<int>(kWidth * done / std::max<int64_t>(batches_, 1));
      std::printf("\repoch %lld/%lld [%s%s] %lld/%lld  %.0f samples/s  loss %.4f  eta %.0fs   ",
                  static_cast<long long>(epoch_), static_cast<long long>(epochs_), std::string(filled, '#').c_str(),
                  std::string(kWidth - filled, '.').c_str(), static_cast<long long>(done),
                  static_cast<long long>(batches_), rate, running_loss, eta);
      std::fflush(stdout);
    } else if (done == batches_ || done * 10 / batches_ != (done - 1) * 10 / batches_) {
      std::printf("epoch %lld/%lld  batch %lld/%lld  %.0f samples/s  loss %.4f\n", static_cast<long long>(epoch_),
                  static_cast<long long>(epochs_), static_cast<long long>(done), static_cast<long long>(batches_), rate,
                  running_loss);
      std::fflush(stdout);
    }
  }

  void finish() {
    if (tty_) std::printf("\n");
  }
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  int64_t epoch_, epochs_, batches_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

// Writes all epochs so far, atomically, as CSV or JSON lines (chosen by the extension).
inline void write_metrics(const std::string& path, const std::vector<EpochMetrics>& history) {
  std::string text;
  const bool jsonl = path.ends_with(".jsonl") || path.ends_with(".json");
  if (!jsonl) {
    // Diagnostics figures become extra columns, named as in the first epoch's record.
    text = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds";
    if (!history.empty() && history[0].diagnostics.is_object())
      for (const auto& [name, value] : history[0].diagnostics.items()) text += "," + name;
    text += "\n";
  }
  for (const EpochMetrics& m : history) {
    if (jsonl) {
      text += to_json(m).dump() + "\n";
      continue;
    }
    text += fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6g},{:.3f}", m.epoch, m.train_loss, m.train_accuracy,
                        m.test_loss, m.test_accuracy, m.lr, m.seconds);
    if (!history[0].diagnostics.is_object()) {
      text += "\n";
      continue;
    }
    for (const auto& [name, first] : history[0].diagnostics.items()) {
      const nlohmann::json v = m.diagnostics.is_object() ? m.diagnostics.value(name, nlohmann::json()) : nlohmann::json();
      text += v.is_number() ? fmt::format(",{:.6g}", v.get<double>()) : std::string(",");
    }
    text += "\n";
  }
  tg::io::atomic_write_file(path, text);
}

// An SVG with two panels (loss, accuracy), train and test lines, written without any tool.
inline std::string svg_plot(const std::vector<EpochMetrics>& h) {
  Panel loss{"loss", {{"train", {}}, {"test", {}}}}, accuracy{"accuracy", {{"train", {}}, {"test", {}}}};
  std::vector<std::string> epochs;
  for (const EpochMetrics& m : h) {
    loss.series[0].values.push_back(m.train_loss);
    loss.series[1].values.push_back(m.test_loss);
    accuracy.series[0].values.push_back(m.train_accuracy);
    accuracy.series[1].values.push_back(m.test_accuracy);
    epochs.push_back(std::to_string(m.epoch));
  }
  return svg_line_charts({loss, accuracy}, epochs);
}

// True when gnuplot is on PATH.
inline bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

// The picture at `path` (.svg or .png): gnuplot when installed, else an SVG written directly.
inline void write_plot(const std::string& path, const std::vector<EpochMetrics>& history) {
  const bool png = path.ends_with(".png");
  TG_CHECK(png || path.ends_with(".svg"), "--plot: {} must end in .svg or .png", path);
  if (!have_gnuplot()) {
    TG_CHECK(!png, "--plot: PNG output needs gnuplot (Debian package gnuplot-nox); use an .svg path");
    tg::io::atomic_write_file(path, svg_plot(history));
    return;
  }
  namespace fs = std::filesystem;
  const fs::path data = fs::path(path).replace_extension(".plotdata");
  const fs::path script = fs::path(path).replace_extension(".gnuplot");
  {
    std::ofstream d(data);
    for (const auto& m : history)
      d << m.epoch << ' ' << m.train_loss << ' ' << m.test_loss << ' ' << m.train_accuracy << ' ' << m.test_accuracy << '\n';
    std::ofstream g(script);
    g << "set terminal " << (png ? "pngcairo" : "svg") << " size 900,360\n"
      << "set output '" << path << ".tmp'\nset multiplot layout 1,2\nset xlabel 'epoch'\nset key top right\n"
      << "set title 'loss'\nplot '" << data.string() << "' u 1:2 w lp t 'train', '' u 1:3 w lp t 'test'\n"
      << "set title 'accuracy'\nset key bottom right\nplot '" << data.string()
      << "' u 1:4 w lp t 'train', '' u 1:5 w lp t 'test'\nunset multiplot\n";
  }
  const int rc = std::system(("gnuplot '" + script.string() + "' 2>/dev/null").c_str());
  fs::remove(data);
  fs::remove(script);
  TG_CHECK(rc == 0, "--plot: gnuplot failed writing {}", path);
  fs::rename(path + ".tmp", path);
}

}  // namespace train
