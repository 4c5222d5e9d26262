// The matmul shapes measured by bench/matmul.cpp and bench/vs_libtorch/.
#pragma once

#include <cstdint>

namespace bench {

// C (m x n) = op(A) (m x k) @ op(B) (k x n); a transposed operand is a transposed view of a
// contiguous tensor, as in a Linear layer (x @ W^T) and its backward (g^T @ x).
struct MatmulShape {
  const char* name;
  int64_t m, k, n;
  bool trans_a, trans_b;
  double flops() const { return 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n); }
};

inline constexpr MatmulShape kMatmul256{"matmul_0256", 256, 256, 256, false, false};
inline constexpr MatmulShape kMatmul512{"matmul_0512", 512, 512, 512, false, false};
inline constexpr MatmulShape kMatmul1024{"matmul_1024", 1024, 1024, 1024, false, false};
inline constexpr MatmulShape kMatmul2048{"matmul_2048", 2048, 2048, 2048, false, false};
// W1's first layer: x (128 x 784) @ W^T (W is 512 x 784); dW = g^T (512 x 128) @ x; dx = g @ W.
inline constexpr MatmulShape kMatmulMlpForward1{"matmul_mlp_x128x784_Wt512", 128, 784, 512, false, true};
inline constexpr MatmulShape kMatmulMlpGradWeight1{"matmul_mlp_gt512x128_x784", 512, 128, 784, true, false};
inline constexpr MatmulShape kMatmulMlpGradInput1{"matmul_mlp_g128x512_W784", 128, 512, 784, false, false};
// W1's second layer forward: (128 x 512) @ W^T (W is 256 x 512).
inline constexpr MatmulShape kMatmulMlpForward2{"matmul_mlp_x128x512_Wt256", 128, 512, 256, false, true};

}  // namespace bench
