#include "allocator.h"

#include <tapegrad/autograd/allocator_stats.h>
#include <tapegrad/autograd/error.h>

#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace tg {
namespace detail {
namespace {

constexpr int64_t kAlignment = 64;
// Blocks of every size are cached: small ones too, because 64-byte-aligned malloc goes through
// memalign, whose splitting and consolidation cost more than the cache lookup (perf, bench/ W2).
constexpr int64_t kMinCachedBytes = 0;
// Cached-but-unused bytes beyond this are returned to the system.
constexpr int64_t kMaxCachedBytes = int64_t{2} << 30;

// Sizes are rounded up to a power of two (small) or to 1/8 steps of one (large), so a block can be
// reused for requests of nearly the same size without wasting more than 12.5%.
int64_t bucket_size(int64_t nbytes) {
  if (nbytes <= kAlignment) return kAlignment;
  auto n = static_cast<uint64_t>(nbytes);
  uint64_t pow2 = std::bit_ceil(n);
  if (pow2 <= 1u << 20) return static_cast<int64_t>(pow2);
  uint64_t step = pow2 / 16;
  return static_cast<int64_t>((n + step - 1) / step * step);
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<int64_t, std::vector<void*>> free_blocks;
  AllocatorStats stats;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may die during static destruction
  return *c;
}

void* system_alloc(int64_t bytes) {
  void* p = std::aligned_alloc(kAlignment, static_cast<size_t>(bytes));
  if (!p) {
    // Give the cache back to the system and try once more before giving up.
    empty_cache();
    p = std::aligned_alloc(kAlignment, static_cast<size_t>(bytes));
  }
  TG_CHECK(p != nullptr, "allocate: out of memory allocating {} bytes", bytes);
  return p;
}

}  // namespace

void* cached_alloc(int64_t nbytes) {
  TG_CHECK(nbytes >= 0, "allocate: negative size {}", nbytes);
  const int64_t bytes = bucket_size(nbytes);
  Cache& c = cache();
  if (bytes >= kMinCachedBytes) {
    std::lock_guard lock(c.mutex);
    auto it = c.free_blocks.find(bytes);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.cached_bytes -= bytes;
      c.stats.allocated_bytes += bytes;
      ++c.stats.cache_hits;
      return p;
    }
    ++c.stats.cache_misses;
    c.stats.allocated_bytes += bytes;
  }
  return system_alloc(bytes);
}

void cached_free(void* ptr, int64_t nbytes) {
  if (!ptr) return;
  const int64_t bytes = bucket_size(nbytes);
  if (bytes < kMinCachedBytes) {
    std::free(ptr);
    return;
  }
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  c.stats.allocated_bytes -= bytes;
  if (c.stats.cached_bytes + bytes > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  c.free_blocks[bytes].push_back(ptr);
  c.stats.cached_bytes += bytes;
}

}  // namespace detail

AllocatorStats allocator_stats() {
  auto& c = detail::cache();
  std::lock_guard lock(c.mutex);
  return c.stats;
}

void empty_cache() {
  auto& c = detail::cache();
  std::lock_guard lock(c.mutex);
  for (auto& [bytes, blocks] : c.free_blocks) {
    for (void* p : blocks) std::free(p);
    blocks.clear();
  }
  c.stats.cached_bytes = 0;
}

}  // namespace tg
