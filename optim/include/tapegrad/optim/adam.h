// Adam (Kingma & Ba 2015, Algorithm 1; AMSGrad from Reddi, Kale & Kumar 2018), exactly as
// torch.optim.Adam. With lr α, betas β1 β2, weight decay λ (added to the gradient: L2), at step t:
//   g ← ∇f(x) + λ·x                          (−∇f(x) when maximize)
//   m ← β1·m + (1 − β1)·g
//   v ← β2·v + (1 − β2)·g²
//   amsgrad: v_max ← max(v_max, v), and v_max replaces v below
//   x ← x − α · m̂ / (√v̂ + ε),   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
// For decoupled weight decay use AdamW (adamw.h).
//
//   tg::optim::Adam opt(params, {.lr = 1e-3, .betas = {0.9, 0.999}});
#pragma once

#include <tapegrad/optim/optimizer.h>

#include <utility>

namespace tg::optim {

struct AdamOptions {
  static constexpr std::string_view optimizer = "Adam";
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;
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

// The state of Adam and AdamW.
struct AdamState {
  Tensor exp_avg;         // m
  Tensor exp_avg_sq;      // v
  Tensor max_exp_avg_sq;  // v_max (amsgrad only)

  static void fields(auto& s, auto&& f) {
    f("exp_avg", s.exp_avg);
    f("exp_avg_sq", s.exp_avg_sq);
    f("max_exp_avg_sq", s.max_exp_avg_sq);
  }
};

// One Adam step of one parameter, in place; step is t (1 on the first call).
void adam_update(const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
                 const AdamOptions& options);

class Adam final : public OptimizerBase<AdamOptions, AdamState> {
 public:
  using OptimizerBase::OptimizerBase;

 private:
  void update(const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
              const AdamOptions& options) override {
    adam_update(param, grad, state, step, options);
  }
};

}  // namespace tg::optim
