// Matrix products: matmul (NumPy semantics), mm, bmm, dot, addmm. One GEMM primitive, batched
// with broadcast batch dims; its backward is two more products, so higher orders come for free.
// Operands go to BLAS as they are when their matrix strides allow it (a `.t()` view is passed as
// CblasTrans); only irregular strides are copied.
#include <climits>
#include <optional>
#include <tuple>

#include "kernels/gemm.h"
#include "ops/elementwise_common.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

// Both operands in one floating dtype (float32 with float64 computes in float64).
std::pair<Tensor, Tensor> floating_operands(const Tensor& a, const Tensor& b, std::string_view op) {
  TG_CHECK(a.defined() && b.defined(), "{}: called with an undefined tensor", op);
  TG_CHECK(is_floating(a.dtype()) && is_floating(b.dtype()),
           "{}: expected float32 or float64 tensors, got {} and {} (shapes {} and {})", op, a.dtype(), b.dtype(),
           a.shape(), b.shape());
  const DType dt = promote(a.dtype(), b.dtype());
  return {a.to(dt), b.to(dt)};
}

void check_blas_size(int64_t v, std::string_view op, const Shape& a, const Shape& b) {
  TG_CHECK(v <= INT_MAX, "{}: shapes {} and {} are too large for BLAS (a size or stride exceeds 2^31-1)", op, a, b);
}

// How a (rows x cols) matrix with strides (sr, sc) is read by BLAS in place, if it can be:
// row-major (sc == 1) or the transpose of a row-major matrix (sr == 1). Size-1 dims take any stride.
std::optional<kernels::GemmOperand> blas_layout(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  if (cols == 1 || sc == 1) {
    if (rows == 1) return kernels::GemmOperand{false, std::max<int64_t>(cols, 1)};
    if (sr >= std::max<int64_t>(cols, 1)) return kernels::GemmOperand{false, sr};
  }
  if (rows == 1 || sr == 1) {
    if (cols == 1) return kernels::GemmOperand{true, std::max<int64_t>(rows, 1)};
    if (sc >= std::max<int64_t>(rows, 1)) return kernels::GemmOperand{true, sc};
  }
  return std::nullopt;
}

// An operand ready for BLAS: the tensor to read (a contiguous copy only if its strides are irregular).
struct BlasOperand {
  Tensor t;
  kernels::GemmOperand layout;
};

BlasOperand blas_operand(const Tensor& x) {
  const int64_t rows = x.size(-2), cols = x.size(-1);
  if (auto layout = blas_layout(rows, cols, x.stride(-2), x.stride(-1))) return {x, *layout};
  return {x.detach().contiguous(), {false, std::max<int64_t>(cols, 1)}};
}

// Element offsets of each matrix of x over the (broadcast) batch shape, in batch order.
std::vector<int64_t> batch_offsets(const Tensor& x, const Shape& batch) {
  const int64_t nb = static_cast<int64_t>(batch.size());
  const int64_t lead = nb - (x.dim() - 2);
  Shape strides(batch.size(), 0);
  for (int64_t d = lead; d < nb; ++d) strides[d] = x.size(d - lead) == 1 ? 0 : x.stride(d - lead);
  std::vector<int64_t> offsets(static_cast<size_t>(shape_numel(batch)));
  Shape idx(batch.size(), 0);
  int64_t off = 0;
  for (auto& o : offsets) {
    o = off;
    for (int64_t d = nb - 1; d >= 0; --d) {  // odometer step
      off += strides[d];
      if (++idx[d] < batch[d]) break;
      off -= strides[d] * batch[d];
      idx[d] = 0;
    }
  }
  return offsets;
}

// out = a @ b for a (..., n, k), b (..., k, m) of one floating dtype, batch dims broadcast.
// The one GEMM primitive: mm, bmm and matmul all end here.
Tensor batched_product(const Tensor& a, const Tensor& b, std::string_view op, const char* backward_name) {
  const int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  TG_CHECK(k == b.size(-2), "{}: shapes {} and {} cannot be multiplied ({} != {})", op, a.shape(), b.shape(), k,
           b.size(-2));
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  const size_t nb = std::max(batch_a.size(), batch_b.size());
  Shape out_shape(nb);
  for (size_t i = 0; i < nb; ++i) {
    const int64_t da = i < nb - batch_a.size() ? 1 : batch_a[i - (nb - batch_a.size())];
    const int64_t db = i < nb - batch_b.size() ? 1 : batch_b[i - (nb - batch_b.size())];
    TG_CHECK(da == db || da == 1 || db == 1, "{}: the batch dims of shapes {} and {} cannot be broadcast together", op,
             a.shape(), b.shape());
    out_shape[i] = da == 1 ? db : da;
  }
  const Shape batch = out_shape;
  out_shape.push_back(n);
  out_shape.push_back(m);
  Tensor out = empty(out_shape, a.dtype());

  if (out.numel() > 0) {
    const BlasOperand pa = blas_operand(a), pb = blas_operand(b);
    for (int64_t v : {n, m, k, pa.layout.ld, pb.layout.ld}) check_blas_size(v, op, a.shape(), b.shape());
    dispatch_floating(a.dtype(), op, [&]<typename T>() {
      const T* pa_data = pa.t.template data_ptr<T>();
      const T* pb_data = pb.t.template data_ptr<T>();
      T* po = out.data_ptr<T>();
      if (batch.empty()) {
        kernels::gemm<T>(n, m, k, T(1), pa_data, pa.layout, pb_data, pb.layout, T(0), po, m);
      } else {
        const std::vector<int64_t> oa = batch_offsets(pa.t, batch), ob = batch_offsets(pb.t, batch);
        kernels::gemm_batched<T>(static_cast<int64_t>(oa.size()), n, m, k, T(1), pa_data, oa.data(), pa.layout,
                                 pb_data, ob.data(), pb.layout, T(0), po, n * m, m);
      }
    });
  }

  if (needs_grad({a, b})) {
    // dA = g @ B^T, dB = A^T @ g; broadcast batch dims are summed back by the engine.
    record(backward_name, {a, b}, {out}, {a, b}, [](const Tensor& g, const tensor_list& s, Needs need) -> tensor_list {
      return {need[0] ? matmul(g, s[1].transpose(-1, -2)) : Tensor(),
              need[1] ? matmul(s[0].transpose(-1, -2), g) : Tensor()};
    });
  }
  return out;
}

// True when the batch and row dims of x (..., n, k) merge into one row dim without a copy.
bool rows_merge(const Tensor& x) {
  int64_t expected = x.stride(-2) * x.size(-2);
  for (int64_t d = x.dim() - 3; d >= 0; --d) {
    if (x.size(d) == 1) continue;
    if (x.stride(d) != expected) return false;
    expected *= x.size(d);
  }
  return true;
}

}  // namespace

Tensor mm(const Tensor& a_, const Tensor& b_) {
  Tensor a, b;
  std::tie(a, b) = floating_operands(a_, b_, "mm");
  TG_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D matrices, got shapes {} and {}", a.shape(), b.shape());
  return batched_product(a, b, "mm", "MmBackward");
}

Tensor bmm(const Tensor& a_, const Tensor& b_) {
  Tensor a, b;
  std::tie(a, b) = floating_operands(a_, b_, "bmm");
  TG_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, got shapes {} and {}", a.shape(), b.shape());
  TG_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ in shapes {} and {}", a.shape(), b.shape());
  return batched_product(a, b, "bmm", "BmmBackward");
}

Tensor dot(const Tensor& a_, const Tensor& b_) {
  Tensor a, b;
  std::tie(a, b) = floating_operands(a_, b_, "dot");
  TG_CHECK(a.dim() == 1 && b.dim() == 1, "dot: expected 1-D tensors, got shapes {} and {}", a.shape(), b.shape());
  TG_CHECK(a.numel() == b.numel(), "dot: shapes {} and {} cannot be multiplied ({} != {})", a.shape(), b.shape(),
           a.numel(), b.numel());
  for (int64_t v : {a.numel(), a.stride(0), b.stride(0)}) check_blas_size(v, "dot", a.shape(), b.shape());
  Tensor out = empty({}, a.dtype());
  dispatch_floating(a.dtype(), "dot", [&]<typename T>() {
    *out.data_ptr<T>() = kernels::dot<T>(a.numel(), a.data_ptr<T>(), a.stride(0), b.data_ptr<T>(), b.stride(0));
  });
  if (needs_grad({a, b})) {
    record("DotBackward", {a, b}, {out}, {a, b}, [](const Tensor& g, const tensor_list& s, Needs need) -> tensor_list {
      return {need[0] ? g * s[1] : Tensor(), need[1] ? g * s[0] : Tensor()};
    });
  }
  return out;
}

Tensor matmul(const Tensor& a_, const Tensor& b_) {
  Tensor a, b;
  std::tie(a, b) = floating_operands(a_, b_, "matmul");
  TG_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least 1 dim, got shapes {} and {}",
           a.shape(), b.shape());
  const int64_t ka = a.size(-1), kb = b.dim() == 1 ? b.size(0) : b.size(-2);
  TG_CHECK(ka == kb, "matmul: shapes {} and {} cannot be multiplied ({} != {})", a.shape(), b.shape(), ka, kb);
  // A 1-D operand is a row (left) or column (right) matrix, squeezed out of the result again.
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return matmul(a, b.unsqueeze(-1)).squeeze(-1);
  if (b.dim() == 2 && a.dim() > 2 && rows_merge(a)) {
    // (..., n, k) @ (k, m) is one (... * n, k) @ (k, m) product: one big GEMM, and dB in one GEMM too.
    Shape out_shape = a.shape();
    out_shape.back() = b.size(1);
    const Shape rows(a.shape().begin(), a.shape().end() - 1);
    return batched_product(a.reshape({shape_numel(rows), ka}), b, "matmul", "MmBackward").view(out_shape);
  }
  return batched_product(a, b, "matmul", a.dim() == 2 && b.dim() == 2 ? "MmBackward" : "BmmBackward");
}

Tensor addmm(const Tensor& input, const Tensor& a_, const Tensor& b_, double beta, double alpha) {
  Tensor a, b;
  std::tie(a, b) = floating_operands(a_, b_, "addmm");
  TG_CHECK(input.defined(), "addmm: called with an undefined input");
  TG_CHECK(a.dim() == 2 && b.dim() == 2, "addmm: expected 2-D matrices, got shapes {} and {}", a.shape(), b.shape());
  const int64_t n = a.size(0), k = a.size(1), m = b.size(1);
  TG_CHECK(k == b.size(0), "addmm: shapes {} and {} cannot be multiplied ({} != {})", a.shape(), b.shape(), k,
           b.size(0));
  TG_CHECK(is_expandable_to(input.shape(), {n, m}), "addmm: input of shape {} does not broadcast to the product's shape {}",
           input.shape(), Shape{n, m});
  Tensor out = empty({n, m}, a.dtype());
  if (out.numel() > 0) {
    // beta = 0 ignores input entirely (NaN in it does not propagate), as BLAS does with C.
    if (beta != 0) kernel_copy(out, input);
    const BlasOperand pa = blas_operand(a), pb = blas_operand(b);
    for (int64_t v : {n, m, k, pa.layout.ld, pb.layout.ld}) check_blas_size(v, "addmm", a.shape(), b.shape());
    dispatch_floating(a.dtype(), "addmm", [&]<typename T>() {
      kernels::gemm<T>(n, m, k, static_cast<T>(alpha), pa.t.template data_ptr<T>(), pa.layout,
                       pb.t.template data_ptr<T>(), pb.layout, static_cast<T>(beta), out.data_ptr<T>(), m);
    });
  }
  if (needs_grad({input, a, b})) {
    record("AddmmBackward", {input, a, b}, {out}, {a, b},
           [beta, alpha](const Tensor& g, const tensor_list& s, Needs need) -> tensor_list {
             auto scaled = [](const Tensor& t, double c) { return c == 1.0 ? t : t * c; };
             return {need[0] ? scaled(g, beta) : Tensor(), need[1] ? scaled(mm(g, s[1].t()), alpha) : Tensor(),
                     need[2] ? scaled(mm(s[0].t(), g), alpha) : Tensor()};
           });
  }
  return out;
}

Tensor Tensor::matmul(const Tensor& other) const { return tg::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return tg::mm(*this, other); }

}  // namespace tg
