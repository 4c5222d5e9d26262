// Indexing with int64 index tensors and bool masks.
#pragma once

#include <tapegrad/autograd/tensor.h>

namespace tg {

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// out = x, then out[.., index[j], ..] += src[.., j, ..] along dim (repeated indices accumulate).
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// out[i][j] = x[i][index[i][j]] for dim 1 (and likewise for other dims).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// out = x, then out[i][index[i][j]] += src[i][j] for dim 1.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// int64 labels of any shape -> (..., num_classes) int64 one-hot; num_classes < 0 infers max + 1.
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);

}  // namespace tg
