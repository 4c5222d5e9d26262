// The loop Adam and AdamW share: they differ only in where weight decay enters.
#pragma once

#include <tapegrad/optim/adam.h>

#include <string_view>

namespace tg::optim::detail {

struct AdamCoefficients {
  double lr, beta1, beta2, eps;
  double l2_weight_decay;         // Adam: λ·x added to the gradient
  double decoupled_weight_decay;  // AdamW: x ← (1 − α·λ)·x first
  bool amsgrad, maximize;
};

// Checks the args, allocates the state on the first step, runs the fused loop.
void adam_step(std::string_view optimizer, const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
               const AdamCoefficients& c);

// Shared option checks (lr, betas in [0, 1), eps, weight_decay).
void check_adam_options(std::string_view optimizer, double lr, std::pair<double, double> betas, double eps,
                        double weight_decay);

}  // namespace tg::optim::detail
