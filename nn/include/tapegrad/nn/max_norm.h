// Max-norm constraint (Srebro & Shraibman 2005; used with dropout by Srivastava et al. 2014): after
// each update, every unit's incoming weight vector w_i (row i of a Linear weight, filter i of a
// Conv2d weight) is projected back onto the ball ||w_i||_2 <= c. Rows inside the ball are untouched.
//
//   opt.step();
//   for (auto& [name, p] : model->named_parameters())
//     if (name.ends_with("weight") && p.dim() >= 2) tg::nn::utils::max_norm_(p, 3.0);
#pragma once

#include <tapegrad/autograd.h>

namespace tg::nn::utils {

// In place, without recording: w_i <- w_i * c / ||w_i|| where ||w_i|| > c (dim 0 indexes units).
// Returns how many rows were rescaled.
int64_t max_norm_(const Tensor& weight, double max_norm);

}  // namespace tg::nn::utils
