#include <tapegrad/data/preprocess.h>

#include <cmath>

namespace tg::data {

namespace {

// True when x is a batch of examples of `example` shape, false when it is one example.
bool is_batch(const Tensor& x, const Shape& example, const std::string& who) {
  if (x.shape() == example) return false;
  TG_CHECK(x.dim() == static_cast<int64_t>(example.size()) + 1 && Shape(x.shape().begin() + 1, x.shape().end()) == example,
           "{}: fitted on examples of shape {}, got a tensor of shape {}", who, example, x.shape());
  return true;
}

void check_fitted(const Tensor& t, const std::string& who) {
  TG_CHECK(t.defined(), "{}: apply() before fit() or load_state()", who);
}

void check_data(const Tensor& data, const std::string& who) {
  TG_CHECK(data.defined() && data.dim() >= 2 && data.size(0) >= 2,
           "{}: fit needs a batch (N >= 2, ...), got shape {}", who, data.defined() ? data.shape() : Shape{});
  TG_CHECK(data.is_floating_point(), "{}: fit needs float data, got {}", who, data.dtype());
}

Tensor find(const io::TensorDict& state, const std::string& key, const std::string& who) {
  for (const auto& [name, t] : state)
    if (name == key) return t;
  TG_FAIL("{}: saved state has no tensor '{}'", who, key);
}

// Covariance of (N, D) centred rows: X^T X / (N - 1), in float64 for the eigen-decomposition.
Tensor covariance(const Tensor& rows) {
  Tensor x = rows.to(kDouble);
  return matmul(x.t(), x) / static_cast<double>(rows.size(0) - 1);
}

}  // namespace

// ---- ZeroCenter ---------------------------------------------------------------------

void ZeroCenter::fit(const Tensor& data) {
  check_data(data, name());
  NoGradGuard no_grad;
  mean_ = data.mean(0).contiguous();
}

Tensor ZeroCenter::apply(const Tensor& x) const {
  check_fitted(mean_, name());
  is_batch(x, mean_.shape(), name());
  return x - mean_.to(x.dtype());
}

io::TensorDict ZeroCenter::state() const { return mean_.defined() ? io::TensorDict{{"mean", mean_}} : io::TensorDict{}; }
void ZeroCenter::load_state(const io::TensorDict& state) { mean_ = find(state, "mean", name()); }

// ---- Normalize ----------------------------------------------------------------------

Normalize::Normalize(NormalizeOptions options) : options_(std::move(options)), example_dims_(options_.example_dims) {
  TG_CHECK(options_.mean.size() == options_.std.size(), "normalize: {} means but {} stds", options_.mean.size(),
           options_.std.size());
  for (double s : options_.std) TG_CHECK(s > 0, "normalize: std must be positive, got {}", s);
  if (!options_.mean.empty()) {
    TG_CHECK(options_.per_channel, "normalize: fixed statistics are per channel");
    mean_ = tensor<double>(options_.mean).to(kFloat);
    std_ = tensor<double>(options_.std).to(kFloat);
  }
}

void Normalize::fit(const Tensor& data) {
  check_data(data, name());
  if (!options_.mean.empty()) return;  // fixed statistics
  NoGradGuard no_grad;
  example_dims_ = data.dim() - 1;
  if (options_.per_channel) {
    Shape dims{0};
    for (int64_t d = 2; d < data.dim(); ++d) dims.push_back(d);
    mean_ = data.mean(dims).contiguous();
    std_ = data.std(dims, /*unbiased=*/false).contiguous();
  } else {
    mean_ = data.mean(0).contiguous();
    std_ = data.std(0, false).contiguous();
  }
}

Tensor Normalize::apply(const Tensor& x) const {
  check_fitted(mean_, name());
  Tensor mean = mean_.to(x.dtype()), std = std_.to(x.dtype()) + options_.eps;
  if (options_.per_channel) {
    // Channel dim: 1 in a batch (N, C, ...), 0 in one example (C, ...).
    const int64_t C = mean_.numel();
    TG_CHECK(x.dim() == example_dims_ || x.dim() == example_dims_ + 1,
             "normalize: expected examples with {} dims or batches of them, got shape {}", example_dims_, x.shape());
    const int64_t channel_dim = x.dim() == example_dims_ + 1 ? 1 : 0;
    TG_CHECK(x.size(channel_dim) == C, "normalize: {} channels, got shape {} (channel dim {})", C, x.shape(),
             channel_dim);
    Shape shape(static_cast<size_t>(x.dim()), 1);
    shape[static_cast<size_t>(channel_dim)] = C;
    return (x - mean.reshape(shape)) / std.reshape(shape);
  }
  is_batch(x, mean_.shape(), name());
  return (x - mean) / std;
}

io::TensorDict Normalize::state() const {
  if (!mean_.defined()) return {};
  return {{"mean", mean_}, {"std", std_}, {"example_dims", scalar_tensor(static_cast<double>(example_dims_), kLong)}};
}
void Normalize::load_state(const io::TensorDict& state) {
  mean_ = find(state, "mean", name());
  std_ = find(state, "std", name());
  example_dims_ = find(state, "example_dims", name()).item<int64_t>();
}

// ---- PCA ----------------------------------------------------------------------------

Tensor PCA::centered_rows(const Tensor& x, bool& batched) const {
  batched = is_batch(x, example_shape_, name());
  Tensor rows = batched ? x.reshape({x.size(0), -1}) : x.reshape({1, -1});
  return rows - mean_.to(x.dtype());
}

void PCA::fit(const Tensor& data) {
  check_data(data, name());
  NoGradGuard no_grad;
  Tensor rows = data.reshape({data.size(0), -1});
  const int64_t D = rows.size(1);
  TG_CHECK(k_ >= 1 && k_ <= D, "{}: components must be in 1..{}, got {}", name(), D, k_);
  example_shape_ = Shape(data.shape().begin() + 1, data.shape().end());
  mean_ = rows.mean(0).contiguous();
  auto [values, vectors] = eigh(covariance(rows - mean_));
  // eigh is ascending: reverse to take the largest first.
  Tensor order = arange(static_cast<double>(D) - 1, -1, -1, kLong);
  eigenvalues_ = values.index_select(0, order).to(data.dtype()).contiguous();
  components_ = vectors.index_select(1, order).narrow(1, 0, k_).to(data.dtype()).contiguous();
}

Tensor PCA::apply(const Tensor& x) const {
  check_fitted(components_, name());
  bool batched = true;
  Tensor y = matmul(centered_rows(x, batched), components_.to(x.dtype()));
  return batched ? y : y.squeeze(0);
}

io::TensorDict PCA::state() const {
  if (!components_.defined()) return {};
  return {{"mean", mean_},
          {"components", components_},
          {"eigenvalues", eigenvalues_},
          {"example_shape", tensor<int64_t>(example_shape_)}};
}
void PCA::load_state(const io::TensorDict& state) {
  Tensor shape = find(state, "example_shape", name()).contiguous();
  TG_CHECK(shape.dtype() == kLong && shape.dim() == 1, "{}: saved example_shape must be a 1-D int64 tensor", name());
  example_shape_.assign(shape.data_ptr<int64_t>(), shape.data_ptr<int64_t>() + shape.numel());
  mean_ = find(state, "mean", name());
  components_ = find(state, "components", name());
  eigenvalues_ = find(state, "eigenvalues", name());
  k_ = components_.size(1);
}

// ---- Whiten -------------------------------------------------------------------------

Whiten::Whiten(WhitenOptions options) : PCA(options.components), options_(options) {
  TG_CHECK(options.eps >= 0, "whiten: eps must be non-negative, got {}", options.eps);
  TG_CHECK(options.components >= 0, "whiten: components must be >= 0, got {}", options.components);
}

void Whiten::fit(const Tensor& data) {
  check_data(data, name());
  const int64_t D = data.numel() / data.size(0);
  k_ = options_.mode == WhitenMode::ZCA || options_.components == 0 ? D : options_.components;
  PCA::fit(data);
  NoGradGuard no_grad;
  Tensor scale = rsqrt(eigenvalues_.narrow(0, 0, k_) + options_.eps);  // (k)
  Tensor whiten = components_ * scale;                                  // U_k diag(1/sqrt(l + eps))
  projection_ = (options_.mode == WhitenMode::ZCA ? matmul(whiten, components_.t()) : whiten).contiguous();
}

Tensor Whiten::apply(const Tensor& x) const {
  check_fitted(projection_, name());
  bool batched = true;
  Tensor y = matmul(centered_rows(x, batched), projection_.to(x.dtype()));
  if (options_.mode == WhitenMode::PCA) return batched ? y : y.squeeze(0);
  return batched ? y.reshape(x.shape()) : y.reshape(example_shape_);
}

io::TensorDict Whiten::state() const {
  io::TensorDict s = PCA::state();
  if (projection_.defined()) s.emplace_back("projection", projection_);
  return s;
}

void Whiten::load_state(const io::TensorDict& state) {
  PCA::load_state(state);
  projection_ = find(state, "projection", name());
}

std::unique_ptr<Preprocessor> make_preprocessor(const std::string& name) {
  if (name == "zero-center") return std::make_unique<ZeroCenter>();
  if (name == "normalize") return std::make_unique<Normalize>();
  if (name == "whiten" || name == "zca-whiten") return std::make_unique<Whiten>();
  if (name == "pca-whiten") return std::make_unique<Whiten>(WhitenOptions{.mode = WhitenMode::PCA});
  TG_FAIL("preprocess: unknown preprocessing '{}' (expected zero-center, normalize, whiten, zca-whiten or pca-whiten)",
          name);
}

}  // namespace tg::data
