// The public custom-op API: Function<T>, Context, and the engine's checks on user backwards.
#include "gradcheck_support.h"

using namespace tg;
using autograd::Context;

namespace {

// softplus(x) = log(1 + e^x), with a hand-written derivative sigmoid(x).
struct SmoothRelu : autograd::Function<SmoothRelu> {
  static constexpr const char* name = "SmoothRelu";
  static Tensor forward(Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return log(exp(x) + 1.0);
  }
  static tensor_list backward(Context& ctx, const tensor_list& grads) {
    return {grads[0] * sigmoid(ctx.saved_tensors()[0])};
  }
};

// y = a * x + b, with a non-tensor scale kept in the context.
struct ScaledAxpy : autograd::Function<ScaledAxpy> {
  static Tensor forward(Context& ctx, const Tensor& x, const Tensor& b, double a) {
    ctx.saved_data["a"] = a;
    return x * a + b;
  }
  static tensor_list backward(Context& ctx, const tensor_list& grads) {
    const double a = ctx.get<double>("a");
    // One gradient per forward argument: the double gets an undefined tensor.
    return {ctx.needs_input_grad(0) ? grads[0] * a : Tensor(), grads[0], Tensor()};
  }
};

// Two outputs, the second an int64 index that gets no gradient.
struct MaxWithIndex : autograd::Function<MaxWithIndex> {
  static tensor_list forward(Context& ctx, const Tensor& x) {
    Tensor idx = argmax(x);
    Tensor value = x.view({-1}).index_select(0, idx.view({1})).view({});
    ctx.save_for_backward({idx});
    ctx.saved_data["n"] = x.numel();
    ctx.mark_non_differentiable({idx});
    return {value, idx};
  }
  static tensor_list backward(Context& ctx, const tensor_list& grads) {
    const Tensor& idx = ctx.saved_tensors()[0];
    Tensor onehot = one_hot(idx, ctx.get<int64_t>("n")).to(grads[0].dtype());
    return {onehot * grads[0]};
  }
};

struct WrongCount : autograd::Function<WrongCount> {
  static Tensor forward(Context&, const Tensor& x, const Tensor& y) { return x * y; }
  static tensor_list backward(Context&, const tensor_list& grads) { return {grads[0]}; }
};

struct WrongShape : autograd::Function<WrongShape> {
  static Tensor forward(Context&, const Tensor& x) { return x * 2.0; }
  static tensor_list backward(Context&, const tensor_list& grads) { return {grads[0].sum().view({1, 1, 1})}; }
};

struct Identity : autograd::Function<Identity> {
  static Tensor forward(Context&, const Tensor& x) { return x; }
  static tensor_list backward(Context&, const tensor_list& grads) { return {grads[0]}; }
};

}  // namespace

TEST_CASE("a user-defined op is recorded and gradchecks", "[function]") {
  manual_seed(1);
  Tensor x = testing::leaf({3, 4});
  Tensor y = SmoothRelu::apply(x);
  REQUIRE(y.grad_fn()->name() == "SmoothRelu");
  testing::require_gradcheck(testing::one_output([](const tensor_list& in) { return SmoothRelu::apply(in[0]); }), {x},
                             /*second_order=*/true);
  testing::require_gradcheck(testing::one_output([](const tensor_list& in) { return SmoothRelu::apply(in[0]); }),
                             {testing::transposed_leaf(3, 2)});
}

TEST_CASE("non-tensor arguments and saved_data", "[function]") {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_(true);
  Tensor b = tensor<double>({0.5}).requires_grad_(true);
  ScaledAxpy::apply(x, b, 3.0).sum().backward();
  REQUIRE(allclose(x.grad(), tensor<double>({3.0, 3.0})));
  REQUIRE(b.grad().item<double>() == Approx(2.0));  // broadcast: summed back to shape [1]
  REQUIRE(ScaledAxpy::apply(x, b, 3.0).grad_fn()->name().find("ScaledAxpy") != std::string::npos);
}

TEST_CASE("several outputs and non-differentiable ones", "[function]") {
  Tensor x = tensor<double>({1.0, 5.0, 2.0}).requires_grad_(true);
  tensor_list out = MaxWithIndex::apply(x);
  REQUIRE(out[0].item<double>() == 5.0);
  REQUIRE(out[1].item<int64_t>() == 1);
  REQUIRE_FALSE(out[1].requires_grad());
  (out[0] * 2.0).backward();
  REQUIRE(allclose(x.grad(), tensor<double>({0.0, 2.0, 0.0})));
}

TEST_CASE("the engine checks what a custom backward returns", "[function]") {
  Tensor x = ones({2}, kDouble).requires_grad_(true);
  Tensor y = ones({2}, kDouble).requires_grad_(true);
  REQUIRE_THROWS_WITH(WrongCount::apply(x, y).sum().backward(),
                      Catch::Contains("WrongCount") && Catch::Contains("returned 1 gradients, expected 2"));
  REQUIRE_THROWS_WITH(WrongShape::apply(x).sum().backward(),
                      Catch::Contains("WrongShape") && Catch::Contains("[1, 1, 1]") && Catch::Contains("[2]"));
}

TEST_CASE("an input returned as is keeps its own identity", "[function]") {
  Tensor x = ones({2}, kDouble).requires_grad_(true);
  Tensor y = Identity::apply(x);
  REQUIRE(x.is_leaf());
  REQUIRE_FALSE(y.is_leaf());
  (y * 3.0).sum().backward();
  REQUIRE(allclose(x.grad(), full({2}, 3.0, kDouble)));
}

TEST_CASE("custom ops are not recorded under NoGradGuard", "[function]") {
  Tensor x = ones({2}, kDouble).requires_grad_(true);
  NoGradGuard no_grad;
  REQUIRE_FALSE(SmoothRelu::apply(x).requires_grad());
}
