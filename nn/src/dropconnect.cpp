#include <tapegrad/nn/dropconnect.h>
#include <tapegrad/nn/functional.h>

namespace tg::nn {

namespace {
void check_p(double p, const char* who) {
  TG_CHECK(p >= 0.0 && p < 1.0, "{}: drop probability must be in [0, 1), got {}", who, p);
}
}  // namespace

Tensor dropconnect_weight(const Tensor& weight, double p) {
  check_p(p, "dropconnect");
  if (p == 0.0) return weight;
  return weight * (bernoulli(weight.shape(), 1.0 - p, weight.dtype()) * (1.0 / (1.0 - p)));
}

DropConnectLinear::DropConnectLinear(DropConnectLinearOptions o)
    : Linear(LinearOptions{.in = o.in, .out = o.out, .bias = o.bias}), p(o.p), mask_per_sample(o.mask_per_sample) {
  check_p(p, "DropConnectLinear");
}

Tensor DropConnectLinear::forward(const Tensor& x) {
  if (!is_training() || p == 0.0) return Linear::forward(x);
  if (!mask_per_sample) return functional::linear(x, dropconnect_weight(weight, p), bias);
  TG_CHECK(x.dim() == 2, "DropConnectLinear: per-sample masks need a 2-D input (N, in), got shape {}", x.shape());
  TG_CHECK(x.size(1) == options.in, "DropConnectLinear: input of shape {} for in={}", x.shape(), options.in);
  // (N, out, in) masked weights, one per sample: y_n = W_n x_n.
  const int64_t N = x.size(0);
  Tensor mask = bernoulli({N, options.out, options.in}, 1.0 - p, weight.dtype()) * (1.0 / (1.0 - p));
  Tensor y = bmm(weight.unsqueeze(0) * mask, x.unsqueeze(2)).squeeze(2);
  return bias.defined() ? y + bias : y;
}

std::string DropConnectLinear::extra_repr() const {
  return Linear::extra_repr() + fmt::format(", p={}, mask_per_sample={}", p, mask_per_sample);
}

DropConnect::DropConnect(std::shared_ptr<Module> inner_module, double drop_p)
    : Module("DropConnect"), inner(std::move(inner_module)), p(drop_p) {
  check_p(p, "DropConnect");
  TG_CHECK(inner != nullptr, "DropConnect: the wrapped module is null");
  TG_CHECK(inner->has_parameter("weight"), "DropConnect: the wrapped {} has no parameter named 'weight'",
           inner->type_name());
  register_module("inner", inner);
}

Tensor DropConnect::forward(const Tensor& x) {
  if (!is_training() || p == 0.0) return (*inner)(x);
  // Swap the masked weight into the inner module's slot for this call only; the slot is what
  // its forward reads, and the mask keeps the gradient path to the real weight.
  Tensor& slot = inner->parameter("weight");
  Tensor original = slot;
  struct Restore {
    Tensor& slot;
    Tensor original;
    ~Restore() { slot = original; }
  } restore{slot, original};
  slot = dropconnect_weight(original, p);
  return (*inner)(x);
}

}  // namespace tg::nn
