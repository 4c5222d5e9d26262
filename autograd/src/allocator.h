// The caching allocator: 64-byte aligned buffers kept in size-bucketed free lists, because fresh
// large buffers page-fault on first touch every training step.
#pragma once

#include <cstdint>

namespace tg::detail {

void* cached_alloc(int64_t nbytes);
void cached_free(void* ptr, int64_t nbytes);

}  // namespace tg::detail
