// View ops: new shape/strides/offset over the same storage, no copy. Backward of each is another
// view-like op, so it stays differentiable.
#include <algorithm>
#include <limits>
#include <numeric>

#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>(base.impl()->storage, std::move(shape), std::move(strides), offset,
                                           base.dtype());
  impl->is_view = true;
  return Tensor(std::move(impl));
}

// Replaces one -1 in shape by what makes numel match.
Shape infer_shape(const Shape& shape, int64_t numel, std::string_view op, const Shape& from) {
  Shape out = shape;
  // With a 0 size the product is 0 whatever the others are; otherwise it must fit int64.
  const bool has_zero = std::find(out.begin(), out.end(), int64_t{0}) != out.end();
  int64_t known = has_zero ? 0 : 1;
  int infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      TG_CHECK(infer < 0, "{}: only one dimension can be -1, got {}", op, shape);
      infer = static_cast<int>(i);
    } else {
      TG_CHECK(out[i] >= 0, "{}: invalid size {} in shape {}", op, out[i], shape);
      TG_CHECK(has_zero || known <= std::numeric_limits<int64_t>::max() / out[i],
               "{}: shape {} has more elements than int64 can count", op, shape);
      if (!has_zero) known *= out[i];
    }
  }
  if (infer >= 0) {
    TG_CHECK(known != 0 && numel % known == 0, "{}: shape {} is invalid for a tensor of shape {} ({} elements)", op,
             shape, from, numel);
    out[infer] = numel / known;
  }
  TG_CHECK(shape_numel(out) == numel, "{}: shape {} is invalid for a tensor of shape {} ({} elements)", op, shape, from,
           numel);
  return out;
}

// Strides that view `old` (shape, strides) as `shape` without a copy, or nothing if impossible.
// Walks groups of old dims that are contiguous among themselves and splits each into new dims.
std::optional<Shape> view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& shape) {
  Shape strides(shape.size());
  if (shape_numel(old_shape) == 0) return contiguous_strides(shape);
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    if (d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  while (view_d >= 0) strides[view_d--] = 1;  // trailing size-1 dims
  return strides;
}

Tensor reshape_backward(const Tensor& g, const Shape& shape) { return g.reshape(shape); }

}  // namespace

// Gradient of a slice: the slice's gradient placed into zeros of the input's shape.
Tensor slice_backward(const Tensor& grad, const Shape& input_shape, int64_t dim, int64_t start, int64_t end,
                      int64_t step) {
  Tensor out = zeros(input_shape, grad.dtype());
  {
    NoGradGuard no_grad;
    Tensor window = out.slice(dim, start, end, step);
    kernel_copy(window, grad);
  }
  if (needs_grad({grad})) {
    record("SliceBackwardBackward", {grad}, {out}, {},
           [dim, start, end, step](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
             return {g.slice(dim, start, end, step)};
           });
  }
  return out;
}

Tensor Tensor::view(const Shape& shape) const {
  const Shape target = infer_shape(shape, numel(), "view", this->shape());
  auto strides = view_strides(this->shape(), this->strides(), target);
  TG_CHECK(strides.has_value(),
           "view: shape {} is not compatible with the input's shape {} and strides {} (not contiguous); use reshape",
           shape, this->shape(), this->strides());
  Tensor out = make_view(*this, target, *strides, storage_offset());
  if (needs_grad({*this})) {
    record("ViewBackward", {*this}, {out}, {}, [in = this->shape()](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {reshape_backward(g, in)};
    });
  }
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const {
  const Shape target = infer_shape(shape, numel(), "reshape", this->shape());
  if (view_strides(this->shape(), this->strides(), target)) return view(target);
  return contiguous().view(target);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim(start_dim, dim(), "flatten");
  const int64_t e = wrap_dim(end_dim, dim(), "flatten");
  TG_CHECK(s <= e, "flatten: start_dim {} comes after end_dim {} (shape {})", start_dim, end_dim, shape());
  Shape out(shape().begin(), shape().begin() + s);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n *= shape()[d];
  out.push_back(n);
  out.insert(out.end(), shape().begin() + e + 1, shape().end());
  return reshape(out);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  const int64_t a = wrap_dim(dim0, dim(), "transpose"), b = wrap_dim(dim1, dim(), "transpose");
  Shape sh = shape(), st = strides();
  if (dim() > 0) {
    std::swap(sh[a], sh[b]);
    std::swap(st[a], st[b]);
  }
  Tensor out = make_view(*this, sh, st, storage_offset());
  if (needs_grad({*this})) {
    record("TransposeBackward", {*this}, {out}, {}, [a, b](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {g.transpose(a, b)};
    });
  }
  return out;
}

Tensor Tensor::t() const {
  TG_CHECK(dim() <= 2, "t: expected a tensor with at most 2 dims, got shape {}", shape());
  return dim() < 2 ? transpose(0, 0) : transpose(0, 1);
}

Tensor Tensor::permute(const Shape& dims) const {
  TG_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: got {} dims {} for a tensor of shape {}", dims.size(),
           dims, shape());
  Shape sh(dims.size()), st(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "permute");
    TG_CHECK(!seen[d], "permute: dim {} repeated in {}", d, dims);
    seen[d] = true;
    sh[i] = shape()[d];
    st[i] = strides()[d];
    inverse[d] = static_cast<int64_t>(i);
  }
  Tensor out = make_view(*this, sh, st, storage_offset());
  if (needs_grad({*this})) {
    record("PermuteBackward", {*this}, {out}, {}, [inverse](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {g.permute(inverse)};
    });
  }
  return out;
}

Tensor Tensor::slice(int64_t dim_, std::optional<int64_t> start_, std::optional<int64_t> end_, int64_t step) const {
  const int64_t d = wrap_dim(dim_, dim(), "slice");
  TG_CHECK(dim() > 0, "slice: cannot slice a 0-d tensor");
  TG_CHECK(step > 0, "slice: step must be positive, got {}", step);
  const int64_t n = shape()[d];
  auto clip = [n](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n); };
  const int64_t start = clip(start_.value_or(0));
  const int64_t end = std::max(start, clip(end_.value_or(n)));
  Shape sh = shape(), st = strides();
  sh[d] = (end - start + step - 1) / step;
  st[d] *= step;
  Tensor out = make_view(*this, sh, st, storage_offset() + start * strides()[d]);
  if (needs_grad({*this})) {
    record("SliceBackward", {*this}, {out}, {},
           [in = shape(), d, start, end, step](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
             return {slice_backward(g, in, d, start, end, step)};
           });
  }
  return out;
}

Tensor Tensor::narrow(int64_t dim_, int64_t start, int64_t length) const {
  TG_CHECK(dim() > 0, "narrow: cannot narrow a 0-d tensor");
  const int64_t d = wrap_dim(dim_, dim(), "narrow");
  const int64_t n = shape()[d];
  if (start < 0) start += n;
  TG_CHECK(start >= 0 && length >= 0 && start + length <= n,
           "narrow: start {} and length {} are out of range for dim {} of size {} (shape {})", start, length, d, n,
           shape());
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t dim_, int64_t index) const {
  TG_CHECK(dim() > 0, "select: cannot index a 0-d tensor");
  const int64_t d = wrap_dim(dim_, dim(), "select");
  const int64_t n = shape()[d];
  TG_CHECK(index >= -n && index < n, "select: index {} is out of range for dim {} of size {} (shape {})", index, d, n,
           shape());
  if (index < 0) index += n;
  Shape sh = shape(), st = strides();
  sh.erase(sh.begin() + d);
  st.erase(st.begin() + d);
  Tensor out = make_view(*this, sh, st, storage_offset() + index * strides()[d]);
  if (needs_grad({*this})) {
    record("SelectBackward", {*this}, {out}, {}, [in = shape(), d, index](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {slice_backward(g.unsqueeze(d), in, d, index, index + 1, 1)};
    });
  }
  return out;
}

Tensor Tensor::squeeze() const {
  Shape sh;
  for (int64_t s : shape())
    if (s != 1) sh.push_back(s);
  return sh.size() == shape().size() ? view(shape()) : reshape(sh);
}

Tensor Tensor::squeeze(int64_t dim_) const {
  const int64_t d = wrap_dim(dim_, dim(), "squeeze");
  if (dim() == 0) return view(shape());
  if (shape()[d] != 1) return view(shape());
  Shape sh = shape();
  sh.erase(sh.begin() + d);
  return view(sh);
}

Tensor Tensor::unsqueeze(int64_t dim_) const {
  const int64_t d = wrap_dim(dim_, dim() + 1, "unsqueeze");
  Shape sh = shape(), st = strides();
  const int64_t stride = d < dim() ? strides()[d] * shape()[d] : 1;
  sh.insert(sh.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  Tensor out = make_view(*this, sh, st, storage_offset());
  if (needs_grad({*this})) {
    record("UnsqueezeBackward", {*this}, {out}, {}, [d](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {g.squeeze(d)};
    });
  }
  return out;
}

Tensor Tensor::expand(const Shape& shape_) const {
  TG_CHECK(shape_.size() >= shape().size(), "expand: cannot expand shape {} to {} (fewer dims)", shape(), shape_);
  const size_t lead = shape_.size() - shape().size();
  Shape sh(shape_.size()), st(shape_.size());
  for (size_t i = 0; i < shape_.size(); ++i) {
    if (i < lead) {
      TG_CHECK(shape_[i] >= 0, "expand: cannot expand shape {} to {}", shape(), shape_);
      sh[i] = shape_[i];
      st[i] = 0;
      continue;
    }
    const int64_t have = shape()[i - lead];
    const int64_t want = shape_[i] == -1 ? have : shape_[i];
    TG_CHECK(want >= 0, "expand: invalid size {} in {} (only -1 keeps a size)", shape_[i], shape_);
    TG_CHECK(have == want || have == 1, "expand: cannot expand shape {} to {} (dim {} has size {})", shape(), shape_, i,
             have);
    sh[i] = want;
    st[i] = have == want ? strides()[i - lead] : 0;
  }
  Tensor out = make_view(*this, sh, st, storage_offset());
  if (needs_grad({*this})) {
    record("ExpandBackward", {*this}, {out}, {}, [in = shape()](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {sum_to(g, in)};
    });
  }
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  TG_CHECK(defined(), "clone: called on an undefined tensor");
  Tensor out = empty(shape(), dtype());
  kernel_copy(out, *this);
  if (needs_grad({*this})) {
    record("CloneBackward", {*this}, {out}, {}, [](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {g};
    });
  }
  return out;
}

Tensor Tensor::to(DType target) const {
  TG_CHECK(defined(), "to: called on an undefined tensor");
  if (target == dtype()) return *this;
  Tensor out = empty(shape(), target);
  kernel_copy(out, *this);
  if (is_floating(target) && needs_grad({*this})) {
    record("ToBackward", {*this}, {out}, {}, [from = dtype()](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
      return {g.to(from)};
    });
  }
  return out;
}

bool is_expandable_to(const Shape& shape, const Shape& target) {
  if (shape.size() > target.size()) return false;
  const size_t lead = target.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != target[lead + i] && shape[i] != 1) return false;
  return true;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  TG_CHECK(is_expandable_to(shape, x.shape()), "sum_to: shape {} does not broadcast to {}", shape, x.shape());
  const size_t lead = x.shape().size() - shape.size();
  Shape dims;
  for (size_t i = 0; i < x.shape().size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) dims.push_back(static_cast<int64_t>(i));
  Tensor r = dims.empty() ? x : x.sum(dims, /*keepdim=*/true);
  return r.reshape(shape);
}

}  // namespace tg
