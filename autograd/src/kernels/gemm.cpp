// CBLAS calls behind kernels::gemm / gemm_batched / dot.
#include "kernels/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <type_traits>

#include "kernels/loop.h"

namespace tg::kernels {

namespace {

CBLAS_TRANSPOSE trans_of(GemmOperand op) { return op.trans ? CblasTrans : CblasNoTrans; }
blasint blas_int(int64_t v) { return static_cast<blasint>(v); }

void blas_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, GemmOperand la, const float* b,
               GemmOperand lb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_of(la), trans_of(lb), blas_int(m), blas_int(n), blas_int(k), alpha, a,
              blas_int(la.ld), b, blas_int(lb.ld), beta, c, blas_int(ldc));
}

void blas_gemm(int64_t m, int64_t n, int64_t k, double alpha, const double* a, GemmOperand la, const double* b,
               GemmOperand lb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, trans_of(la), trans_of(lb), blas_int(m), blas_int(n), blas_int(k), alpha, a,
              blas_int(la.ld), b, blas_int(lb.ld), beta, c, blas_int(ldc));
}

// Products below this many multiply-adds (~64^3) are too small for BLAS to thread; a batch of
// them is spread over threads instead, each batch slice taking about this much work.
constexpr double kSmallGemm = 262144.0;

}  // namespace

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* a, GemmOperand la, const T* b, GemmOperand lb, T beta,
          T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C (BLAS rejects lda = 0 here)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  blas_gemm(m, n, k, alpha, a, la, b, lb, beta, c, ldc);
}

template <typename T>
void gemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, T alpha, const T* a, const int64_t* a_offsets,
                  GemmOperand la, const T* b, const int64_t* b_offsets, GemmOperand lb, T beta, T* c,
                  int64_t c_stride, int64_t ldc) {
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      gemm(m, n, k, alpha, a + a_offsets[i], la, b + b_offsets[i], lb, beta, c + i * c_stride, ldc);
  };
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(std::max<int64_t>(k, 1));
#if defined(TAPEGRAD_BLAS_OPENMP)
  // OpenBLAS's OpenMP build runs single-threaded inside a parallel region, so threads over the
  // batch never oversubscribe the cores. (A pthread OpenBLAS would: there, BLAS threads each call.)
  if (work < kSmallGemm) {
    parallel_for(batch, std::max<int64_t>(1, static_cast<int64_t>(kSmallGemm / work)), run);
    return;
  }
#endif
  (void)work;
  run(0, batch);
}

template <typename T> T dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  if (n == 0) return T(0);
  if constexpr (std::is_same_v<T, float>) {
    return cblas_sdot(blas_int(n), x, blas_int(incx), y, blas_int(incy));
  } else {
    return cblas_ddot(blas_int(n), x, blas_int(incx), y, blas_int(incy));
  }
}

template void gemm<float>(int64_t, int64_t, int64_t, float, const float*, GemmOperand, const float*, GemmOperand,
                          float, float*, int64_t);
template void gemm<double>(int64_t, int64_t, int64_t, double, const double*, GemmOperand, const double*, GemmOperand,
                           double, double*, int64_t);
template void gemm_batched<float>(int64_t, int64_t, int64_t, int64_t, float, const float*, const int64_t*, GemmOperand,
                                  const float*, const int64_t*, GemmOperand, float, float*, int64_t, int64_t);
template void gemm_batched<double>(int64_t, int64_t, int64_t, int64_t, double, const double*, const int64_t*,
                                   GemmOperand, const double*, const int64_t*, GemmOperand, double, double*, int64_t,
                                   int64_t);
template float dot<float>(int64_t, const float*, int64_t, const float*, int64_t);
template double dot<double>(int64_t, const double*, int64_t, const double*, int64_t);

}  // namespace tg::kernels
