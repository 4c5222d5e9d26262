// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
// counter-based generator. philox(counter, key) is a pure function, so any element of a random
// stream can be computed independently, by any thread, in any order.
//
//   auto r = tg::kernels::philox({c_lo, c_hi, 0, 0}, {seed_lo, seed_hi});  // 4 x 32 random bits
#pragma once

#include <array>
#include <cstdint>

namespace tg::kernels {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// 10 rounds of the Philox S-box with the standard multipliers and Weyl key increments
// (golden ratio and sqrt(3) - 1); matches Random123's philox4x32_10 known-answer vectors.
inline PhiloxCounter philox(PhiloxCounter ctr, PhiloxKey key) {
  constexpr uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;
  constexpr uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kW0;
      key[1] += kW1;
    }
    const uint64_t p0 = uint64_t{kM0} * ctr[0];
    const uint64_t p1 = uint64_t{kM1} * ctr[2];
    const auto hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const auto hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

// The block of a stream: counter = the 64-bit index, key = the 64-bit seed.
inline PhiloxCounter philox(uint64_t counter, uint64_t seed) {
  return philox(PhiloxCounter{static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0, 0},
                PhiloxKey{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
}

// [0, 1) from the top bits: 24 for float, 53 for double (every value exactly representable).
inline float uniform_float(uint32_t bits) { return static_cast<float>(bits >> 8) * 0x1.0p-24f; }
inline double uniform_double(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

inline uint64_t join64(uint32_t lo, uint32_t hi) { return (uint64_t{hi} << 32) | lo; }

__extension__ typedef unsigned __int128 uint128;  // GCC/Clang builtin; __extension__ silences -Wpedantic

// floor(bits * range / 2^64) (a multiply-high): an integer in [0, range); the bias is at most
// range / 2^64, invisible for any range a tensor can hold.
inline uint64_t bounded(uint64_t bits, uint64_t range) {
  return static_cast<uint64_t>((static_cast<uint128>(bits) * range) >> 64);
}

}  // namespace tg::kernels
