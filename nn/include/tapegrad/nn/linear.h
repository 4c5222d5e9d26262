// Linear: y = x W^T + b, W: (out, in).
//
//   auto fc = std::make_shared<tg::nn::Linear>(784, 256);
//   auto head = std::make_shared<tg::nn::Linear>(tg::nn::LinearOptions{.in = 256, .out = 10, .bias = false});
//
// Default init, as PyTorch: W and b ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a = sqrt(5)).
#pragma once

#include <tapegrad/nn/module.h>

namespace tg::nn {

struct LinearOptions {
  int64_t in = 0;
  int64_t out = 0;
  bool bias = true;
};

class Linear : public Module {
 public:
  explicit Linear(LinearOptions options);
  Linear(int64_t in, int64_t out) : Linear(LinearOptions{.in = in, .out = out}) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // Re-draws the parameters with the default init.
  void reset_parameters();

  LinearOptions options;
  Tensor& weight;  // (out, in)
  Tensor& bias;    // (out) or undefined
};

}  // namespace tg::nn
