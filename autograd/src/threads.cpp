// tg::set_num_threads: one knob for the OpenMP kernels and OpenBLAS.
#include <tapegrad/autograd/threads.h>

#include <tapegrad/autograd/error.h>

#include <cblas.h>
#include <omp.h>

namespace tg {

void set_num_threads(int n) {
  TG_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got {}", n);
  omp_set_num_threads(n);
  // With the OpenMP build of OpenBLAS (TAPEGRAD_BLAS_OPENMP) GEMM runs on the same OpenMP pool,
  // but OpenBLAS caches its own thread count, so it is told as well. A pthread build keeps its
  // own pool: giving it the same count keeps the two from oversubscribing the cores.
  openblas_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace tg
