// softmax, log_softmax and logsumexp: fused, max-shifted kernels (stable for logits like +-1000)
// with backward formulas written in tensor ops, so they differentiate again.
#include <tapegrad/autograd/grad_mode.h>

#include "ops/reduce_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

// y = softmax(x, dim) or log_softmax(x, dim), one (outer, R, inner) kernel over contiguous x.
Tensor softmax_forward(const Tensor& x, int64_t dim, bool log, std::string_view op) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  const int64_t d = ops::checked_dim(dim, x.shape(), op);
  const ops::BlockData src = ops::as_block(x, x.dim() == 0 ? Shape{} : Shape{d});
  const ops::Block b = src.block;
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<typename T>() {
    kernels::softmax_middle<T>(src.data.data_ptr<T>(), y.data_ptr<T>(), b.outer, b.R, b.inner, log);
  });
  return y;
}

// The input gradient from y and g in one pass, for a backward that builds no graph.
Tensor softmax_backward_fused(const Tensor& y, const Tensor& g, int64_t d, bool log) {
  const Tensor gc = g.dtype() == y.dtype() ? g.contiguous() : g.to(y.dtype()).contiguous();
  const ops::Block b = y.dim() == 0 ? ops::Block{} : ops::block_of(y.shape(), d, d);
  Tensor dx = empty(y.shape(), y.dtype());
  dispatch_floating(y.dtype(), "softmax_backward", [&]<typename T>() {
    kernels::softmax_backward_middle<T>(y.data_ptr<T>(), gc.data_ptr<T>(), dx.data_ptr<T>(), b.outer, b.R, b.inner,
                                        log);
  });
  return dx;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  Tensor y = softmax_forward(x, dim, false, "softmax");
  if (needs_grad({x})) {
    const int64_t d = ops::checked_dim(dim, x.shape(), "softmax");
    record("SoftmaxBackward", {x}, {y}, {y}, [d](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      const Tensor& y = s[0];
      // dx = y (g - sum(g y, dim))
      if (!GradMode::is_enabled()) return {softmax_backward_fused(y, g, d, false)};
      return {y * (g - sum(g * y, Shape{d}, true))};
    });
  }
  return y;
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  Tensor y = softmax_forward(x, dim, true, "log_softmax");
  if (needs_grad({x})) {
    const int64_t d = ops::checked_dim(dim, x.shape(), "log_softmax");
    record("LogSoftmaxBackward", {x}, {y}, {y}, [d](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      const Tensor& y = s[0];
      // dx = g - exp(y) sum(g, dim)
      if (!GradMode::is_enabled()) return {softmax_backward_fused(y, g, d, true)};
      return {g - exp(y) * sum(g, Shape{d}, true)};
    });
  }
  return y;
}

Tensor logsumexp(const Tensor& x, const Shape& dims_, bool keepdim) {
  TG_CHECK(x.defined(), "logsumexp: called with an undefined tensor");
  TG_CHECK(x.is_floating_point(), "logsumexp: expected a float32/float64 tensor, got {} of shape {}", x.dtype(),
           x.shape());
  const Shape dims = ops::normalize_dims(dims_, x.shape(), "logsumexp");
  const ops::BlockData src = ops::as_block(x, dims);
  const ops::Block b = src.block;
  Tensor out = empty(ops::reduced_shape(x.shape(), dims, keepdim), x.dtype());
  dispatch_floating(x.dtype(), "logsumexp", [&]<typename T>() {
    kernels::logsumexp_middle<T>(src.data.data_ptr<T>(), out.data_ptr<T>(), b.outer, b.R, b.inner);
  });
  if (needs_grad({x})) {
    record("LogsumexpBackward", {x}, {out}, {x, out},
           [in = x.shape(), dims, keepdim](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             // dx = g exp(x - out) = g softmax(x)
             return {ops::unsqueeze_reduced(g, in, dims, keepdim) *
                     exp(s[0] - ops::unsqueeze_reduced(s[1], in, dims, keepdim))};
           });
  }
  return out;
}

Tensor Tensor::softmax(int64_t dim) const { return tg::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return tg::log_softmax(*this, dim); }
Tensor Tensor::logsumexp(const Shape& dims, bool keepdim) const { return tg::logsumexp(*this, dims, keepdim); }

}  // namespace tg
