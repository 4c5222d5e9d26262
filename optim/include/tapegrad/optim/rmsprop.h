// RMSprop (Tieleman & Hinton 2012, lecture 6.5; centered form from Graves 2013), exactly as
// torch.optim.RMSprop. With lr α, smoothing a (alpha), momentum ρ, weight decay λ:
//   g ← ∇f(x) + λ·x                        (−∇f(x) when maximize)
//   v ← a·v + (1 − a)·g²
//   centered: ḡ ← a·ḡ + (1 − a)·g,  d ← √(v − ḡ²) + ε;   else d ← √v + ε
//   ρ > 0: b ← ρ·b + g / d,  x ← x − α·b;                 else x ← x − α·g / d
//
//   tg::optim::RMSprop opt(params, {.lr = 0.01, .momentum = 0.9, .centered = true});
#pragma once

#include <tapegrad/optim/optimizer.h>

namespace tg::optim {

struct RMSpropOptions {
  static constexpr std::string_view optimizer = "RMSprop";
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
  bool maximize = false;

  void check() const;
  static void fields(auto& o, auto&& f) {
    f("lr", o.lr);
    f("alpha", o.alpha);
    f("eps", o.eps);
    f("weight_decay", o.weight_decay);
    f("momentum", o.momentum);
    f("centered", o.centered);
    f("maximize", o.maximize);
  }
};

struct RMSpropState {
  Tensor square_avg;       // v
  Tensor grad_avg;         // ḡ (centered only)
  Tensor momentum_buffer;  // b (momentum > 0 only)

  static void fields(auto& s, auto&& f) {
    f("square_avg", s.square_avg);
    f("grad_avg", s.grad_avg);
    f("momentum_buffer", s.momentum_buffer);
  }
};

// One RMSprop step of one parameter, in place.
void rmsprop_update(const Tensor& param, const Tensor& grad, RMSpropState& state, const RMSpropOptions& options);

class RMSprop final : public OptimizerBase<RMSpropOptions, RMSpropState> {
 public:
  using OptimizerBase::OptimizerBase;

 private:
  void update(const Tensor& param, const Tensor& grad, RMSpropState& state, int64_t /*step*/,
              const RMSpropOptions& options) override {
    rmsprop_update(param, grad, state, options);
  }
};

}  // namespace tg::optim
