// sum, mean, var, std, prod, norm and the shared reduction plumbing.
#include <tapegrad/autograd/grad_mode.h>

#include <cmath>

#include "ops/reduce_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace ops {

int64_t checked_dim(int64_t dim, const Shape& shape, std::string_view op) {
  const int64_t n = std::max<int64_t>(static_cast<int64_t>(shape.size()), 1);  // a 0-d tensor accepts 0 and -1
  TG_CHECK(dim >= -n && dim < n, "{}: dim {} is out of range for a tensor of shape {}", op, dim, shape);
  return dim < 0 ? dim + n : dim;
}

Shape normalize_dims(const Shape& dims, const Shape& shape, std::string_view op) {
  const auto ndim = static_cast<int64_t>(shape.size());
  Shape out;
  for (int64_t d : dims) out.push_back(checked_dim(d, shape, op));
  std::sort(out.begin(), out.end());
  TG_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), "{}: dim repeated in {} (tensor of shape {})", op,
           dims, shape);
  if (ndim == 0) return {};
  if (dims.empty())
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
  return out;
}

Shape reduced_shape(const Shape& shape, const Shape& dims, bool keepdim) {
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    const bool reduced = std::binary_search(dims.begin(), dims.end(), static_cast<int64_t>(d));
    if (!reduced) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

std::vector<std::pair<int64_t, int64_t>> dim_runs(const Shape& dims) {
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int64_t d : dims) {
    if (!runs.empty() && runs.back().second + 1 == d) runs.back().second = d;
    else runs.emplace_back(d, d);
  }
  std::reverse(runs.begin(), runs.end());
  return runs;
}

Block block_of(const Shape& shape, int64_t first, int64_t last) {
  Block b;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d < first) b.outer *= shape[d];
    else if (d <= last) b.R *= shape[d];
    else b.inner *= shape[d];
  }
  return b;
}

BlockData as_block(const Tensor& x, const Shape& dims) {
  Tensor xd = x.detach();
  if (dims.empty()) return {xd.contiguous(), Block{}};  // a 0-d tensor: its one element
  if (dims.back() - dims.front() + 1 == static_cast<int64_t>(dims.size()))
    return {xd.contiguous(), block_of(x.shape(), dims.front(), dims.back())};
  // Kept dims first (in order), reduced dims last: (outer, R, 1).
  Shape perm;
  Block b;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (std::binary_search(dims.begin(), dims.end(), d)) continue;
    perm.push_back(d);
    b.outer *= x.shape()[d];
  }
  for (int64_t d : dims) {
    perm.push_back(d);
    b.R *= x.shape()[d];
  }
  return {xd.permute(perm).contiguous(), b};
}

Tensor unsqueeze_reduced(const Tensor& g, const Shape& in_shape, const Shape& dims, bool keepdim) {
  return keepdim ? g : g.reshape(reduced_shape(in_shape, dims, true));
}

void check_nonempty_dims(const Tensor& x, const Shape& dims, std::string_view op) {
  for (int64_t d : dims)
    TG_CHECK(x.shape()[d] > 0, "{}: cannot reduce over dim {} of size 0 (tensor of shape {}): the op has no identity",
             op, d, x.shape());
}

}  // namespace ops

Tensor sum(const Tensor& x, const Shape& dims_, bool keepdim) {
  TG_CHECK(x.defined(), "sum: called with an undefined tensor");
  const Shape dims = ops::normalize_dims(dims_, x.shape(), "sum");
  const Shape out_shape = ops::reduced_shape(x.shape(), dims, keepdim);
  // bool sums count; int64 sums stay int64; float32 accumulates in double for accuracy.
  Tensor src = x.dtype() == kBool ? x.detach().to(kLong) : x;
  Tensor out = dispatch_numeric(src.dtype(), "sum", [&]<typename T>() {
    using Acc = kernels::acc_t<T>;
    return ops::reduce_runs<T>(
        src, dims, Acc{0}, [](Acc a, T v) { return a + static_cast<Acc>(v); }, [](Acc a) { return static_cast<T>(a); });
  });
  out = out.view(out_shape);
  if (needs_grad({x})) {
    record("SumBackward", {x}, {out}, {},
           [in = x.shape(), dims, keepdim](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
             return {ops::unsqueeze_reduced(g, in, dims, keepdim).expand(in)};
           });
  }
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, Shape{}, false); }

Tensor mean(const Tensor& x, const Shape& dims_, bool keepdim) {
  TG_CHECK(x.defined(), "mean: called with an undefined tensor");
  TG_CHECK(x.is_floating_point(), "mean: expected a float32/float64 tensor, got {} of shape {}", x.dtype(),
           x.shape());
  const Shape dims = ops::normalize_dims(dims_, x.shape(), "mean");
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  return sum(x, dims, keepdim) / static_cast<double>(count);
}

Tensor mean(const Tensor& x) { return mean(x, Shape{}, false); }

namespace {

// d var / dx = 2 (x - mean) / divisor, written with tensor ops so that it differentiates again.
Tensor var_backward(const Tensor& gk, const Tensor& x, const Shape& dims, double divisor) {
  return gk * (x - mean(x, dims, true)) * (2.0 / divisor);
}

// var, or std = sqrt(var) when take_sqrt, over normalised dims: one fused two-pass kernel.
Tensor variance(const Tensor& x, const Shape& dims_, bool unbiased, bool keepdim, bool take_sqrt) {
  const char* op = take_sqrt ? "std" : "var";
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  TG_CHECK(x.is_floating_point(), "{}: expected a float32/float64 tensor, got {} of shape {}", op, x.dtype(),
           x.shape());
  const Shape dims = ops::normalize_dims(dims_, x.shape(), op);
  const ops::BlockData src = ops::as_block(x, dims);
  const ops::Block b = src.block;
  const double divisor = static_cast<double>(b.R) - (unbiased ? 1.0 : 0.0);
  Tensor out = empty(ops::reduced_shape(x.shape(), dims, keepdim), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<typename T>() {
    kernels::variance_middle<T>(src.data.data_ptr<T>(), out.data_ptr<T>(), b.outer, b.R, b.inner, divisor, take_sqrt);
  });
  if (!needs_grad({x})) return out;
  auto unsq = [in = x.shape(), dims, keepdim](const Tensor& t) { return ops::unsqueeze_reduced(t, in, dims, keepdim); };
  if (take_sqrt) {
    record("StdBackward", {x}, {out}, {x, out},
           [unsq, dims, divisor](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             // d std = d var / (2 std). A constant slice (std 0) gets 0, as in PyTorch; dividing by a
             // safe 1 there keeps NaN out of higher-order gradients too.
             const Tensor outk = unsq(s[1]);
             const Tensor nonzero = outk.ne(0.0);
             const Tensor gv = where(nonzero, unsq(g) / (where(nonzero, outk, 1.0) * 2.0), 0.0);
             return {var_backward(gv, s[0], dims, divisor)};
           });
  } else {
    record("VarBackward", {x}, {out}, {x},
           [unsq, dims, divisor](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             return {var_backward(unsq(g), s[0], dims, divisor)};
           });
  }
  return out;
}

// prod_{j != i} x_j along dim d, for every i: a product over a new axis whose diagonal is set to 1.
// O(R^2) memory, used only when x has zeros (where out / x fails); differentiable to any order.
Tensor prod_others(const Tensor& x, int64_t d) {
  const int64_t R = x.shape()[d];
  Shape mask_shape(x.dim() + 1, 1);
  mask_shape[d] = R;
  mask_shape[d + 1] = R;
  const Tensor off_diagonal = logical_not(eye(R, kBool)).reshape(mask_shape);
  Shape rows_shape = x.shape();
  rows_shape.insert(rows_shape.begin() + d, R);
  return prod(where(off_diagonal, x.unsqueeze(d).expand(rows_shape), 1.0), d + 1);
}

}  // namespace

Tensor var(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim) {
  return variance(x, dims, unbiased, keepdim, false);
}

Tensor std(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim) {
  return variance(x, dims, unbiased, keepdim, true);
}

Tensor prod(const Tensor& x, int64_t dim, bool keepdim) {
  TG_CHECK(x.defined(), "prod: called with an undefined tensor");
  const int64_t d = ops::checked_dim(dim, x.shape(), "prod");
  if (x.dim() == 0) return prod(x.reshape({1}), 0, false);
  // bool products are int64, as in PyTorch; float32 multiplies in double.
  const Tensor src = x.dtype() == kBool ? x.detach().to(kLong) : x;
  Tensor out = dispatch_numeric(src.dtype(), "prod", [&]<typename T>() {
    using Acc = kernels::acc_t<T>;
    return ops::reduce_runs<T>(
        src, Shape{d}, Acc{1}, [](Acc a, T v) { return a * static_cast<Acc>(v); },
        [](Acc a) { return static_cast<T>(a); });
  });
  out = out.view(ops::reduced_shape(x.shape(), {d}, keepdim));
  if (needs_grad({x})) {
    record("ProdBackward", {x}, {out}, {x, out},
           [d, keepdim](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             const Tensor& in = s[0];
             const Tensor gk = keepdim ? g : g.unsqueeze(d);
             // d out / d x_i = prod_{j != i} x_j, which is out / x_i unless x_i (or another x_j) is 0.
             if (!any(in == 0.0).item<bool>()) return {gk * (keepdim ? s[1] : s[1].unsqueeze(d)) / in};
             return {gk * prod_others(in, d)};
           });
  }
  return out;
}

Tensor prod(const Tensor& x) {
  TG_CHECK(x.defined(), "prod: called with an undefined tensor");
  return prod(x.reshape({-1}), 0, false);
}

Tensor norm(const Tensor& x, double p, const Shape& dims_, bool keepdim) {
  TG_CHECK(x.defined(), "norm: called with an undefined tensor");
  TG_CHECK(x.is_floating_point(), "norm: expected a float32/float64 tensor, got {} of shape {}", x.dtype(),
           x.shape());
  TG_CHECK(p > 0 || (std::isinf(p) && p < 0), "norm: p must be positive or +-inf, got {} (tensor of shape {})", p,
           x.shape());
  const Shape dims = ops::normalize_dims(dims_, x.shape(), "norm");
  // max |x|, min |x| and sum |x| as compositions: their gradients (ties split evenly, sign) are PyTorch's.
  if (std::isinf(p)) return p > 0 ? amax(abs(x), dims, keepdim) : amin(abs(x), dims, keepdim);
  if (p == 1.0) return sum(abs(x), dims, keepdim);
  const ops::BlockData src = ops::as_block(x, dims);
  const ops::Block b = src.block;
  Tensor out = empty(ops::reduced_shape(x.shape(), dims, keepdim), x.dtype());
  dispatch_floating(x.dtype(), "norm", [&]<typename T>() {
    using Acc = kernels::acc_t<T>;
    const T* in = src.data.data_ptr<T>();
    T* o = out.data_ptr<T>();
    if (p == 2.0) {
      kernels::reduce_middle<T>(
          in, o, b.outer, b.R, b.inner, Acc{0},
          [](Acc a, T v) { return a + static_cast<Acc>(v) * static_cast<Acc>(v); },
          [](Acc a) { return static_cast<T>(std::sqrt(a)); });
    } else {
      const Acc pa = p, inv = 1 / pa;
      kernels::reduce_middle<T>(
          in, o, b.outer, b.R, b.inner, Acc{0},
          [pa](Acc a, T v) { return a + std::pow(std::abs(static_cast<Acc>(v)), pa); },
          [inv](Acc a) { return static_cast<T>(std::pow(a, inv)); });
    }
  });
  if (needs_grad({x})) {
    record("NormBackward", {x}, {out}, {x, out},
           [in = x.shape(), dims, keepdim, p](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             // d |x|_p / dx = sign(x) |x|^(p-1) / |x|_p^(p-1), i.e. x / |x|_2 for p = 2. An all-zero
             // slice has norm 0 and gets 0 (as in PyTorch); the safe divisor 1 there keeps NaN out of
             // higher-order gradients.
             const Tensor gk = ops::unsqueeze_reduced(g, in, dims, keepdim);
             const Tensor outk = ops::unsqueeze_reduced(s[1], in, dims, keepdim);
             const Tensor safe = where(outk.ne(0.0), outk, 1.0);
             if (p == 2.0) return {gk * s[0] / safe};
             return {gk * sign(s[0]) * abs(s[0]).pow(p - 1) / safe.pow(p - 1)};
           });
  }
  return out;
}

Tensor norm(const Tensor& x, double p) { return norm(x, p, Shape{}, false); }

Tensor Tensor::sum() const { return tg::sum(*this); }
Tensor Tensor::sum(int64_t dim, bool keepdim) const { return tg::sum(*this, Shape{dim}, keepdim); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return tg::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return tg::mean(*this); }
Tensor Tensor::mean(int64_t dim, bool keepdim) const { return tg::mean(*this, Shape{dim}, keepdim); }
Tensor Tensor::mean(const Shape& dims, bool keepdim) const { return tg::mean(*this, dims, keepdim); }
Tensor Tensor::var_all(bool unbiased) const { return tg::var(*this, Shape{}, unbiased, false); }
Tensor Tensor::var(int64_t dim, bool unbiased, bool keepdim) const {
  return tg::var(*this, Shape{dim}, unbiased, keepdim);
}
Tensor Tensor::var(const Shape& dims, bool unbiased, bool keepdim) const {
  return tg::var(*this, dims, unbiased, keepdim);
}
Tensor Tensor::std_all(bool unbiased) const { return tg::std(*this, Shape{}, unbiased, false); }
Tensor Tensor::std(int64_t dim, bool unbiased, bool keepdim) const {
  return tg::std(*this, Shape{dim}, unbiased, keepdim);
}
Tensor Tensor::std(const Shape& dims, bool unbiased, bool keepdim) const {
  return tg::std(*this, dims, unbiased, keepdim);
}
Tensor Tensor::prod() const { return tg::prod(*this); }
Tensor Tensor::prod(int64_t dim, bool keepdim) const { return tg::prod(*this, dim, keepdim); }
Tensor Tensor::norm(double p) const { return tg::norm(*this, p); }
Tensor Tensor::norm(double p, const Shape& dims, bool keepdim) const { return tg::norm(*this, p, dims, keepdim); }

}  // namespace tg
