// View ops (view/reshape, transpose/permute/t, narrow/slice/select, squeeze/unsqueeze, expand,
// flatten, contiguous/clone/to) and joining (cat, stack, split, chunk): storage sharing, values,
// gradients on contiguous and non-contiguous inputs, errors.
#include "gradcheck_support.h"

using namespace tg;
using tg::testing::values;
using tg::testing::leaf;
using tg::testing::require_gradcheck;
using tg::testing::strided_leaf;
using tg::testing::transposed_leaf;

namespace {

// 0 1 2 / 3 4 5 (2 x 3)
Tensor small() { return arange(6.0, kDouble).view({2, 3}); }

using Fn = std::function<Tensor(const Tensor&)>;

// The three layouts every view op is checked on, all with logical shape {2, 3}.
Tensor make_input(const std::string& layout) { return tg::testing::layout_leaf(layout, 2, 3); }

}  // namespace

TEST_CASE("view ops: values and storage sharing", "[view]") {
  Tensor x = small();
  auto shares = [&](const Tensor& v) { return v.shares_storage(x); };

  Tensor v = x.view({3, 2});
  REQUIRE(shares(v));
  REQUIRE(v.shape() == Shape{3, 2});
  REQUIRE(values(v) == std::vector<double>{0, 1, 2, 3, 4, 5});
  REQUIRE(x.view({-1}).shape() == Shape{6});
  REQUIRE(x.view({1, -1, 3}).shape() == Shape{1, 2, 3});
  REQUIRE(shares(x.reshape({6})));

  Tensor t = x.t();
  REQUIRE(shares(t));
  REQUIRE_FALSE(t.is_contiguous());
  REQUIRE(t.strides() == Shape{1, 3});
  REQUIRE(values(t) == std::vector<double>{0, 3, 1, 4, 2, 5});
  REQUIRE(values(x.transpose(0, -1)) == values(t));
  // reshape of a transposed tensor cannot be a view: it copies.
  Tensor r = t.reshape({6});
  REQUIRE_FALSE(shares(r));
  REQUIRE(values(r) == std::vector<double>{0, 3, 1, 4, 2, 5});
  // ... but adding size-1 dims to it can.
  REQUIRE(shares(t.view({3, 1, 2})));

  Tensor p = arange(24.0, kDouble).view({2, 3, 4}).permute({2, 0, 1});
  REQUIRE(p.shape() == Shape{4, 2, 3});
  REQUIRE(p.strides() == Shape{1, 12, 4});
  REQUIRE(values(p.select(0, 1)) == std::vector<double>{1, 5, 9, 13, 17, 21});

  REQUIRE(shares(x.narrow(1, 1, 2)));
  REQUIRE(values(x.narrow(1, 1, 2)) == std::vector<double>{1, 2, 4, 5});
  REQUIRE(values(x.narrow(1, -2, 2)) == std::vector<double>{1, 2, 4, 5});
  REQUIRE(values(x.slice(1, 0, 3, 2)) == std::vector<double>{0, 2, 3, 5});
  REQUIRE(values(x.slice(1, -2)) == std::vector<double>{1, 2, 4, 5});
  REQUIRE(x.slice(1, 5, 9).shape() == Shape{2, 0});
  REQUIRE(values(arange(10.0).slice(0, 1, 8, 3)) == std::vector<double>{1, 4, 7});
  REQUIRE(values(x.select(1, -1)) == std::vector<double>{2, 5});
  REQUIRE(values(x[1]) == std::vector<double>{3, 4, 5});
  REQUIRE(shares(x[1]));

  Tensor u = x.unsqueeze(1);
  REQUIRE(u.shape() == Shape{2, 1, 3});
  REQUIRE(shares(u));
  REQUIRE(x.unsqueeze(-1).shape() == Shape{2, 3, 1});
  REQUIRE(u.squeeze(1).shape() == Shape{2, 3});
  REQUIRE(u.squeeze(0).shape() == Shape{2, 1, 3});  // not size 1: unchanged
  REQUIRE(zeros({1, 2, 1}).squeeze().shape() == Shape{2});
  REQUIRE(shares(u.squeeze()));

  Tensor col = x.narrow(1, 0, 1);  // [[0], [3]]
  Tensor e = col.expand({2, 4});
  REQUIRE(shares(e));
  REQUIRE(e.strides()[1] == 0);
  REQUIRE(values(e) == std::vector<double>{0, 0, 0, 0, 3, 3, 3, 3});
  REQUIRE(x.expand({5, 2, 3}).shape() == Shape{5, 2, 3});
  REQUIRE(x.expand({-1, 3}).shape() == Shape{2, 3});
  REQUIRE(values(col.expand_as(x)) == std::vector<double>{0, 0, 0, 3, 3, 3});

  Tensor f = arange(24.0).view({2, 3, 4});
  REQUIRE(f.flatten().shape() == Shape{24});
  REQUIRE(f.flatten(1).shape() == Shape{2, 12});
  REQUIRE(f.flatten(0, 1).shape() == Shape{6, 4});
  REQUIRE(scalar_tensor(2.0).flatten().shape() == Shape{1});
  REQUIRE(f.flatten().shares_storage(f));

  REQUIRE(x.contiguous().is_same(x));
  Tensor tc = t.contiguous();
  REQUIRE(tc.is_contiguous());
  REQUIRE_FALSE(shares(tc));
  REQUIRE(values(tc) == values(t));
  Tensor c = x.clone();
  REQUIRE_FALSE(shares(c));
  REQUIRE(values(c) == values(x));
  REQUIRE(x.to(kDouble).is_same(x));
  Tensor xl = x.to(kLong);
  REQUIRE(xl.dtype() == kLong);
  REQUIRE_FALSE(shares(xl));
  REQUIRE(values(tensor<double>({1.7, -1.7}).to(kLong)) == std::vector<double>{1, -1});
  REQUIRE(values(tensor<double>({0.0, 2.0}).to(kBool)) == std::vector<double>{0, 1});
}

TEST_CASE("view ops: writes through a view reach the base", "[view]") {
  Tensor x = small();
  x.narrow(1, 1, 1).fill_(-1.0);
  REQUIRE(values(x) == std::vector<double>{0, -1, 2, 3, -1, 5});
  x.t()[2].fill_(9.0);
  REQUIRE(values(x) == std::vector<double>{0, -1, 9, 3, -1, 9});
  x.view({-1}).slice(0, 0, 6, 3).copy_(tensor<double>({7, 8}));
  REQUIRE(values(x) == std::vector<double>{7, -1, 9, 8, -1, 9});
}

TEST_CASE("view ops: gradients on contiguous and non-contiguous inputs", "[view]") {
  manual_seed(11);
  auto [name, fn, second] = GENERATE(table<std::string, Fn, bool>({
      {"view adding dims", [](const Tensor& x) { return x.view({2, 1, 3}); }, true},
      {"reshape", [](const Tensor& x) { return x.reshape({3, 2}); }, true},
      {"reshape -1", [](const Tensor& x) { return x.reshape({-1}); }, false},
      {"transpose", [](const Tensor& x) { return x.transpose(0, 1); }, true},
      {"permute", [](const Tensor& x) { return x.unsqueeze(0).permute({2, 0, 1}); }, true},
      {"t", [](const Tensor& x) { return x.t(); }, false},
      {"narrow", [](const Tensor& x) { return x.narrow(1, 1, 2); }, true},
      {"slice with step", [](const Tensor& x) { return x.slice(1, 0, 3, 2); }, true},
      {"slice negative start", [](const Tensor& x) { return x.slice(0, -1); }, false},
      {"select", [](const Tensor& x) { return x.select(1, -1); }, true},
      {"select row", [](const Tensor& x) { return x[0]; }, false},
      {"unsqueeze", [](const Tensor& x) { return x.unsqueeze(-1); }, false},
      {"squeeze all", [](const Tensor& x) { return x.unsqueeze(1).unsqueeze(0).squeeze(); }, true},
      {"squeeze dim", [](const Tensor& x) { return x.unsqueeze(2).squeeze(2); }, false},
      {"expand new dims", [](const Tensor& x) { return x.expand({4, 2, 3}); }, true},
      {"expand size-1 dim", [](const Tensor& x) { return x.narrow(1, 2, 1).expand({2, 4}); }, true},
      {"flatten", [](const Tensor& x) { return x.unsqueeze(2).flatten(1); }, false},
      {"contiguous", [](const Tensor& x) { return x.contiguous(); }, false},
      {"clone", [](const Tensor& x) { return x.clone(); }, true},
      {"chain", [](const Tensor& x) { return x.t().reshape({2, 3}).slice(1, 1).expand({2, 2, 2}) * 2.0; }, true},
  }));
  const std::string layout = GENERATE(as<std::string>{}, "contiguous", "transposed", "strided");
  INFO(name << " on a " << layout << " input");
  Tensor x = make_input(layout);
  require_gradcheck([fn = fn](const tensor_list& in) { return tensor_list{fn(in[0])}; }, {x}, second);
}

TEST_CASE("to: the gradient comes back in the input's dtype", "[view]") {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_(true);
  Tensor y = x.to(kFloat);
  REQUIRE(y.dtype() == kFloat);
  (y * y).sum().backward();
  REQUIRE(x.grad().dtype() == kDouble);
  REQUIRE(values(x.grad()) == std::vector<double>{2, 4});
  REQUIRE_FALSE(x.to(kLong).requires_grad());
}

TEST_CASE("view ops: errors", "[view]") {
  Tensor x = small();
  REQUIRE_THROWS_WITH(x.t().view({6}), Catch::Contains("view") && Catch::Contains("reshape"));
  REQUIRE_THROWS_WITH(x.view({4, -1}), Catch::Contains("view") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.view({-1, -1}), Catch::Contains("view") && Catch::Contains("only one"));
  REQUIRE_THROWS_WITH(x.view({7}), Catch::Contains("view") && Catch::Contains("[7]"));
  REQUIRE_THROWS_WITH(x.reshape({5}), Catch::Contains("reshape") && Catch::Contains("[5]"));
  REQUIRE_THROWS_WITH(x.transpose(0, 2), Catch::Contains("transpose") && Catch::Contains("dim 2"));
  REQUIRE_THROWS_WITH(x.permute({0, 0}), Catch::Contains("permute") && Catch::Contains("repeated"));
  REQUIRE_THROWS_WITH(x.permute({0}), Catch::Contains("permute"));
  REQUIRE_THROWS_WITH(arange(8.0).view({2, 2, 2}).t(), Catch::Contains("t:"));
  REQUIRE_THROWS_WITH(x.narrow(1, 2, 2), Catch::Contains("narrow") && Catch::Contains("size 3"));
  REQUIRE_THROWS_WITH(x.narrow(1, -4, 1), Catch::Contains("narrow"));
  REQUIRE_THROWS_WITH(x.select(0, 2), Catch::Contains("select") && Catch::Contains("index 2"));
  REQUIRE_THROWS_WITH(x.select(0, -3), Catch::Contains("select") && Catch::Contains("index -3"));
  REQUIRE_THROWS_WITH(scalar_tensor(1.0).select(0, 0), Catch::Contains("select") && Catch::Contains("0-d"));
  REQUIRE_THROWS_WITH(x.slice(1, 0, 3, 0), Catch::Contains("slice") && Catch::Contains("step"));
  REQUIRE_THROWS_WITH(scalar_tensor(1.0).slice(0, 0, 1), Catch::Contains("slice") && Catch::Contains("0-d"));
  REQUIRE_THROWS_WITH(x.expand({2, 4}), Catch::Contains("expand") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.expand({3}), Catch::Contains("expand") && Catch::Contains("fewer"));
  REQUIRE_THROWS_WITH(x.squeeze(3), Catch::Contains("squeeze"));
  REQUIRE_THROWS_WITH(x.unsqueeze(4), Catch::Contains("unsqueeze"));
  REQUIRE_THROWS_WITH(arange(8.0).view({2, 2, 2}).flatten(2, 1), Catch::Contains("flatten"));
}

// Regression tests: each of these once read out of bounds or built a negative size.
TEST_CASE("view ops: 0-d and negative-size edge cases throw", "[view]") {
  REQUIRE_THROWS_AS(scalar_tensor(1.0).narrow(0, 0, 1), Error);
  REQUIRE_THROWS_AS(scalar_tensor(1.0).size(0), Error);
  REQUIRE_THROWS_AS(scalar_tensor(1.0).stride(0), Error);
  REQUIRE_THROWS_AS(ones({1}).expand({-2}), Error);
  REQUIRE_THROWS_AS(scalar_tensor(1.0).squeeze(5), Error);
}

// ---- joining ------------------------------------------------------------------------------------

TEST_CASE("cat and stack: values, dtype promotion", "[view][join]") {
  Tensor a = small(), b = tensor<double>({6, 7, 8}, {1, 3});
  Tensor c = cat({a, b});
  REQUIRE(c.shape() == Shape{3, 3});
  REQUIRE(values(c) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  REQUIRE(values(cat({a, a.narrow(1, 0, 1)}, -1)) == std::vector<double>{0, 1, 2, 0, 3, 4, 5, 3});
  REQUIRE(values(cat({a.t(), b.t()}, 1)) == std::vector<double>{0, 3, 6, 1, 4, 7, 2, 5, 8});
  REQUIRE(cat({a, zeros({0, 3}, kDouble)}).shape() == Shape{2, 3});
  Tensor mixed = cat({tensor<float>({1.5f}), tensor<int64_t>({2}), tensor<double>({3.25})});
  REQUIRE(mixed.dtype() == kDouble);
  REQUIRE(values(mixed) == std::vector<double>{1.5, 2, 3.25});
  REQUIRE(cat({tensor<int64_t>({1}), tensor<bool>({true})}).dtype() == kLong);

  Tensor s = stack({tensor<double>({1, 2}), tensor<double>({3, 4}), tensor<double>({5, 6})});
  REQUIRE(s.shape() == Shape{3, 2});
  REQUIRE(values(s) == std::vector<double>{1, 2, 3, 4, 5, 6});
  Tensor s1 = stack({tensor<double>({1, 2}), tensor<double>({3, 4})}, 1);
  REQUIRE(s1.shape() == Shape{2, 2});
  REQUIRE(values(s1) == std::vector<double>{1, 3, 2, 4});
  REQUIRE(stack({a, a}, -1).shape() == Shape{2, 3, 2});
  REQUIRE(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).shape() == Shape{2});
}

TEST_CASE("split and chunk: views of near-equal pieces", "[view][join]") {
  Tensor x = arange(10.0).view({2, 5});
  tensor_list parts = split(x, 2, 1);
  REQUIRE(parts.size() == 3);
  REQUIRE(parts[0].shape() == Shape{2, 2});
  REQUIRE(parts[2].shape() == Shape{2, 1});
  REQUIRE(values(parts[1]) == std::vector<double>{2, 3, 7, 8});
  for (const Tensor& p : parts) REQUIRE(p.shares_storage(x));
  REQUIRE(split(x, 5, 1).size() == 1);
  REQUIRE(split(x, 7, -1).size() == 1);
  tensor_list chunks = chunk(x, 3, 1);  // pieces of ceil(5 / 3) = 2
  REQUIRE(chunks.size() == 3);
  REQUIRE(values(chunks[2]) == std::vector<double>{4, 9});
  REQUIRE(chunk(arange(6.0), 4).size() == 3);  // ceil(6 / 4) = 2: only 3 pieces
  REQUIRE(chunk(x, 2, 0).size() == 2);
  REQUIRE(split(zeros({0, 2}), 3).size() == 1);
}

TEST_CASE("cat, stack, split, chunk: gradients", "[view][join]") {
  manual_seed(12);
  using ListFn = std::function<tensor_list(const tensor_list&)>;
  auto [name, fn, inputs, second] = GENERATE(table<std::string, ListFn, std::function<tensor_list()>, bool>({
      {"cat dim 0 mixed layouts", [](const tensor_list& in) { return tensor_list{cat({in[0], in[1], in[2]}, 0)}; },
       [] { return tensor_list{leaf({1, 3}), transposed_leaf(2, 3), strided_leaf(2, 3)}; }, true},
      {"cat dim -1", [](const tensor_list& in) { return tensor_list{cat({in[0], in[1]}, -1)}; },
       [] { return tensor_list{transposed_leaf(2, 3), leaf({2, 1})}; }, true},
      {"cat same tensor twice", [](const tensor_list& in) { return tensor_list{cat({in[0], in[0] * 2.0}, 1)}; },
       [] { return tensor_list{leaf({2, 2})}; }, false},
      {"cat with a constant", [](const tensor_list& in) { return tensor_list{cat({ones({1, 2}, kDouble), in[0]})}; },
       [] { return tensor_list{leaf({2, 2})}; }, false},
      {"stack dim 1", [](const tensor_list& in) { return tensor_list{stack({in[0], in[1]}, 1)}; },
       [] { return tensor_list{strided_leaf(2, 3), transposed_leaf(2, 3)}; }, true},
      {"split", [](const tensor_list& in) { return split(in[0], 2, 1); }, [] { return tensor_list{transposed_leaf(2, 3)}; },
       true},
      {"chunk", [](const tensor_list& in) { return chunk(in[0], 2, 0); }, [] { return tensor_list{strided_leaf(3, 2)}; },
       false},
      {"split then cat back", [](const tensor_list& in) {
         tensor_list p = split(in[0], 1, 0);
         return tensor_list{cat({p[2], p[0]}, 0)};
       },
       [] { return tensor_list{leaf({3, 2})}; }, false},
  }));
  INFO(name);
  require_gradcheck(fn, inputs(), second);
}

TEST_CASE("cat: more than 64 inputs all get their gradient", "[view][join]") {
  tensor_list xs;
  for (int i = 0; i < 70; ++i) xs.push_back(full({1, 2}, i, kDouble).requires_grad_(true));
  Tensor c = cat(xs);
  REQUIRE(c.shape() == Shape{70, 2});
  (c * c).sum().backward();
  for (int i = 0; i < 70; ++i) {
    REQUIRE(xs[i].grad().defined());
    REQUIRE(values(xs[i].grad()) == std::vector<double>(2, 2.0 * i));
  }
}

TEST_CASE("cat, stack, split, chunk: errors", "[view][join]") {
  Tensor x = small();
  REQUIRE_THROWS_WITH(cat({}), Catch::Contains("cat") && Catch::Contains("non-empty"));
  REQUIRE_THROWS_WITH(cat({scalar_tensor(1.0), scalar_tensor(2.0)}), Catch::Contains("cat") && Catch::Contains("0-d"));
  REQUIRE_THROWS_WITH(cat({x, zeros({2, 2})}, 0),
                      Catch::Contains("cat") && Catch::Contains("[2, 2]") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(cat({x, zeros({6})}), Catch::Contains("cat") && Catch::Contains("[6]"));
  REQUIRE_THROWS_WITH(cat({x, Tensor()}), Catch::Contains("cat") && Catch::Contains("undefined"));
  REQUIRE_THROWS_WITH(cat({x, x}, 2), Catch::Contains("cat") && Catch::Contains("dim 2"));
  REQUIRE_THROWS_WITH(stack({x, x.t()}), Catch::Contains("stack") && Catch::Contains("[3, 2]"));
  REQUIRE_THROWS_WITH(stack({x, x}, 3), Catch::Contains("stack"));
  REQUIRE_THROWS_WITH(split(x, 0, 1), Catch::Contains("split") && Catch::Contains("positive"));
  REQUIRE_THROWS_WITH(split(scalar_tensor(1.0), 1), Catch::Contains("split") && Catch::Contains("0-d"));
  REQUIRE_THROWS_WITH(chunk(x, 0), Catch::Contains("chunk") && Catch::Contains("positive"));
  REQUIRE_THROWS_WITH(chunk(x, 2, 5), Catch::Contains("chunk") && Catch::Contains("dim 5"));
}
