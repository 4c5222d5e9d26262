#include <tapegrad/nn/diagnostics.h>

#include <cmath>

namespace tg::nn {

namespace {

// Mean and population standard deviation in double, two passes (the second around the mean, so a
// large mean does not cancel the variance).
template <typename T> std::pair<double, double> moments(const T* x, int64_t n) {
  if (n == 0) return {0.0, 0.0};
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  const double mean = sum / static_cast<double>(n);
  double sq = 0;
#pragma omp simd reduction(+ : sq)
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mean;
    sq += d * d;
  }
  return {mean, std::sqrt(sq / static_cast<double>(n))};
}

// Sum of squares of x, and of (x - y), in double: one pass, no temporaries. The simd reductions
// let the sums be split across vector lanes (a single chain of dependent adds is 4x slower).
template <typename T> double sum_sq(const T* x, int64_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return s;
}
template <typename T> double sum_sq_diff(const T* x, const T* y, int64_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - static_cast<double>(y[i]);
    s += d * d;
  }
  return s;
}

double norm_of(const Tensor& t) {
  const Tensor c = t.detach().contiguous();
  return std::sqrt(c.dtype() == kDouble ? sum_sq(c.data_ptr<double>(), c.numel()) : sum_sq(c.data_ptr<float>(), c.numel()));
}

template <typename T> double dead_fraction(const T* x, int64_t rows, int64_t units) {
  std::vector<char> alive(static_cast<size_t>(units), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t u = 0; u < units; ++u) alive[static_cast<size_t>(u)] |= static_cast<char>(x[r * units + u] != 0);
  int64_t dead = 0;
  for (char a : alive) dead += a == 0;
  return static_cast<double>(dead) / static_cast<double>(units);
}

}  // namespace

double dead_unit_fraction(const Tensor& activations) {
  TG_CHECK(activations.defined() && activations.is_floating_point() && activations.dim() >= 2,
           "dead_unit_fraction: expected float activations of shape (batch, units...), got {}",
           activations.defined() ? fmt::format("{} of shape {}", activations.dtype(), activations.shape())
                                 : "an undefined tensor");
  const Tensor c = activations.detach().contiguous();
  const int64_t rows = c.size(0), units = rows > 0 ? c.numel() / rows : 0;
  if (units == 0) return 0.0;
  return c.dtype() == kDouble ? dead_fraction(c.data_ptr<double>(), rows, units)
                              : dead_fraction(c.data_ptr<float>(), rows, units);
}

TrainingDiagnostics::TrainingDiagnostics(Module& model, DiagnosticsOptions options) {
  std::vector<std::shared_ptr<Module>> watched;
  for (const auto& [name, module] : model.named_modules())
    if (options.watch ? options.watch(name, *module) : module->named_children().empty()) {
      layers_.push_back({name.empty() ? "model" : name, module->type_name(), {}, 0, 0, 0, 0, {}});
      watched.push_back(module);
    }
  // Hooks are attached once the vector is complete: they keep an index, never a pointer that moves.
  for (size_t i = 0; i < layers_.size(); ++i)
    layers_[i].handle = watched[i]->register_forward_hook([this, i](Module& m, const Tensor&, const Tensor& out) {
      if (!m.is_training() || !out.defined() || !out.is_floating_point()) return;
      Layer& l = layers_[i];
      l.last = out.detach();
      const Tensor c = l.last.contiguous();
      const auto [mean, sd] = c.dtype() == kDouble ? moments(c.data_ptr<double>(), c.numel())
                                                    : moments(c.data_ptr<float>(), c.numel());
      l.mean_sum += mean;
      l.std_sum += sd;
      if (l.type == "ReLU" && c.dim() >= 2) l.dead_sum += dead_unit_fraction(c);
      ++l.batches;
    });
  for (const auto& [name, p] : model.named_parameters()) params_.push_back({name, p, {}, false, 0, 0, 0});
}

TrainingDiagnostics::~TrainingDiagnostics() {
  for (Layer& l : layers_) l.handle.remove();
}

void TrainingDiagnostics::before_step() {
  NoGradGuard no_grad;
  for (Param& p : params_) {
    p.has_before = false;
    if (!p.value.grad().defined()) continue;
    p.grad_norm_sum += norm_of(p.value.grad());
    // The copy reuses its buffer from step to step: no allocation per step.
    if (!p.before.defined()) p.before = empty(p.value.shape(), p.value.dtype());
    p.before.copy_(p.value.detach());
    p.has_before = true;
  }
}

void TrainingDiagnostics::after_step() {
  NoGradGuard no_grad;
  for (Param& p : params_) {
    if (!p.has_before) continue;
    const Tensor w = p.value.detach().contiguous();
    const int64_t n = w.numel();
    const bool f64 = w.dtype() == kDouble;
    const double before = f64 ? sum_sq(p.before.data_ptr<double>(), n) : sum_sq(p.before.data_ptr<float>(), n);
    const double moved = f64 ? sum_sq_diff(w.data_ptr<double>(), p.before.data_ptr<double>(), n)
                             : sum_sq_diff(w.data_ptr<float>(), p.before.data_ptr<float>(), n);
    p.ratio_sum += before > 0 ? std::sqrt(moved / before) : 0.0;
    ++p.steps;
    p.has_before = false;
  }
}

std::vector<LayerDiagnostics> TrainingDiagnostics::layers() const {
  std::vector<LayerDiagnostics> out;
  for (const Layer& l : layers_) {
    const double n = static_cast<double>(std::max<int64_t>(l.batches, 1));
    LayerDiagnostics d{l.name, l.type, l.mean_sum / n, l.std_sum / n, std::nullopt, l.batches};
    if (l.type == "ReLU") d.dead_fraction = l.dead_sum / n;
    out.push_back(d);
  }
  return out;
}

std::vector<ParameterDiagnostics> TrainingDiagnostics::parameters() const {
  std::vector<ParameterDiagnostics> out;
  for (const Param& p : params_) {
    const double n = static_cast<double>(std::max<int64_t>(p.steps, 1));
    out.push_back({p.name, p.grad_norm_sum / n, p.ratio_sum / n, p.steps});
  }
  return out;
}

std::vector<std::pair<std::string, Tensor>> TrainingDiagnostics::last_outputs() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const Layer& l : layers_)
    if (l.last.defined()) out.emplace_back(l.name + " " + l.type, l.last);
  return out;
}

void TrainingDiagnostics::reset() {
  for (Layer& l : layers_) {
    l.mean_sum = l.std_sum = l.dead_sum = 0;
    l.batches = 0;
  }
  for (Param& p : params_) {
    p.grad_norm_sum = p.ratio_sum = 0;
    p.steps = 0;
  }
}

std::string TrainingDiagnostics::table() const {
  std::string s = fmt::format("{:<8} {:<12} {:>10} {:>10} {:>10}\n", "layer", "type", "act mean", "act std", "dead ReLU");
  for (const LayerDiagnostics& l : layers())
    s += fmt::format("{:<8} {:<12} {:>10.4f} {:>10.4f} {:>10}\n", l.name, l.type, l.mean, l.std,
                     l.dead_fraction ? fmt::format("{:.4f}", *l.dead_fraction) : std::string("-"));
  s += fmt::format("{:<21} {:>10} {:>10}\n", "parameter", "grad norm", "update/w");
  for (const ParameterDiagnostics& p : parameters())
    s += fmt::format("{:<21} {:>10.4f} {:>10.2e}\n", p.name, p.grad_norm, p.update_ratio);
  return s;
}

}  // namespace tg::nn
