// Tensor basics: storage, metadata, and the autograd members.
#include <tapegrad/autograd/engine.h>
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>
#include <tapegrad/autograd/tensor.h>

#include <algorithm>
#include <atomic>
#include <limits>

#include "accumulate_grad.h"
#include "allocator.h"

namespace tg {

namespace detail {
void throw_error(std::string message) { throw Error(std::move(message)); }
void throw_undefined(const char* what) { TG_FAIL("{}: called on an undefined tensor", what); }
void throw_dtype_mismatch(const char* what, DType have, DType want) {
  TG_FAIL("{}: the tensor is {}, but {} was requested", what, have, want);
}
}  // namespace detail

// ---- Storage ------------------------------------------------------------------------

Storage::~Storage() {
  if (owned) {
    detail::cached_free(data, nbytes);
  } else if (deleter) {
    deleter(data);
  }
}

std::shared_ptr<Storage> Storage::allocate(int64_t nbytes) {
  return std::make_shared<Storage>(detail::cached_alloc(nbytes), nbytes);
}

// ---- TensorImpl ----------------------------------------------------------------------

TensorImpl::TensorImpl(std::shared_ptr<Storage> s, Shape sh, Shape st, int64_t off, DType dt)
    : storage(std::move(s)), shape(std::move(sh)), strides(std::move(st)), offset(off), numel(shape_numel(shape)),
      dtype(dt) {}

TensorImpl::~TensorImpl() {
  if (meta && meta->grad_fn) autograd::release_node_iteratively(std::move(meta->grad_fn));
}

bool TensorImpl::is_contiguous() const {
  if (numel == 0) return true;  // as PyTorch: nothing to lay out
  int64_t expected = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

// ---- shape helpers ----------------------------------------------------------------------

int64_t shape_numel(const Shape& shape) {
  // A zero anywhere makes an empty tensor whatever the other sizes; otherwise the count must fit.
  if (std::find(shape.begin(), shape.end(), int64_t{0}) != shape.end()) return 0;
  int64_t n = 1;
  for (int64_t s : shape) {
    TG_CHECK(s <= 0 || n <= std::numeric_limits<int64_t>::max() / s, "shape {} has more elements than int64 can count",
             shape);
    n *= s;
  }
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    strides[d] = s;
    if (d == 0) break;
    // Sizes of 0 count as 1, so an empty tensor with huge other sizes can still overflow here.
    const int64_t size = std::max<int64_t>(shape[d], 1);
    TG_CHECK(s <= std::numeric_limits<int64_t>::max() / size, "shape {} is too large to lay out (its strides overflow int64)",
             shape);
    s *= size;
  }
  return strides;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TG_CHECK(da == db || da == 1 || db == 1, "{}: shapes {} and {} cannot be broadcast together", op, a, b);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, std::string_view op) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1
  TG_CHECK(dim >= -n && dim < n, "{}: dim {} is out of range for a tensor with {} dims", op, dim, ndim);
  return dim < 0 ? dim + n : dim;
}

Tensor empty(const Shape& shape, TensorOptions options) {
  int64_t n = 1;
  const int64_t limit = std::numeric_limits<int64_t>::max() / tg::itemsize(options.dtype_);
  for (int64_t s : shape) {
    TG_CHECK(s >= 0, "empty: negative size in shape {}", shape);
    TG_CHECK(s == 0 || n <= limit / s, "empty: shape {} is too large to allocate", shape);
    n *= s;
  }
  auto impl = std::make_shared<TensorImpl>(Storage::allocate(n * tg::itemsize(options.dtype_)), shape,
                                           contiguous_strides(shape), 0, options.dtype_);
  Tensor t(std::move(impl));
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}

// ---- Tensor: metadata ------------------------------------------------------------------

int64_t Tensor::size(int64_t d) const {
  TG_CHECK(dim() > 0, "size: a 0-d tensor has no dim {}", d);
  return shape()[wrap_dim(d, dim(), "size")];
}
int64_t Tensor::stride(int64_t d) const {
  TG_CHECK(dim() > 0, "stride: a 0-d tensor has no dim {}", d);
  return strides()[wrap_dim(d, dim(), "stride")];
}
uint64_t Tensor::version() const {
  TG_CHECK(defined(), "version: called on an undefined tensor");
  return impl_->storage->version;
}
bool Tensor::shares_storage(const Tensor& other) const {
  return defined() && other.defined() && impl_->storage == other.impl_->storage;
}

// ---- Tensor: autograd ------------------------------------------------------------------

AutogradMeta& Tensor::ensure_autograd_meta() const {
  TG_CHECK(defined(), "autograd: called on an undefined tensor");
  if (!impl_->meta) impl_->meta = std::make_unique<AutogradMeta>();
  return *impl_->meta;
}

bool Tensor::requires_grad() const {
  const AutogradMeta* m = autograd_meta();
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::requires_grad_(bool on) {
  TG_CHECK(defined(), "requires_grad_: called on an undefined tensor");
  if (!on && !impl_->meta) return *this;
  AutogradMeta& m = ensure_autograd_meta();
  TG_CHECK(!m.grad_fn || on,
           "requires_grad_: only leaf tensors can change requires_grad; use detach() on a non-leaf ({})",
           m.grad_fn ? m.grad_fn->name() : "");
  TG_CHECK(!on || is_floating_point(),
           "requires_grad_: only float32/float64 tensors can require gradients, got {}", dtype());
  m.requires_grad = on;
  return *this;
}

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  const AutogradMeta* m = autograd_meta();
  return m ? m->grad : undefined;
}

Tensor& Tensor::mutable_grad() { return ensure_autograd_meta().grad; }

void Tensor::set_grad(Tensor g) {
  if (g.defined()) {
    TG_CHECK(g.shape() == shape() && g.dtype() == dtype(), "set_grad: gradient {} {} for a tensor {} {}",
             g.dtype(), g.shape(), dtype(), shape());
  }
  ensure_autograd_meta().grad = std::move(g);
}

bool Tensor::is_leaf() const {
  const AutogradMeta* m = autograd_meta();
  return !m || !m->grad_fn;
}

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<autograd::Node> none;
  const AutogradMeta* m = autograd_meta();
  return m ? m->grad_fn : none;
}

uint32_t Tensor::output_nr() const {
  const AutogradMeta* m = autograd_meta();
  return m ? m->output_nr : 0;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, gradient.defined() ? tensor_list{gradient} : tensor_list{}, retain_graph,
                     create_graph);
}

Tensor Tensor::detach() const {
  TG_CHECK(defined(), "detach: called on an undefined tensor");
  return Tensor(std::make_shared<TensorImpl>(impl_->storage, impl_->shape, impl_->strides, impl_->offset,
                                             impl_->dtype));
}

Tensor& Tensor::detach_() {
  if (AutogradMeta* m = autograd_meta()) {
    if (m->grad_fn) autograd::release_node_iteratively(std::move(m->grad_fn));
    m->requires_grad = false;
  }
  return *this;
}

namespace {
std::atomic<size_t> next_hook_id{1};
}

void Tensor::retain_grad() const {
  TG_CHECK(requires_grad(), "retain_grad: the tensor (shape {}) does not require grad", shape());
  AutogradMeta& m = ensure_autograd_meta();
  if (!m.grad_fn || m.retains_grad) return;  // leaves keep their grad anyway
  m.retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_;
  m.grad_fn->pre_hooks().push_back({next_hook_id++, m.output_nr, [weak](const Tensor& g) {
                                      if (auto impl = weak.lock()) {
                                        Tensor self(impl);
                                        Tensor& acc = self.mutable_grad();
                                        acc = acc.defined() ? acc + g : g.detach().clone();
                                      }
                                      return Tensor();
                                    }});
}

bool Tensor::retains_grad() const {
  const AutogradMeta* m = autograd_meta();
  return m && m->retains_grad;
}

size_t Tensor::register_hook(GradHook hook) const {
  TG_CHECK(requires_grad(), "register_hook: the tensor (shape {}) does not require grad", shape());
  AutogradMeta& m = ensure_autograd_meta();
  const size_t id = next_hook_id++;
  if (m.grad_fn) {
    m.grad_fn->pre_hooks().push_back({id, m.output_nr, std::move(hook)});
  } else {
    m.hooks.emplace_back(id, std::move(hook));
  }
  return id;
}

void Tensor::remove_hook(size_t id) const {
  AutogradMeta* m = autograd_meta();
  if (!m) return;
  std::erase_if(m->hooks, [id](const auto& h) { return h.first == id; });
  if (m->grad_fn) std::erase_if(m->grad_fn->pre_hooks(), [id](const auto& h) { return h.id == id; });
}

}  // namespace tg
