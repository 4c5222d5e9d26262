#include <tapegrad/nn/functional.h>
#include <tapegrad/nn/init.h>
#include <tapegrad/nn/linear.h>

#include <cmath>

namespace tg::nn {

Linear::Linear(LinearOptions o)
    : Module("Linear"),
      options(o),
      weight(register_parameter("weight", empty({std::max<int64_t>(o.out, 0), std::max<int64_t>(o.in, 0)}))),
      bias(register_parameter("bias", o.bias ? empty({std::max<int64_t>(o.out, 0)}) : Tensor())) {
  TG_CHECK(o.in > 0 && o.out > 0, "Linear: in and out must be positive, got in={} out={}", o.in, o.out);
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, {.a = std::sqrt(5.0)});
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(options.in));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  return fmt::format("in={}, out={}, bias={}", options.in, options.out, options.bias);
}

}  // namespace tg::nn
