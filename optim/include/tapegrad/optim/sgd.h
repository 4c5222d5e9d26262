// Stochastic gradient descent with momentum (Polyak 1964) and Nesterov momentum (Sutskever et al.
// 2013), exactly as torch.optim.SGD. With lr α, momentum ρ, dampening τ, weight decay λ:
//   g ← ∇f(x) + λ·x                       (−∇f(x) when maximize)
//   v ← g on the first step, then v ← ρ·v + (1 − τ)·g
//   g ← g + ρ·v  (nesterov)   or   g ← v   (momentum ρ ≠ 0)
//   x ← x − α·g
//
//   tg::optim::SGD opt(params, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
#pragma once

#include <tapegrad/optim/optimizer.h>

namespace tg::optim {

struct SGDOptions {
  static constexpr std::string_view optimizer = "SGD";
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
  bool maximize = false;

  void check() const;
  static void fields(auto& o, auto&& f) {
    f("lr", o.lr);
    f("momentum", o.momentum);
    f("dampening", o.dampening);
    f("weight_decay", o.weight_decay);
    f("nesterov", o.nesterov);
    f("maximize", o.maximize);
  }
};

struct SGDState {
  Tensor momentum_buffer;  // v; stays undefined while momentum is 0

  static void fields(auto& s, auto&& f) { f("momentum_buffer", s.momentum_buffer); }
};

// One SGD step of one parameter, in place (param and grad contiguous, same dtype and shape).
void sgd_update(const Tensor& param, const Tensor& grad, SGDState& state, const SGDOptions& options);

class SGD final : public OptimizerBase<SGDOptions, SGDState> {
 public:
  using OptimizerBase::OptimizerBase;

 private:
  void update(const Tensor& param, const Tensor& grad, SGDState& state, int64_t /*step*/,
              const SGDOptions& options) override {
    sgd_update(param, grad, state, options);
  }
};

}  // namespace tg::optim
