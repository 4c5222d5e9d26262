// Normalisation primitives used by nn's BatchNorm and LayerNorm.
#pragma once

#include <tapegrad/autograd/tensor.h>

namespace tg {

// Batch normalisation of x (N, C, *) over N and the trailing dims, per channel C (Ioffe &
// Szegedy, 2015): y = (x - mean) / sqrt(var + eps) * weight + bias.
// Training: batch mean and biased variance are used, and when running_mean/running_var are
// given they are updated in place: running = (1 - momentum) running + momentum batch (the
// running variance takes the unbiased batch variance). Eval: the running statistics are used.
// weight/bias may be undefined (no affine). A fused kernel forward and backward; under
// create_graph the backward is written with tensor ops, so it is twice differentiable.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps);

}  // namespace tg
