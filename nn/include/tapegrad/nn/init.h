// Weight initialisation (tg::nn::init), in place and without recording on the tape.
//
//   tg::nn::init::kaiming_normal_(w, {.mode = tg::nn::init::FanMode::FanIn, .nonlinearity = "relu"});
//
// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the receptive
// field is the product of dims 2.. (1 for a Linear weight (out, in)).
#pragma once

#include <tapegrad/autograd.h>

#include <string_view>
#include <utility>

namespace tg::nn::init {

enum class FanMode { FanIn, FanOut };

// Recommended gain for a nonlinearity: linear/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4. Unknown names are an error.
double calculate_gain(std::string_view nonlinearity, double param = 0.01);
// (fan_in, fan_out) of a weight with at least 2 dims.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& w);

Tensor& uniform_(Tensor& t, double low = 0.0, double high = 1.0);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);

// Glorot & Bengio (2010): U(-a, a) with a = gain sqrt(6 / (fan_in + fan_out)); N(0, gain^2 2 / (fan_in + fan_out)).
Tensor& xavier_uniform_(Tensor& w, double gain = 1.0);
Tensor& xavier_normal_(Tensor& w, double gain = 1.0);

struct KaimingOptions {
  double a = 0.0;  // negative slope for leaky_relu
  FanMode mode = FanMode::FanIn;
  std::string_view nonlinearity = "leaky_relu";
};
// He et al. (2015): std = gain / sqrt(fan); uniform bound = sqrt(3) std.
Tensor& kaiming_uniform_(Tensor& w, KaimingOptions options = {});
Tensor& kaiming_normal_(Tensor& w, KaimingOptions options = {});
// LeCun: N(0, 1 / fan_in) — the W = randn(fan_in, fan_out) / sqrt(fan_in) calibration.
Tensor& lecun_normal_(Tensor& w);
// Saxe et al. (2013): a (semi-)orthogonal matrix from the QR of a Gaussian, times gain.
Tensor& orthogonal_(Tensor& w, double gain = 1.0);

}  // namespace tg::nn::init
