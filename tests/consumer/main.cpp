// Uses tapegrad as an outside project would: find_package(tapegrad) and the
// umbrella header. Exit code 0 = the gradient is right.
#include <tapegrad/tapegrad.h>

#include <cstdio>

int main() {
  tg::Tensor x = tg::ones({2, 3}).requires_grad_(true);
  tg::Tensor y = (x * x).sum();
  y.backward();
  // d(sum x^2)/dx = 2x = 2 per element, 6 elements
  const float total = x.grad().sum().item<float>();
  std::printf("tapegrad consumer: sum of grad = %g (expected 12)\n", static_cast<double>(total));
  return total == 12.0f ? 0 : 1;
}
