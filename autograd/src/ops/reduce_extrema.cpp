// amax, amin, max, min, argmax, argmin: reductions that select elements. Gradients flow to the
// selected elements only: split evenly among ties for amax/amin (and max()/min() of all
// elements), to the returned index for max/min along a dim.
#include <cmath>
#include <limits>

#include "ops/reduce_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

// True when v should replace best. NaN beats everything, so it propagates as in PyTorch; strict,
// so the first of equal values is kept.
template <typename T, bool kMax> bool better(T v, T best) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(best)) return false;
    if (std::isnan(v)) return true;
  }
  return kMax ? v > best : v < best;
}

// The identity of the fold: -inf / +inf for floats, the extreme value of the type otherwise.
template <typename T, bool kMax> T identity() {
  if constexpr (std::is_floating_point_v<T>)
    return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  else
    return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}

// amax / amin over dims. Backward: the gradient split evenly among the elements equal to the result.
template <bool kMax> Tensor extreme(const Tensor& x, const Shape& dims_, bool keepdim, std::string_view op) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  const Shape dims = ops::normalize_dims(dims_, x.shape(), op);
  ops::check_nonempty_dims(x, dims, op);
  Tensor out = dispatch(x.dtype(), op, [&]<typename T>() {
    return ops::reduce_runs<T>(
        x, dims, identity<T, kMax>(), [](T a, T v) { return better<T, kMax>(v, a) ? v : a; }, [](T a) { return a; });
  });
  out = out.view(ops::reduced_shape(x.shape(), dims, keepdim));
  if (needs_grad({x})) {
    record(kMax ? "AmaxBackward" : "AminBackward", {x}, {out}, {x, out},
           [in = x.shape(), dims, keepdim](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             const Tensor hit = s[0] == ops::unsqueeze_reduced(s[1], in, dims, keepdim);
             const Tensor count = sum(hit, dims, true);
             return {where(hit, ops::unsqueeze_reduced(g, in, dims, keepdim) / count, 0.0)};
           });
  }
  return out;
}

// (values, int64 indices) of the extreme along one dim; values only when want_values.
// Backward: the gradient goes to the returned index.
template <bool kMax>
std::tuple<Tensor, Tensor> extreme_dim(const Tensor& x, int64_t dim, bool keepdim, std::string_view op,
                                       bool want_values) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  const int64_t d = ops::checked_dim(dim, x.shape(), op);
  const Shape dims = x.dim() == 0 ? Shape{} : Shape{d};
  ops::check_nonempty_dims(x, dims, op);
  const Shape out_shape = ops::reduced_shape(x.shape(), dims, keepdim);
  const ops::BlockData src = ops::as_block(x, dims);
  const ops::Block b = src.block;
  Tensor values = want_values ? empty(out_shape, x.dtype()) : Tensor();
  Tensor indices = empty(out_shape, kLong);
  dispatch(x.dtype(), op, [&]<typename T>() {
    kernels::arg_reduce_middle<T>(src.data.data_ptr<T>(), want_values ? values.data_ptr<T>() : nullptr,
                                  indices.data_ptr<int64_t>(), b.outer, b.R, b.inner,
                                  [](T v, T best) { return better<T, kMax>(v, best); });
  });
  if (want_values && needs_grad({x})) {
    record(kMax ? "MaxBackward" : "MinBackward", {x}, {values}, {indices},
           [in = x.shape(), dims, keepdim](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             if (dims.empty()) return {g};  // a 0-d input is its own max
             // Positions along the dim, compared with the index: a one-hot mask, no scatter needed.
             const int64_t d = dims[0];
             Shape pos_shape(in.size(), 1);
             pos_shape[d] = in[d];
             const Tensor pos = arange(static_cast<double>(in[d]), kLong).view(pos_shape);
             const Tensor hit = pos == ops::unsqueeze_reduced(s[0], in, dims, keepdim);
             return {where(hit, ops::unsqueeze_reduced(g, in, dims, keepdim), 0.0)};
           });
  }
  return {values, indices};
}

// argmax / argmin along dim, or of the flattened tensor when dim is empty.
template <bool kMax>
Tensor arg_extreme(const Tensor& x, std::optional<int64_t> dim, bool keepdim, std::string_view op) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  if (dim) return std::get<1>(extreme_dim<kMax>(x, *dim, keepdim, op, false));
  TG_CHECK(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, x.shape());
  const Tensor index = std::get<1>(extreme_dim<kMax>(x.detach().reshape({-1}), 0, false, op, false));
  return keepdim ? index.reshape(Shape(x.dim(), 1)) : index;
}

}  // namespace

Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) { return extreme<true>(x, dims, keepdim, "amax"); }
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) { return extreme<false>(x, dims, keepdim, "amin"); }

std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim<true>(x, dim, keepdim, "max", true);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim<false>(x, dim, keepdim, "min", true);
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<true>(x, dim, keepdim, "argmax");
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<false>(x, dim, keepdim, "argmin");
}

Tensor Tensor::max() const { return extreme<true>(*this, Shape{}, false, "max"); }
Tensor Tensor::min() const { return extreme<false>(*this, Shape{}, false, "min"); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return tg::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return tg::min(*this, dim, keepdim); }
Tensor Tensor::argmax() const { return tg::argmax(*this); }
Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return tg::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin() const { return tg::argmin(*this); }
Tensor Tensor::argmin(int64_t dim, bool keepdim) const { return tg::argmin(*this, dim, keepdim); }

}  // namespace tg
