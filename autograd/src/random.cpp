// The global Philox generator and the random factories (rand, randn, randint, bernoulli, randperm).
//
// Stream layout: a draw of n elements reserves a block of consecutive counters [offset, offset + m)
// of the global generator; counter c gives 128 random bits, philox(c, seed). Element i of a draw
// takes its bits from counter offset + i / per:
//   - 32-bit draws (float32 rand/randn, bernoulli): per = 4, element i uses word i % 4;
//   - 64-bit draws (float64 rand/randn, randint, randperm): per = 2, element i uses words
//     2 (i % 2) (low half) and 2 (i % 2) + 1 (high half).
// Normals come from Box-Muller on the two halves of a counter's bits (elements 2k, 2k + 1 share
// them). So values depend only on (seed, offset, i), never on the thread count.
#include <tapegrad/autograd/ops.h>
#include <tapegrad/autograd/random.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numbers>
#include <type_traits>

#include "kernels/loop.h"
#include "kernels/philox.h"

namespace tg {

namespace {

// Used until manual_seed is called, so a program without a seed is still deterministic
// (PyTorch's default CPU seed, for familiarity).
constexpr uint64_t kDefaultSeed = 67280421310721ULL;

struct GlobalGenerator {
  std::mutex mutex;
  GeneratorState state{kDefaultSeed, 0};
};

GlobalGenerator& global() {
  static GlobalGenerator g;
  return g;
}

void check_shape(const Shape& shape, const char* op) {
  for (int64_t s : shape) TG_CHECK(s >= 0, "{}: negative size in shape {}", op, shape);
}

Tensor finish(Tensor out, TensorOptions options, const char* op) {
  if (options.requires_grad_) {
    TG_CHECK(is_floating(options.dtype_), "{}: only float32/float64 tensors can require gradients, got {}", op,
             options.dtype_);
    out.requires_grad_(true);
  }
  return out;
}

// Reserves the counters of an n-element draw (per elements per counter) and calls
// block(first, count, bits) for every counter, in parallel: elements [first, first + count).
template <typename Block> void draw(int64_t n, int64_t per, Block&& block) {
  const int64_t blocks = (n + per - 1) / per;
  const GeneratorState st = detail::reserve_random(static_cast<uint64_t>(blocks));
  // Ten Philox rounds per counter: as costly as a transcendental, so threads pay off early.
  kernels::parallel_for(blocks, kernels::kGrainSizeTranscendental / per, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const kernels::PhiloxCounter bits = kernels::philox(st.offset + static_cast<uint64_t>(c), st.seed);
      const int64_t first = c * per;
      block(first, std::min(per, n - first), bits);
    }
  });
}

// The two 64-bit halves of a counter's bits.
std::array<uint64_t, 2> halves(const kernels::PhiloxCounter& r) {
  return {kernels::join64(r[0], r[1]), kernels::join64(r[2], r[3])};
}

// Box-Muller: two independent U[0,1) -> two independent N(0,1). 1 - u1 lies in (0, 1], so the log
// is finite; the largest |z| is sqrt(2 ln 2^24) ~ 5.8 for float, sqrt(2 ln 2^53) ~ 8.6 for double.
template <typename T> std::array<T, 2> box_muller(T u1, T u2) {
  const T radius = std::sqrt(T(-2) * std::log(T(1) - u1));
  const T theta = T(2) * std::numbers::pi_v<T> * u2;
  return {radius * std::cos(theta), radius * std::sin(theta)};
}

}  // namespace

void manual_seed(uint64_t seed) { set_rng_state({seed, 0}); }

GeneratorState get_rng_state() {
  std::lock_guard lock(global().mutex);
  return global().state;
}

void set_rng_state(const GeneratorState& state) {
  std::lock_guard lock(global().mutex);
  global().state = state;
}

namespace detail {
GeneratorState reserve_random(uint64_t count) {
  std::lock_guard lock(global().mutex);
  GeneratorState first = global().state;
  global().state.offset += count;
  return first;
}
}  // namespace detail

// U[0, 1): top 24 bits (float32) or 53 bits (float64).
Tensor rand(const Shape& shape, TensorOptions options) {
  check_shape(shape, "rand");
  Tensor out = empty(shape, options.dtype_);
  dispatch_floating(options.dtype_, "rand", [&]<typename T>() {
    T* p = out.data_ptr<T>();
    if constexpr (std::is_same_v<T, float>) {
      draw(out.numel(), 4, [p](int64_t first, int64_t count, const kernels::PhiloxCounter& r) {
        for (int64_t j = 0; j < count; ++j) p[first + j] = kernels::uniform_float(r[j]);
      });
    } else {
      draw(out.numel(), 2, [p](int64_t first, int64_t count, const kernels::PhiloxCounter& r) {
        const auto h = halves(r);
        for (int64_t j = 0; j < count; ++j) p[first + j] = kernels::uniform_double(h[j]);
      });
    }
  });
  return finish(out, options, "rand");
}

// N(0, 1) by Box-Muller on pairs of uniforms from the same counter.
Tensor randn(const Shape& shape, TensorOptions options) {
  check_shape(shape, "randn");
  Tensor out = empty(shape, options.dtype_);
  dispatch_floating(options.dtype_, "randn", [&]<typename T>() {
    T* p = out.data_ptr<T>();
    if constexpr (std::is_same_v<T, float>) {
      draw(out.numel(), 4, [p](int64_t first, int64_t count, const kernels::PhiloxCounter& r) {
        const auto z01 = box_muller(kernels::uniform_float(r[0]), kernels::uniform_float(r[1]));
        const auto z23 = box_muller(kernels::uniform_float(r[2]), kernels::uniform_float(r[3]));
        const float z[4] = {z01[0], z01[1], z23[0], z23[1]};
        for (int64_t j = 0; j < count; ++j) p[first + j] = z[j];
      });
    } else {
      draw(out.numel(), 2, [p](int64_t first, int64_t count, const kernels::PhiloxCounter& r) {
        const auto h = halves(r);
        const auto z = box_muller(kernels::uniform_double(h[0]), kernels::uniform_double(h[1]));
        for (int64_t j = 0; j < count; ++j) p[first + j] = z[j];
      });
    }
  });
  return finish(out, options, "randn");
}

// low + floor(bits * (high - low) / 2^64): uniform on [low, high) with a multiply-high, no modulo.
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options) {
  TG_CHECK(low < high, "randint: expected low < high, got low = {}, high = {}", low, high);
  check_shape(shape, "randint");
  // In unsigned arithmetic so that ranges wider than INT64_MAX do not overflow.
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  Tensor out = empty(shape, options.dtype_);
  dispatch(options.dtype_, "randint", [&]<typename T>() {
    T* p = out.data_ptr<T>();
    draw(out.numel(), 2, [p, low, range](int64_t first, int64_t count, const kernels::PhiloxCounter& r) {
      const auto h = halves(r);
      for (int64_t j = 0; j < count; ++j)
        p[first + j] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + kernels::bounded(h[j], range)));
    });
  });
  return finish(out, options, "randint");
}

namespace {
// out[i] = (u_i < p(i)) with u_i = (32 random bits) / 2^32: exact 0 for p = 0 and 1 for p = 1.
template <typename T, typename P> void bernoulli_fill(T* out, int64_t n, P p_at) {
  draw(n, 4, [out, p_at](int64_t first, int64_t count, const kernels::PhiloxCounter& r) {
    for (int64_t j = 0; j < count; ++j)
      out[first + j] = static_cast<T>(static_cast<double>(r[j]) * 0x1.0p-32 < p_at(first + j));
  });
}
}  // namespace

Tensor bernoulli(const Tensor& p) {
  TG_CHECK(p.defined(), "bernoulli: called on an undefined tensor");
  const Tensor pc = p.detach().contiguous();
  Tensor out = empty(p.shape(), p.dtype());
  std::atomic<bool> bad{false};
  dispatch_floating(p.dtype(), "bernoulli", [&]<typename T>() {
    const T* pp = pc.data_ptr<T>();
    bernoulli_fill(out.data_ptr<T>(), out.numel(), [pp, &bad](int64_t i) {
      const double v = static_cast<double>(pp[i]);
      if (!(v >= 0.0 && v <= 1.0)) bad.store(true, std::memory_order_relaxed);  // NaN too
      return v;
    });
  });
  TG_CHECK(!bad.load(), "bernoulli: probabilities must lie in [0, 1] (tensor of shape {})", p.shape());
  return out;
}

Tensor bernoulli(const Shape& shape, double p, TensorOptions options) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "bernoulli: p must lie in [0, 1], got {}", p);
  check_shape(shape, "bernoulli");
  Tensor out = empty(shape, options.dtype_);
  dispatch(options.dtype_, "bernoulli", [&]<typename T>() {
    bernoulli_fill(out.data_ptr<T>(), out.numel(), [p](int64_t) { return p; });
  });
  return finish(out, options, "bernoulli");
}

// Fisher-Yates: step k (i = n - 1 - k) swaps i with j uniform on [0, i], using 64-bit word k.
Tensor randperm(int64_t n) {
  TG_CHECK(n >= 0, "randperm: n must be non-negative, got {}", n);
  Tensor out = empty({n}, kLong);
  int64_t* p = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  const int64_t steps = std::max<int64_t>(n - 1, 0);
  const GeneratorState st = detail::reserve_random(static_cast<uint64_t>((steps + 1) / 2));
  for (int64_t k = 0; k < steps; k += 2) {
    const auto h = halves(kernels::philox(st.offset + static_cast<uint64_t>(k / 2), st.seed));
    for (int64_t s = k; s < std::min(k + 2, steps); ++s) {
      const int64_t i = n - 1 - s;
      const auto j = static_cast<int64_t>(kernels::bounded(h[s - k], static_cast<uint64_t>(i + 1)));
      std::swap(p[i], p[j]);
    }
  }
  return out;
}

Tensor rand_like(const Tensor& t) { return rand(t.shape(), t.dtype()); }
Tensor randn_like(const Tensor& t) { return randn(t.shape(), t.dtype()); }

}  // namespace tg
