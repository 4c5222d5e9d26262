// Random factories: Philox known answers, reproducibility (seed, state, thread count), statistics,
// options and errors.
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "kernels/philox.h"

namespace {

using tg::Tensor;

// The elements of a contiguous tensor as doubles.
std::vector<double> values(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  tg::dispatch(t.dtype(), "values", [&]<typename T>() {
    const T* p = t.data_ptr<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(p[i]);
  });
  return v;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

// Restores the global thread count when a test changes it.
struct ThreadsGuard {
  int saved = tg::get_num_threads();
  ~ThreadsGuard() { tg::set_num_threads(saved); }
};

struct Factory {
  std::string name;
  std::function<Tensor(const tg::Shape&)> make;
};

std::vector<Factory> factories() {
  return {
      {"rand float32", [](const tg::Shape& s) { return tg::rand(s); }},
      {"rand float64", [](const tg::Shape& s) { return tg::rand(s, tg::kDouble); }},
      {"randn float32", [](const tg::Shape& s) { return tg::randn(s); }},
      {"randn float64", [](const tg::Shape& s) { return tg::randn(s, tg::kDouble); }},
      {"randint", [](const tg::Shape& s) { return tg::randint(-1000000, 1000000, s); }},
      {"bernoulli scalar p", [](const tg::Shape& s) { return tg::bernoulli(s, 0.5); }},
      {"bernoulli tensor p", [](const tg::Shape& s) { return tg::bernoulli(tg::full(s, 0.5, tg::kDouble)); }},
      {"randperm", [](const tg::Shape& s) { return tg::randperm(tg::shape_numel(s)); }},
  };
}

}  // namespace

TEST_CASE("philox4x32-10 matches the Random123 known-answer vectors", "[random]") {
  using tg::kernels::philox;
  CHECK(philox({0, 0, 0, 0}, {0, 0}) == tg::kernels::PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(philox({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        tg::kernels::PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(philox({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        tg::kernels::PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("random helpers: uniform bits and bounded integers", "[random]") {
  using namespace tg::kernels;
  CHECK(uniform_float(0) == 0.0f);
  CHECK(uniform_float(0xffffffffu) < 1.0f);
  CHECK(uniform_double(0) == 0.0);
  CHECK(uniform_double(~uint64_t{0}) < 1.0);
  CHECK(bounded(0, 10) == 0);
  CHECK(bounded(~uint64_t{0}, 10) == 9);
  CHECK(bounded(uint64_t{1} << 63, 10) == 5);
}

TEST_CASE("random factories: the same seed gives the same values, another seed others", "[random]") {
  const auto f = GENERATE(from_range(factories()));
  INFO(f.name);
  tg::manual_seed(123);
  const auto a = values(f.make({1000}));
  const auto b = values(f.make({1000}));
  tg::manual_seed(123);
  const auto a2 = values(f.make({1000}));
  tg::manual_seed(124);
  const auto c = values(f.make({1000}));
  CHECK(a == a2);
  CHECK(a != b);  // consecutive draws use fresh counters
  CHECK(a != c);
}

TEST_CASE("random factories: values do not depend on the thread count", "[random]") {
  const auto f = GENERATE(from_range(factories()));
  INFO(f.name);
  ThreadsGuard guard;
  const tg::Shape shape{1000, 1000};  // far above the grain size
  tg::set_num_threads(1);
  tg::manual_seed(7);
  const Tensor one = f.make(shape);
  const auto state_one = tg::get_rng_state();
  tg::set_num_threads(2);
  tg::manual_seed(7);
  const Tensor two = f.make(shape);
  CHECK(values(one) == values(two));
  CHECK(tg::get_rng_state().offset == state_one.offset);
}

TEST_CASE("random: element i depends only on (seed, offset, i), as documented in random.cpp", "[random]") {
  tg::manual_seed(99);
  Tensor f = tg::rand({10});                // 4 float32 per counter: counters 0..2
  CHECK(tg::get_rng_state().offset == 3);
  Tensor d = tg::rand({5}, tg::kDouble);    // 2 float64 per counter: counters 3..5
  CHECK(tg::get_rng_state().offset == 6);
  using namespace tg::kernels;
  for (int64_t i = 0; i < 10; ++i) {
    const auto r = philox(static_cast<uint64_t>(i / 4), 99);
    CHECK(f.data_ptr<float>()[i] == uniform_float(r[static_cast<size_t>(i % 4)]));
  }
  for (int64_t i = 0; i < 5; ++i) {
    const auto r = philox(static_cast<uint64_t>(3 + i / 2), 99);
    const size_t w = static_cast<size_t>(2 * (i % 2));
    CHECK(d.data_ptr<double>()[i] == uniform_double(join64(r[w], r[w + 1])));
  }
  // A draw split in two matches one draw when the split is at a counter boundary.
  tg::manual_seed(5);
  const auto whole = values(tg::randn({8}));
  tg::manual_seed(5);
  auto first = values(tg::randn({4}));
  const auto second = values(tg::randn({4}));
  first.insert(first.end(), second.begin(), second.end());
  CHECK(whole == first);
}

TEST_CASE("random: get_rng_state / set_rng_state reproduce the next draw", "[random]") {
  tg::manual_seed(2024);
  (void)tg::randn({17});
  const tg::GeneratorState saved = tg::get_rng_state();
  CHECK(saved.seed == 2024);
  CHECK(saved.offset > 0);
  const auto next = values(tg::randn({33}, tg::kDouble));
  const auto after = values(tg::randint(0, 10, {5}));
  tg::manual_seed(1);
  (void)tg::rand({100});
  tg::set_rng_state(saved);
  CHECK(values(tg::randn({33}, tg::kDouble)) == next);
  CHECK(values(tg::randint(0, 10, {5})) == after);
}

TEST_CASE("rand: uniform on the half-open unit interval with mean 1/2 and variance 1/12", "[random]") {
  const auto dtype = GENERATE(tg::kFloat, tg::kDouble);
  tg::manual_seed(11);
  const Tensor t = tg::rand({1000000}, dtype);
  CHECK(t.dtype() == dtype);
  const auto v = values(t);
  CHECK(*std::min_element(v.begin(), v.end()) >= 0.0);
  CHECK(*std::max_element(v.begin(), v.end()) < 1.0);
  CHECK(mean_of(v) == Approx(0.5).margin(0.002));
  CHECK(std_of(v) == Approx(std::sqrt(1.0 / 12.0)).margin(0.002));
  // Ten equal bins each hold about a tenth.
  std::vector<int> bins(10);
  for (double x : v) ++bins[static_cast<size_t>(x * 10)];
  for (int b : bins) CHECK(b == Approx(100000).margin(1500));
}

TEST_CASE("randn: mean 0, std 1, symmetric tails", "[random]") {
  const auto dtype = GENERATE(tg::kFloat, tg::kDouble);
  tg::manual_seed(12);
  const auto v = values(tg::randn({1000000}, dtype));
  CHECK(mean_of(v) == Approx(0.0).margin(0.005));
  CHECK(std_of(v) == Approx(1.0).margin(0.005));
  // P(|z| > 1.96) = 5%, P(z > 0) = 1/2.
  const double tails = static_cast<double>(std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x) > 1.96; }));
  const double positive = static_cast<double>(std::count_if(v.begin(), v.end(), [](double x) { return x > 0; }));
  CHECK(tails / 1e6 == Approx(0.05).margin(0.002));
  CHECK(positive / 1e6 == Approx(0.5).margin(0.002));
}

TEST_CASE("randint: values from low to high (exclusive), roughly uniform", "[random]") {
  tg::manual_seed(13);
  const Tensor t = tg::randint(-3, 5, {400000});
  CHECK(t.dtype() == tg::kLong);
  std::vector<int> counts(8);
  const int64_t* p = t.data_ptr<int64_t>();
  REQUIRE(std::all_of(p, p + t.numel(), [](int64_t x) { return x >= -3 && x < 5; }));
  for (int64_t i = 0; i < t.numel(); ++i) ++counts[static_cast<size_t>(p[i] + 3)];
  for (int c : counts) CHECK(c == Approx(50000).margin(1000));
  // One-value range, and the widest range the types allow.
  CHECK(values(tg::randint(7, 8, {10})) == std::vector<double>(10, 7.0));
  const Tensor wide = tg::randint(INT64_MIN, INT64_MAX, {1000});
  const int64_t* w = wide.data_ptr<int64_t>();
  CHECK(std::count_if(w, w + 1000, [](int64_t x) { return x < 0; }) == Approx(500).margin(80));
}

TEST_CASE("bernoulli: frequency of ones matches p", "[random]") {
  tg::manual_seed(14);
  const auto v = values(tg::bernoulli({1000000}, 0.3));
  CHECK(std::all_of(v.begin(), v.end(), [](double x) { return x == 0.0 || x == 1.0; }));
  CHECK(mean_of(v) == Approx(0.3).margin(0.002));
  CHECK(mean_of(values(tg::bernoulli({1000}, 0.0))) == 0.0);
  CHECK(mean_of(values(tg::bernoulli({1000}, 1.0))) == 1.0);
  const Tensor mask = tg::bernoulli({100}, 0.5, tg::kBool);
  CHECK(mask.dtype() == tg::kBool);
}

TEST_CASE("bernoulli: tensor p, per-element probabilities, non-contiguous p", "[random]") {
  tg::manual_seed(15);
  // Column 0 has p = 0, column 1 p = 1, column 2 p = 0.25; transposed so p is not contiguous.
  const Tensor p = tg::tensor<double>({0.0, 1.0, 0.25}, {3, 1}).expand({3, 200000}).contiguous().t();
  REQUIRE_FALSE(p.is_contiguous());
  const Tensor out = tg::bernoulli(p);
  CHECK(out.shape() == tg::Shape{200000, 3});
  CHECK(out.dtype() == tg::kDouble);
  const double* o = out.data_ptr<double>();
  double ones[3] = {0, 0, 0};
  for (int64_t i = 0; i < 200000; ++i)
    for (int64_t j = 0; j < 3; ++j) ones[j] += o[i * 3 + j];
  CHECK(ones[0] == 0.0);
  CHECK(ones[1] == 200000.0);
  CHECK(ones[2] / 200000.0 == Approx(0.25).margin(0.004));
  Tensor p_grad = p.detach();
  CHECK_FALSE(tg::bernoulli(p_grad.requires_grad_(true)).requires_grad());
}

TEST_CASE("randperm: a permutation of 0..n-1", "[random]") {
  const int64_t n = GENERATE(0, 1, 2, 3, 1000);
  tg::manual_seed(16);
  const Tensor t = tg::randperm(n);
  CHECK(t.dtype() == tg::kLong);
  CHECK(t.shape() == tg::Shape{n});
  auto v = values(t);
  std::sort(v.begin(), v.end());
  std::vector<double> iota(static_cast<size_t>(n));
  std::iota(iota.begin(), iota.end(), 0.0);
  CHECK(v == iota);
  if (n == 1000) CHECK(values(t) != v);  // shuffled
}

TEST_CASE("randperm: every position is uniform over the values", "[random]") {
  tg::manual_seed(17);
  // Position 0 of randperm(4) takes each value a quarter of the time.
  std::vector<int> counts(4);
  for (int trial = 0; trial < 8000; ++trial) ++counts[static_cast<size_t>(tg::randperm(4).data_ptr<int64_t>()[0])];
  for (int c : counts) CHECK(c == Approx(2000).margin(200));
}

TEST_CASE("random factories respect dtype and requires_grad", "[random]") {
  tg::manual_seed(18);
  const Tensor a = tg::rand({2, 3}, tg::TensorOptions(tg::kDouble).requires_grad());
  CHECK(a.dtype() == tg::kDouble);
  CHECK(a.shape() == tg::Shape{2, 3});
  CHECK(a.requires_grad());
  CHECK(a.is_leaf());
  const Tensor b = tg::randn({4}, tg::TensorOptions().requires_grad());
  CHECK(b.dtype() == tg::kFloat);
  CHECK(b.requires_grad());
  CHECK_FALSE(tg::randn({4}).requires_grad());
  const Tensor c = tg::randint(0, 3, {5}, tg::kFloat);
  CHECK(c.dtype() == tg::kFloat);
  for (double x : values(c)) CHECK((x == 0 || x == 1 || x == 2));
  const Tensor d = tg::bernoulli({3}, 0.5, tg::TensorOptions(tg::kDouble).requires_grad());
  CHECK(d.requires_grad());
  CHECK(tg::rand({}).dim() == 0);
  CHECK(tg::randn({0, 3}).numel() == 0);

  const Tensor like = tg::zeros({2, 5}, tg::kDouble);
  CHECK(tg::rand_like(like).shape() == like.shape());
  CHECK(tg::rand_like(like).dtype() == tg::kDouble);
  CHECK(tg::randn_like(like).dtype() == tg::kDouble);
  CHECK(tg::randn_like(tg::zeros({7})).shape() == tg::Shape{7});
}

TEST_CASE("random factories: bad arguments throw tg::Error naming the op", "[random]") {
  using Catch::Contains;
  CHECK_THROWS_AS(tg::randint(3, 3, {2}), tg::Error);
  CHECK_THROWS_WITH(tg::randint(3, 3, {2}), Contains("randint") && Contains("low < high"));
  CHECK_THROWS_WITH(tg::randint(5, 1, {2}), Contains("randint"));
  CHECK_THROWS_WITH(tg::randint(0, 5, {-1}), Contains("randint") && Contains("negative"));
  CHECK_THROWS_WITH(tg::randint(0, 5, {2}, tg::TensorOptions(tg::kLong).requires_grad()), Contains("randint"));
  CHECK_THROWS_WITH(tg::rand({2, -3}), Contains("rand") && Contains("[2, -3]"));
  CHECK_THROWS_WITH(tg::randn({-1}), Contains("randn"));
  CHECK_THROWS_WITH(tg::rand({2}, tg::kLong), Contains("rand") && Contains("int64"));
  CHECK_THROWS_WITH(tg::randn({2}, tg::kBool), Contains("randn"));
  CHECK_THROWS_WITH(tg::rand_like(tg::zeros({2}, tg::kLong)), Contains("rand"));
  CHECK_THROWS_WITH(tg::bernoulli({2}, 1.5), Contains("bernoulli") && Contains("[0, 1]"));
  CHECK_THROWS_WITH(tg::bernoulli({2}, -0.1), Contains("bernoulli"));
  CHECK_THROWS_WITH(tg::bernoulli({2}, std::nan("")), Contains("bernoulli"));
  CHECK_THROWS_WITH(tg::bernoulli({-2}, 0.5), Contains("bernoulli"));
  CHECK_THROWS_WITH(tg::bernoulli(tg::tensor<double>({0.5, 1.5})), Contains("bernoulli") && Contains("[2]"));
  CHECK_THROWS_WITH(tg::bernoulli(tg::tensor<double>({0.5, std::nan("")})), Contains("bernoulli"));
  CHECK_THROWS_WITH(tg::bernoulli(tg::tensor<int64_t>({0, 1})), Contains("bernoulli"));
  CHECK_THROWS_WITH(tg::bernoulli(Tensor()), Contains("bernoulli"));
  CHECK_THROWS_WITH(tg::randperm(-1), Contains("randperm"));
}

TEST_CASE("set_num_threads: sets OpenMP threads, rejects n < 1", "[random]") {
  ThreadsGuard guard;
  tg::set_num_threads(1);
  CHECK(tg::get_num_threads() == 1);
  tg::set_num_threads(2);
  CHECK(tg::get_num_threads() == 2);
  CHECK_THROWS_WITH(tg::set_num_threads(0), Catch::Contains("set_num_threads"));
  CHECK_THROWS_AS(tg::set_num_threads(-3), tg::Error);
}
