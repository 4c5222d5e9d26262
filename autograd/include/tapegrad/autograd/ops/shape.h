// Joining, splitting and broadcasting helpers. View ops are members of Tensor (tensor.h).
#pragma once

#include <tapegrad/autograd/tensor.h>

namespace tg {

Tensor cat(const tensor_list& tensors, int64_t dim = 0);
Tensor stack(const tensor_list& tensors, int64_t dim = 0);
// Pieces of split_size along dim (the last may be smaller); chunk makes `chunks` near-equal pieces.
tensor_list split(const Tensor& x, int64_t split_size, int64_t dim = 0);
tensor_list chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
// Sums a broadcast gradient back down to shape (the inverse of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);
// True when `shape` broadcasts to `target`.
bool is_expandable_to(const Shape& shape, const Shape& target);

}  // namespace tg
