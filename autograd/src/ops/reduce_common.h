// Shared plumbing of the reduction ops: dim normalisation, output shapes and the (outer, R, inner)
// decomposition that kernels/reduce.h works on.
#pragma once

#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include "kernels/reduce.h"

namespace tg::ops {

// Sorted, unique, wrapped dims of a tensor of this shape; empty means all dims (and a 0-d tensor
// has none). Errors (out-of-range or repeated dim) name op and shape.
Shape normalize_dims(const Shape& dims, const Shape& shape, std::string_view op);
// One wrapped dim (0 and -1 are valid for a 0-d tensor), with an error naming op and shape.
int64_t checked_dim(int64_t dim, const Shape& shape, std::string_view op);
// Output shape of reducing `dims` (normalised).
Shape reduced_shape(const Shape& shape, const Shape& dims, bool keepdim);
// Groups normalised dims into runs of adjacent dims, last run first.
std::vector<std::pair<int64_t, int64_t>> dim_runs(const Shape& dims);

// (outer, R, inner) sizes for reducing dims [first, last] of shape.
struct Block {
  int64_t outer = 1, R = 1, inner = 1;
};
Block block_of(const Shape& shape, int64_t first, int64_t last);

// x (detached) as contiguous data whose normalised `dims` are the R of one (outer, R, inner)
// block: a view when the dims are adjacent, else a copy with them moved last. Either way the
// kernel's output is laid out as reduced_shape(x.shape(), dims, false).
struct BlockData {
  Tensor data;
  Block block;
};
BlockData as_block(const Tensor& x, const Shape& dims);

// A gradient g of a reduction's output, with the reduced dims put back as size 1 so that it
// broadcasts against the input.
Tensor unsqueeze_reduced(const Tensor& g, const Shape& in_shape, const Shape& dims, bool keepdim);
// Throws when a reduction without identity (max, argmax, ...) would reduce a zero-size dim.
void check_nonempty_dims(const Tensor& x, const Shape& dims, std::string_view op);

// Reduces dims of x with the given fold, one run of adjacent dims at a time; the result keeps
// the reduced dims as size 1. Acc is the accumulator type for element type T. finish runs after
// each run, so it must only convert (sum, prod, max); use as_block for folds like norms.
template <typename T, typename Acc, typename Combine, typename Finish>
Tensor reduce_runs(const Tensor& x, const Shape& dims, Acc init, Combine combine, Finish finish) {
  Tensor cur = x.detach().contiguous();
  if (dims.empty()) return cur.clone();  // a 0-d input: the output is still fresh, never an alias
  for (auto [first, last] : dim_runs(dims)) {
    const Block b = block_of(cur.shape(), first, last);
    Shape out_shape = cur.shape();
    for (int64_t d = first; d <= last; ++d) out_shape[d] = 1;
    Tensor out = empty(out_shape, cur.dtype());
    kernels::reduce_middle<T>(cur.data_ptr<T>(), out.data_ptr<T>(), b.outer, b.R, b.inner, init, combine, finish);
    cur = out;
  }
  return cur;
}

}  // namespace tg::ops
