// A cache-blocked 2-D transpose: the copy behind making a transposed matrix contiguous.
// The generic strided copy reads one element per cache line when the source runs down columns;
// tiles of kTile x kTile keep both sides in L1.
#pragma once

#include "loop.h"

#include <algorithm>
#include <cstdint>

namespace tg::kernels {

// dst (rows x cols, row-major) = src^T, where src is (cols x rows, row-major).
template <typename T> void transpose_2d(const T* src, T* dst, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 32;
  const int64_t row_tiles = (rows + kTile - 1) / kTile;
  // Threads split dst by bands of kTile rows: each writes only its own rows.
  parallel_for(row_tiles, std::max<int64_t>(1, kGrainSize / (kTile * std::max<int64_t>(cols, 1))),
               [&](int64_t t_begin, int64_t t_end) {
                 for (int64_t i0 = t_begin * kTile; i0 < std::min(rows, t_end * kTile); i0 += kTile) {
                   const int64_t i1 = std::min(rows, i0 + kTile);
                   for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
                     const int64_t j1 = std::min(cols, j0 + kTile);
                     for (int64_t i = i0; i < i1; ++i)
                       for (int64_t j = j0; j < j1; ++j) dst[i * cols + j] = src[j * rows + i];
                   }
                 }
               });
}

}  // namespace tg::kernels
