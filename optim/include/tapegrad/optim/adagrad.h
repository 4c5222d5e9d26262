// Adagrad (Duchi, Hazan & Singer 2011), exactly as torch.optim.Adagrad. With lr α, lr decay η,
// weight decay λ, at step t:
//   g ← ∇f(x) + λ·x                      (−∇f(x) when maximize)
//   α_t ← α / (1 + (t − 1)·η)
//   s ← s + g²                            (s starts at initial_accumulator_value)
//   x ← x − α_t · g / (√s + ε)
//
//   tg::optim::Adagrad opt(params, {.lr = 0.01});
#pragma once

#include <tapegrad/optim/optimizer.h>

namespace tg::optim {

struct AdagradOptions {
  static constexpr std::string_view optimizer = "Adagrad";
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
  bool maximize = false;

  void check() const;
  static void fields(auto& o, auto&& f) {
    f("lr", o.lr);
    f("lr_decay", o.lr_decay);
    f("weight_decay", o.weight_decay);
    f("initial_accumulator_value", o.initial_accumulator_value);
    f("eps", o.eps);
    f("maximize", o.maximize);
  }
};

struct AdagradState {
  Tensor sum;  // s, the running sum of squared gradients

  static void fields(auto& s, auto&& f) { f("sum", s.sum); }
};

// One Adagrad step of one parameter, in place; step is t (1 on the first call).
void adagrad_update(const Tensor& param, const Tensor& grad, AdagradState& state, int64_t step,
                    const AdagradOptions& options);

class Adagrad final : public OptimizerBase<AdagradOptions, AdagradState> {
 public:
  using OptimizerBase::OptimizerBase;

 private:
  void update(const Tensor& param, const Tensor& grad, AdagradState& state, int64_t step,
              const AdagradOptions& options) override {
    adagrad_update(param, grad, state, step, options);
  }
};

}  // namespace tg::optim
