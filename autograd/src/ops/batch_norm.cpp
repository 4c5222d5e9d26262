// batch_norm: fused statistics + affine forward, fused backward; a tensor-op backward under
// create_graph so second derivatives work.
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include "kernels/batch_norm.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

// The dims statistics are taken over: all but the channel dim 1.
Shape stat_dims(int64_t ndim) {
  Shape dims{0};
  for (int64_t d = 2; d < ndim; ++d) dims.push_back(d);
  return dims;
}

// A per-channel vector shaped to broadcast against (N, C, *).
Tensor per_channel(const Tensor& v, int64_t ndim) {
  Shape shape(static_cast<size_t>(ndim), 1);
  shape[1] = v.numel();
  return v.reshape(shape);
}

// Training-mode batch norm written with tensor ops (used for the create_graph backward).
tensor_list composite_backward(const Tensor& g, const Tensor& x, const Tensor& weight, double eps, Needs n) {
  const Shape dims = stat_dims(x.dim());
  Tensor mean = x.mean(dims, true);
  Tensor xc = x - mean;
  Tensor invstd = rsqrt((xc * xc).mean(dims, true) + eps);
  Tensor xhat = xc * invstd;
  Tensor gw = weight.defined() ? g * per_channel(weight, x.dim()) : g;
  Tensor dx;
  if (n[0]) dx = invstd * (gw - gw.mean(dims, true) - xhat * (gw * xhat).mean(dims, true));
  Tensor dw = n[1] ? (g * xhat).sum(dims) : Tensor();
  Tensor db = n[2] ? g.sum(dims) : Tensor();
  return {dx, dw, db};
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  TG_CHECK(x.defined() && x.dim() >= 2, "batch_norm: expected input of shape (N, C, ...), got {}",
           x.defined() ? x.shape() : Shape{});
  TG_CHECK(x.is_floating_point(), "batch_norm: expected a float32/float64 input, got {}", x.dtype());
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = x.numel() / std::max<int64_t>(N * C, 1);
  auto check_vec = [&](const Tensor& v, const char* what) {
    if (!v.defined()) return;
    TG_CHECK(v.dim() == 1 && v.size(0) == C && v.dtype() == x.dtype(),
             "batch_norm: {} must be a {} vector of {} channels, got {} {} for input {}", what, x.dtype(), C, v.dtype(),
             v.shape(), x.shape());
  };
  check_vec(running_mean, "running_mean");
  check_vec(running_var, "running_var");
  check_vec(weight, "weight");
  check_vec(bias, "bias");
  TG_CHECK(running_mean.defined() == running_var.defined(),
           "batch_norm: running_mean and running_var must be given together");
  TG_CHECK(eps > 0, "batch_norm: eps must be positive, got {}", eps);

  if (!training) {
    TG_CHECK(running_mean.defined(), "batch_norm: eval mode needs running statistics");
    // y = x * scale + shift with scale = weight / sqrt(var + eps), shift = bias - mean * scale.
    Tensor scale = rsqrt(running_var + eps);
    if (weight.defined()) scale = scale * weight;
    Tensor shift = -running_mean * scale;
    if (bias.defined()) shift = shift + bias;
    return x * per_channel(scale, x.dim()) + per_channel(shift, x.dim());
  }

  TG_CHECK(N * S > 1, "batch_norm: training needs more than one value per channel, got input of shape {}", x.shape());
  Tensor xc = x.contiguous();
  Tensor mean = empty({C}, x.dtype()), invstd = empty({C}, x.dtype()), var_unbiased = empty({C}, x.dtype());
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "batch_norm", [&]<typename T>() {
    kernels::batch_norm_stats<T>(xc.data_ptr<T>(), N, C, S, eps, mean.data_ptr<T>(), invstd.data_ptr<T>(),
                                 var_unbiased.data_ptr<T>());
    // Fold weight and bias into one per-channel scale and shift.
    Tensor scale = empty({C}, x.dtype()), shift = empty({C}, x.dtype());
    T* sc = scale.data_ptr<T>();
    T* sh = shift.data_ptr<T>();
    for (int64_t c = 0; c < C; ++c) {
      const T w = weight.defined() ? weight.data_ptr<T>()[weight.stride(0) * c] : T(1);
      const T b = bias.defined() ? bias.data_ptr<T>()[bias.stride(0) * c] : T(0);
      sc[c] = invstd.data_ptr<T>()[c] * w;
      sh[c] = b - mean.data_ptr<T>()[c] * sc[c];
    }
    kernels::channel_affine<T>(xc.data_ptr<T>(), y.data_ptr<T>(), N, C, S, sc, sh);
  });

  if (running_mean.defined()) {
    NoGradGuard no_grad;
    Tensor rm = running_mean, rv = running_var;
    rm.mul_(1.0 - momentum).add_(mean, momentum);
    rv.mul_(1.0 - momentum).add_(var_unbiased, momentum);
  }

  if (needs_grad({x, weight, bias})) {
    record("BatchNormBackward", {x, weight, bias}, {y}, {xc, weight, mean, invstd},
           [eps](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
             const Tensor& x = s[0];
             const Tensor& weight = s[1];
             if (GradMode::is_enabled()) return composite_backward(g, x, weight, eps, n);
             const int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(N * C, 1);
             Tensor gc = g.contiguous();
             Tensor dx = n[0] ? empty(x.shape(), x.dtype()) : Tensor();
             Tensor dw = n[1] ? empty({C}, x.dtype()) : Tensor();
             Tensor db = n[2] ? empty({C}, x.dtype()) : Tensor();
             Tensor w = weight.defined() ? weight.contiguous() : Tensor();
             dispatch_floating(x.dtype(), "batch_norm_backward", [&]<typename T>() {
               kernels::batch_norm_backward<T>(gc.data_ptr<T>(), x.data_ptr<T>(), s[2].data_ptr<T>(),
                                               s[3].data_ptr<T>(), w.defined() ? w.data_ptr<T>() : nullptr, N, C, S,
                                               n[0] ? dx.data_ptr<T>() : nullptr, n[1] ? dw.data_ptr<T>() : nullptr,
                                               n[2] ? db.data_ptr<T>() : nullptr);
             });
             return {dx, dw, db};
           });
  }
  return y;
}

}  // namespace tg
