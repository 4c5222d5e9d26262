// AdamW (Loshchilov & Hutter 2019, Algorithm 2), exactly as torch.optim.AdamW: Adam whose weight
// decay is decoupled from the gradient. With lr α, weight decay λ, at step t:
//   x ← x − α·λ·x                            (then Adam with no L2 term:)
//   g ← ∇f(x)                                (−∇f(x) when maximize)
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²,   amsgrad: v_max ← max(v_max, v)
//   x ← x − α · m̂ / (√v̂ + ε),   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
//
//   tg::optim::AdamW opt(params, {.lr = 1e-3, .weight_decay = 0.01});
#pragma once

#include <tapegrad/optim/adam.h>

namespace tg::optim {

struct AdamWOptions {
  static constexpr std::string_view optimizer = "AdamW";
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;

  void check() const;
  static void fields(auto& o, auto&& f) {
    f("lr", o.lr);
    f("beta1", o.betas.first);
    f("beta2", o.betas.second);
    f("eps", o.eps);
    f("weight_decay", o.weight_decay);
    f("amsgrad", o.amsgrad);
    f("maximize", o.maximize);
  }
};

// One AdamW step of one parameter, in place; step is t (1 on the first call).
void adamw_update(const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
                  const AdamWOptions& options);

class AdamW final : public OptimizerBase<AdamWOptions, AdamState> {
 public:
  using OptimizerBase::OptimizerBase;

 private:
  void update(const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
              const AdamWOptions& options) override {
    adamw_update(param, grad, state, step, options);
  }
};

}  // namespace tg::optim
