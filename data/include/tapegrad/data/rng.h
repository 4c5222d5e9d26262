// Small deterministic random streams for data pipelines: one stream per (seed, epoch, sample),
// so shuffling and augmentation give the same result whatever the number of worker threads.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace tg::data {

// SplitMix64 finaliser: mixes words into well-spread 64-bit seeds.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr uint64_t stream_seed(uint64_t seed, uint64_t a, uint64_t b = 0) { return mix64(mix64(mix64(seed) ^ a) ^ b); }

// The generator augmentations draw from (mt19937_64's sequence is fixed by the standard).
using Rng = std::mt19937_64;

// A uniform double in [0, 1) from 53 random bits (std distributions are implementation-defined).
inline double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A uniform integer in [0, n), n > 0 (multiply-high: no modulo bias worth measuring).
__extension__ using Uint128 = unsigned __int128;  // GCC/Clang extension; -Wpedantic-clean this way
inline uint64_t uniform_below(Rng& rng, uint64_t n) { return static_cast<uint64_t>((Uint128{rng()} * n) >> 64); }

// Fisher-Yates with our own draws, so the order is the same with every standard library.
template <typename T> void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_below(rng, i)]);
}

}  // namespace tg::data
