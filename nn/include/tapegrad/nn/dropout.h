// Dropout (Srivastava et al., 2014), inverted: in training each element is zeroed with
// probability p and the rest scaled by 1/(1-p); in eval it is the identity.
#pragma once

#include <tapegrad/nn/functional.h>
#include <tapegrad/nn/module.h>

namespace tg::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5) : Module("Dropout"), p(p) {
    TG_CHECK(p >= 0.0 && p <= 1.0, "Dropout: probability must be in [0, 1], got {}", p);
  }
  Tensor forward(const Tensor& x) override { return functional::dropout(x, p, is_training()); }
  std::string extra_repr() const override { return fmt::format("p={}", p); }
  double p;
};

// Drops whole channels of (N, C, H, W) inputs.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5) : Module("Dropout2d"), p(p) {
    TG_CHECK(p >= 0.0 && p <= 1.0, "Dropout2d: probability must be in [0, 1], got {}", p);
  }
  Tensor forward(const Tensor& x) override { return functional::dropout2d(x, p, is_training()); }
  std::string extra_repr() const override { return fmt::format("p={}", p); }
  double p;
};

}  // namespace tg::nn
