// The global random generator: Philox-4x32-10, counter based. Element i of a draw depends only on
// (seed, offset of the draw, i), so results are the same whatever the number of threads.
//
//   tg::manual_seed(42);  auto a = tg::randn({3});  // same values on every run and thread count
#pragma once

#include <cstdint>

namespace tg {

// Resets the global generator: seed and a zero offset.
void manual_seed(uint64_t seed);

// The generator's state, to save with a checkpoint and restore for an exact resume.
struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;  // counters consumed so far
};
GeneratorState get_rng_state();
void set_rng_state(const GeneratorState& state);

namespace detail {
// Reserves `count` counters of the global generator (thread-safe); returns (seed, first counter).
GeneratorState reserve_random(uint64_t count);
}  // namespace detail

}  // namespace tg
