#include <tapegrad/optim/adamw.h>

#include "adam_kernel.h"

namespace tg::optim {

void AdamWOptions::check() const { detail::check_adam_options("AdamW", lr, betas, eps, weight_decay); }

void adamw_update(const Tensor& param, const Tensor& grad, AdamState& state, int64_t step,
                  const AdamWOptions& options) {
  const auto& [beta1, beta2] = options.betas;
  detail::adam_step("AdamW", param, grad, state, step,
                    {.lr = options.lr, .beta1 = beta1, .beta2 = beta2, .eps = options.eps, .l2_weight_decay = 0,
                     .decoupled_weight_decay = options.weight_decay, .amsgrad = options.amsgrad,
                     .maximize = options.maximize});
}

}  // namespace tg::optim
