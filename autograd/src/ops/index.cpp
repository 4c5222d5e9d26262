// Indexing: index_select / index_add along one dim, gather / scatter_add elementwise along one dim,
// masked_fill, one_hot. Every index is checked before any element is read, so a bad index is a
// tg::Error naming the op, the value and the size, never an out-of-bounds access. Each backward is
// another indexing op of this file, so double backward works.
#include <algorithm>
#include <bit>
#include <mutex>

#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

void check_index_dtype(const Tensor& index, std::string_view op) {
  TG_CHECK(index.defined(), "{}: the index is undefined", op);
  TG_CHECK(index.dtype() == kLong, "{}: expected an int64 index tensor, got {} (shape {})", op, index.dtype(),
           index.shape());
}

// The first index (in logical order) outside [0, size), if any. Index may have any strides.
std::optional<int64_t> first_out_of_range(const Tensor& index, int64_t size) {
  auto loop = ops::make_loop<1>(index.shape(), {&index}, "index");
  const int64_t* base = index.data_ptr<int64_t>();
  const int64_t stride = loop.inner_stride(0);
  std::mutex mutex;
  int64_t bad_pos = -1, bad_value = 0;
  kernels::parallel_for(loop.numel, kernels::kGrainSize, [&](int64_t begin, int64_t end) {
    int64_t pos = begin;
    bool found = false;
    kernels::for_each_range(loop, begin, end, [&](const std::array<int64_t, 1>& offs, int64_t n) {
      const int64_t* p = base + offs[0];
      for (int64_t i = 0; i < n && !found; ++i) {
        const int64_t v = p[i * stride];
        if (v < 0 || v >= size) {
          found = true;
          std::lock_guard<std::mutex> lock(mutex);  // errors only: the lock is off the hot path
          if (bad_pos < 0 || pos + i < bad_pos) {
            bad_pos = pos + i;
            bad_value = v;
          }
        }
      }
      pos += n;
    });
  });
  if (bad_pos < 0) return std::nullopt;
  return bad_value;
}

void check_indices(const Tensor& index, int64_t size, int64_t dim, std::string_view op, const Shape& x_shape) {
  if (auto bad = first_out_of_range(index, size))
    TG_FAIL("{}: index {} is out of range for dim {} of size {} (input shape {})", op, *bad, dim, size, x_shape);
}

// A tensor with t's data and strides seen with another shape (each size <= t's), only to describe
// an iteration space to make_loop; never read as a tensor.
Tensor strided_as(const Tensor& t, const Shape& shape) {
  return Tensor(std::make_shared<TensorImpl>(t.impl()->storage, shape, t.strides(), t.storage_offset(), t.dtype()));
}

// Walks the fibres along dim d that gather and scatter_add work on: the loop shape is index's
// shape with d collapsed, and each thread takes whole fibres, so a fibre's repeated indices are
// applied in order by one thread. fibre(o, i, v) gets each fibre's start in out, index and values.
template <typename T, typename Fibre>
void for_each_index_fibre(const Tensor& out, const Tensor& index, const Tensor& values, int64_t d,
                          std::string_view op, Fibre fibre) {
  Shape fibres = index.shape();
  fibres[d] = 1;
  const Tensor out_f = strided_as(out, fibres), idx_f = strided_as(index, fibres), val_f = strided_as(values, fibres);
  auto loop = ops::make_loop<3>(fibres, {&out_f, &idx_f, &val_f}, op);
  T* po = out.data_ptr<T>();
  const int64_t* ip = index.data_ptr<int64_t>();
  const T* pv = values.data_ptr<T>();
  const int64_t s0 = loop.inner_stride(0), s1 = loop.inner_stride(1), s2 = loop.inner_stride(2);
  const int64_t len = index.size(d);
  kernels::parallel_rows(loop, std::max<int64_t>(1, kernels::kGrainSize / std::max<int64_t>(len, 1)),
                         [&](const std::array<int64_t, 3>& offs, int64_t n) {
                           for (int64_t f = 0; f < n; ++f) fibre(po + offs[0] + f * s0, ip + offs[1] + f * s1, pv + offs[2] + f * s2);
                         });
}

// (outer, size of dim, inner) of a shape.
struct Block {
  int64_t outer = 1, inner = 1;
};
Block block_around(const Shape& shape, int64_t dim) {
  Block b;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d < dim) b.outer *= shape[d];
    else if (d > dim) b.inner *= shape[d];
  }
  return b;
}

// Same rank as x, and index.size(d) <= limit.size(d) on the dims that must fit (all but `dim`
// unless `with_dim`).
void check_fits(const Tensor& index, const Tensor& limit, int64_t dim, bool with_dim, std::string_view op,
                std::string_view what) {
  TG_CHECK(index.dim() == limit.dim(), "{}: index of shape {} and {} of shape {} have different numbers of dims", op,
           index.shape(), what, limit.shape());
  for (int64_t d = 0; d < index.dim(); ++d)
    TG_CHECK((d == dim && !with_dim) || index.size(d) <= limit.size(d),
             "{}: index of shape {} is larger than {} of shape {} at dim {}", op, index.shape(), what, limit.shape(), d);
}

// m ? v : a without a branch: a random mask would mispredict half the time. Exact for every
// dtype (a bit blend), and it vectorises.
template <typename T> T blend(bool m, T v, T a) {
  if constexpr (std::is_same_v<T, bool>) {
    return (m && v) || (!m && a);
  } else {
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    const Bits mask = Bits{0} - static_cast<Bits>(m);
    return std::bit_cast<T>(static_cast<Bits>((std::bit_cast<Bits>(a) & ~mask) | (std::bit_cast<Bits>(v) & mask)));
  }
}

// Zero-pads t at the end of each dim up to shape (a differentiable cat with zeros).
Tensor pad_to(Tensor t, const Shape& shape) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) == shape[d]) continue;
    Shape pad = t.shape();
    pad[d] = shape[d] - t.size(d);
    t = cat({t, zeros(pad, t.dtype())}, d);
  }
  return t;
}

// out (a fresh contiguous tensor holding x, or zeros when x is undefined) += src rows at index
// along d; recorded as index_add(x, d, index, src). Arguments are checked by the caller.
Tensor index_add_into(Tensor out, const Tensor& x, int64_t d, const Tensor& index, const Tensor& src) {
  const Tensor sc = src.detach().contiguous(), idx = index.contiguous();
  const Block blk = block_around(out.shape(), d);
  const int64_t size = out.size(d), count = idx.numel();
  const int64_t* ip = idx.data_ptr<int64_t>();
  dispatch_numeric(out.dtype(), "index_add", [&]<typename T>() {
    const T* s = sc.data_ptr<T>();
    T* o = out.data_ptr<T>();
    const int64_t inner = blk.inner;
    // Threads split the (outer, inner) columns; each walks all indices for its columns in order,
    // so repeated indices accumulate without two threads writing one element.
    kernels::parallel_for(blk.outer * inner, std::max<int64_t>(1, kernels::kGrainSize / std::max<int64_t>(count, 1)),
                          [&](int64_t begin, int64_t end) {
                            for (int64_t p = begin; p < end;) {
                              const int64_t row = p / inner, i0 = p % inner;
                              const int64_t i1 = std::min(inner, i0 + (end - p));
                              for (int64_t j = 0; j < count; ++j) {
                                T* dst = o + (row * size + ip[j]) * inner;
                                const T* from = s + (row * count + j) * inner;
                                for (int64_t i = i0; i < i1; ++i) dst[i] += from[i];
                              }
                              p += i1 - i0;
                            }
                          });
  });
  if (needs_grad({x, src})) {
    record("IndexAddBackward", {x, src}, {out}, {index}, [d](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
      return {n[0] ? g : Tensor(), n[1] ? index_select(g, d, s[0]) : Tensor()};
    });
  }
  return out;
}

// out (a fresh tensor holding x, or zeros when x is undefined) += src scattered at index along d;
// recorded as scatter_add(x, d, index, src). Arguments are checked by the caller.
Tensor scatter_add_into(Tensor out, const Tensor& x, int64_t d, const Tensor& index, const Tensor& src) {
  // A fibre only writes its own fibre of out, so repeated indices accumulate in order.
  const int64_t len = index.size(d), so = out.stride(d), si = index.stride(d), ss = src.stride(d);
  dispatch_numeric(out.dtype(), "scatter_add", [&]<typename T>() {
    for_each_index_fibre<T>(out, index, src, d, "scatter_add", [&](T* o, const int64_t* i, const T* from) {
      for (int64_t j = 0; j < len; ++j) o[i[j * si] * so] += from[j * ss];
    });
  });
  if (needs_grad({x, src})) {
    record("ScatterAddBackward", {x, src}, {out}, {index},
           [d, src_shape = src.shape()](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
             // src elements outside the index's extent are not used: their gradient is zero.
             return {n[0] ? g : Tensor(), n[1] ? pad_to(gather(g, d, s[0]), src_shape) : Tensor()};
           });
  }
  return out;
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  TG_CHECK(x.defined(), "index_select: called with an undefined tensor");
  check_index_dtype(index, "index_select");
  TG_CHECK(x.dim() >= 1, "index_select: cannot index a 0-d tensor");
  TG_CHECK(index.dim() <= 1, "index_select: the index must be 0-d or 1-D, got shape {}", index.shape());
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  const int64_t size = x.size(d);
  check_indices(index, size, d, "index_select", x.shape());
  const int64_t count = index.numel();
  Shape out_shape = x.shape();
  out_shape[d] = count;
  Tensor out = empty(out_shape, x.dtype());
  const Tensor xc = x.detach().contiguous(), idx = index.contiguous();
  const Block blk = block_around(x.shape(), d);
  const int64_t* ip = idx.data_ptr<int64_t>();
  dispatch(x.dtype(), "index_select", [&]<typename T>() {
    const T* src = xc.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    const int64_t inner = blk.inner;
    // One row of `inner` elements per (outer, j): out[o, j, :] = x[o, index[j], :].
    kernels::parallel_for(blk.outer * count, std::max<int64_t>(1, kernels::kGrainSize / std::max<int64_t>(inner, 1)),
                          [&](int64_t begin, int64_t end) {
                            for (int64_t r = begin; r < end; ++r) {
                              const int64_t o = r / count, j = r % count;
                              std::copy_n(src + (o * size + ip[j]) * inner, inner, dst + r * inner);
                            }
                          });
  });
  if (needs_grad({x})) {
    record("IndexSelectBackward", {x}, {out}, {index},
           [in = x.shape(), d](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
             return {index_add_into(zeros(in, g.dtype()), Tensor(), d, s[0], g)};
           });
  }
  return out;
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  TG_CHECK(x.defined() && src.defined(), "index_add: called with an undefined tensor");
  check_index_dtype(index, "index_add");
  TG_CHECK(x.dim() >= 1, "index_add: cannot index a 0-d tensor");
  TG_CHECK(index.dim() <= 1, "index_add: the index must be 0-d or 1-D, got shape {}", index.shape());
  TG_CHECK(x.dtype() == src.dtype(), "index_add: self is {} but src is {}", x.dtype(), src.dtype());
  const int64_t d = wrap_dim(dim, x.dim(), "index_add");
  Shape expected = x.shape();
  expected[d] = index.numel();
  TG_CHECK(src.shape() == expected, "index_add: src of shape {} does not match input {} with {} indices at dim {}",
           src.shape(), x.shape(), index.numel(), d);
  check_indices(index, x.size(d), d, "index_add", x.shape());
  return index_add_into(x.detach().clone(), x, d, index, src);
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  TG_CHECK(x.defined(), "gather: called with an undefined tensor");
  check_index_dtype(index, "gather");
  TG_CHECK(x.dim() >= 1, "gather: cannot index a 0-d tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  check_fits(index, x, d, false, "gather", "input");
  check_indices(index, x.size(d), d, "gather", x.shape());
  Tensor out = empty(index.shape(), x.dtype());
  // out[.., j, ..] = x[.., index[.., j, ..], ..], one fibre along d at a time.
  const int64_t len = index.size(d), so = out.stride(d), si = index.stride(d), sx = x.stride(d);
  dispatch(x.dtype(), "gather", [&]<typename T>() {
    for_each_index_fibre<T>(out, index, x, d, "gather", [&](T* o, const int64_t* i, const T* xs) {
      for (int64_t j = 0; j < len; ++j) o[j * so] = xs[i[j * si] * sx];
    });
  });
  if (needs_grad({x})) {
    record("GatherBackward", {x}, {out}, {index}, [in = x.shape(), d](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {scatter_add_into(zeros(in, g.dtype()), Tensor(), d, s[0], g)};
    });
  }
  return out;
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  TG_CHECK(x.defined() && src.defined(), "scatter_add: called with an undefined tensor");
  check_index_dtype(index, "scatter_add");
  TG_CHECK(x.dim() >= 1, "scatter_add: cannot index a 0-d tensor");
  TG_CHECK(x.dtype() == src.dtype(), "scatter_add: self is {} but src is {}", x.dtype(), src.dtype());
  const int64_t d = wrap_dim(dim, x.dim(), "scatter_add");
  check_fits(index, x, d, false, "scatter_add", "input");
  check_fits(index, src, d, true, "scatter_add", "src");
  check_indices(index, x.size(d), d, "scatter_add", x.shape());
  return scatter_add_into(x.detach().clone(), x, d, index, src);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  TG_CHECK(x.defined() && mask.defined(), "masked_fill: called with an undefined tensor");
  TG_CHECK(mask.dtype() == kBool, "masked_fill: expected a bool mask, got {} (shape {})", mask.dtype(), mask.shape());
  const Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
  Tensor out = empty(shape, x.dtype());
  auto loop = ops::make_loop<3>(shape, {&out, &x, &mask}, "masked_fill");
  dispatch(x.dtype(), "masked_fill", [&]<typename T>() {
    const T v = std::is_same_v<T, bool> ? static_cast<T>(value != 0) : static_cast<T>(value);
    kernels::binary(loop, out.data_ptr<T>(), x.data_ptr<T>(), mask.data_ptr<bool>(), kernels::kGrainSize,
                    [v](T a, bool m) { return blend(m, v, a); });
  });
  if (needs_grad({x})) {
    record("MaskedFillBackward", {x}, {out}, {mask}, [](const Tensor& g, const tensor_list& s, Needs) -> tensor_list {
      return {masked_fill(g, s[0], 0.0)};
    });
  }
  return out;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes) {
  TG_CHECK(labels.defined(), "one_hot: called with an undefined tensor");
  TG_CHECK(labels.dtype() == kLong, "one_hot: expected int64 labels, got {} (shape {})", labels.dtype(),
           labels.shape());
  const Tensor lc = labels.contiguous();
  const int64_t* lp = lc.data_ptr<int64_t>();
  const int64_t n = lc.numel();
  if (num_classes < 0) {
    TG_CHECK(n > 0, "one_hot: cannot infer the number of classes from empty labels (shape {}); pass num_classes",
             labels.shape());
    num_classes = *std::max_element(lp, lp + n) + 1;
  }
  if (auto bad = first_out_of_range(lc, num_classes))
    TG_FAIL("one_hot: label {} is out of range for {} classes (labels shape {})", *bad, num_classes, labels.shape());
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, kLong);
  int64_t* op = out.data_ptr<int64_t>();
  kernels::parallel_for(n, kernels::kGrainSize, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) op[i * num_classes + lp[i]] = 1;
  });
  return out;
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return tg::index_select(*this, dim, index); }
Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return tg::gather(*this, dim, index); }
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return tg::scatter_add(*this, dim, index, src);
}
Tensor Tensor::masked_fill(const Tensor& mask, double value) const { return tg::masked_fill(*this, mask, value); }

}  // namespace tg
