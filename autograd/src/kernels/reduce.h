// Reductions of a contiguous (outer, R, inner) block over R, e.g.
//   out[o, i] = finish(fold_r combine(acc, in[o, r, i]))
// Any reduction over a contiguous run of dims of a contiguous tensor has this shape; ops/
// reduce_common.h brings other layouts to it. Work is split over rows (inner == 1) or over
// (o, inner-block) pairs, so no two threads write the same output.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/loop.h"

namespace tg::kernels {

// Accumulator type of a reduction over T: float sums run in double for accuracy.
template <typename T> using acc_t = std::conditional_t<std::is_same_v<T, float>, double, T>;

constexpr int64_t kReduceBlock = 256;

// Schedules an (outer, R, inner) reduction over threads: row(o) for each contiguous row when
// inner == 1, else cols(o, i0, n) for each block of n <= kReduceBlock adjacent columns, so the
// inner loops run over i and vectorise. No two tasks write the same output. `grain` is the
// number of elements below which one thread does everything.
template <typename Row, typename Cols>
void for_each_slice(int64_t outer, int64_t R, int64_t inner, int64_t grain, Row&& row, Cols&& cols) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, grain / std::max<int64_t>(R, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) row(o);
    });
    return;
  }
  const int64_t blocks = (inner + kReduceBlock - 1) / kReduceBlock;
  const int64_t work = R * std::min(inner, kReduceBlock);
  parallel_for(outer * blocks, std::max<int64_t>(1, grain / std::max<int64_t>(work, 1)), [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t i0 = (task % blocks) * kReduceBlock;
      cols(task / blocks, i0, std::min(kReduceBlock, inner - i0));
    }
  });
}

// out[o, i] = finish(fold_r combine(acc, in[o, r, i])), acc starting at init.
template <typename T, typename Acc, typename Combine, typename Finish>
void reduce_middle(const T* in, T* out, int64_t outer, int64_t R, int64_t inner, Acc init, Combine combine,
                   Finish finish) {
  for_each_slice(
      outer, R, inner, kGrainSize,
      [&](int64_t o) {
        const T* row = in + o * R;
        Acc acc = init;
        for (int64_t r = 0; r < R; ++r) acc = combine(acc, row[r]);
        out[o] = finish(acc);
      },
      [&](int64_t o, int64_t i0, int64_t n) {
        // Column folds: R rows of n values into n accumulators, vectorised over i.
        Acc acc[kReduceBlock];
        std::fill(acc, acc + n, init);
        const T* base = in + o * R * inner + i0;
        for (int64_t r = 0; r < R; ++r) {
          const T* row = base + r * inner;
          for (int64_t i = 0; i < n; ++i) acc[i] = combine(acc[i], row[i]);
        }
        T* dst = out + o * inner + i0;
        for (int64_t i = 0; i < n; ++i) dst[i] = finish(acc[i]);
      });
}

// in (outer, R, inner), R >= 1 -> indices[o, i] = the r of the best in[o, r, i], values[o, i] its
// value (values may be null). better(v, best) must be strict, so the first of equals wins.
template <typename T, typename Better>
void arg_reduce_middle(const T* in, T* values, int64_t* indices, int64_t outer, int64_t R, int64_t inner,
                       Better better) {
  for_each_slice(
      outer, R, inner, kGrainSize,
      [&](int64_t o) {
        const T* row = in + o * R;
        T best = row[0];
        int64_t arg = 0;
        for (int64_t r = 1; r < R; ++r) {
          if (better(row[r], best)) {
            best = row[r];
            arg = r;
          }
        }
        if (values) values[o] = best;
        indices[o] = arg;
      },
      [&](int64_t o, int64_t i0, int64_t n) {
        T best[kReduceBlock];
        int64_t arg[kReduceBlock];
        const T* base = in + o * R * inner + i0;
        std::copy(base, base + n, best);
        std::fill(arg, arg + n, int64_t{0});
        for (int64_t r = 1; r < R; ++r) {
          const T* row = base + r * inner;
          for (int64_t i = 0; i < n; ++i) {
            if (better(row[i], best[i])) {
              best[i] = row[i];
              arg[i] = r;
            }
          }
        }
        if (values) std::copy(best, best + n, values + o * inner + i0);
        std::copy(arg, arg + n, indices + o * inner + i0);
      });
}

// in (outer, R, inner) -> out[o, i] = sum_r (x - mean)^2 / divisor, or its square root. Two passes
// (mean, then squared deviations) so large offsets do not cancel catastrophically.
template <typename T>
void variance_middle(const T* in, T* out, int64_t outer, int64_t R, int64_t inner, double divisor, bool take_sqrt) {
  using Acc = acc_t<T>;
  const Acc count = static_cast<Acc>(R), div = static_cast<Acc>(divisor);
  auto finish = [&](Acc m2) {
    const Acc v = m2 / div;
    return static_cast<T>(take_sqrt ? std::sqrt(v) : v);
  };
  for_each_slice(
      outer, R, inner, kGrainSize / 2,
      [&](int64_t o) {
        const T* row = in + o * R;
        Acc s = 0;
        for (int64_t r = 0; r < R; ++r) s += row[r];
        const Acc mean = s / count;
        Acc m2 = 0;
        for (int64_t r = 0; r < R; ++r) {
          const Acc d = static_cast<Acc>(row[r]) - mean;
          m2 += d * d;
        }
        out[o] = finish(m2);
      },
      [&](int64_t o, int64_t i0, int64_t n) {
        Acc mean[kReduceBlock], m2[kReduceBlock];
        std::fill(mean, mean + n, Acc{0});
        std::fill(m2, m2 + n, Acc{0});
        const T* base = in + o * R * inner + i0;
        for (int64_t r = 0; r < R; ++r)
          for (int64_t i = 0; i < n; ++i) mean[i] += base[r * inner + i];
        for (int64_t i = 0; i < n; ++i) mean[i] /= count;
        for (int64_t r = 0; r < R; ++r) {
          for (int64_t i = 0; i < n; ++i) {
            const Acc d = static_cast<Acc>(base[r * inner + i]) - mean[i];
            m2[i] += d * d;
          }
        }
        for (int64_t i = 0; i < n; ++i) out[o * inner + i0 + i] = finish(m2[i]);
      });
}

// The max used to shift exponentials: an infinite (or empty-slice) max is replaced by 0, so that
// exp(x - m) stays defined and log(sum) gives +-inf by itself.
template <typename T> T finite_or_zero(T m) { return std::isfinite(m) ? m : T(0); }

// in (outer, R, inner) -> out[o, i] = log sum_r exp(x) = m + log sum_r exp(x - m), m the slice max.
template <typename T> void logsumexp_middle(const T* in, T* out, int64_t outer, int64_t R, int64_t inner) {
  using Acc = acc_t<T>;
  for_each_slice(
      outer, R, inner, kGrainSizeTranscendental,
      [&](int64_t o) {
        const T* row = in + o * R;
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t r = 0; r < R; ++r) m = std::max(m, row[r]);
        m = finite_or_zero(m);
        Acc s = 0;
        for (int64_t r = 0; r < R; ++r) s += std::exp(row[r] - m);
        out[o] = static_cast<T>(std::log(s) + m);
      },
      [&](int64_t o, int64_t i0, int64_t n) {
        T m[kReduceBlock];
        Acc s[kReduceBlock];
        std::fill(m, m + n, -std::numeric_limits<T>::infinity());
        std::fill(s, s + n, Acc{0});
        const T* base = in + o * R * inner + i0;
        for (int64_t r = 0; r < R; ++r)
          for (int64_t i = 0; i < n; ++i) m[i] = std::max(m[i], base[r * inner + i]);
        for (int64_t i = 0; i < n; ++i) m[i] = finite_or_zero(m[i]);
        for (int64_t r = 0; r < R; ++r)
          for (int64_t i = 0; i < n; ++i) s[i] += std::exp(base[r * inner + i] - m[i]);
        for (int64_t i = 0; i < n; ++i) out[o * inner + i0 + i] = static_cast<T>(std::log(s[i]) + m[i]);
      });
}

// x, y (outer, R, inner): y = softmax(x) along R, or log_softmax when `log`. One read pass for
// the max, one for exp(x - max) and its sum, one to scale: subtracting the max keeps exp from
// overflowing for large logits.
template <typename T> void softmax_middle(const T* x, T* y, int64_t outer, int64_t R, int64_t inner, bool log) {
  using Acc = acc_t<T>;
  for_each_slice(
      outer, R, inner, kGrainSizeTranscendental,
      [&](int64_t o) {
        const T* xr = x + o * R;
        T* yr = y + o * R;
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t r = 0; r < R; ++r) m = std::max(m, xr[r]);
        Acc s = 0;
        if (log) {
          for (int64_t r = 0; r < R; ++r) s += std::exp(xr[r] - m);
          const T log_s = static_cast<T>(std::log(s));
          for (int64_t r = 0; r < R; ++r) yr[r] = (xr[r] - m) - log_s;
        } else {
          for (int64_t r = 0; r < R; ++r) {
            const T e = std::exp(xr[r] - m);
            yr[r] = e;
            s += e;
          }
          const T inv = static_cast<T>(1 / s);
          for (int64_t r = 0; r < R; ++r) yr[r] *= inv;
        }
      },
      [&](int64_t o, int64_t i0, int64_t n) {
        T m[kReduceBlock], scale[kReduceBlock];
        Acc s[kReduceBlock];
        std::fill(m, m + n, -std::numeric_limits<T>::infinity());
        std::fill(s, s + n, Acc{0});
        const T* xb = x + o * R * inner + i0;
        T* yb = y + o * R * inner + i0;
        for (int64_t r = 0; r < R; ++r)
          for (int64_t i = 0; i < n; ++i) m[i] = std::max(m[i], xb[r * inner + i]);
        for (int64_t r = 0; r < R; ++r) {
          for (int64_t i = 0; i < n; ++i) {
            const T e = std::exp(xb[r * inner + i] - m[i]);
            if (!log) yb[r * inner + i] = e;
            s[i] += e;
          }
        }
        if (log) {
          for (int64_t i = 0; i < n; ++i) scale[i] = static_cast<T>(std::log(s[i]));
          for (int64_t r = 0; r < R; ++r)
            for (int64_t i = 0; i < n; ++i) yb[r * inner + i] = (xb[r * inner + i] - m[i]) - scale[i];
        } else {
          for (int64_t i = 0; i < n; ++i) scale[i] = static_cast<T>(1 / s[i]);
          for (int64_t r = 0; r < R; ++r)
            for (int64_t i = 0; i < n; ++i) yb[r * inner + i] *= scale[i];
        }
      });
}

// y, g, dx (outer, R, inner), y the forward output. softmax: dx = y (g - sum_r g y);
// log_softmax: dx = g - exp(y) sum_r g.
template <typename T>
void softmax_backward_middle(const T* y, const T* g, T* dx, int64_t outer, int64_t R, int64_t inner, bool log) {
  using Acc = acc_t<T>;
  for_each_slice(
      outer, R, inner, log ? kGrainSizeTranscendental : kGrainSize,
      [&](int64_t o) {
        const T* yr = y + o * R;
        const T* gr = g + o * R;
        T* dr = dx + o * R;
        Acc s = 0;
        if (log) {
          for (int64_t r = 0; r < R; ++r) s += gr[r];
          const T st = static_cast<T>(s);
          for (int64_t r = 0; r < R; ++r) dr[r] = gr[r] - std::exp(yr[r]) * st;
        } else {
          for (int64_t r = 0; r < R; ++r) s += static_cast<Acc>(gr[r]) * yr[r];
          const T st = static_cast<T>(s);
          for (int64_t r = 0; r < R; ++r) dr[r] = yr[r] * (gr[r] - st);
        }
      },
      [&](int64_t o, int64_t i0, int64_t n) {
        Acc s[kReduceBlock];
        T st[kReduceBlock];
        std::fill(s, s + n, Acc{0});
        const int64_t off = o * R * inner + i0;
        const T *yb = y + off, *gb = g + off;
        T* db = dx + off;
        for (int64_t r = 0; r < R; ++r)
          for (int64_t i = 0; i < n; ++i)
            s[i] += log ? static_cast<Acc>(gb[r * inner + i]) : static_cast<Acc>(gb[r * inner + i]) * yb[r * inner + i];
        for (int64_t i = 0; i < n; ++i) st[i] = static_cast<T>(s[i]);
        for (int64_t r = 0; r < R; ++r) {
          for (int64_t i = 0; i < n; ++i) {
            const int64_t k = r * inner + i;
            db[k] = log ? gb[k] - std::exp(yb[k]) * st[i] : yb[k] * (gb[k] - st[i]);
          }
        }
      });
}

}  // namespace tg::kernels
