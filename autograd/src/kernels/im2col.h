// im2col / col2im over contiguous planes. No Tensor handles, no autograd.
//
// in is (NC, H, W) (the N*C planes of an (N, C, H, W) tensor); cols is (NC, kh*kw, OH*OW), which
// is exactly (N, C*kh*kw, L) with row c*kh*kw + i*kw + j of sample n holding, at column
// l = y*OW + x, the input element at (y*sh - ph + i*dh, x*sw - pw + j*dw) or 0 in the padding.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/loop.h"

namespace tg::kernels {

struct Conv2dGeometry {
  int64_t H, W, kh, kw, ph, pw, sh, sw, dh, dw, OH, OW;
};

// The output columns [lo, hi) whose input column x*s + off lies in [0, W).
inline void valid_range(int64_t off, int64_t s, int64_t W, int64_t OW, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = W - off > 0 ? (W - off + s - 1) / s : 0;
  lo = std::min(lo, OW);
  hi = std::clamp(hi, lo, OW);
}

// Planes per thread task: enough work to be worth waking a thread.
inline int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work_per_plane, 1));
}

// cols (NC, kh*kw, OH*OW) <- in (NC, H, W). Each plane writes only its own kh*kw rows.
template <typename T> void im2col(const T* in, T* cols, int64_t NC, const Conv2dGeometry& g) {
  const int64_t L = g.OH * g.OW;
  parallel_for(NC, plane_grain(g.kh * g.kw * L), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* plane = in + p * g.H * g.W;
      for (int64_t i = 0; i < g.kh; ++i) {
        for (int64_t j = 0; j < g.kw; ++j) {
          T* row = cols + ((p * g.kh + i) * g.kw + j) * L;
          const int64_t xoff = j * g.dw - g.pw;
          int64_t lo, hi;
          valid_range(xoff, g.sw, g.W, g.OW, lo, hi);
          for (int64_t y = 0; y < g.OH; ++y) {
            T* dst = row + y * g.OW;
            const int64_t iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.H) {
              for (int64_t x = 0; x < g.OW; ++x) dst[x] = T(0);
              continue;
            }
            // Plain loops: rows are short (OW), where a memcpy/memset call costs more than it saves.
            const T* src = plane + iy * g.W;
            for (int64_t x = 0; x < lo; ++x) dst[x] = T(0);
            if (g.sw == 1) {
              for (int64_t x = lo; x < hi; ++x) dst[x] = src[x + xoff];
            } else {
              for (int64_t x = lo; x < hi; ++x) dst[x] = src[x * g.sw + xoff];
            }
            for (int64_t x = hi; x < g.OW; ++x) dst[x] = T(0);
          }
        }
      }
    }
  });
}

// out (NC, H, W) <- sum of the cols (NC, kh*kw, OH*OW) entries that im2col would read from each
// element. Each plane is written by one thread only.
template <typename T> void col2im(const T* cols, T* out, int64_t NC, const Conv2dGeometry& g) {
  const int64_t L = g.OH * g.OW;
  parallel_for(NC, plane_grain(g.kh * g.kw * L), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      T* plane = out + p * g.H * g.W;
      std::fill_n(plane, g.H * g.W, T(0));
      for (int64_t i = 0; i < g.kh; ++i) {
        for (int64_t j = 0; j < g.kw; ++j) {
          const T* row = cols + ((p * g.kh + i) * g.kw + j) * L;
          const int64_t xoff = j * g.dw - g.pw;
          int64_t lo, hi;
          valid_range(xoff, g.sw, g.W, g.OW, lo, hi);
          for (int64_t y = 0; y < g.OH; ++y) {
            const int64_t iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.H) continue;
            const T* src = row + y * g.OW;
            T* dst = plane + iy * g.W;
            if (g.sw == 1) {
              for (int64_t x = lo; x < hi; ++x) dst[x + xoff] += src[x];
            } else {
              for (int64_t x = lo; x < hi; ++x) dst[x * g.sw + xoff] += src[x];
            }
          }
        }
      }
    }
  });
}

}  // namespace tg::kernels
