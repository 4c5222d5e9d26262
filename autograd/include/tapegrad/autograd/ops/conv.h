// 2-D convolution and pooling over (N, C, H, W) tensors, with PyTorch's semantics and argument order.
//
//   auto y = tg::conv2d(x, w, b, /*stride=*/{1, 1}, /*padding=*/{1, 1});   // x (64,1,28,28), w (32,1,3,3)
//   auto p = tg::max_pool2d(y.relu(), 2);                                  // (64,32,14,14)
//
// Every op is differentiable to any order: unfold and fold are each other's backward, conv2d is
// unfold + matmul, and each pooling op's backward is a recorded primitive of its own.
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <cstdint>
#include <tuple>

namespace tg {

// A (height, width) pair of sizes: Int2(3) is {3, 3}. Int2{} is "unset", which the pooling ops
// read as "the default" for stride (= kernel_size) and every op reads as 0 elsewhere.
struct Int2 {
  int64_t h = 0, w = 0;
  bool set = false;
  constexpr Int2() = default;
  constexpr Int2(int64_t both) : h(both), w(both), set(true) {}  // NOLINT: implicit, as in PyTorch
  constexpr Int2(int64_t h_, int64_t w_) : h(h_), w(w_), set(true) {}
};

// im2col: (N, C, H, W) -> (N, C*kh*kw, L), column l holding the (C, kh, kw) block under output
// position l (row-major over the OH x OW output grid); padding reads as zeros.
Tensor unfold(const Tensor& input, Int2 kernel_size, Int2 dilation = 1, Int2 padding = 0, Int2 stride = 1);
// col2im, the adjoint of unfold: (N, C*kh*kw, L) -> (N, C, H, W), summing where blocks overlap.
Tensor fold(const Tensor& cols, Int2 output_size, Int2 kernel_size, Int2 dilation = 1, Int2 padding = 0,
            Int2 stride = 1);

// out[n, o] = bias[o] + sum_{c, i, j} weight[o, c, i, j] * x_pad[n, g*Cin/groups + c, y*s + i*d, x*s + j*d]
// for input (N, Cin, H, W) or unbatched (Cin, H, W), weight (Cout, Cin/groups, kh, kw), bias (Cout)
// or undefined.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, Int2 stride = 1, Int2 padding = 0,
              Int2 dilation = 1, int64_t groups = 1);

// Max over each (dilated) window; padding counts as -inf. stride unset means kernel_size.
Tensor max_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride = {}, Int2 padding = 0, Int2 dilation = 1,
                  bool ceil_mode = false);
// Also returns the int64 index of each maximum within its input plane (y * W + x), as PyTorch does.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Int2 kernel_size, Int2 stride = {},
                                                   Int2 padding = 0, Int2 dilation = 1, bool ceil_mode = false);
// The gradient of max_pool2d: grad scattered (summed) to the positions in indices, zeros elsewhere.
Tensor max_pool2d_backward(const Tensor& grad, const Tensor& indices, const Shape& input_shape);

// Mean over each window; count_include_pad divides by the window size including padding.
Tensor avg_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride = {}, Int2 padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true);

// Mean over window i of each axis: rows floor(i*H/OH) to ceil((i+1)*H/OH), likewise columns.
Tensor adaptive_avg_pool2d(const Tensor& input, Int2 output_size);

}  // namespace tg

// Formats as (h, w), for error messages.
template <> struct fmt::formatter<tg::Int2> : fmt::formatter<std::string_view> {
  auto format(const tg::Int2& v, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(), "({}, {})", v.h, v.w);
  }
};
