// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_. Parameters without a
// gradient are skipped; gradients are changed in place.
//
//   loss.backward();
//   double norm = tg::optim::clip_grad_norm_(opt.params(), 1.0);            // global L2 norm
//   tg::optim::clip_grad_norm_(opt.params(), 1.0, {.norm_type = tg::optim::kInfNorm});
//   tg::optim::clip_grad_value_(opt.params(), 0.5);                         // g ← clamp(g, −0.5, 0.5)
//   opt.step();
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <limits>

namespace tg::optim {

inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();

struct ClipGradNormOptions {
  double norm_type = 2.0;           // p > 0, or kInfNorm for max |g|
  bool error_if_nonfinite = false;  // throw instead of scaling by a NaN/Inf norm
};

// Scales all gradients together by min(1, max_norm / (‖g‖_p + 1e-6)), where ‖g‖_p is the norm of
// every gradient element concatenated. Returns ‖g‖_p before clipping (0 when no parameter has a grad).
double clip_grad_norm_(const tensor_list& params, double max_norm, ClipGradNormOptions options = {});

// Clamps every gradient element into [−clip_value, clip_value].
void clip_grad_value_(const tensor_list& params, double clip_value);

}  // namespace tg::optim
