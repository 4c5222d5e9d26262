#include <tapegrad/nn/functional.h>
#include <tapegrad/nn/layernorm.h>

namespace tg::nn {

namespace functional {
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps) {
  const auto k = static_cast<int64_t>(normalized_shape.size());
  TG_CHECK(k >= 1 && x.dim() >= k && Shape(x.shape().end() - k, x.shape().end()) == normalized_shape,
           "layer_norm: input of shape {} does not end with normalized_shape {}", x.shape(), normalized_shape);
  Shape dims;
  for (int64_t d = x.dim() - k; d < x.dim(); ++d) dims.push_back(d);
  // Composite of differentiable ops: autograd derives the backward (and the double backward).
  Tensor mean = x.mean(dims, true);
  Tensor xc = x - mean;
  Tensor y = xc * rsqrt((xc * xc).mean(dims, true) + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}
}  // namespace functional

LayerNorm::LayerNorm(LayerNormOptions o)
    : Module("LayerNorm"),
      options(std::move(o)),
      weight(register_parameter("weight", options.elementwise_affine ? ones(options.normalized_shape) : Tensor())),
      bias(register_parameter("bias", options.elementwise_affine ? zeros(options.normalized_shape) : Tensor())) {
  TG_CHECK(!options.normalized_shape.empty(), "LayerNorm: normalized_shape must not be empty");
}

Tensor LayerNorm::forward(const Tensor& x) {
  return functional::layer_norm(x, options.normalized_shape, weight, bias, options.eps);
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", options.normalized_shape, options.eps,
                     options.elementwise_affine);
}

}  // namespace tg::nn
