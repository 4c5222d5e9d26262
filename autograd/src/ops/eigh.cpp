// Symmetric eigen-decomposition through LAPACK's divide-and-conquer syevd (in OpenBLAS).
#include <tapegrad/autograd/ops.h>

#include <limits>

extern "C" {
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info);
}

namespace tg {

std::tuple<Tensor, Tensor> eigh(const Tensor& symmetric) {
  TG_CHECK(symmetric.dim() == 2 && symmetric.size(0) == symmetric.size(1),
           "eigh: expected a square matrix, got shape {}", symmetric.shape());
  TG_CHECK(symmetric.is_floating_point(), "eigh: expected float32/float64, got {}", symmetric.dtype());
  TG_CHECK(symmetric.size(0) <= std::numeric_limits<int>::max() / 4, "eigh: matrix too large ({})", symmetric.shape());
  const int n = static_cast<int>(symmetric.size(0));
  // LAPACK works column-major; a symmetric matrix is its own transpose, so row-major data is fine.
  Tensor a = symmetric.detach().to(kDouble).contiguous().clone();
  Tensor w = empty({n}, kDouble);
  if (n == 0) return {w.to(symmetric.dtype()), a.to(symmetric.dtype())};
  const char jobz = 'V', uplo = 'L';
  int info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  double work_query = 0;
  dsyevd_(&jobz, &uplo, &n, a.data_ptr<double>(), &n, w.data_ptr<double>(), &work_query, &lwork, &iwork_query, &liwork,
          &info);
  TG_CHECK(info == 0, "eigh: LAPACK workspace query failed (info {})", info);
  lwork = static_cast<int>(work_query);
  liwork = iwork_query;
  std::vector<double> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  dsyevd_(&jobz, &uplo, &n, a.data_ptr<double>(), &n, w.data_ptr<double>(), work.data(), &lwork, iwork.data(), &liwork,
          &info);
  TG_CHECK(info == 0, "eigh: LAPACK syevd did not converge (info {}) for a matrix of shape {}", info,
           symmetric.shape());
  // Column-major eigenvectors in row-major storage are the rows: transpose to get columns.
  return {w.to(symmetric.dtype()), a.t().contiguous().to(symmetric.dtype())};
}

}  // namespace tg
