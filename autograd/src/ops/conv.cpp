// conv2d as a composite: unfold (im2col) + matmul + views + bias add. It records no backward of
// its own: the tape holds the pieces, so double backward comes free.
#include <tapegrad/autograd/ops.h>

namespace tg {

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Int2 stride, Int2 padding, Int2 dilation,
              int64_t groups) {
  TG_CHECK(input.defined() && weight.defined(), "conv2d: called with an undefined input or weight");
  TG_CHECK(input.dim() == 3 || input.dim() == 4,
           "conv2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {} (weight shape {})", input.shape(),
           weight.shape());
  if (input.dim() == 3) return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);

  const Shape& in = input.shape();
  const Shape& ws = weight.shape();
  TG_CHECK(weight.dim() == 4, "conv2d: expected a 4-D weight (Cout, Cin/groups, kh, kw), got shape {} (input shape {})",
           ws, in);
  TG_CHECK(is_floating(input.dtype()) && weight.dtype() == input.dtype() &&
               (!bias.defined() || bias.dtype() == input.dtype()),
           "conv2d: expected input, weight and bias of one floating dtype, got {}, {} and {} (input shape {}, weight "
           "shape {})",
           input.dtype(), weight.dtype(), bias.defined() ? dtype_name(bias.dtype()) : "none", in, ws);
  const int64_t N = in[0], Cin = in[1], Cout = ws[0], kh = ws[2], kw = ws[3];
  TG_CHECK(groups > 0 && Cin % groups == 0 && Cout % groups == 0,
           "conv2d: groups {} must be positive and divide the input channels {} and output channels {} (input shape "
           "{}, weight shape {})",
           groups, Cin, Cout, in, ws);
  TG_CHECK(ws[1] * groups == Cin,
           "conv2d: input shape {} has {} channels, but weight shape {} with groups {} expects {}", in, Cin, ws, groups,
           ws[1] * groups);
  TG_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == Cout),
           "conv2d: expected a bias of shape [{}], got shape {} (weight shape {})", Cout,
           bias.defined() ? bias.shape() : Shape{}, ws);
  TG_CHECK(stride.h > 0 && stride.w > 0 && dilation.h > 0 && dilation.w > 0 && padding.h >= 0 && padding.w >= 0,
           "conv2d: stride {} and dilation {} must be positive and padding {} non-negative (input shape {}, weight "
           "shape {})",
           stride, dilation, padding, in, ws);
  const int64_t ekh = dilation.h * (kh - 1) + 1, ekw = dilation.w * (kw - 1) + 1;
  TG_CHECK(kh > 0 && kw > 0 && ekh <= in[2] + 2 * padding.h && ekw <= in[3] + 2 * padding.w,
           "conv2d: kernel ({}, {}) with dilation {} spans ({}, {}), larger than the padded input ({}, {}) (input "
           "shape {}, weight shape {}, padding {})",
           kh, kw, dilation, ekh, ekw, in[2] + 2 * padding.h, in[3] + 2 * padding.w, in, ws, padding);

  // cols (N, Cin*kh*kw, L); out[n] = W (Cout, K) @ cols[n], per group when groups > 1.
  Tensor cols = unfold(input, {kh, kw}, dilation, padding, stride);
  const int64_t K = ws[1] * kh * kw, L = cols.size(2);
  const int64_t OH = (in[2] + 2 * padding.h - ekh) / stride.h + 1, OW = (in[3] + 2 * padding.w - ekw) / stride.w + 1;
  Tensor out;
  if (groups == 1) {
    out = matmul(weight.reshape({Cout, K}), cols);  // (N, Cout, L)
  } else {
    // (groups, Cout/g, K) @ (N, groups, K, L) -> (N, groups, Cout/g, L)
    out = matmul(weight.reshape({groups, Cout / groups, K}), cols.view({N, groups, K, L}));
  }
  out = out.reshape({N, Cout, OH, OW});
  if (bias.defined()) out = out + bias.view({Cout, 1, 1});
  return out;
}

}  // namespace tg
