// tg::nn::functional: stateless versions of every module. Modules own parameters and call these.
//
//   namespace F = tg::nn::functional;
//   auto h = F::dropout(F::relu(F::linear(x, w, b)), 0.2, /*training=*/true);
#pragma once

#include <tapegrad/autograd.h>

#include <string_view>

namespace tg::nn::functional {

// y = x W^T + b (b optional), x: (..., in), W: (out, in).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p) while
// training; the identity in eval.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// Drops whole channels of (N, C, ...) inputs.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);

// Batch norm over (N, C, *) per channel; see tg::batch_norm.
using tg::batch_norm;
// Layer norm over the trailing normalized_shape dims.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

using tg::elu;
using tg::gelu;
using tg::leaky_relu;
using tg::log_softmax;
using tg::relu;
using tg::sigmoid;
using tg::softmax;
using tg::tanh;

}  // namespace tg::nn::functional
