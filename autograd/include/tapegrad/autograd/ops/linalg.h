// Matrix products through CBLAS (OpenBLAS), float32 and float64.
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <tuple>

namespace tg {

// NumPy matmul: 1-D dot, 2-D mm, batched with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);    // (n,k) @ (k,m)
Tensor bmm(const Tensor& a, const Tensor& b);   // (B,n,k) @ (B,k,m)
Tensor dot(const Tensor& a, const Tensor& b);   // 1-D inner product
// beta * input + alpha * (a @ b), input broadcast to (n,m).
Tensor addmm(const Tensor& input, const Tensor& a, const Tensor& b, double beta = 1.0, double alpha = 1.0);

// Eigen-decomposition of a symmetric matrix (LAPACK syevd): eigenvalues ascending and the
// matching orthonormal eigenvectors as columns. Not differentiable (used to fit PCA/whitening).
std::tuple<Tensor, Tensor> eigh(const Tensor& symmetric);

}  // namespace tg
