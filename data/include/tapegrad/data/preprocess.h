// Preprocessing fitted on the training set and saved with the model (CS231n "data
// preprocessing"): zero-centring, normalisation, PCA and whitening. Each works on batches
// (N, ...) and on single examples of the fitted shape, and keeps its state as named tensors that
// save to and load from safetensors.
//
//   tg::data::Normalize norm;           // per channel, fitted
//   norm.fit(train.images());           // (N, C, H, W)
//   tg::Tensor x = norm.apply(batch);   // (x - mean[c]) / std[c]
//   tg::io::save_safetensors("preprocess.safetensors", norm.state());
#pragma once

#include <tapegrad/autograd.h>

#include <memory>
#include <string>

namespace tg::data {

class Preprocessor {
 public:
  virtual ~Preprocessor() = default;
  virtual std::string name() const = 0;
  // Learns the statistics from training data (N, ...).
  virtual void fit(const Tensor& data) = 0;
  // Applies to a batch (N, ...) or to one example (the shape of data[0]).
  virtual Tensor apply(const Tensor& x) const = 0;
  bool fitted() const { return !state().empty(); }
  // The fitted statistics by name (empty before fit).
  virtual io::TensorDict state() const = 0;
  virtual void load_state(const io::TensorDict& state) = 0;
};

// Subtracts the mean example (the "mean image").
class ZeroCenter : public Preprocessor {
 public:
  std::string name() const override { return "zero-center"; }
  void fit(const Tensor& data) override;
  Tensor apply(const Tensor& x) const override;
  io::TensorDict state() const override;
  void load_state(const io::TensorDict& state) override;
  const Tensor& mean() const { return mean_; }

 private:
  Tensor mean_;  // shape of one example
};

struct NormalizeOptions {
  // Per channel (dim 1 of a batch, dim 0 of an example) or per feature (every element).
  bool per_channel = true;
  // Fixed statistics; when empty, fit() computes them.
  std::vector<double> mean = {};
  std::vector<double> std = {};
  double eps = 1e-8;  // added to std, so constant features do not divide by zero
  // Rank of one example, to tell a batch (N, C, ...) from an example (C, ...) when the
  // statistics are fixed rather than fitted (fit() learns it from the data).
  int64_t example_dims = 3;
};

// (x - mean) / (std + eps).
class Normalize : public Preprocessor {
 public:
  explicit Normalize(NormalizeOptions options = {});
  std::string name() const override { return "normalize"; }
  void fit(const Tensor& data) override;
  Tensor apply(const Tensor& x) const override;
  io::TensorDict state() const override;
  void load_state(const io::TensorDict& state) override;

 private:
  NormalizeOptions options_;
  Tensor mean_, std_;  // per channel (C) or per feature (example shape)
  int64_t example_dims_;
};

// Projects the centred, flattened data onto its top-k principal components: (N, k).
class PCA : public Preprocessor {
 public:
  explicit PCA(int64_t components) : k_(components) {}
  std::string name() const override { return "pca"; }
  void fit(const Tensor& data) override;
  Tensor apply(const Tensor& x) const override;
  io::TensorDict state() const override;
  void load_state(const io::TensorDict& state) override;
  // Eigenvalues of the covariance, largest first (all of them, for explained variance).
  const Tensor& eigenvalues() const { return eigenvalues_; }
  const Tensor& components() const { return components_; }  // (D, k)

 protected:
  // Centres and flattens x to (N, D); `batched` tells whether x had a batch dim.
  Tensor centered_rows(const Tensor& x, bool& batched) const;
  int64_t k_;
  Shape example_shape_;  // of one example (fit data minus its batch dim)
  Tensor mean_;         // (D)
  Tensor components_;   // (D, k)
  Tensor eigenvalues_;  // (D), descending
};

enum class WhitenMode { PCA, ZCA };

struct WhitenOptions {
  WhitenMode mode = WhitenMode::ZCA;
  // PCA mode keeps this many components (0: all); ZCA always keeps all.
  int64_t components = 0;
  double eps = 1e-2;  // regularises small eigenvalues (pixel data has many near zero)
};

// PCA whitening: (x - mean) U_k / sqrt(lambda_k + eps), shape (N, k): unit covariance.
// ZCA whitening: the same rotated back, (x - mean) U diag(1/sqrt(lambda + eps)) U^T, in the input's
// shape: unit covariance while staying closest to the original pixels.
class Whiten : public PCA {
 public:
  explicit Whiten(WhitenOptions options = {});
  std::string name() const override { return options_.mode == WhitenMode::ZCA ? "zca-whiten" : "pca-whiten"; }
  void fit(const Tensor& data) override;
  Tensor apply(const Tensor& x) const override;
  io::TensorDict state() const override;
  void load_state(const io::TensorDict& state) override;

 private:
  WhitenOptions options_;
  Tensor projection_;  // (D, k) for PCA mode, (D, D) for ZCA
};

std::unique_ptr<Preprocessor> make_preprocessor(const std::string& name);

}  // namespace tg::data
