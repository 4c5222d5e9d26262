// unfold (im2col) and fold (col2im). They are each other's adjoint, so each one's backward is the
// other and both are differentiable to any order.
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include "kernels/im2col.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

// Checks the sizes and computes the output grid of sliding a (dilated) kernel over an H x W
// input. shape names the caller's tensor in errors.
kernels::Conv2dGeometry geometry(std::string_view op, const Shape& shape, int64_t H, int64_t W, Int2 k, Int2 d,
                                 Int2 p, Int2 s) {
  TG_CHECK(k.h > 0 && k.w > 0 && d.h > 0 && d.w > 0 && s.h > 0 && s.w > 0,
           "{}: kernel_size {}, dilation {} and stride {} must be positive (input shape {})", op, k, d, s, shape);
  TG_CHECK(p.h >= 0 && p.w >= 0, "{}: padding {} must be non-negative (input shape {})", op, p, shape);
  const int64_t ekh = d.h * (k.h - 1) + 1, ekw = d.w * (k.w - 1) + 1;
  TG_CHECK(ekh <= H + 2 * p.h && ekw <= W + 2 * p.w,
           "{}: kernel_size {} with dilation {} spans ({}, {}), larger than the padded input ({}, {}) (input shape {}, "
           "padding {})",
           op, k, d, ekh, ekw, H + 2 * p.h, W + 2 * p.w, shape, p);
  return {H, W, k.h, k.w, p.h, p.w, s.h, s.w, d.h, d.w, (H + 2 * p.h - ekh) / s.h + 1, (W + 2 * p.w - ekw) / s.w + 1};
}

}  // namespace

Tensor unfold(const Tensor& input, Int2 kernel_size, Int2 dilation, Int2 padding, Int2 stride) {
  TG_CHECK(input.defined(), "unfold: called with an undefined tensor");
  TG_CHECK(input.dim() == 4, "unfold: expected a 4-D (N, C, H, W) input, got shape {}", input.shape());
  const Shape& in = input.shape();
  const auto g = geometry("unfold", in, in[2], in[3], kernel_size, dilation, padding, stride);
  const int64_t N = in[0], C = in[1];
  Tensor x = input.detach().contiguous();
  Tensor out = empty({N, C * g.kh * g.kw, g.OH * g.OW}, input.dtype());
  dispatch_floating(input.dtype(), "unfold", [&]<typename T>() {
    kernels::im2col(x.data_ptr<T>(), out.data_ptr<T>(), N * C, g);
  });
  if (needs_grad({input})) {
    record("UnfoldBackward", {input}, {out}, {},
           [size = Int2(in[2], in[3]), kernel_size, dilation, padding, stride](const Tensor& gr, const tensor_list&,
                                                                                Needs) -> tensor_list {
             return {fold(gr, size, kernel_size, dilation, padding, stride)};
           });
  }
  return out;
}

Tensor fold(const Tensor& cols, Int2 output_size, Int2 kernel_size, Int2 dilation, Int2 padding, Int2 stride) {
  TG_CHECK(cols.defined(), "fold: called with an undefined tensor");
  TG_CHECK(cols.dim() == 3, "fold: expected a 3-D (N, C*kh*kw, L) input, got shape {}", cols.shape());
  TG_CHECK(output_size.h > 0 && output_size.w > 0, "fold: output_size {} must be positive (input shape {})",
           output_size, cols.shape());
  const auto g = geometry("fold", cols.shape(), output_size.h, output_size.w, kernel_size, dilation, padding, stride);
  const int64_t N = cols.size(0), K = g.kh * g.kw;
  TG_CHECK(cols.size(1) % K == 0,
           "fold: expected dim 1 of the input (shape {}) to be divisible by the product of kernel_size {}", cols.shape(),
           kernel_size);
  TG_CHECK(cols.size(2) == g.OH * g.OW,
           "fold: input shape {} has {} blocks, but output_size {} with kernel_size {}, dilation {}, padding {} and "
           "stride {} gives {} x {} = {}",
           cols.shape(), cols.size(2), output_size, kernel_size, dilation, padding, stride, g.OH, g.OW, g.OH * g.OW);
  const int64_t C = cols.size(1) / K;
  Tensor c = cols.detach().contiguous();
  Tensor out = empty({N, C, g.H, g.W}, cols.dtype());
  dispatch_floating(cols.dtype(), "fold", [&]<typename T>() {
    kernels::col2im(c.data_ptr<T>(), out.data_ptr<T>(), N * C, g);
  });
  if (needs_grad({cols})) {
    record("FoldBackward", {cols}, {out}, {},
           [kernel_size, dilation, padding, stride](const Tensor& gr, const tensor_list&, Needs) -> tensor_list {
             return {unfold(gr, kernel_size, dilation, padding, stride)};
           });
  }
  return out;
}

}  // namespace tg
