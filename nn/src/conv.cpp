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
}  // namespace

Conv2d::Conv2d(Conv2dOptions o)
    : Module("Conv2d"),
      options(o),
      weight(register_parameter("weight", empty(weight_shape(o)))),
      bias(register_parameter("bias", o.bias ? empty({std::max<int64_t>(o.out, 0)}) : Tensor())) {
  TG_CHECK(o.in > 0 && o.out > 0, "Conv2d: in and out must be positive, got in={} out={}", o.in, o.out);
  TG_CHECK(o.groups > 0 && o.in % o.groups == 0 && o.out % o.groups == 0,
           "Conv2d: groups={} must divide in={} and out={}", o.groups, o.in, o.out);
  TG_CHECK(o.kernel_size.h > 0 && o.kernel_size.w > 0, "Conv2d: kernel_size must be positive, got {}", o.kernel_size);
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

Tensor MaxPool2d::forward(const Tensor& x) {
  return max_pool2d(x, options.kernel_size, options.stride, options.padding, options.dilation, options.ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size,
                     options.stride.set ? options.stride : options.kernel_size, options.padding);
}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, options.kernel_size, options.stride, options.padding, options.ceil_mode,
                    options.count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", options.kernel_size,
                     options.stride.set ? options.stride : options.kernel_size, options.padding);
}

}  // namespace tg::nn
