// tapegrad-train: what runs around each optimizer step besides the step itself: training
// diagnostics (--diagnostics), the max-norm constraint (--max-norm c) and weight averaging
// (--ema decay), plus the per-epoch diagnostics table and the activation-histogram page.
#pragma once

#include <tapegrad/tapegrad.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace train {

struct InsightConfig {
  bool diagnostics = false;
  double max_norm = 0;  // 0: off
  double ema = 0;       // decay; 0: off
};

// Layers worth a row in the table: leaves that compute something (not Flatten, dropout or pooling).
inline bool worth_watching(const std::string&, const tg::nn::Module& m) {
  static const std::vector<std::string> skip = {"Flatten", "Dropout", "Dropout2d", "MaxPool2d", "AvgPool2d", "Lambda"};
  return m.named_children().empty() && std::find(skip.begin(), skip.end(), m.type_name()) == skip.end();
}

// One histogram per layer output (sqrt-scaled counts, so the spike of ReLU zeros leaves the rest
// visible), in a grid, as SVG written directly.
inline std::string svg_histograms(const std::vector<std::pair<std::string, tg::Tensor>>& layers, int64_t epoch) {
  constexpr int kCols = 3, kBins = 40;
  constexpr double kW = 300, kH = 190, kPad = 40;
  const int rows = static_cast<int>((layers.size() + kCols - 1) / kCols);
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' font-size='11'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n"
      "<text x='10' y='20' font-size='14'>activations of the last training batch, epoch {} (bar height: sqrt of "
      "count)</text>\n",
      kCols * (kW + kPad) + kPad, rows * (kH + kPad) + 2 * kPad, epoch);
  for (size_t i = 0; i < layers.size(); ++i) {
    const tg::Tensor v = layers[i].second.to(tg::kDouble).contiguous();
    const double* x = v.data_ptr<double>();
    const int64_t n = v.numel();
    double lo = n ? *std::min_element(x, x + n) : 0, hi = n ? *std::max_element(x, x + n) : 1;
    if (!(hi > lo)) hi = lo + 1;
    std::vector<int64_t> count(kBins, 0);
    int64_t zeros = 0;
    for (int64_t k = 0; k < n; ++k) {
      count[std::min<size_t>(kBins - 1, static_cast<size_t>((x[k] - lo) / (hi - lo) * kBins))]++;
      zeros += x[k] == 0;
    }
    const double top = std::sqrt(static_cast<double>(*std::max_element(count.begin(), count.end())));
    const double x0 = kPad + static_cast<double>(i % kCols) * (kW + kPad);
    const double y0 = 2 * kPad + static_cast<double>(i / kCols) * (kH + kPad);
    s += fmt::format("<text x='{}' y='{}'>{} (zeros {:.0f}%)</text>\n", x0, y0 - 6, layers[i].first,
                     n ? 100.0 * static_cast<double>(zeros) / static_cast<double>(n) : 0.0);
    s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#999'/>\n", x0, y0, kW, kH - 20);
    for (int b = 0; b < kBins; ++b) {
      const double h = top > 0 ? (kH - 20) * std::sqrt(static_cast<double>(count[b])) / top : 0;
      s += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='#1f77b4'/>\n",
                       x0 + kW * b / kBins, y0 + kH - 20 - h, kW / kBins - 1, h);
    }
    s += fmt::format("<text x='{}' y='{}'>{:.3g}</text><text x='{}' y='{}' text-anchor='end'>{:.3g}</text>\n", x0,
                     y0 + kH - 6, lo, x0 + kW, y0 + kH - 6, hi);
  }
  return s + "</svg>\n";
}

// "runs/plot.svg" -> "runs/plot-activations.svg" (always SVG: it is written without gnuplot).
inline std::string histogram_path(const std::string& plot) {
  std::filesystem::path p(plot);
  return (p.parent_path() / (p.stem().string() + "-activations.svg")).string();
}

class StepExtras {
 public:
  StepExtras(tg::nn::Module& model, const InsightConfig& c) : max_norm_(c.max_norm) {
    if (c.diagnostics)
      diagnostics_ = std::make_unique<tg::nn::TrainingDiagnostics>(model, tg::nn::DiagnosticsOptions{worth_watching});
    if (max_norm_ > 0)
      for (const auto& [name, p] : model.named_parameters())
        if (name.ends_with("weight") && p.dim() >= 2) constrained_.push_back(p);
    if (c.ema > 0) {
      // BatchNorm's running statistics are averaged too, so they match the averaged weights.
      tg::tensor_list tensors = model.parameters();
      for (const tg::Tensor& b : model.buffers())
        if (b.is_floating_point()) tensors.push_back(b);
      ema_ = std::make_unique<tg::optim::ExponentialMovingAverage>(tensors,
                                                                   tg::optim::ExponentialMovingAverageOptions{.decay = c.ema});
    }
  }

  // Call right before and right after optimizer.step().
  void before_step() {
    if (diagnostics_) diagnostics_->before_step();
  }
  void after_step() {
    for (const tg::Tensor& w : constrained_) tg::nn::utils::max_norm_(w, max_norm_);
    if (diagnostics_) diagnostics_->after_step();  // the update includes the max-norm projection
    if (ema_) ema_->update();
  }

  // fn() run with the averaged weights swapped in (with --ema), then the live ones swapped back.
  template <typename F> auto evaluate(F fn) {
    if (!ema_) return fn();
    tg::optim::ExponentialMovingAverage::Swapped averaged(*ema_);
    return fn();
  }

  // Prints the epoch's table, writes the histogram page, and returns the figures (flat, by name)
  // for the metrics file; null without --diagnostics.
  nlohmann::json end_epoch(int64_t epoch, const std::string& plot) {
    if (!diagnostics_) return nullptr;
    std::printf("diagnostics, epoch %lld (training-batch averages):\n%s", static_cast<long long>(epoch),
                diagnostics_->table().c_str());
    nlohmann::json j = nlohmann::json::object();
    for (const tg::nn::LayerDiagnostics& l : diagnostics_->layers()) {
      const std::string key = l.name + "." + l.type;
      j[key + ".act_mean"] = l.mean;
      j[key + ".act_std"] = l.std;
      if (l.dead_fraction) j[key + ".dead_relu"] = *l.dead_fraction;
    }
    for (const tg::nn::ParameterDiagnostics& p : diagnostics_->parameters()) {
      j[p.name + ".grad_norm"] = p.grad_norm;
      j[p.name + ".update_ratio"] = p.update_ratio;
    }
    if (!plot.empty())
      tg::io::atomic_write_file(histogram_path(plot), svg_histograms(diagnostics_->last_outputs(), epoch));
    diagnostics_->reset();
    return j;
  }

  // What a resumed run needs: the averages ("ema." keys).
  tg::io::TensorDict state() const {
    tg::io::TensorDict out;
    if (ema_)
      for (const auto& [k, t] : ema_->state_dict()) out.emplace_back("ema." + k, t);
    return out;
  }
  void load_state(const tg::io::TensorDict& all) {
    if (!ema_) return;
    tg::io::TensorDict mine;
    for (const auto& [k, t] : all)
      if (k.starts_with("ema.")) mine.emplace_back(k.substr(4), t);
    TG_CHECK(!mine.empty(), "--ema: the checkpoint holds no averaged weights (was it saved without --ema?)");
    ema_->load_state_dict(mine);
  }

 private:
  double max_norm_;
  std::unique_ptr<tg::nn::TrainingDiagnostics> diagnostics_;
  tg::tensor_list constrained_;
  std::unique_ptr<tg::optim::ExponentialMovingAverage> ema_;
};

}  // namespace train
