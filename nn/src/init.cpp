#include <tapegrad/nn/init.h>

#include <cmath>

namespace tg::nn::init {

namespace {
// Writes `values` into t's storage without recording (t is usually a parameter, a leaf).
Tensor& assign(Tensor& t, const Tensor& values) {
  TG_CHECK(t.defined(), "init: called on an undefined tensor");
  NoGradGuard no_grad;
  t.copy_(values.to(t.dtype()));
  return t;
}
}  // namespace

double calculate_gain(std::string_view nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "identity" || nonlinearity == "sigmoid" ||
      nonlinearity == "conv1d" || nonlinearity == "conv2d")
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 0.75;
  TG_FAIL("calculate_gain: unknown nonlinearity '{}'", nonlinearity);
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& w) {
  TG_CHECK(w.dim() >= 2, "init: fan in and fan out need a tensor with at least 2 dims, got shape {}", w.shape());
  int64_t receptive = 1;
  for (int64_t d = 2; d < w.dim(); ++d) receptive *= w.size(d);
  return {w.size(1) * receptive, w.size(0) * receptive};
}

Tensor& uniform_(Tensor& t, double low, double high) {
  TG_CHECK(low <= high, "uniform_: low {} > high {}", low, high);
  return assign(t, rand(t.shape(), kDouble) * (high - low) + low);
}

Tensor& normal_(Tensor& t, double mean, double std) {
  TG_CHECK(std >= 0, "normal_: negative std {}", std);
  return assign(t, randn(t.shape(), kDouble) * std + mean);
}

Tensor& constant_(Tensor& t, double value) {
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& xavier_uniform_(Tensor& w, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(w);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(w, -a, a);
}

Tensor& xavier_normal_(Tensor& w, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(w);
  return normal_(w, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

namespace {
double kaiming_std(const Tensor& w, const KaimingOptions& o) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(w);
  const int64_t fan = o.mode == FanMode::FanIn ? fan_in : fan_out;
  TG_CHECK(fan > 0, "kaiming init: zero fan for shape {}", w.shape());
  return calculate_gain(o.nonlinearity, o.a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

Tensor& kaiming_uniform_(Tensor& w, KaimingOptions options) {
  const double bound = std::sqrt(3.0) * kaiming_std(w, options);
  return uniform_(w, -bound, bound);
}

Tensor& kaiming_normal_(Tensor& w, KaimingOptions options) { return normal_(w, 0.0, kaiming_std(w, options)); }

Tensor& lecun_normal_(Tensor& w) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(w);
  return normal_(w, 0.0, 1.0 / std::sqrt(static_cast<double>(fan_in)));
}

Tensor& orthogonal_(Tensor& w, double gain) {
  TG_CHECK(w.dim() >= 2, "orthogonal_: expected at least 2 dims, got shape {}", w.shape());
  const int64_t rows = w.size(0);
  const int64_t cols = w.numel() / rows;
  // Gram-Schmidt on Gaussian vectors (the shorter side) gives orthonormal rows or columns, and the
  // result is uniformly (Haar) distributed, like QR with the diag(R) sign fix.
  const bool transpose = rows < cols;
  const int64_t n = transpose ? rows : cols;   // vectors to orthonormalise
  const int64_t len = transpose ? cols : rows;  // their length
  Tensor g = randn({n, len}, kDouble).contiguous();
  double* a = g.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) {
    double* vi = a + i * len;
    for (int64_t j = 0; j < i; ++j) {
      const double* vj = a + j * len;
      double dot = 0;
      for (int64_t k = 0; k < len; ++k) dot += vi[k] * vj[k];
      for (int64_t k = 0; k < len; ++k) vi[k] -= dot * vj[k];
    }
    double norm = 0;
    for (int64_t k = 0; k < len; ++k) norm += vi[k] * vi[k];
    norm = std::sqrt(norm);
    TG_CHECK(norm > 1e-12, "orthogonal_: degenerate random draw");
    for (int64_t k = 0; k < len; ++k) vi[k] /= norm;
  }
  Tensor q = transpose ? g : g.t();  // (rows, cols)
  return assign(w, (q * gain).reshape(w.shape()));
}

}  // namespace tg::nn::init
