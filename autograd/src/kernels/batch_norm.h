// Batch-norm kernels on a contiguous (N, C, S) layout, statistics per channel c over (n, s).
// Threads own disjoint blocks of channels, so no two threads write the same statistic or the
// same output element.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/loop.h"

namespace tg::kernels {

// Calls f(c0, c1) over channel blocks, in parallel when the tensor is large.
template <typename F> void for_channel_blocks(int64_t N, int64_t C, int64_t S, F f) {
  const int64_t per_channel = N * S;
  parallel_for(C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(per_channel, 1)), f);
}

// Runs body.template operator()<kFlat>() with kFlat = (S == 1). With S a compile-time 1, the
// spatial loops vanish and the channel loop, contiguous in memory, becomes innermost and
// vectorises: BatchNorm1d's (N, C) inputs were paying a loop set-up per element.
template <typename Body> void with_flat_spatial(int64_t S, Body&& body) {
  if (S == 1) body.template operator()<true>();
  else body.template operator()<false>();
}

// mean[c], invstd[c] = 1/sqrt(var_biased + eps); var_unbiased[c] for the running update.
template <typename T>
void batch_norm_stats(const T* x, int64_t N, int64_t C, int64_t S_, double eps, T* mean, T* invstd, T* var_unbiased) {
  const double M = static_cast<double>(N * S_);
  with_flat_spatial(S_, [&]<bool kFlat>() {
    const int64_t S = kFlat ? 1 : S_;
    for_channel_blocks(N, C, S, [&](int64_t c0, int64_t c1) {
      std::vector<double> sum(static_cast<size_t>(c1 - c0), 0.0), sq(static_cast<size_t>(c1 - c0), 0.0);
      for (int64_t n = 0; n < N; ++n) {
        const T* row = x + (n * C + c0) * S;
        for (int64_t c = 0; c < c1 - c0; ++c)
          for (int64_t s = 0; s < S; ++s) sum[c] += row[c * S + s];
      }
      for (int64_t c = 0; c < c1 - c0; ++c) sum[c] /= M;  // now the mean
      // Second pass on centred values: no catastrophic cancellation.
      for (int64_t n = 0; n < N; ++n) {
        const T* row = x + (n * C + c0) * S;
        for (int64_t c = 0; c < c1 - c0; ++c) {
          const double m = sum[c];
          for (int64_t s = 0; s < S; ++s) {
            const double d = row[c * S + s] - m;
            sq[c] += d * d;
          }
        }
      }
      for (int64_t c = 0; c < c1 - c0; ++c) {
        mean[c0 + c] = static_cast<T>(sum[c]);
        invstd[c0 + c] = static_cast<T>(1.0 / std::sqrt(sq[c] / M + eps));
        var_unbiased[c0 + c] = static_cast<T>(M > 1 ? sq[c] / (M - 1) : sq[c] / M);
      }
    });
  });
}

// y = x * scale[c] + shift[c].
template <typename T>
void channel_affine(const T* x, T* y, int64_t N, int64_t C, int64_t S_, const T* scale, const T* shift) {
  with_flat_spatial(S_, [&]<bool kFlat>() {
    const int64_t S = kFlat ? 1 : S_;
    for_channel_blocks(N, C, S, [&](int64_t c0, int64_t c1) {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = c0; c < c1; ++c) {
          const T a = scale[c], b = shift[c];
          const T* xr = x + (n * C + c) * S;
          T* yr = y + (n * C + c) * S;
          for (int64_t s = 0; s < S; ++s) yr[s] = xr[s] * a + b;
        }
    });
  });
}

// Training-mode backward, with xhat = (x - mean) * invstd and M = N*S:
//   dbeta = sum g, dgamma = sum g xhat,
//   dx = gamma invstd (g - dbeta/M - xhat dgamma/M).
// gamma may be null (no affine: gamma = 1); dx, dgamma, dbeta may be null when not needed.
// Loops run sample by sample over a block of channels, reading memory in order (channel by
// channel, a (N, C) input was read down its columns); each channel's sums still add in the
// order (n, s), so results are as before.
template <typename T>
void batch_norm_backward(const T* g, const T* x, const T* mean, const T* invstd, const T* gamma, int64_t N, int64_t C,
                         int64_t S_, T* dx, T* dgamma, T* dbeta) {
  const double M = static_cast<double>(N * S_);
  with_flat_spatial(S_, [&]<bool kFlat>() {
    const int64_t S = kFlat ? 1 : S_;
    for_channel_blocks(N, C, S, [&](int64_t c0, int64_t c1) {
      const int64_t B = c1 - c0;
      std::vector<double> sum_g(static_cast<size_t>(B), 0.0), sum_gx(static_cast<size_t>(B), 0.0);
      for (int64_t n = 0; n < N; ++n) {
        for (int64_t c = 0; c < B; ++c) {
          const T* gr = g + (n * C + c0 + c) * S;
          const T* xr = x + (n * C + c0 + c) * S;
          const double m = mean[c0 + c], is = invstd[c0 + c];
          double sg = sum_g[c], sgx = sum_gx[c];
          for (int64_t s = 0; s < S; ++s) {
            sg += gr[s];
            sgx += gr[s] * ((xr[s] - m) * is);
          }
          sum_g[c] = sg;
          sum_gx[c] = sgx;
        }
      }
      for (int64_t c = 0; c < B; ++c) {
        if (dbeta) dbeta[c0 + c] = static_cast<T>(sum_g[c]);
        if (dgamma) dgamma[c0 + c] = static_cast<T>(sum_gx[c]);
      }
      if (!dx) return;
      // dx's per-channel coefficients; the sums become means.
      std::vector<double> k(static_cast<size_t>(B));
      for (int64_t c = 0; c < B; ++c) {
        k[c] = (gamma ? static_cast<double>(gamma[c0 + c]) : 1.0) * invstd[c0 + c];
        sum_g[c] /= M;   // mean of g
        sum_gx[c] /= M;  // mean of g xhat
      }
      for (int64_t n = 0; n < N; ++n) {
        for (int64_t c = 0; c < B; ++c) {
          const T* gr = g + (n * C + c0 + c) * S;
          const T* xr = x + (n * C + c0 + c) * S;
          T* dr = dx + (n * C + c0 + c) * S;
          const double m = mean[c0 + c], is = invstd[c0 + c], kc = k[c], mean_g = sum_g[c], mean_gx = sum_gx[c];
          for (int64_t s = 0; s < S; ++s) dr[s] = static_cast<T>(kc * (gr[s] - mean_g - (xr[s] - m) * is * mean_gx));
        }
      }
    });
  });
}

}  // namespace tg::kernels
