// Reductions over all elements or given dims (negative dims count from the end).
#pragma once

#include <tapegrad/autograd/tensor.h>

namespace tg {

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);
// Variance: divides by N - 1 when unbiased, else by N.
Tensor var(const Tensor& x, const Shape& dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, const Shape& dims, bool unbiased = true, bool keepdim = false);
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim = false);
// (values, int64 indices) along one dim.
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = {}, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = {}, bool keepdim = false);
// log(sum(exp(x))) computed stably (max subtracted first).
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim = false);
// (sum |x|^p)^(1/p) over all elements or dims; p = 2 by default.
Tensor norm(const Tensor& x, double p = 2.0);
Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim = false);
// exp(x - max) / sum(exp(x - max)) along dim, and its stable log.
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace tg
