// The iteration space of an elementwise kernel: up to kMaxDims dims shared by N operands, with
// each operand's strides in elements (0 where it is broadcast). Built by ops/iter.h, which also
// merges dims that are contiguous for every operand, so contiguous tensors become one flat row.
//
// Kernels see only this struct and raw pointers: no Tensor handles, no autograd.
#pragma once

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace tg::kernels {

constexpr int kMaxDims = 16;

// Below this many elements a loop stays on one thread (waking threads costs microseconds).
constexpr int64_t kGrainSize = 32768;
// Expensive elementwise functions (exp, tanh, ...) are worth threads sooner.
constexpr int64_t kGrainSizeTranscendental = 8192;

template <int N> struct Loop {
  int ndim = 0;
  int64_t numel = 0;
  std::array<int64_t, kMaxDims> sizes{};
  std::array<std::array<int64_t, kMaxDims>, N> strides{};
  // Stride of operand k along the innermost dim (the one a row runs over).
  int64_t inner_stride(int k) const { return ndim == 0 ? 0 : strides[k][ndim - 1]; }
};

// Calls row(offsets, n) for consecutive pieces of rows covering flat elements [begin, end):
// offsets[k] is operand k's element offset at the piece's start, n its length.
template <int N, typename Row> void for_each_range(const Loop<N>& loop, int64_t begin, int64_t end, Row&& row) {
  if (begin >= end) return;
  std::array<int64_t, N> offs{};
  if (loop.ndim == 0) {
    row(offs, int64_t{1});
    return;
  }
  std::array<int64_t, kMaxDims> idx{};
  int64_t rem = begin;
  for (int d = loop.ndim - 1; d >= 0; --d) {
    idx[d] = rem % loop.sizes[d];
    rem /= loop.sizes[d];
    for (int k = 0; k < N; ++k) offs[k] += idx[d] * loop.strides[k][d];
  }
  const int last = loop.ndim - 1;
  for (int64_t i = begin; i < end;) {
    const int64_t n = std::min(loop.sizes[last] - idx[last], end - i);
    row(offs, n);
    i += n;
    idx[last] += n;
    for (int k = 0; k < N; ++k) offs[k] += n * loop.strides[k][last];
    if (idx[last] < loop.sizes[last]) continue;
    for (int k = 0; k < N; ++k) offs[k] -= loop.sizes[last] * loop.strides[k][last];
    idx[last] = 0;
    for (int d = last - 1; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < N; ++k) offs[k] += loop.strides[k][d];
      if (idx[d] < loop.sizes[d]) break;
      for (int k = 0; k < N; ++k) offs[k] -= loop.sizes[d] * loop.strides[k][d];
      idx[d] = 0;
    }
  }
}

// Splits [0, n) into one contiguous range per thread when n >= grain; f(begin, end).
template <typename F> void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n < grain || omp_get_max_threads() == 1 || omp_in_parallel()) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads();
    const int64_t tid = omp_get_thread_num();
    const int64_t chunk = (n + threads - 1) / threads;
    const int64_t begin = std::min(n, tid * chunk);
    const int64_t end = std::min(n, begin + chunk);
    f(begin, end);
  }
}

template <int N, typename Row> void parallel_rows(const Loop<N>& loop, int64_t grain, Row&& row) {
  parallel_for(loop.numel, grain, [&](int64_t begin, int64_t end) { for_each_range(loop, begin, end, row); });
}

// out[i] = f(in[i]). The contiguous case is a plain loop the compiler vectorises.
template <typename Out, typename In, typename F>
void unary(const Loop<2>& loop, Out* out, const In* in, int64_t grain, F f) {
  const int64_t so = loop.inner_stride(0), si = loop.inner_stride(1);
  parallel_rows(loop, grain, [&](const std::array<int64_t, 2>& offs, int64_t n) {
    Out* o = out + offs[0];
    const In* a = in + offs[1];
    if (so == 1 && si == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * si]);
    }
  });
}

// out[i] = f(a[i], b[i]), with fast paths for contiguous rows and a broadcast scalar side.
template <typename Out, typename A, typename B, typename F>
void binary(const Loop<3>& loop, Out* out, const A* pa, const B* pb, int64_t grain, F f) {
  const int64_t so = loop.inner_stride(0), sa = loop.inner_stride(1), sb = loop.inner_stride(2);
  parallel_rows(loop, grain, [&](const std::array<int64_t, 3>& offs, int64_t n) {
    Out* o = out + offs[0];
    const A* a = pa + offs[1];
    const B* b = pb + offs[2];
    if (so == 1 && sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    } else if (so == 1 && sa == 1 && sb == 0) {
      const B bv = *b;
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
    } else if (so == 1 && sa == 0 && sb == 1) {
      const A av = *a;
      for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa], b[i * sb]);
    }
  });
}

// out[i] = f(a[i], b[i], c[i]) (where, fused backward formulas).
template <typename Out, typename A, typename B, typename C, typename F>
void ternary(const Loop<4>& loop, Out* out, const A* pa, const B* pb, const C* pc, int64_t grain, F f) {
  const int64_t so = loop.inner_stride(0), sa = loop.inner_stride(1), sb = loop.inner_stride(2),
                sc = loop.inner_stride(3);
  parallel_rows(loop, grain, [&](const std::array<int64_t, 4>& offs, int64_t n) {
    Out* o = out + offs[0];
    const A* a = pa + offs[1];
    const B* b = pb + offs[2];
    const C* c = pc + offs[3];
    if (so == 1 && sa == 1 && sb == 1 && sc == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i], c[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa], b[i * sb], c[i * sc]);
    }
  });
}

}  // namespace tg::kernels
