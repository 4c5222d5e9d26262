#include <tapegrad/nn/conv.h>
#include <tapegrad/nn/init.h>

#include <cmath>

namespace tg::nn {

namespace {
Shape weight_shape(const Conv2dOptions& o) {
  // Clamped so a bad option reaches the constructor's check instead of a negative-size error.
  return {std::max<int64_t>(o.out, 0), o.groups > 0 ? std::max<int64_t>(o.in, 0) / o.groups : 0,
          std::max<int64_t>(o.kernel_size.h, 0), std::max<int64_t>(o.kernel_size.w, 0)};
}

// Window options, checked when the module is built rather than at its first forward.
void check_window(const char* who, Int2 kernel_size, Int2 stride, Int2 padding, Int2 dilation) {
  TG_CHECK(kernel_size.h > 0 && kernel_size.w > 0, "{}: kernel_size must be positive, got {}", who, kernel_size);
  TG_CHECK(stride.h > 0 && stride.w > 0, "{}: stride must be positive, got {}", who, stride);
  TG_CHECK(padding.h >= 0 && padding.w >= 0, "{}: padding must be non-negative, got {}", who, padding);
  TG_CHECK(dilation.h > 0 && dilation.w > 0, "{}: dilation must be positive, got {}", who, dilation);
}

// Pooling also needs padding <= kernel_size / 2 (as PyTorch), so no window lies in the padding alone.
void check_pool_window(const char* who, Int2 kernel_size, Int2 stride, Int2 padding, Int2 dilation) {
  check_window(who, kernel_size, stride.set ? stride : kernel_size, padding, dilation);
  TG_CHECK(padding.h <= kernel_size.h / 2 && padding.w <= kernel_size.w / 2,
           "{}: padding {} must be at most half of kernel_size {}", who, padding, kernel_size);
}
}  // namespace

Conv2d::Conv2d(Conv2dOptions o)
    : Module("Conv2d"),
      options(o),
      weight(register_parameter("weight", empty(weight_shape(o)))),
      bias(register_parameter("bias", o.bias ? empty({std::max<int64_t>(o.out, 0)}) : Tensor())) {
  TG_CHECK(o.in > 0 && o.out > 0, "Conv2d: in and out must be positive, got in={} out={}", o.in, o.out);
  TG_CHECK(o.groups > 0 && o.in % o.groups == 0 && o.out % o.groups == 0,
           "Conv2d: groups={} must divide in={} and out={}", o.groups, o.in, o.out);
  check_window("Conv2d", o.kernel_size, o.stride, o.padding, o.dilation);
  reset_parameters();
}

void Conv2d::reset_parameters() {
  init::kaiming_uniform_(weight, {.a = std::sqrt(5.0)});
  if (bias.defined()) {
    const auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

std::string Conv2d::extra_repr() const {
  return fmt::format("in={}, out={}, kernel_size={}, stride={}, padding={}, dilation={}, groups={}, bias={}", options.in,
                     options.out, options.kernel_size, options.stride, options.padding, options.dilation,
                     options.groups, options.bias);
}

MaxPool2d::MaxPool2d(MaxPool2dOptions o) : Module("MaxPool2d"), options(o) {
  check_pool_window("MaxPool2d", o.kernel_size, o.stride, o.padding, o.dilation);
}

Tensor MaxPool2d::forward(const Tensor& x) {
  return max_pool2d(x, options.kernel_size, options.stride, options.padding, options.dilation, options.ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", options.kernel_size,
                     options.stride.set ? options.stride : options.kernel_size, options.padding, options.dilation,
                     options.ceil_mode);
}

AvgPool2d::AvgPool2d(AvgPool2dOptions o) : Module("AvgPool2d"), options(o) {
  check_pool_window("AvgPool2d", o.kernel_size, o.stride, o.padding, 1);
}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, options.kernel_size, options.stride, options.padding, options.ceil_mode,
                    options.count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size,
                     options.stride.set ? options.stride : options.kernel_size, options.padding);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Int2 size) : Module("AdaptiveAvgPool2d"), output_size(size) {
  TG_CHECK(size.h > 0 && size.w > 0, "AdaptiveAvgPool2d: output_size must be positive, got {}", size);
}

}  // namespace tg::nn
