// matmul / mm / bmm / dot / addmm: values against a loop reference over every rank combination,
// non-contiguous operands, gradients to second order, and errors.
#include <cmath>

#include "gradcheck_support.h"

using namespace tg;
using tg::testing::values;
using tg::testing::leaf;
using tg::testing::one_output;
using tg::testing::require_gradcheck;
using tg::testing::strided_leaf;
using tg::testing::transposed_leaf;

namespace {

// NumPy matmul with plain loops in double: the reference every case is compared with.
Tensor reference_matmul(const Tensor& a, const Tensor& b) {
  Shape sa = a.shape(), sb = b.shape();
  const bool row = sa.size() == 1, col = sb.size() == 1;
  if (row) sa.insert(sa.begin(), 1);
  if (col) sb.push_back(1);
  const int64_t n = sa[sa.size() - 2], k = sa.back(), m = sb.back();
  const Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  const Shape batch = broadcast_shapes(ba, bb, "reference");
  const std::vector<double> va = values(a), vb = values(b);
  const int64_t nbatch = shape_numel(batch);
  std::vector<double> out(static_cast<size_t>(nbatch * n * m), 0.0);
  // Flat index of a batch position in an operand's own (broadcast) batch shape.
  auto operand_batch = [&](const Shape& own, int64_t flat) {
    int64_t idx = 0, mul = 1;
    for (int64_t d = static_cast<int64_t>(batch.size()) - 1, e = static_cast<int64_t>(own.size()) - 1; d >= 0; --d, --e) {
      const int64_t coord = flat % batch[d];
      flat /= batch[d];
      if (e >= 0) {
        idx += (own[e] == 1 ? 0 : coord) * mul;
        mul *= own[e];
      }
    }
    return idx;
  };
  for (int64_t bi = 0; bi < nbatch; ++bi) {
    const int64_t oa = operand_batch(ba, bi) * n * k, ob = operand_batch(bb, bi) * k * m;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) s += va[oa + i * k + p] * vb[ob + p * m + j];
        out[bi * n * m + i * m + j] = s;
      }
  }
  Shape shape = batch;
  if (!row) shape.push_back(n);
  if (!col) shape.push_back(m);
  return tensor<double>(out, shape);
}

}  // namespace

TEST_CASE("matmul: values by hand", "[linalg]") {
  Tensor a = tensor<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor<float>({7, 8, 9, 10, 11, 12}, {3, 2});
  Tensor c = matmul(a, b);
  REQUIRE(c.shape() == Shape{2, 2});
  REQUIRE(c.dtype() == kFloat);
  REQUIRE(values(c) == std::vector<double>{58, 64, 139, 154});
  REQUIRE(values(a.mm(b)) == values(c));
  REQUIRE(values(a.matmul(b)) == values(c));
  // 1-D . 1-D is a 0-d dot product; matrix @ vector drops the vector's dim.
  Tensor d = matmul(tensor<double>({1, 2, 3}), tensor<double>({4, 5, 6}));
  REQUIRE(d.dim() == 0);
  REQUIRE(d.item<double>() == 32.0);
  REQUIRE(values(matmul(a, tensor<float>({1, 0, -1}))) == std::vector<double>{-2, -2});
  REQUIRE(values(matmul(tensor<float>({1, -1}), a)) == std::vector<double>{-3, -3, -3});
  REQUIRE(dot(tensor<float>({1, 2}), tensor<float>({3, 4})).item<float>() == 11.0f);
  REQUIRE(dot(tensor<float>({2}).expand({3}), tensor<float>({1, 2, 3, 4, 5, 6}).slice(0, 0, 6, 2)).item<float>() == 18.0f);
}

TEST_CASE("matmul: every rank combination against the loop reference", "[linalg]") {
  auto [sa, sb, expected] = GENERATE(table<Shape, Shape, Shape>({
      {{3}, {3}, {}},
      {{2, 3}, {3}, {2}},
      {{3}, {3, 4}, {4}},
      {{2, 3}, {3, 4}, {2, 4}},
      {{5, 2, 3}, {3, 4}, {5, 2, 4}},
      {{2, 3}, {5, 3, 4}, {5, 2, 4}},
      {{5, 2, 3}, {5, 3, 4}, {5, 2, 4}},
      {{1, 2, 3}, {5, 3, 4}, {5, 2, 4}},
      {{5, 1, 2, 3}, {4, 3, 2}, {5, 4, 2, 2}},
      {{3}, {5, 3, 4}, {5, 4}},
      {{5, 2, 3}, {3}, {5, 2}},
      {{2, 1, 2, 3}, {1, 3, 3, 1}, {2, 3, 2, 1}},
  }));
  manual_seed(1);
  Tensor a = randn(sa, kDouble), b = randn(sb, kDouble);
  Tensor c = matmul(a, b);
  INFO("shapes " << fmt::format("{} @ {}", sa, sb));
  REQUIRE(c.shape() == expected);
  REQUIRE(allclose(c, reference_matmul(a, b), 1e-12, 1e-12));
  // float32 computes the same product to float precision.
  Tensor c32 = matmul(a.to(kFloat), b.to(kFloat));
  REQUIRE(c32.dtype() == kFloat);
  REQUIRE(allclose(c32.to(kDouble), c, 1e-5, 1e-5));
}

TEST_CASE("matmul: non-contiguous operands give the same values", "[linalg]") {
  manual_seed(2);
  Tensor a = randn({4, 3}, kDouble), b = randn({3, 5}, kDouble);
  const Tensor expected = reference_matmul(a, b);
  // Transposed views (BLAS reads them in place), a strided slice and a broadcast (stride 0)
  // operand, which must be copied.
  Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();
  REQUIRE_FALSE(at.is_contiguous());
  REQUIRE(allclose(matmul(at, b), expected));
  REQUIRE(allclose(matmul(a, bt), expected));
  REQUIRE(allclose(matmul(at, bt), expected));
  Tensor wide = zeros({4, 6}, kDouble);
  wide.slice(1, 0, 6, 2).copy_(a);
  REQUIRE(allclose(matmul(wide.slice(1, 0, 6, 2), b), expected));
  Tensor col = randn({3, 1}, kDouble);
  Tensor bcast = col.expand({3, 5});
  REQUIRE(allclose(matmul(a, bcast), reference_matmul(a, bcast.contiguous())));
  // Batched, with a transposed batch of matrices and a permuted batch dim.
  Tensor x = randn({2, 4, 3}, kDouble), y = randn({2, 5, 3}, kDouble);
  REQUIRE(allclose(matmul(x, y.transpose(1, 2)), reference_matmul(x, y.transpose(1, 2).contiguous())));
  Tensor xp = randn({4, 2, 3}, kDouble).permute({1, 0, 2});
  REQUIRE(allclose(matmul(xp, b), reference_matmul(xp.contiguous(), b)));
  REQUIRE(allclose(bmm(xp, y.transpose(1, 2)), reference_matmul(xp.contiguous(), y.transpose(1, 2).contiguous())));
}

TEST_CASE("matmul: transposed operands go to BLAS without a copy", "[linalg]") {
  manual_seed(5);
  // Counts allocations of cached size (>= 4 KiB): the output only, unless an operand is copied.
  auto allocations = [] {
    const AllocatorStats s = allocator_stats();
    return s.cache_hits + s.cache_misses;
  };
  Tensor a = randn({64, 64}, kDouble), b = randn({64, 64}, kDouble);
  Tensor x = randn({4, 64, 32}, kDouble), y = randn({2, 3, 64}, kDouble);
  auto count = [&](auto f) {
    const int64_t before = allocations();
    Tensor r = f();
    return allocations() - before;
  };
  REQUIRE(count([&] { return mm(a.t(), b.t()); }) == 1);
  REQUIRE(count([&] { return matmul(x.transpose(1, 2), a); }) == 1);
  REQUIRE(count([&] { return bmm(x.transpose(1, 2), x); }) == 1);
  REQUIRE(count([&] { return matmul(y, a.t()); }) == 1);  // batch folded into one GEMM
  REQUIRE(count([&] { return addmm(b, a.t(), b); }) == 1);
  // A broadcast (stride 0) matrix has no BLAS layout: it is copied.
  Tensor col = randn({64, 1}, kDouble);
  REQUIRE(count([&] { return mm(a, col.expand({64, 64})); }) == 2);
}

TEST_CASE("bmm: many small products (the threaded batch path) match the reference", "[linalg]") {
  manual_seed(3);
  for (DType dt : {kFloat, kDouble}) {
    // 32^3 multiply-adds per product: small enough to spread the batch over threads.
    Tensor a = randn({24, 32, 32}, dt), b = randn({24, 32, 32}, dt), w = randn({1, 32, 32}, dt);
    const double tol = dt == kFloat ? 1e-4 : 1e-12;
    REQUIRE(allclose(bmm(a, b).to(kDouble), reference_matmul(a, b), tol, tol));
    REQUIRE(allclose(matmul(a.transpose(1, 2), w).to(kDouble), reference_matmul(a.transpose(1, 2), w), tol, tol));
  }
}

TEST_CASE("matmul: empty dimensions", "[linalg]") {
  Tensor c = matmul(zeros({2, 0}), zeros({0, 3}));
  REQUIRE(c.shape() == Shape{2, 3});
  REQUIRE(values(c) == std::vector<double>(6, 0.0));
  REQUIRE(matmul(zeros({0, 2}), zeros({2, 3})).shape() == Shape{0, 3});
  REQUIRE(bmm(zeros({0, 2, 2}), zeros({0, 2, 2})).shape() == Shape{0, 2, 2});
  REQUIRE(dot(zeros({0}), zeros({0})).item<float>() == 0.0f);
  Tensor bias = tensor<float>({1, 2, 3});
  REQUIRE(values(addmm(bias, zeros({2, 0}), zeros({0, 3}))) == std::vector<double>{1, 2, 3, 1, 2, 3});
}

TEST_CASE("addmm: beta * input + alpha * a @ b", "[linalg]") {
  Tensor a = tensor<double>({1, 2, 3, 4}, {2, 2});
  Tensor b = tensor<double>({1, 0, 0, 1}, {2, 2});
  Tensor bias = tensor<double>({10, 20});
  REQUIRE(values(addmm(bias, a, b)) == std::vector<double>{11, 22, 13, 24});
  REQUIRE(values(addmm(bias, a, b, 0.5, 2.0)) == std::vector<double>{7, 14, 11, 18});
  REQUIRE(values(addmm(tensor<double>({1, 2, 3, 4}, {2, 2}), a, b.t(), 1.0, -1.0)) == std::vector<double>(4, 0.0));
  // beta = 0 ignores the input, NaN included.
  Tensor nan = full({2, 2}, std::nan(""), kDouble);
  REQUIRE(values(addmm(nan, a, b, 0.0)) == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("matmul: mixed float32/float64 computes in float64", "[linalg]") {
  Tensor c = matmul(tensor<float>({1, 2}, {1, 2}), tensor<double>({3, 4}, {2, 1}));
  REQUIRE(c.dtype() == kDouble);
  REQUIRE(values(c) == std::vector<double>{11});
}

TEST_CASE("matmul family: gradients to second order", "[linalg]") {
  manual_seed(4);
  using Fn = std::function<Tensor(const tensor_list&)>;
  auto [name, fn, inputs] = GENERATE(table<std::string, Fn, std::function<tensor_list()>>({
      {"mm", [](const tensor_list& in) { return mm(in[0], in[1]); }, [] { return tensor_list{leaf({3, 4}), leaf({4, 2})}; }},
      {"mm transposed a", [](const tensor_list& in) { return mm(in[0], in[1]); },
       [] { return tensor_list{transposed_leaf(3, 4), leaf({4, 2})}; }},
      {"mm transposed both", [](const tensor_list& in) { return mm(in[0], in[1]); },
       [] { return tensor_list{transposed_leaf(3, 4), transposed_leaf(4, 2)}; }},
      {"mm strided", [](const tensor_list& in) { return mm(in[0], in[1]); },
       [] { return tensor_list{strided_leaf(3, 4), strided_leaf(4, 2)}; }},
      {"dot", [](const tensor_list& in) { return dot(in[0], in[1]); }, [] { return tensor_list{leaf({4}), leaf({4})}; }},
      {"matmul vec @ mat", [](const tensor_list& in) { return matmul(in[0], in[1]); },
       [] { return tensor_list{leaf({3}), leaf({3, 2})}; }},
      {"matmul mat @ vec", [](const tensor_list& in) { return matmul(in[0], in[1]); },
       [] { return tensor_list{transposed_leaf(2, 3), leaf({3})}; }},
      {"matmul 3-D @ 2-D (folded)", [](const tensor_list& in) { return matmul(in[0], in[1]); },
       [] { return tensor_list{leaf({2, 3, 4}), transposed_leaf(4, 2)}; }},
      {"matmul broadcast batch", [](const tensor_list& in) { return matmul(in[0], in[1]); },
       [] { return tensor_list{leaf({2, 1, 2, 3}), leaf({3, 3, 2})}; }},
      {"matmul 2-D @ 3-D", [](const tensor_list& in) { return matmul(in[0], in[1]); },
       [] { return tensor_list{leaf({2, 3}), leaf({2, 3, 2})}; }},
      {"matmul vec @ batch", [](const tensor_list& in) { return matmul(in[0], in[1]); },
       [] { return tensor_list{leaf({3}), leaf({2, 3, 2})}; }},
      {"bmm", [](const tensor_list& in) { return bmm(in[0], in[1]); },
       [] { return tensor_list{leaf({2, 3, 4}), leaf({2, 4, 2})}; }},
      {"bmm transposed", [](const tensor_list& in) { return bmm(in[0], in[1].transpose(1, 2)); },
       [] { return tensor_list{leaf({2, 3, 4}), leaf({2, 2, 4})}; }},
      {"addmm broadcast bias", [](const tensor_list& in) { return addmm(in[0], in[1], in[2], 0.5, 2.0); },
       [] { return tensor_list{leaf({2}), leaf({3, 4}), leaf({4, 2})}; }},
      {"addmm transposed", [](const tensor_list& in) { return addmm(in[0], in[1], in[2]); },
       [] { return tensor_list{leaf({3, 2}), transposed_leaf(3, 4), transposed_leaf(4, 2)}; }},
  }));
  INFO(name);
  require_gradcheck(one_output(fn), inputs(), /*second_order=*/true);
}

TEST_CASE("matmul: backward of a broadcast batch sums over the batch", "[linalg]") {
  Tensor w = ones({3, 2}, kDouble).requires_grad_(true);
  Tensor x = ones({4, 5, 3}, kDouble);
  matmul(x, w).sum().backward();
  REQUIRE(w.grad().shape() == Shape{3, 2});
  REQUIRE(values(w.grad()) == std::vector<double>(6, 20.0));
  Tensor a = ones({2, 3}, kDouble).requires_grad_(true);
  matmul(a, ones({4, 3, 1}, kDouble)).sum().backward();
  REQUIRE(values(a.grad()) == std::vector<double>(6, 4.0));
}

TEST_CASE("matmul family: errors name the op and the shapes", "[linalg]") {
  REQUIRE_THROWS_WITH(matmul(zeros({2, 3}), zeros({4, 5})),
                      Catch::Contains("matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)"));
  REQUIRE_THROWS_WITH(matmul(zeros({3}), zeros({4})), Catch::Contains("matmul") && Catch::Contains("3 != 4"));
  REQUIRE_THROWS_WITH(matmul(zeros({2, 2, 3}), zeros({3, 3, 1})),
                      Catch::Contains("matmul") && Catch::Contains("[2, 2, 3]") && Catch::Contains("[3, 3, 1]"));
  REQUIRE_THROWS_WITH(matmul(zeros({}), zeros({3})), Catch::Contains("matmul") && Catch::Contains("at least 1 dim"));
  REQUIRE_THROWS_WITH(mm(zeros({2, 3}), zeros({3})), Catch::Contains("mm: expected 2-D"));
  REQUIRE_THROWS_WITH(mm(zeros({2, 3}), zeros({2, 3})), Catch::Contains("mm: shapes [2, 3] and [2, 3]"));
  REQUIRE_THROWS_WITH(bmm(zeros({2, 2, 3}), zeros({3, 3, 2})), Catch::Contains("bmm: batch sizes differ"));
  REQUIRE_THROWS_WITH(bmm(zeros({2, 3}), zeros({3, 2})), Catch::Contains("bmm: expected 3-D"));
  REQUIRE_THROWS_WITH(dot(zeros({2}), zeros({3})), Catch::Contains("dot") && Catch::Contains("2 != 3"));
  REQUIRE_THROWS_WITH(dot(zeros({2, 1}), zeros({2})), Catch::Contains("dot: expected 1-D"));
  REQUIRE_THROWS_WITH(addmm(zeros({3}), zeros({2, 2}), zeros({2, 2})),
                      Catch::Contains("addmm") && Catch::Contains("[3]") && Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(matmul(zeros({2, 2}, kLong), zeros({2, 2}, kLong)),
                      Catch::Contains("matmul") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(mm(zeros({2, 2}), zeros({2, 2}, kBool)), Catch::Contains("mm") && Catch::Contains("bool"));
}
