// Layers: gradchecks, train/eval behaviour, running statistics.
#include <tapegrad/nn.h>

#include "gradcheck_support.h"

using namespace tg;
namespace F = tg::nn::functional;
using testing::leaf;
using testing::one_output;
using testing::require_gradcheck;

TEST_CASE("linear: values and gradcheck", "[nn][layers]") {
  Tensor x = tensor<double>({1, 2}, {1, 2});
  Tensor w = tensor<double>({1, 0, 0, 1, 1, 1}, {3, 2});
  Tensor b = tensor<double>({0.5, 0, -1});
  REQUIRE(allclose(F::linear(x, w, b), tensor<double>({1.5, 2, 2}, {1, 3})));
  manual_seed(1);
  require_gradcheck(one_output([](const tensor_list& in) { return F::linear(in[0], in[1], in[2]); }),
                    {leaf({4, 3}), leaf({2, 3}), leaf({2})}, /*second_order=*/true);
  require_gradcheck(one_output([](const tensor_list& in) { return F::linear(in[0], in[1]); }),
                    {leaf({2, 4, 3}), testing::transposed_leaf(2, 3)});
  REQUIRE_THROWS_WITH(F::linear(zeros({2, 5}), zeros({3, 4})), Catch::Contains("linear") && Catch::Contains("[2, 5]"));
}

TEST_CASE("batch norm in training mode: gradcheck of the fused kernel and of its double backward",
          "[nn][layers][batchnorm]") {
  manual_seed(2);
  auto bn = [](const tensor_list& in) {
    return tensor_list{batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1, 1e-5)};
  };
  require_gradcheck(bn, {leaf({5, 3}), leaf({3}), leaf({3})}, /*second_order=*/true);
  require_gradcheck(bn, {leaf({4, 2, 3, 3}), leaf({2}), leaf({2})});
  require_gradcheck(bn, {leaf({3, 2, 4}), Tensor(), Tensor()});
  Tensor strided = testing::strided_leaf(6, 3);
  require_gradcheck(bn, {strided, leaf({3}), leaf({3})});
}

TEST_CASE("batch norm normalises, and running statistics follow the EWMA", "[nn][layers][batchnorm]") {
  nn::BatchNorm1d bn(nn::BatchNormOptions{.num_features = 2, .momentum = 0.25});
  Tensor x1 = tensor<float>({1, 10, 3, 20, 5, 30}, {3, 2});
  Tensor y = bn.forward(x1);
  REQUIRE(allclose(y.mean(0), zeros({2}), 1e-5, 1e-5));
  REQUIRE(allclose(y.var({0}, false), ones({2}), 1e-3, 1e-3));
  // Hand-computed: batch means (3, 20), unbiased variances (4, 100).
  REQUIRE(allclose(bn.running_mean, tensor<float>({0.75f * 0 + 0.25f * 3, 0.25f * 20})));
  REQUIRE(allclose(bn.running_var, tensor<float>({0.75f + 0.25f * 4, 0.75f + 0.25f * 100})));
  Tensor x2 = tensor<float>({0, 0, 2, 4}, {2, 2});  // means (1, 2), unbiased var (2, 8)
  bn.forward(x2);
  REQUIRE(allclose(bn.running_mean, tensor<float>({0.75f * 0.75f + 0.25f * 1, 0.75f * 5 + 0.25f * 2})));
  REQUIRE(allclose(bn.running_var, tensor<float>({0.75f * 1.75f + 0.25f * 2, 0.75f * 25.75f + 0.25f * 8})));
  REQUIRE(bn.num_batches_tracked.item<int64_t>() == 2);
  // Eval uses the running statistics.
  bn.eval();
  Tensor z = bn.forward(tensor<float>({1, 5}, {1, 2}));
  const float rm0 = 0.75f * 0.75f + 0.25f, rv0 = 0.75f * 1.75f + 0.5f;
  REQUIRE(z[0][0].item<float>() == Approx((1 - rm0) / std::sqrt(rv0 + 1e-5)));
  REQUIRE(bn.num_batches_tracked.item<int64_t>() == 2);
}

TEST_CASE("batch norm without momentum is a cumulative average", "[nn][layers][batchnorm]") {
  nn::BatchNorm2d bn(nn::BatchNormOptions{.num_features = 1, .momentum = std::nullopt});
  bn.forward(full({2, 1, 2, 2}, 4.0));
  bn.forward(full({2, 1, 2, 2}, 8.0));
  REQUIRE(bn.running_mean.item<float>() == Approx(6.0));
  REQUIRE_THROWS_WITH(bn.forward(zeros({2, 3, 2, 2})), Catch::Contains("BatchNorm2d") && Catch::Contains("channels"));
  REQUIRE_THROWS_WITH(bn.forward(zeros({2, 1})), Catch::Contains("4-D"));
}

TEST_CASE("dropout: inverted scaling in training, identity in eval", "[nn][layers][dropout]") {
  manual_seed(3);
  nn::Dropout drop(0.25);
  Tensor x = ones({200, 100});
  Tensor y = drop.forward(x);
  const double kept = (y != 0.0).to(kDouble).mean().item<double>();
  REQUIRE(kept == Approx(0.75).margin(0.01));
  REQUIRE(allclose(y.sum() / (kept * static_cast<double>(x.numel())), scalar_tensor(1.0 / 0.75), 1e-4));
  drop.eval();
  REQUIRE(equal(drop.forward(x), x));
  // Gradients flow only where kept.
  Tensor a = ones({50}).requires_grad_(true);
  nn::Dropout d2(0.5);
  Tensor out = d2.forward(a);
  out.sum().backward();
  REQUIRE(equal(a.grad(), out.detach()));
  // Dropout2d zeroes whole channels.
  Tensor c = F::dropout2d(ones({4, 8, 3, 3}), 0.5, true);
  Tensor per_channel = c.sum({2, 3});
  REQUIRE(equal((per_channel == 0.0).to(kLong) + (per_channel == 18.0).to(kLong), ones({4, 8}, kLong)));
  REQUIRE_THROWS_WITH(nn::Dropout(1.5), Catch::Contains("[0, 1]"));
}

TEST_CASE("dropconnect masks weights, not activations, and gradients flow only through kept weights",
          "[nn][layers][dropconnect]") {
  manual_seed(4);
  auto fn = [](const tensor_list& in) {
    manual_seed(99);  // the same mask at every evaluation: gradcheck with a fixed mask
    return tensor_list{F::linear(in[0], nn::dropconnect_weight(in[1], 0.4), in[2])};
  };
  require_gradcheck(fn, {leaf({3, 4}), leaf({2, 4}), leaf({2})}, /*second_order=*/true);

  nn::DropConnectLinear layer(nn::DropConnectLinearOptions{.in = 30, .out = 20, .p = 0.5});
  Tensor x = ones({1, 30});
  layer.forward(x).sum().backward();
  Tensor g = layer.weight.grad();
  const double kept = (g != 0.0).to(kDouble).mean().item<double>();
  REQUIRE(kept == Approx(0.5).margin(0.1));
  REQUIRE(allclose(g.masked_fill(g == 0.0, 2.0), full({20, 30}, 2.0)));  // kept weights: grad 1/(1-p) = 2
  layer.eval();
  REQUIRE(allclose(layer.forward(x), F::linear(x, layer.weight, layer.bias)));

  nn::DropConnectLinear per_sample(nn::DropConnectLinearOptions{.in = 6, .out = 3, .p = 0.5, .mask_per_sample = true});
  Tensor same = ones({64, 6});
  Tensor out = per_sample.forward(same);
  REQUIRE(out.shape() == Shape{64, 3});
  REQUIRE_FALSE(allclose(out[0], out[1]));  // different masks per row

  auto wrapped = std::make_shared<nn::DropConnect>(std::make_shared<nn::Linear>(5, 5), 0.3);
  Tensor w_before = wrapped->inner->parameter("weight").clone();
  wrapped->forward(ones({2, 5})).sum().backward();
  REQUIRE(equal(wrapped->inner->parameter("weight"), w_before));  // the real weight is restored
  REQUIRE(wrapped->inner->parameter("weight").grad().defined());
  REQUIRE_THROWS_WITH(nn::DropConnect(std::make_shared<nn::ReLU>(), 0.5), Catch::Contains("no parameter named 'weight'"));
}

TEST_CASE("layer norm and embedding", "[nn][layers]") {
  manual_seed(5);
  require_gradcheck(one_output([](const tensor_list& in) { return F::layer_norm(in[0], {4}, in[1], in[2]); }),
                    {leaf({3, 4}), leaf({4}), leaf({4})}, /*second_order=*/true);
  nn::LayerNorm ln(6);
  Tensor y = ln.forward(randn({2, 6}) * 5.0 + 3.0);
  REQUIRE(allclose(y.mean(1), zeros({2}), 1e-5, 1e-5));
  nn::Embedding emb(10, 3);
  Tensor idx = tensor<int64_t>({1, 1, 9}, {3});
  Tensor e = emb.forward(idx);
  REQUIRE(e.shape() == Shape{3, 3});
  e.sum().backward();
  REQUIRE(emb.weight.grad()[1].sum().item<float>() == 6.0f);  // used twice
  REQUIRE_THROWS_WITH(emb.forward(tensor<int64_t>({10})), Catch::Contains("10"));
}

TEST_CASE("activation modules match the functions", "[nn][layers]") {
  Tensor x = tensor<float>({-2, -0.5, 0.5, 2});
  REQUIRE(equal(nn::ReLU()(x), relu(x)));
  REQUIRE(equal(nn::LeakyReLU(0.1)(x), leaky_relu(x, 0.1)));
  REQUIRE(equal(nn::ELU()(x), elu(x)));
  REQUIRE(equal(nn::GELU()(x), gelu(x)));
  REQUIRE(equal(nn::Tanh()(x), tanh(x)));
  REQUIRE(equal(nn::Sigmoid()(x), sigmoid(x)));
  REQUIRE(allclose(nn::Softmax(0)(x).sum(), scalar_tensor(1.0)));
  REQUIRE(equal(nn::LogSoftmax(0)(x), log_softmax(x, 0)));
  REQUIRE(nn::Flatten()(zeros({2, 3, 4})).shape() == Shape{2, 12});
}
