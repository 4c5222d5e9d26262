// Convolution and pooling modules over (N, C, H, W).
//
//   auto conv = std::make_shared<tg::nn::Conv2d>(tg::nn::Conv2dOptions{.in = 1, .out = 32, .kernel_size = 3, .padding = 1});
//   auto pool = std::make_shared<tg::nn::MaxPool2d>(2);
//
// Conv2d's default init is PyTorch's: weight kaiming_uniform_(a = sqrt(5)), i.e.
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias likewise, with fan_in = in/groups * kh * kw.
#pragma once

#include <tapegrad/nn/module.h>

namespace tg::nn {

struct Conv2dOptions {
  int64_t in = 0;
  int64_t out = 0;
  Int2 kernel_size = 3;
  Int2 stride = 1;
  Int2 padding = 0;
  Int2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  explicit Conv2d(Conv2dOptions options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  Conv2dOptions options;
  Tensor& weight;  // (out, in/groups, kh, kw)
  Tensor& bias;    // (out) or undefined
};

struct MaxPool2dOptions {
  Int2 kernel_size = 2;
  Int2 stride = {};  // unset: kernel_size
  Int2 padding = 0;
  Int2 dilation = 1;
  bool ceil_mode = false;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(MaxPool2dOptions options);
  explicit MaxPool2d(int64_t kernel_size) : MaxPool2d(MaxPool2dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  MaxPool2dOptions options;
};

struct AvgPool2dOptions {
  Int2 kernel_size = 2;
  Int2 stride = {};
  Int2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(AvgPool2dOptions options);
  explicit AvgPool2d(int64_t kernel_size) : AvgPool2d(AvgPool2dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  AvgPool2dOptions options;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Int2 output_size);
  Tensor forward(const Tensor& x) override { return adaptive_avg_pool2d(x, output_size); }
  std::string extra_repr() const override { return fmt::format("output_size={}", output_size); }
  Int2 output_size;
};

namespace functional {
using tg::adaptive_avg_pool2d;
using tg::avg_pool2d;
using tg::conv2d;
using tg::max_pool2d;
}  // namespace functional

}  // namespace tg::nn
