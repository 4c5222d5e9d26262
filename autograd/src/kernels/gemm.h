// GEMM through CBLAS (OpenBLAS), row-major, on raw pointers. No Tensor handles, no autograd.
//
//   C (m x n) = alpha * op(A) (m x k) @ op(B) (k x n) + beta * C
//
// op(X) is X or X^T: a transposed operand is read in place with its own leading dimension, so a
// `.t()` view needs no copy. Sizes and leading dimensions must fit CBLAS's int (checked by ops).
#pragma once

#include <cstdint>

namespace tg::kernels {

struct GemmOperand {
  bool trans = false;  // read as X^T (X stored row-major with leading dimension ld)
  int64_t ld = 1;
};

// One product. beta == 0 never reads C (uninitialised C is fine).
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* a, GemmOperand la, const T* b, GemmOperand lb, T beta,
          T* c, int64_t ldc);

// batch products C_i = alpha * op(A_i) @ op(B_i) + beta * C_i, with A_i = a + a_offsets[i],
// B_i = b + b_offsets[i], C_i = c + i * c_stride (c_stride >= m * ldc: no two C_i overlap).
// Many small products run in parallel (BLAS then single-threaded inside); large ones one after
// another with BLAS threading each.
template <typename T>
void gemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, T alpha, const T* a, const int64_t* a_offsets,
                  GemmOperand la, const T* b, const int64_t* b_offsets, GemmOperand lb, T beta, T* c,
                  int64_t c_stride, int64_t ldc);

// sum_i x[i * incx] * y[i * incy], accumulated by BLAS.
template <typename T> T dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy);

}  // namespace tg::kernels
