// Pooling kernels over contiguous planes: in is (NC, H, W), out is (NC, OH, OW). Work is split
// over planes, so no two threads write the same plane. No Tensor handles, no autograd.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/im2col.h"
#include "kernels/loop.h"

namespace tg::kernels {

struct PoolGeometry {
  int64_t H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW;
};

// c ? yes : no without a branch. GCC turns selects on float compares into jumps, which
// mispredict half the time on data such as the position of a window's maximum.
inline int64_t select_branchless(bool c, int64_t yes, int64_t no) {
  const int64_t mask = -static_cast<int64_t>(c);
  return (yes & mask) | (no & ~mask);
}

// The bits of a float, compared as an integer (no NaN/parity special cases, so no branches).
template <typename T> auto bits_of(T v) {
  return std::bit_cast<std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>(v);
}

// The window taps [lo, hi) of output o along one axis that land inside [0, in): taps o*s - p + t*d.
inline void valid_taps(int64_t o, int64_t s, int64_t p, int64_t d, int64_t k, int64_t in, int64_t& lo, int64_t& hi) {
  const int64_t start = o * s - p;
  lo = start >= 0 ? 0 : std::min(k, (-start + d - 1) / d);
  hi = in - start > 0 ? std::clamp((in - start + d - 1) / d, lo, k) : lo;
}

// The maximum of plane[base + i*rs + j*dw] over taps [i0, i1) x [j0, j1) and its position (the
// first one; NaN wins, the last one, as in PyTorch). Bounds may be std::integral_constant, which
// unrolls the loops. Two passes free of data-dependent branches (where a maximum lies is
// unpredictable): the maximum, then the first position holding exactly its bits.
template <typename T, typename I0, typename I1, typename J0, typename J1>
inline void window_max(const T* plane, int64_t base, I0 i0, I1 i1, J0 j0, J1 j1, int64_t rs, int64_t dw, T& out,
                       int64_t& out_pos) {
  T best_v = plane[base + i0 * rs + j0 * dw];
  bool nan = false;
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      const T v = plane[base + i * rs + j * dw];
      best_v = v > best_v ? v : best_v;
      nan |= v != v;
    }
  const auto best_bits = bits_of(best_v);
  int64_t best = 0;
  for (int64_t i = i1 - 1; i >= i0; --i)
    for (int64_t j = j1 - 1; j >= j0; --j) {
      const int64_t pos = base + i * rs + j * dw;
      best = select_branchless(bits_of(plane[pos]) == best_bits, pos, best);
    }
  if (nan) [[unlikely]] {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = j0; j < j1; ++j)
        if (std::isnan(plane[base + i * rs + j * dw])) best = base + i * rs + j * dw;
    best_v = plane[best];
  }
  out = best_v;
  out_pos = best;
}

// Planes [begin, end) of max_pool2d below. KH, KW > 0 fix the kernel size at compile time for the
// windows wholly inside the input (columns [xa, xb) of interior rows), which run unrolled.
template <typename T, int64_t KH, int64_t KW>
void max_pool2d_planes(const T* in, T* out, int64_t* idx, int64_t begin, int64_t end, const PoolGeometry g,
                       const int64_t* jlo, const int64_t* jhi, int64_t xa, int64_t xb) {
  // g is a by-value copy, so stores through idx (int64_t*) cannot alias it.
  const int64_t L = g.OH * g.OW, rs = g.dh * g.W, dw = g.dw;
  using K0 = std::integral_constant<int64_t, 0>;
  for (int64_t p = begin; p < end; ++p) {
    const T* plane = in + p * g.H * g.W;
    for (int64_t y = 0; y < g.OH; ++y) {
      T* o = out + p * L + y * g.OW;
      int64_t* io = idx + p * L + y * g.OW;
      int64_t ilo, ihi;
      valid_taps(y, g.sh, g.ph, g.dh, g.kh, g.H, ilo, ihi);
      const int64_t row0 = (y * g.sh - g.ph) * g.W - g.pw;  // position of tap (0, 0) of window (y, 0)
      int64_t x = 0;
      if constexpr (KH > 0) {
        if (ilo == 0 && ihi == KH) {
          for (; x < xa; ++x) window_max(plane, row0 + x * g.sw, ilo, ihi, jlo[x], jhi[x], rs, dw, o[x], io[x]);
          for (; x < xb; ++x)
            window_max(plane, row0 + x * g.sw, K0{}, std::integral_constant<int64_t, KH>{}, K0{},
                       std::integral_constant<int64_t, KW>{}, rs, dw, o[x], io[x]);
        }
      }
      for (; x < g.OW; ++x) window_max(plane, row0 + x * g.sw, ilo, ihi, jlo[x], jhi[x], rs, dw, o[x], io[x]);
    }
  }
}

// out[p, y, x] = max of in[p] over the window at (y*sh - ph + i*dh, x*sw - pw + j*dw), skipping
// the padding; idx = the position (iy * W + ix) of that maximum. NaN wins, as in PyTorch.
// Every window holds at least one input element (the op checks this).
template <typename T> void max_pool2d(const T* in, T* out, int64_t* idx, int64_t NC, const PoolGeometry& g) {
  // The valid column taps of each output column, the same for every row and plane, and the
  // columns [xa, xb) whose windows hold no padding.
  std::vector<int64_t> jlo(g.OW), jhi(g.OW);
  int64_t xa = g.OW, xb = g.OW;
  for (int64_t x = 0; x < g.OW; ++x) {
    valid_taps(x, g.sw, g.pw, g.dw, g.kw, g.W, jlo[x], jhi[x]);
    if (jlo[x] == 0 && jhi[x] == g.kw) {
      xa = std::min(xa, x);
      xb = x + 1;
    }
  }
  xb = std::max(xa, xb);
  parallel_for(NC, plane_grain(g.OH * g.OW * g.kh * g.kw), [&](int64_t begin, int64_t end) {
    auto run = [&]<int64_t KH, int64_t KW>() {
      max_pool2d_planes<T, KH, KW>(in, out, idx, begin, end, g, jlo.data(), jhi.data(), xa, xb);
    };
    if (g.kh == 2 && g.kw == 2) run.template operator()<2, 2>();
    else if (g.kh == 3 && g.kw == 3) run.template operator()<3, 3>();
    else run.template operator()<0, 0>();
  });
}

// out (NC, HW) = zeros, then out[p, idx[p, l]] += grad[p, l] for l < L. Returns false (and skips
// them) if some index is outside [0, HW).
template <typename T> bool max_pool2d_backward(const T* grad, const int64_t* idx, T* out, int64_t NC, int64_t HW,
                                               int64_t L) {
  std::atomic<bool> ok{true};
  parallel_for(NC, plane_grain(HW + L), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      T* o = out + p * HW;
      const T* gp = grad + p * L;
      const int64_t* ip = idx + p * L;
      std::fill_n(o, HW, T(0));
      for (int64_t l = 0; l < L; ++l) {
        if (static_cast<uint64_t>(ip[l]) < static_cast<uint64_t>(HW)) o[ip[l]] += gp[l];
        else ok.store(false, std::memory_order_relaxed);
      }
    }
  });
  return ok.load();
}

// The windows of an average pool along one axis: output i averages inputs [start[i], end[i]) and
// divides by count[i] (which may include padding).
struct AxisWindows {
  std::vector<int64_t> start, end, count;
};

// out[p, y, x] = sum of in[p] over rows wy and columns wx of window (y, x) / (count_y * count_x).
template <typename T>
void avg_pool2d(const T* in, T* out, int64_t NC, int64_t H, int64_t W, const AxisWindows& wy, const AxisWindows& wx) {
  const int64_t OH = static_cast<int64_t>(wy.start.size()), OW = static_cast<int64_t>(wx.start.size());
  parallel_for(NC, plane_grain(H * W + OH * OW), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* plane = in + p * H * W;
      T* o = out + p * OH * OW;
      for (int64_t y = 0; y < OH; ++y) {
        for (int64_t x = 0; x < OW; ++x) {
          T acc = T(0);
          for (int64_t iy = wy.start[y]; iy < wy.end[y]; ++iy) {
            const T* row = plane + iy * W;
            for (int64_t ix = wx.start[x]; ix < wx.end[x]; ++ix) acc += row[ix];
          }
          o[y * OW + x] = acc / static_cast<T>(wy.count[y] * wx.count[x]);
        }
      }
    }
  });
}

// The adjoint of avg_pool2d: out (NC, H, W) = zeros, then each grad[p, y, x] / count is added to
// every element of its window.
template <typename T> void avg_pool2d_backward(const T* grad, T* out, int64_t NC, int64_t H, int64_t W,
                                               const AxisWindows& wy, const AxisWindows& wx) {
  const int64_t OH = static_cast<int64_t>(wy.start.size()), OW = static_cast<int64_t>(wx.start.size());
  parallel_for(NC, plane_grain(H * W + OH * OW), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* gp = grad + p * OH * OW;
      T* plane = out + p * H * W;
      std::fill_n(plane, H * W, T(0));
      for (int64_t y = 0; y < OH; ++y) {
        for (int64_t x = 0; x < OW; ++x) {
          const T v = gp[y * OW + x] / static_cast<T>(wy.count[y] * wx.count[x]);
          for (int64_t iy = wy.start[y]; iy < wy.end[y]; ++iy) {
            T* row = plane + iy * W;
            for (int64_t ix = wx.start[x]; ix < wx.end[x]; ++ix) row[ix] += v;
          }
        }
      }
    }
  });
}

}  // namespace tg::kernels
