// tg::Tensor: a cheap handle (one reference-counted pointer) to an n-d array.
//
//   tg::Tensor w = tg::randn({784, 10}).requires_grad_(true);
//   tg::Tensor loss = tg::matmul(x, w).log_softmax(1).mean();
//   loss.backward();            // w.grad() now holds d loss / d w
//
// Views (view, transpose, narrow, expand, ...) share storage with their base.
// Autograd metadata is allocated only for tensors that take part in autograd.
#pragma once

#include <tapegrad/autograd/dtype.h>
#include <tapegrad/autograd/error.h>

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace tg {

using Shape = std::vector<int64_t>;

class Tensor;
using tensor_list = std::vector<Tensor>;

namespace autograd {
class Node;
}

struct Storage;
struct TensorImpl;
struct AutogradMeta;

// Factory options: tg::zeros({2, 3}, tg::kDouble), tg::ones({3}, tg::TensorOptions().requires_grad(true)).
struct TensorOptions {
  DType dtype_ = kFloat;
  bool requires_grad_ = false;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}  // NOLINT: implicit, as in LibTorch
  TensorOptions& dtype(DType d) { dtype_ = d; return *this; }
  TensorOptions& requires_grad(bool r = true) { requires_grad_ = r; return *this; }
};

// A gradient hook: receives the gradient, returns a replacement (or an undefined tensor to keep it).
using GradHook = std::function<Tensor(const Tensor&)>;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata --------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  DType dtype() const;
  const Shape& shape() const;
  const Shape& sizes() const { return shape(); }
  const Shape& strides() const;
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const;
  int64_t numel() const;
  int64_t storage_offset() const;
  int64_t itemsize() const { return tg::itemsize(dtype()); }
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(dtype()); }
  // Number of in-place changes made to this tensor's storage.
  uint64_t version() const;
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  bool shares_storage(const Tensor& other) const;

  // Raw element pointer (checked: T must match the dtype).
  template <typename T> T* data_ptr() const;
  // The single element of a one-element tensor, converted to T.
  template <typename T> T item() const;
  void* raw_data() const;

  // ---- autograd --------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  // The accumulated gradient of a leaf (undefined until a backward reaches it).
  const Tensor& grad() const;
  Tensor& mutable_grad();
  void set_grad(Tensor g);
  bool is_leaf() const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  uint32_t output_nr() const;
  // d(this)/d(leaves); gradient defaults to 1 for a one-element tensor.
  void backward(const Tensor& gradient = {}, bool retain_graph = false, bool create_graph = false) const;
  // Same storage, cut from the graph.
  Tensor detach() const;
  Tensor& detach_();
  // Keep .grad() for a non-leaf after backward.
  void retain_grad() const;
  bool retains_grad() const;
  // hook(grad) runs when this tensor's gradient is computed; returns an id for remove_hook.
  size_t register_hook(GradHook hook) const;
  void remove_hook(size_t id) const;

  // ---- views and copies (ops/shape.cpp) -----------------------------------
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(const Shape& dims) const;
  Tensor t() const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, std::optional<int64_t> start = {}, std::optional<int64_t> end = {},
               int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.shape()); }
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;

  // ---- elementwise (ops/elementwise.cpp, ops/activation.cpp) ----------------
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor clamp(std::optional<double> min, std::optional<double> max) const;

  // In place: bump the version counter; recorded on the tape when needed.
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& add_(double other);
  Tensor& sub_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(double other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double other);
  Tensor& clamp_(std::optional<double> min, std::optional<double> max);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);

  // Comparisons give bool masks.
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor eq(double other) const;
  Tensor ne(double other) const;
  Tensor lt(double other) const;
  Tensor le(double other) const;
  Tensor gt(double other) const;
  Tensor ge(double other) const;

  // ---- reductions (ops/reduce.cpp) ------------------------------------------
  Tensor sum() const;
  Tensor sum(int64_t dim, bool keepdim = false) const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t dim, bool keepdim = false) const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  // var()/var(bool) reduce every element. The bool form is a template so that a braced dim list
  // cannot bind to it: x.var({0}) and x.var(0) reduce dim 0, as in PyTorch (with a plain bool
  // parameter, {0} converted to `false` and silently reduced everything).
  Tensor var() const { return var_all(true); }
  template <std::same_as<bool> Bool> Tensor var(Bool unbiased) const { return var_all(unbiased); }
  Tensor var(int64_t dim, bool unbiased = true, bool keepdim = false) const;
  Tensor var(const Shape& dims, bool unbiased = true, bool keepdim = false) const;
  Tensor std() const { return std_all(true); }
  template <std::same_as<bool> Bool> Tensor std(Bool unbiased) const { return std_all(unbiased); }
  Tensor std(int64_t dim, bool unbiased = true, bool keepdim = false) const;
  Tensor std(const Shape& dims, bool unbiased = true, bool keepdim = false) const;
  Tensor prod() const;
  Tensor prod(int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor argmin() const;
  Tensor argmin(int64_t dim, bool keepdim = false) const;
  Tensor logsumexp(const Shape& dims, bool keepdim = false) const;
  Tensor norm(double p = 2.0) const;
  Tensor norm(double p, const Shape& dims, bool keepdim = false) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

  // ---- linear algebra (ops/linalg.cpp) --------------------------------------
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;

  // ---- indexing (ops/index.cpp) ---------------------------------------------
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor masked_fill(const Tensor& mask, double value) const;

  // ---- internals ------------------------------------------------------------
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  AutogradMeta* autograd_meta() const;
  AutogradMeta& ensure_autograd_meta() const;

 private:
  Tensor var_all(bool unbiased) const;
  Tensor std_all(bool unbiased) const;
  std::shared_ptr<TensorImpl> impl_;
};

// Shared element buffer. The version counter lives here so that views share it.
struct Storage {
  void* data = nullptr;
  int64_t nbytes = 0;
  uint64_t version = 0;
  // Non-owning storage (from_blob) carries the user's deleter or none.
  std::function<void(void*)> deleter;
  bool owned = true;

  Storage(void* d, int64_t n) : data(d), nbytes(n) {}
  Storage(void* d, int64_t n, std::function<void(void*)> del)
      : data(d), nbytes(n), deleter(std::move(del)), owned(false) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  static std::shared_ptr<Storage> allocate(int64_t nbytes);
};

struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;  // set for non-leaves
  uint32_t output_nr = 0;
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves: the node that sums into grad
  std::vector<std::pair<size_t, GradHook>> hooks;  // leaves' hooks
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;  // in elements
  int64_t offset = 0;  // in elements
  int64_t numel = 1;
  DType dtype = kFloat;
  bool is_view = false;  // shares storage with a base made by a view op
  std::unique_ptr<AutogradMeta> meta;

  TensorImpl(std::shared_ptr<Storage> s, Shape sh, Shape st, int64_t off, DType dt);
  // Graph destruction must not recurse: see autograd/node.cpp.
  ~TensorImpl();
  void* data() const { return static_cast<char*>(storage->data) + offset * tg::itemsize(dtype); }
  bool is_contiguous() const;
};

// ---- inline accessors ---------------------------------------------------------
namespace detail {
[[noreturn]] void throw_undefined(const char* what);
[[noreturn]] void throw_dtype_mismatch(const char* what, DType have, DType want);
}  // namespace detail

#define TG_IMPL_OR_THROW(what) \
  (impl_ ? *impl_ : (::tg::detail::throw_undefined(what), *impl_))

inline DType Tensor::dtype() const { return TG_IMPL_OR_THROW("dtype").dtype; }
inline const Shape& Tensor::shape() const { return TG_IMPL_OR_THROW("shape").shape; }
inline const Shape& Tensor::strides() const { return TG_IMPL_OR_THROW("strides").strides; }
inline int64_t Tensor::dim() const { return static_cast<int64_t>(shape().size()); }
inline int64_t Tensor::numel() const { return TG_IMPL_OR_THROW("numel").numel; }
inline int64_t Tensor::storage_offset() const { return TG_IMPL_OR_THROW("storage_offset").offset; }
inline bool Tensor::is_contiguous() const { return TG_IMPL_OR_THROW("is_contiguous").is_contiguous(); }
inline void* Tensor::raw_data() const { return TG_IMPL_OR_THROW("data_ptr").data(); }
inline AutogradMeta* Tensor::autograd_meta() const { return impl_ ? impl_->meta.get() : nullptr; }

template <typename T> T* Tensor::data_ptr() const {
  if (dtype() != dtype_of<T>()) detail::throw_dtype_mismatch("data_ptr", dtype(), dtype_of<T>());
  return static_cast<T*>(impl_->data());
}

template <typename T> T Tensor::item() const {
  TG_CHECK(numel() == 1, "item: expected a tensor with one element, got shape {}", shape());
  return dispatch(dtype(), "item", [&]<typename S>() { return static_cast<T>(*static_cast<S*>(impl_->data())); });
}

#undef TG_IMPL_OR_THROW

// ---- shape helpers ---------------------------------------------------------------
int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);
// NumPy broadcasting of two shapes; op names the caller in the error.
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);
// Wraps a possibly negative dim into [0, ndim); op names the caller in the error.
int64_t wrap_dim(int64_t dim, int64_t ndim, std::string_view op);

// A fresh, uninitialised contiguous tensor (the library's one allocation path).
Tensor empty(const Shape& shape, TensorOptions options = {});

}  // namespace tg
