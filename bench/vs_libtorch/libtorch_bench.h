// Helpers for the LibTorch side of the workloads.
#pragma once

#include "bench.h"

#include <torch/torch.h>

#include <cblas.h>

namespace bench::libtorch {

// LibTorch's intra-op threads and OpenBLAS's (the same libopenblas as tapegrad's): LibTorch
// 1.13 defaults to half the cores, and its set_num_threads does not tell OpenBLAS.
inline void set_threads(int n) {
  torch::set_num_threads(n);
  openblas_set_num_threads(n);
}

// zero_grad(set_to_none = true), as tapegrad's optimizers do by default (LibTorch 1.13's
// zero_grad() zero-fills instead, which costs a pass over every gradient).
inline void zero_grad_to_none(const std::vector<torch::Tensor>& params) {
  for (const torch::Tensor& p : params) const_cast<torch::Tensor&>(p).mutable_grad().reset();
}

}  // namespace bench::libtorch
