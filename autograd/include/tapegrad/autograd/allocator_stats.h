// What the caching allocator holds (see autograd/src/allocator.cpp).
#pragma once

#include <cstdint>

namespace tg {

struct AllocatorStats {
  int64_t allocated_bytes = 0;  // in live tensors (cached sizes only)
  int64_t cached_bytes = 0;     // freed, kept for reuse
  int64_t cache_hits = 0;
  int64_t cache_misses = 0;
};

AllocatorStats allocator_stats();
// Returns all cached blocks to the system.
void empty_cache();

}  // namespace tg
