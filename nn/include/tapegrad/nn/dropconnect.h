// DropConnect (Wan et al., 2013): a Bernoulli mask on the *weights* while training. Each weight
// is kept with probability 1-p and scaled by 1/(1-p) (inverted, so eval uses the plain weights);
// gradients flow only through kept weights. One mask per batch by default.
//
//   auto fc = std::make_shared<tg::nn::DropConnectLinear>(tg::nn::DropConnectLinearOptions{.in = 784, .out = 256, .p = 0.3});
//   auto conv = std::make_shared<tg::nn::DropConnect>(std::make_shared<tg::nn::Conv2d>(...), 0.2);  // any module with a "weight"
#pragma once

#include <tapegrad/nn/linear.h>

namespace tg::nn {

// The masked weight W * Bernoulli(1-p) / (1-p); a constant mask, so dW is masked the same way.
Tensor dropconnect_weight(const Tensor& weight, double p);

struct DropConnectLinearOptions {
  int64_t in = 0;
  int64_t out = 0;
  double p = 0.5;
  bool bias = true;
  // Draw a separate mask for each sample of the batch (costs a (N, out, in) mask).
  bool mask_per_sample = false;
};

class DropConnectLinear : public Linear {
 public:
  explicit DropConnectLinear(DropConnectLinearOptions options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p;
  bool mask_per_sample;
};

// Wraps a module that has a parameter named "weight": while training, forward runs the inner
// module with a freshly masked weight; in eval it runs it unchanged.
class DropConnect : public Module {
 public:
  DropConnect(std::shared_ptr<Module> inner, double p);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override { return fmt::format("p={}", p); }
  std::shared_ptr<Module> inner;
  double p;
};

}  // namespace tg::nn
