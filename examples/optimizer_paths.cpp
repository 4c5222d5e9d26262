// Every optimizer from the same start on a saddle, f(x, y) = x² − y², and on the Rosenbrock function,
// f(x, y) = (1 − x)² + 100 (y − x²)². Writes the trajectories as CSV and draws them as SVG.
//
//   build/release/examples/optimizer_paths --out paths    # paths/{saddle,rosenbrock}.{csv,svg}
//
// The saddle start lies almost on the x axis, the saddle point's attracting direction: plain SGD runs
// into the saddle point and lingers there while the tiny y grows by a factor (1 + 2α) per step;
// momentum compounds that growth, and the adaptive methods (Adagrad, RMSprop, Adam) rescale each
// coordinate by its own gradient history, so y moves at a speed set by α however small its gradient.
#include <tapegrad/tapegrad.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace optim = tg::optim;
using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(const tg::Tensor&)>;

struct Contender {
  std::string name;
  std::string color;
  MakeOptimizer make;
};

template <typename Opt, typename Options> MakeOptimizer make(Options options) {
  return [options](const tg::Tensor& p) { return std::make_unique<Opt>(tg::tensor_list{p}, options); };
}

struct Problem {
  std::string name;
  double x0, y0;
  int steps;
  double xmin, xmax, ymin, ymax;  // the plotted window
  std::function<tg::Tensor(const tg::Tensor& x, const tg::Tensor& y)> f;
  std::vector<Contender> contenders;
};

struct Point {
  double x, y, f;
};

Problem saddle() {
  return {"saddle", 1.5, 1e-4, 150, -1.6, 1.6, -1.6, 1.6,
          [](const tg::Tensor& x, const tg::Tensor& y) { return x * x - y * y; },
          {{"SGD", "#444444", make<optim::SGD>(optim::SGDOptions{.lr = 0.05})},
           {"SGD momentum", "#1f77b4", make<optim::SGD>(optim::SGDOptions{.lr = 0.05, .momentum = 0.9})},
           {"SGD Nesterov", "#17becf",
            make<optim::SGD>(optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true})},
           {"Adagrad", "#2ca02c", make<optim::Adagrad>(optim::AdagradOptions{.lr = 0.1})},
           {"RMSprop", "#9467bd", make<optim::RMSprop>(optim::RMSpropOptions{.lr = 0.01})},
           {"Adam", "#d62728", make<optim::Adam>(optim::AdamOptions{.lr = 0.05})},
           {"AdamW", "#ff7f0e", make<optim::AdamW>(optim::AdamWOptions{.lr = 0.05})}}};
}

Problem rosenbrock() {
  return {"rosenbrock", -1.2, 1.0, 3000, -2.0, 2.0, -1.0, 3.0,
          [](const tg::Tensor& x, const tg::Tensor& y) {
            const tg::Tensor u = 1.0 - x, w = y - x * x;
            return u * u + 100.0 * w * w;
          },
          {{"SGD", "#444444", make<optim::SGD>(optim::SGDOptions{.lr = 1e-3})},
           {"SGD momentum", "#1f77b4", make<optim::SGD>(optim::SGDOptions{.lr = 2e-4, .momentum = 0.9})},
           {"SGD Nesterov", "#17becf",
            make<optim::SGD>(optim::SGDOptions{.lr = 2e-4, .momentum = 0.9, .nesterov = true})},
           {"Adagrad", "#2ca02c", make<optim::Adagrad>(optim::AdagradOptions{.lr = 0.5})},
           {"RMSprop", "#9467bd", make<optim::RMSprop>(optim::RMSpropOptions{.lr = 1e-3})},
           {"Adam", "#d62728", make<optim::Adam>(optim::AdamOptions{.lr = 0.02})},
           {"AdamW", "#ff7f0e", make<optim::AdamW>(optim::AdamWOptions{.lr = 0.02})}}};
}

// The path from the problem's start; stops early once it leaves the window far behind.
std::vector<Point> run(const Problem& problem, const Contender& contender) {
  tg::Tensor p = tg::tensor<double>({problem.x0, problem.y0}).requires_grad_(true);
  auto opt = contender.make(p);
  std::vector<Point> path;
  for (int step = 0; step <= problem.steps; ++step) {
    opt->zero_grad();
    tg::Tensor loss = problem.f(p.select(0, 0), p.select(0, 1));
    const double x = p.select(0, 0).item<double>(), y = p.select(0, 1).item<double>();
    path.push_back({x, y, loss.item<double>()});
    if (std::abs(x) > 10 || std::abs(y) > 10) break;
    loss.backward();
    opt->step();
  }
  return path;
}

void write_csv(const std::filesystem::path& file, const Problem& problem,
               const std::vector<std::vector<Point>>& paths) {
  std::ofstream out(file);
  out << "optimizer,step,x,y,f\n";
  for (size_t k = 0; k < paths.size(); ++k) {
    for (size_t step = 0; step < paths[k].size(); ++step) {
      const Point& q = paths[k][step];
      out << problem.contenders[k].name << ',' << step << ',' << q.x << ',' << q.y << ',' << q.f << '\n';
    }
  }
}

// A heat map of f under the paths, a legend, the start (circle) and the point of interest (cross).
void write_svg(const std::filesystem::path& file, const Problem& problem, const std::vector<std::vector<Point>>& paths,
               double mark_x, double mark_y) {
  constexpr double left = 50, top = 40, size = 560, width = 820, height = 640;
  auto px = [&](double x) { return left + (x - problem.xmin) / (problem.xmax - problem.xmin) * size; };
  auto py = [&](double y) { return top + (problem.ymax - y) / (problem.ymax - problem.ymin) * size; };
  std::ofstream out(file);
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='sans-serif' font-size='13'>\n<rect width='100%' height='100%' fill='white'/>\n"
      << "<text x='" << left << "' y='25' font-size='16'>" << problem.name << ": " << problem.steps
      << " steps from (" << problem.x0 << ", " << problem.y0 << ")</text>\n"
      << "<clipPath id='plot'><rect x='" << left << "' y='" << top << "' width='" << size << "' height='" << size
      << "'/></clipPath>\n";

  // Heat map of f: red where f > 0, blue where f < 0, darker with log(1 + |f|).
  constexpr int cells = 80;
  const double cell = size / cells;
  std::vector<double> f(cells * cells);
  tg::Tensor gx = tg::empty({1}, tg::kDouble), gy = tg::empty({1}, tg::kDouble);
  double top_value = 0;
  for (int i = 0; i < cells; ++i) {
    for (int j = 0; j < cells; ++j) {
      gx.fill_(problem.xmin + (i + 0.5) / cells * (problem.xmax - problem.xmin));
      gy.fill_(problem.ymax - (j + 0.5) / cells * (problem.ymax - problem.ymin));
      f[i * cells + j] = problem.f(gx, gy).item<double>();
      top_value = std::max(top_value, std::log1p(std::abs(f[i * cells + j])));
    }
  }
  for (int i = 0; i < cells; ++i) {
    for (int j = 0; j < cells; ++j) {
      const double v = f[i * cells + j];
      const int fade = static_cast<int>(255 * (1 - 0.6 * std::log1p(std::abs(v)) / top_value));
      const int r = v >= 0 ? 255 : fade, b = v >= 0 ? fade : 255;
      out << "<rect x='" << left + i * cell << "' y='" << top + j * cell << "' width='" << cell + 0.5
          << "' height='" << cell + 0.5 << "' fill='rgb(" << r << ',' << fade << ',' << b << ")'/>\n";
    }
  }
  out << "<rect x='" << left << "' y='" << top << "' width='" << size << "' height='" << size
      << "' fill='none' stroke='black'/>\n";
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    const double x = problem.xmin + t * (problem.xmax - problem.xmin);
    const double y = problem.ymin + t * (problem.ymax - problem.ymin);
    out << "<text x='" << px(x) << "' y='" << top + size + 18 << "' text-anchor='middle'>" << x << "</text>\n"
        << "<text x='" << left - 6 << "' y='" << py(y) + 4 << "' text-anchor='end'>" << y << "</text>\n";
  }

  out << "<g clip-path='url(#plot)' fill='none' stroke-width='1.8'>\n";
  for (size_t k = 0; k < paths.size(); ++k) {
    out << "<polyline stroke='" << problem.contenders[k].color << "' points='";
    double last_x = -1e9, last_y = -1e9;
    for (const Point& q : paths[k]) {
      if (std::hypot(px(q.x) - last_x, py(q.y) - last_y) < 0.5) continue;  // thin out sub-pixel steps
      last_x = px(q.x), last_y = py(q.y);
      out << last_x << ',' << last_y << ' ';
    }
    out << "'/>\n";
  }
  out << "</g>\n<circle cx='" << px(problem.x0) << "' cy='" << py(problem.y0) << "' r='5' fill='black'/>\n"
      << "<path d='M" << px(mark_x) - 6 << ',' << py(mark_y) - 6 << " l12,12 m0,-12 l-12,12' stroke='black' "
      << "stroke-width='2.5'/>\n";
  for (size_t k = 0; k < paths.size(); ++k) {
    const double y = top + 10 + 24 * static_cast<double>(k);
    out << "<rect x='" << left + size + 20 << "' y='" << y - 9 << "' width='22' height='4' fill='"
        << problem.contenders[k].color << "'/>\n<text x='" << left + size + 50 << "' y='" << y << "'>"
        << problem.contenders[k].name << "</text>\n";
  }
  out << "</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trajectories of every tapegrad optimizer on a saddle and on the Rosenbrock function"};
  std::string out_dir = "optimizer_paths_out";
  app.add_option("--out", out_dir, "folder for the CSV and SVG files (created if missing)");
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(out_dir);

  struct Target {
    Problem problem;
    double mark_x, mark_y;  // the saddle point, the minimum
  };
  for (const Target& target : {Target{saddle(), 0, 0}, Target{rosenbrock(), 1, 1}}) {
    const Problem& problem = target.problem;
    std::vector<std::vector<Point>> paths;
    for (const Contender& c : problem.contenders) paths.push_back(run(problem, c));
    const std::filesystem::path base = std::filesystem::path(out_dir) / problem.name;
    write_csv(base.string() + ".csv", problem, paths);
    write_svg(base.string() + ".svg", problem, paths, target.mark_x, target.mark_y);

    std::printf("\n%s (%d steps from (%g, %g))\n", problem.name.c_str(), problem.steps, problem.x0, problem.y0);
    for (size_t k = 0; k < paths.size(); ++k) {
      const auto& path = paths[k];
      const Point& last = path.back();
      if (problem.name == "saddle") {
        // Steps spent near the saddle point: how long |y| stays below 0.1.
        size_t near = 0;
        while (near < path.size() && std::abs(path[near].y) < 0.1) ++near;
        std::printf("  %-13s leaves |y| < 0.1 after %3zu steps\n", problem.contenders[k].name.c_str(), near);
      } else {
        std::printf("  %-13s ends at (%.4f, %.4f), f = %.3g, distance to (1, 1) = %.3g\n",
                    problem.contenders[k].name.c_str(), last.x, last.y, last.f, std::hypot(last.x - 1, last.y - 1));
      }
    }
    std::printf("  wrote %s.csv and %s.svg\n", base.string().c_str(), base.string().c_str());
  }
  return 0;
}
