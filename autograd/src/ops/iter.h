// Builds kernels::Loop descriptions from tensors: broadcasting each operand to the output shape
// (stride 0 on broadcast dims), dropping size-1 dims and merging dims that are contiguous for all
// operands.
#pragma once

#include <tapegrad/autograd/tensor.h>

#include "kernels/loop.h"

namespace tg::ops {

// Strides of t (in elements) when broadcast to out_shape; op names the caller in errors.
Shape broadcast_strides(const Tensor& t, const Shape& out_shape, std::string_view op);

template <int N>
kernels::Loop<N> make_loop(const Shape& out_shape, const std::array<const Tensor*, N>& operands, std::string_view op) {
  TG_CHECK(out_shape.size() <= static_cast<size_t>(kernels::kMaxDims), "{}: tensors with more than {} dims ({}) are not supported",
           op, kernels::kMaxDims, out_shape);
  kernels::Loop<N> loop;
  loop.numel = shape_numel(out_shape);
  std::array<Shape, N> strides;
  for (int k = 0; k < N; ++k) strides[k] = broadcast_strides(*operands[k], out_shape, op);
  // Keep dims of size > 1, then merge neighbours d-1, d when stride[d-1] == stride[d] * size[d]
  // for every operand.
  int nd = 0;
  for (size_t d = 0; d < out_shape.size(); ++d) {
    if (out_shape[d] == 1) continue;
    if (nd > 0) {
      bool mergeable = true;
      for (int k = 0; k < N; ++k)
        mergeable = mergeable && loop.strides[k][nd - 1] == strides[k][d] * out_shape[d];
      if (mergeable) {
        loop.sizes[nd - 1] *= out_shape[d];
        for (int k = 0; k < N; ++k) loop.strides[k][nd - 1] = strides[k][d];
        continue;
      }
    }
    loop.sizes[nd] = out_shape[d];
    for (int k = 0; k < N; ++k) loop.strides[k][nd] = strides[k][d];
    ++nd;
  }
  loop.ndim = nd;
  if (loop.numel == 1 && nd == 0) {
    loop.ndim = 1;
    loop.sizes[0] = 1;
    for (int k = 0; k < N; ++k) loop.strides[k][0] = 0;
  }
  return loop;
}

}  // namespace tg::ops
