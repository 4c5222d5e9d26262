// index_select, index_add, gather, scatter_add, masked_fill, one_hot: values by hand (repeated
// indices accumulate), gradients, and every index checked before it is used.
#include "gradcheck_support.h"

using namespace tg;
using tg::testing::values;
using tg::testing::leaf;
using tg::testing::one_output;
using tg::testing::require_gradcheck;
using tg::testing::strided_leaf;
using tg::testing::transposed_leaf;

namespace {

Tensor idx(const std::vector<int64_t>& v) { return tensor<int64_t>(v); }
Tensor idx(const std::vector<int64_t>& v, const Shape& shape) { return tensor<int64_t>(v, shape); }

// 0 1 2 / 3 4 5 (2 x 3)
Tensor small() { return tensor<double>({0, 1, 2, 3, 4, 5}, {2, 3}); }

}  // namespace

TEST_CASE("index_select: values along each dim, repeated and 0-d indices", "[index]") {
  Tensor x = small();
  REQUIRE(values(index_select(x, 1, idx({2, 0, 2}))) == std::vector<double>{2, 0, 2, 5, 3, 5});
  REQUIRE(index_select(x, 1, idx({2, 0, 2})).shape() == Shape{2, 3});
  REQUIRE(values(x.index_select(0, idx({1, 1}))) == std::vector<double>{3, 4, 5, 3, 4, 5});
  REQUIRE(values(index_select(x, -1, idx({1}, {}))) == std::vector<double>{1, 4});
  REQUIRE(index_select(x, 0, idx({}, {0})).shape() == Shape{0, 3});
  // Non-contiguous input and other dtypes.
  REQUIRE(values(index_select(x.t(), 0, idx({2, 0}))) == std::vector<double>{2, 5, 0, 3});
  REQUIRE(values(index_select(tensor<int64_t>({7, 8, 9}), 0, idx({2, 2, 0}))) == std::vector<double>{9, 9, 7});
  REQUIRE(values(index_select(tensor<bool>({true, false}), 0, idx({1, 0}))) == std::vector<double>{0, 1});
}

TEST_CASE("index_add: repeated indices accumulate", "[index]") {
  Tensor x = zeros({3, 2}, kDouble);
  Tensor src = tensor<double>({1, 2, 3, 4, 5, 6}, {3, 2});
  REQUIRE(values(index_add(x, 0, idx({2, 0, 2}), src)) == std::vector<double>{3, 4, 0, 0, 6, 8});
  REQUIRE(values(index_add(small(), 1, idx({0, 0}), tensor<double>({1, 1, 1, 1}, {2, 2}))) ==
          std::vector<double>{2, 1, 2, 5, 4, 5});
  REQUIRE(values(x) == std::vector<double>(6, 0.0));  // out of place
}

TEST_CASE("gather: values along each dim", "[index]") {
  Tensor x = small();
  REQUIRE(values(gather(x, 1, idx({2, 2, 0, 1}, {2, 2}))) == std::vector<double>{2, 2, 3, 4});
  REQUIRE(values(x.gather(0, idx({1, 0, 1}, {1, 3}))) == std::vector<double>{3, 1, 5});
  // The index may be smaller than the input in the other dims; the input may be a view.
  REQUIRE(values(gather(x, 1, idx({1}, {1, 1}))) == std::vector<double>{1});
  REQUIRE(values(gather(x.t(), 0, idx({1, 0}, {1, 2}))) == std::vector<double>{1, 3});
  Tensor strided_index = idx({0, 9, 2, 9}, {2, 2}).slice(1, 0, 1);  // [[0], [2]], row stride 2
  REQUIRE(values(gather(x, 1, strided_index)) == std::vector<double>{0, 5});
  REQUIRE(values(gather(tensor<int64_t>({4, 5, 6}), 0, idx({2, 2, 1}))) == std::vector<double>{6, 6, 5});
}

TEST_CASE("scatter_add: values, repeated indices accumulate", "[index]") {
  Tensor x = zeros({2, 3}, kDouble);
  Tensor src = tensor<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  REQUIRE(values(scatter_add(x, 1, idx({0, 0, 2, 1, 1, 1}, {2, 3}), src)) == std::vector<double>{3, 0, 3, 0, 15, 0});
  REQUIRE(values(x.scatter_add(0, idx({1, 0, 1}, {1, 3}), src)) == std::vector<double>{0, 2, 0, 1, 0, 3});
  // src larger than the index: only the index's extent is used.
  REQUIRE(values(scatter_add(x, 1, idx({2}, {1, 1}), src)) == std::vector<double>{0, 0, 1, 0, 0, 0});
  REQUIRE(values(scatter_add(ones({3}, kLong), 0, idx({0, 0}), tensor<int64_t>({5, 6}))) == std::vector<double>{12, 1, 1});
}

TEST_CASE("masked_fill: values, broadcast mask, dtypes", "[index]") {
  Tensor x = small();
  Tensor mask = tensor<bool>({true, false, true});
  REQUIRE(values(masked_fill(x, mask, -1.0)) == std::vector<double>{-1, 1, -1, -1, 4, -1});
  REQUIRE(values(x.masked_fill(x > 2.5, 9.0)) == std::vector<double>{0, 1, 2, 9, 9, 9});
  REQUIRE(values(masked_fill(tensor<int64_t>({1, 2}), tensor<bool>({false, true}), 7)) == std::vector<double>{1, 7});
  REQUIRE(masked_fill(x.t(), tensor<bool>({true, false}), 0.0).shape() == Shape{3, 2});
  REQUIRE(values(masked_fill(x.t(), tensor<bool>({true, false}), 0.0)) == std::vector<double>{0, 3, 0, 4, 0, 5});
  REQUIRE(masked_fill(tensor<double>({1.0}), tensor<bool>({true, false}, {2, 1}), 0.0).shape() == Shape{2, 1});
}

TEST_CASE("one_hot: values and inferred class count", "[index]") {
  Tensor h = one_hot(idx({0, 2, 1}), 4);
  REQUIRE(h.shape() == Shape{3, 4});
  REQUIRE(h.dtype() == kLong);
  REQUIRE(values(h) == std::vector<double>{1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0});
  Tensor inferred = one_hot(idx({1, 0, 2, 2}, {2, 2}));
  REQUIRE(inferred.shape() == Shape{2, 2, 3});
  REQUIRE(values(inferred) == std::vector<double>{0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1});
}

TEST_CASE("indexing ops: gradients", "[index]") {
  manual_seed(7);
  using Fn = std::function<Tensor(const tensor_list&)>;
  auto [name, fn, inputs, second] = GENERATE(table<std::string, Fn, std::function<tensor_list()>, bool>({
      {"index_select dim 0 repeated", [](const tensor_list& in) { return index_select(in[0], 0, idx({2, 0, 2, 2})); },
       [] { return tensor_list{leaf({3, 2})}; }, true},
      {"index_select dim 1 transposed", [](const tensor_list& in) { return index_select(in[0], 1, idx({1, 1, 0})); },
       [] { return tensor_list{transposed_leaf(2, 3)}; }, true},
      {"index_select strided", [](const tensor_list& in) { return index_select(in[0], 1, idx({2, 0})); },
       [] { return tensor_list{strided_leaf(2, 3)}; }, false},
      {"index_add", [](const tensor_list& in) { return index_add(in[0], 0, idx({1, 1, 0}), in[1]); },
       [] { return tensor_list{leaf({2, 3}), transposed_leaf(3, 3)}; }, true},
      {"gather repeated", [](const tensor_list& in) { return gather(in[0], 1, idx({0, 0, 2, 1, 1, 1}, {2, 3})); },
       [] { return tensor_list{leaf({2, 3})}; }, true},
      {"gather dim 0 transposed, small index", [](const tensor_list& in) { return gather(in[0], 0, idx({2, 2, 0}, {1, 3})); },
       [] { return tensor_list{transposed_leaf(3, 4)}; }, false},
      {"scatter_add repeated", [](const tensor_list& in) { return scatter_add(in[0], 1, idx({0, 0, 2, 1, 1, 1}, {2, 3}), in[1]); },
       [] { return tensor_list{leaf({2, 3}), leaf({2, 3})}; }, true},
      {"scatter_add src larger than index", [](const tensor_list& in) { return scatter_add(in[0], 0, idx({1, 1}, {2, 1}), in[1]); },
       [] { return tensor_list{transposed_leaf(2, 3), strided_leaf(3, 2)}; }, true},
      {"masked_fill broadcast mask", [](const tensor_list& in) { return masked_fill(in[0], tensor<bool>({true, false, true}), 2.0); },
       [] { return tensor_list{leaf({2, 3})}; }, true},
      {"masked_fill transposed", [](const tensor_list& in) { return masked_fill(in[0], tensor<bool>({false, true}, {2, 1}), 0.0); },
       [] { return tensor_list{transposed_leaf(2, 3)}; }, false},
      {"masked_fill mask broadcasts the input", [](const tensor_list& in) { return masked_fill(in[0], tensor<bool>({false, true}, {2, 1}), 0.0); },
       [] { return tensor_list{leaf({3})}; }, false},
  }));
  INFO(name);
  require_gradcheck(one_output(fn), inputs(), second);
}

TEST_CASE("index_select: the gradient of repeated indices accumulates", "[index]") {
  Tensor x = zeros({3}, kDouble).requires_grad_(true);
  index_select(x, 0, idx({2, 0, 2, 2})).sum().backward();
  REQUIRE(values(x.grad()) == std::vector<double>{1, 0, 3});
  Tensor y = zeros({2, 2}, kDouble).requires_grad_(true);
  gather(y, 1, idx({1, 1, 1, 0}, {2, 2})).sum().backward();
  REQUIRE(values(y.grad()) == std::vector<double>{0, 2, 1, 1});
}

TEST_CASE("indexing ops: out-of-range indices name the op, the value and the size", "[index]") {
  Tensor x = small();
  REQUIRE_THROWS_WITH(index_select(x, 1, idx({0, 3})),
                      Catch::Contains("index_select") && Catch::Contains("index 3") && Catch::Contains("size 3"));
  REQUIRE_THROWS_WITH(index_select(x, 0, idx({-1})), Catch::Contains("index_select") && Catch::Contains("index -1"));
  REQUIRE_THROWS_WITH(index_add(x, 0, idx({5}), ones({1, 3}, kDouble)),
                      Catch::Contains("index_add") && Catch::Contains("index 5") && Catch::Contains("size 2"));
  REQUIRE_THROWS_WITH(gather(x, 1, idx({0, 1, 7, 0}, {2, 2})),
                      Catch::Contains("gather") && Catch::Contains("index 7") && Catch::Contains("size 3"));
  REQUIRE_THROWS_WITH(gather(x, 0, idx({-2, 0, 0}, {1, 3})), Catch::Contains("gather") && Catch::Contains("index -2"));
  REQUIRE_THROWS_WITH(scatter_add(x, 0, idx({0, 2, 0}, {1, 3}), x),
                      Catch::Contains("scatter_add") && Catch::Contains("index 2") && Catch::Contains("size 2"));
  REQUIRE_THROWS_WITH(one_hot(idx({0, 4}), 3), Catch::Contains("one_hot") && Catch::Contains("4") && Catch::Contains("3 classes"));
  REQUIRE_THROWS_WITH(one_hot(idx({-1, 0})), Catch::Contains("one_hot") && Catch::Contains("-1"));
  // Many indices (the threaded check): the first bad one in order is reported.
  std::vector<int64_t> many(100000, 1);
  many[70000] = 9;
  many[90000] = 8;
  REQUIRE_THROWS_WITH(index_select(x, 1, idx(many)), Catch::Contains("index 9"));
}

TEST_CASE("indexing ops: wrong dtypes and shapes", "[index]") {
  Tensor x = small();
  REQUIRE_THROWS_WITH(index_select(x, 0, tensor<double>({0.0})),
                      Catch::Contains("index_select") && Catch::Contains("int64") && Catch::Contains("float64"));
  REQUIRE_THROWS_WITH(gather(x, 0, tensor<float>({0.0f}, {1, 1})), Catch::Contains("gather") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(scatter_add(x, 0, tensor<bool>({true}, {1, 1}), x), Catch::Contains("scatter_add") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(one_hot(tensor<double>({1.0})), Catch::Contains("one_hot") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(one_hot(idx({}, {0})), Catch::Contains("one_hot") && Catch::Contains("empty"));
  REQUIRE_THROWS_WITH(index_select(x, 0, idx({0, 1}, {1, 2})), Catch::Contains("index_select") && Catch::Contains("[1, 2]"));
  REQUIRE_THROWS_WITH(index_select(x, 2, idx({0})), Catch::Contains("index_select") && Catch::Contains("dim 2"));
  REQUIRE_THROWS_WITH(index_select(scalar_tensor(1.0), 0, idx({0})), Catch::Contains("index_select") && Catch::Contains("0-d"));
  REQUIRE_THROWS_WITH(gather(x, 1, idx({0, 0, 0, 0, 0, 0}, {3, 2})),
                      Catch::Contains("gather") && Catch::Contains("[3, 2]") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(gather(x, 1, idx({0})), Catch::Contains("gather") && Catch::Contains("numbers of dims"));
  REQUIRE_THROWS_WITH(scatter_add(x, 1, idx({0, 0, 0, 0}, {2, 2}), ones({2, 1}, kDouble)),
                      Catch::Contains("scatter_add") && Catch::Contains("src"));
  REQUIRE_THROWS_WITH(scatter_add(x, 1, idx({0}, {1, 1}), ones({2, 3})),
                      Catch::Contains("scatter_add") && Catch::Contains("float32") && Catch::Contains("float64"));
  REQUIRE_THROWS_WITH(index_add(x, 0, idx({0}), ones({2, 3}, kDouble)),
                      Catch::Contains("index_add") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(masked_fill(x, tensor<int64_t>({1, 0, 1}), 0.0),
                      Catch::Contains("masked_fill") && Catch::Contains("bool"));
  REQUIRE_THROWS_WITH(masked_fill(x, tensor<bool>({true, false}), 0.0),
                      Catch::Contains("masked_fill") && Catch::Contains("[2, 3]") && Catch::Contains("[2]"));
}
