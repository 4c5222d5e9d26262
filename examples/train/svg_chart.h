// Line charts as SVG text, written without any tool: panels side by side, each with any
// number of labelled series over a shared x axis (epochs).
#pragma once

#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

namespace train {

struct Series {
  std::string label;
  std::vector<double> values;  // one per x position
};

struct Panel {
  std::string title;
  std::vector<Series> series;
};

// Distinct colours for up to ten series (matplotlib's tab10), then they repeat.
inline const char* series_color(size_t i) {
  static const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColors[i % std::size(kColors)];
}

// `x_labels` names the x positions (e.g. epochs 1..n); each panel's y range fits its data.
inline std::string svg_line_charts(const std::vector<Panel>& panels, const std::vector<std::string>& x_labels,
                                   const std::string& x_title = "epoch") {
  constexpr double kPanelW = 380, kH = 360, kPad = 60, kLegendW = 150;
  const double width = kPad + static_cast<double>(panels.size()) * (kPanelW + kPad) + kLegendW;
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' font-size='12'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n",
      width, kH);
  for (size_t p = 0; p < panels.size(); ++p) {
    const Panel& panel = panels[p];
    const double x0 = kPad + static_cast<double>(p) * (kPanelW + kPad), y0 = kPad, h = kH - 2 * kPad;
    double lo = 1e300, hi = -1e300;
    for (const Series& line : panel.series)
      for (double v : line.values) {
        if (!(v == v)) continue;  // NaN: not drawn, not scaled to
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    if (!(hi > lo)) {
      hi = (lo < 1e300 ? lo : 0) + 1;
      lo = hi - 2;
    }
    const double n = static_cast<double>(std::max<size_t>(x_labels.size(), 2) - 1);
    auto px = [&](size_t i) { return x0 + kPanelW * static_cast<double>(i) / n; };
    auto py = [&](double v) { return y0 + h - h * (v - lo) / (hi - lo); };
    s += fmt::format("<text x='{}' y='{}' text-anchor='middle' font-size='14'>{}</text>\n", x0 + kPanelW / 2,
                     y0 - 15, panel.title);
    s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#999'/>\n", x0, y0, kPanelW, h);
    for (int t = 0; t <= 4; ++t) {
      const double v = lo + (hi - lo) * t / 4;
      s += fmt::format("<text x='{}' y='{}' text-anchor='end'>{:.3g}</text>\n", x0 - 5, py(v) + 4, v);
    }
    const size_t label_every = std::max<size_t>(1, x_labels.size() / 10);
    for (size_t i = 0; i < x_labels.size(); i += label_every)
      s += fmt::format("<text x='{}' y='{}' text-anchor='middle'>{}</text>\n", px(i), y0 + h + 16, x_labels[i]);
    s += fmt::format("<text x='{}' y='{}' text-anchor='middle'>{}</text>\n", x0 + kPanelW / 2, y0 + h + 34, x_title);
    for (size_t k = 0; k < panel.series.size(); ++k) {
      std::string points;
      const std::vector<double>& values = panel.series[k].values;
      for (size_t i = 0; i < values.size(); ++i)
        if (values[i] == values[i]) points += fmt::format("{:.1f},{:.1f} ", px(i), py(values[i]));
      s += fmt::format("<polyline fill='none' stroke='{}' stroke-width='2' points='{}'/>\n", series_color(k), points);
      if (values.size() == 1 && !points.empty())  // a single epoch: a dot, since a line needs two points
        s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='4' fill='{}'/>\n", px(0), py(values[0]), series_color(k));
    }
  }
  // One legend for all panels: the series are the same in each.
  if (!panels.empty()) {
    const double lx = width - kLegendW + 10;
    for (size_t k = 0; k < panels[0].series.size(); ++k)
      s += fmt::format("<text x='{}' y='{}' fill='{}'>{}</text>\n", lx, kPad + 16 + 18 * static_cast<double>(k),
                       series_color(k), panels[0].series[k].label);
  }
  return s + "</svg>\n";
}

}  // namespace train
