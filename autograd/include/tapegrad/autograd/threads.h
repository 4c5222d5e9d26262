// One knob for all the threads tapegrad uses: OpenMP and OpenBLAS.
//
//   tg::set_num_threads(2);
#pragma once

namespace tg {

// Sets the OpenMP thread count and OpenBLAS's (the OpenMP build shares the pool; a pthread build
// is told the same count, so the two never oversubscribe the cores).
void set_num_threads(int n);
int get_num_threads();

}  // namespace tg
