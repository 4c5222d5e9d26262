// Factories. Random ones draw from the global counter-based generator (tg::manual_seed), so the
// numbers do not depend on the thread count.
//
//   auto w = tg::randn({256, 784}) * 0.01;  auto i = tg::arange(0, 10, 1, tg::kLong);
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace tg {

Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
// A 0-d tensor holding one value.
Tensor scalar_tensor(double value, TensorOptions options = {});
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = {});
Tensor arange(double end, TensorOptions options = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor eye(int64_t n, TensorOptions options = {});
Tensor eye(int64_t n, int64_t m, TensorOptions options = {});

// U[low, high), N(mean, std^2), integers in [low, high), Bernoulli(p) draws.
Tensor rand(const Shape& shape, TensorOptions options = {});
Tensor randn(const Shape& shape, TensorOptions options = {});
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = kLong);
Tensor bernoulli(const Tensor& p);
Tensor bernoulli(const Shape& shape, double p, TensorOptions options = {});
// A random permutation of 0..n-1 (int64).
Tensor randperm(int64_t n);

Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = {});
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = {});
Tensor full_like(const Tensor& t, double value, std::optional<DType> dtype = {});
Tensor empty_like(const Tensor& t, std::optional<DType> dtype = {});
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);

// Copies the values into a new tensor of the given shape (dtype from T).
template <typename T> Tensor tensor(const std::vector<T>& values, const Shape& shape);
template <typename T> Tensor tensor(const std::vector<T>& values) {
  return tensor(values, Shape{static_cast<int64_t>(values.size())});
}
// Wraps memory the caller owns (no copy). deleter, if given, runs when the last view dies.
Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter = {});

}  // namespace tg
