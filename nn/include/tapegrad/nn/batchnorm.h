// Batch normalisation (Ioffe & Szegedy, 2015) over the batch (and spatial) dims, per channel.
//
//   auto bn = std::make_shared<tg::nn::BatchNorm1d>(256);             // (N, C) or (N, C, L)
//   auto bn2 = std::make_shared<tg::nn::BatchNorm2d>(tg::nn::BatchNormOptions{.num_features = 32});
//
// Training uses the batch mean and biased variance and updates the running statistics as
// exponentially weighted moving averages (PyTorch's convention):
//   running = (1 - momentum) * running + momentum * batch   (the variance term is unbiased)
// momentum = nullopt gives the cumulative average (momentum = 1 / batches seen). Eval uses the
// running statistics. Init: weight (gamma) = 1, bias (beta) = 0, running mean 0, variance 1.
#pragma once

#include <tapegrad/nn/module.h>

#include <optional>

namespace tg::nn {

struct BatchNormOptions {
  int64_t num_features = 0;
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
};

class BatchNormBase : public Module {
 public:
  BatchNormBase(std::string type_name, BatchNormOptions options, std::vector<int64_t> allowed_dims);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_running_stats();

  BatchNormOptions options;
  Tensor& weight;  // gamma (C), when affine
  Tensor& bias;    // beta (C), when affine
  Tensor& running_mean;  // (C), when track_running_stats
  Tensor& running_var;   // (C), when track_running_stats
  Tensor& num_batches_tracked;  // int64 0-d, when track_running_stats

 private:
  std::vector<int64_t> allowed_dims_;
};

// Inputs (N, C) or (N, C, L).
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(BatchNormOptions options) : BatchNormBase("BatchNorm1d", options, {2, 3}) {}
  explicit BatchNorm1d(int64_t num_features) : BatchNorm1d(BatchNormOptions{.num_features = num_features}) {}
};

// Inputs (N, C, H, W).
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(BatchNormOptions options) : BatchNormBase("BatchNorm2d", options, {4}) {}
  explicit BatchNorm2d(int64_t num_features) : BatchNorm2d(BatchNormOptions{.num_features = num_features}) {}
};

}  // namespace tg::nn
