// Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d modules: shapes, default init, gradients,
// printing and option errors. The ops themselves are tested in tests/autograd (test_conv, test_pool);
// here we check that the modules pass their options through and own their parameters correctly.
#include <tapegrad/nn.h>

#include "gradcheck_support.h"

#include <cmath>

using namespace tg;
using testing::leaf;
using testing::require_gradcheck;

namespace {

// 0, 1, ..., 15 as a (1, 1, 4, 4) float32 image.
Tensor ramp4x4() { return arange(0, 16).view({1, 1, 4, 4}); }

// Replaces a Conv2d's parameters by float64 leaves holding the same values (for gradcheck).
void to_double(nn::Conv2d& conv) {
  conv.weight = conv.weight.detach().to(kDouble).requires_grad_(true);
  if (conv.bias.defined()) conv.bias = conv.bias.detach().to(kDouble).requires_grad_(true);
}

}  // namespace

TEST_CASE("Conv2d: parameter and output shapes, and the same result as tg::conv2d", "[nn][conv]") {
  struct Case {
    nn::Conv2dOptions options;
    Shape input, output;
  };
  const Case c = GENERATE(values<Case>({
      {{.in = 1, .out = 4, .kernel_size = 3, .padding = 1}, {2, 1, 28, 28}, {2, 4, 28, 28}},
      {{.in = 3, .out = 6, .kernel_size = {3, 5}, .stride = {2, 1}, .padding = {1, 2}, .groups = 3},
       {1, 3, 9, 10},
       {1, 6, 5, 10}},
      {{.in = 2, .out = 2, .kernel_size = 3, .dilation = 2}, {1, 2, 7, 7}, {1, 2, 3, 3}},
      {{.in = 4, .out = 8, .kernel_size = 1, .stride = 2, .bias = false}, {3, 4, 5, 5}, {3, 8, 3, 3}},
      {{.in = 1, .out = 2, .kernel_size = 3}, {1, 6, 6}, {2, 4, 4}},  // unbatched (C, H, W)
  }));
  manual_seed(10);
  nn::Conv2d conv(c.options);
  const auto& o = c.options;
  REQUIRE(conv.weight.shape() == Shape{o.out, o.in / o.groups, o.kernel_size.h, o.kernel_size.w});
  REQUIRE(conv.weight.requires_grad());
  if (o.bias) {
    REQUIRE(conv.bias.shape() == Shape{o.out});
    REQUIRE(conv.named_parameters().size() == 2);
  } else {
    REQUIRE_FALSE(conv.bias.defined());
    REQUIRE(conv.named_parameters().size() == 1);
    REQUIRE(conv.named_parameters()[0].first == "weight");
  }
  Tensor x = randn(c.input);
  Tensor y = conv(x);
  REQUIRE(y.shape() == c.output);
  REQUIRE(equal(y, conv2d(x, conv.weight, conv.bias, o.stride, o.padding, o.dilation, o.groups)));
}

TEST_CASE("pooling modules: output shapes with their options", "[nn][conv][pool]") {
  struct Case {
    std::shared_ptr<nn::Module> module;
    Shape input, output;
  };
  const Case c = GENERATE(values<Case>({
      {std::make_shared<nn::MaxPool2d>(2), {2, 3, 28, 28}, {2, 3, 14, 14}},
      {std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions{.kernel_size = 3, .stride = 2, .padding = 1}),
       {1, 1, 7, 7},
       {1, 1, 4, 4}},
      {std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions{.kernel_size = 3, .stride = 2, .ceil_mode = true}),
       {1, 1, 8, 8},
       {1, 1, 4, 4}},
      {std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions{.kernel_size = 2, .dilation = 2}), {1, 1, 5, 5}, {1, 1, 2, 2}},
      {std::make_shared<nn::MaxPool2d>(2), {3, 6, 5}, {3, 3, 2}},  // unbatched
      {std::make_shared<nn::AvgPool2d>(2), {1, 2, 5, 5}, {1, 2, 2, 2}},
      {std::make_shared<nn::AvgPool2d>(nn::AvgPool2dOptions{.kernel_size = 3, .stride = 1, .padding = 1}),
       {1, 1, 4, 4},
       {1, 1, 4, 4}},
      {std::make_shared<nn::AvgPool2d>(nn::AvgPool2dOptions{.kernel_size = 2, .ceil_mode = true}),
       {1, 1, 5, 5},
       {1, 1, 3, 3}},
      {std::make_shared<nn::AdaptiveAvgPool2d>(1), {2, 8, 7, 7}, {2, 8, 1, 1}},
      {std::make_shared<nn::AdaptiveAvgPool2d>(Int2{2, 3}), {1, 1, 5, 7}, {1, 1, 2, 3}},
      {std::make_shared<nn::AdaptiveAvgPool2d>(2), {3, 5, 5}, {3, 2, 2}},  // unbatched
  }));
  INFO(c.module->type_name() << "(" << c.module->extra_repr() << ") on " << fmt::format("{}", c.input));
  REQUIRE(c.module->forward(zeros(c.input)).shape() == c.output);
  REQUIRE(c.module->num_parameters() == 0);
}

TEST_CASE("pooling modules: values on a known image follow their options", "[nn][conv][pool]") {
  Tensor x = ramp4x4();
  REQUIRE(equal(nn::MaxPool2d(2)(x), tensor<float>({5, 7, 13, 15}, {1, 1, 2, 2})));
  // Windows start at -1 with padding 1: rows/cols {-1, 0, 1} and {1, 2, 3}.
  REQUIRE(equal(nn::MaxPool2d(nn::MaxPool2dOptions{.kernel_size = 3, .stride = 2, .padding = 1})(x),
                tensor<float>({5, 7, 13, 15}, {1, 1, 2, 2})));
  REQUIRE(allclose(nn::AvgPool2d(2)(x), tensor<float>({2.5, 4.5, 10.5, 12.5}, {1, 1, 2, 2})));
  // The corner window of a 3x3 pool with padding 1 covers {0, 1, 4, 5}: 10 / 9 counting the padding, 10 / 4 without.
  const auto padded = [](bool count_include_pad) {
    return nn::AvgPool2dOptions{.kernel_size = 3, .stride = 1, .padding = 1, .count_include_pad = count_include_pad};
  };
  REQUIRE(nn::AvgPool2d(padded(true))(x)[0][0][0][0].item<float>() == Approx(10.0 / 9.0));
  REQUIRE(nn::AvgPool2d(padded(false))(x)[0][0][0][0].item<float>() == Approx(2.5));
  REQUIRE(nn::AdaptiveAvgPool2d(1)(x).item<float>() == Approx(7.5));
  REQUIRE(allclose(nn::AdaptiveAvgPool2d(2)(x), nn::AvgPool2d(2)(x)));
  REQUIRE(equal(nn::MaxPool2d(nn::MaxPool2dOptions{.kernel_size = 2, .stride = 1})(x),
                max_pool2d(x, 2, 1)));
}

TEST_CASE("Conv2d's default init is PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in))", "[nn][conv][init]") {
  manual_seed(2);
  nn::Conv2d conv({.in = 16, .out = 64, .kernel_size = 3});  // fan_in = 16 * 3 * 3 = 144
  const double bound = 1.0 / 12.0;
  REQUIRE(conv.weight.abs().max().item<float>() <= bound + 1e-7);
  REQUIRE(conv.weight.abs().max().item<float>() >= 0.95 * bound);  // 9216 draws reach close to the bound
  REQUIRE(conv.weight.to(kDouble).var().item<double>() == Approx(bound * bound / 3.0).epsilon(0.05));
  REQUIRE(conv.weight.to(kDouble).mean().item<double>() == Approx(0.0).margin(0.03 * bound));  // 5 standard errors
  REQUIRE(conv.bias.abs().max().item<float>() <= bound + 1e-7);
  REQUIRE(conv.bias.abs().max().item<float>() >= 0.5 * bound);

  // Groups and a non-square kernel: fan_in = in/groups * kh * kw = 3 * 3 * 5 = 45.
  nn::Conv2d grouped({.in = 6, .out = 40, .kernel_size = {3, 5}, .groups = 2});
  REQUIRE(nn::init::calculate_fan_in_and_fan_out(grouped.weight).first == 45);
  const double grouped_bound = 1.0 / std::sqrt(45.0);
  REQUIRE(grouped.weight.abs().max().item<float>() <= grouped_bound + 1e-7);
  REQUIRE(grouped.weight.abs().max().item<float>() >= 0.9 * grouped_bound);
  REQUIRE(grouped.bias.abs().max().item<float>() <= grouped_bound + 1e-7);

  // Seeded and in place: reset_parameters redraws into the registered slots.
  manual_seed(3);
  nn::Conv2d a({.in = 2, .out = 3, .kernel_size = 2});
  manual_seed(3);
  nn::Conv2d b({.in = 2, .out = 3, .kernel_size = 2});
  REQUIRE(equal(a.weight, b.weight));
  REQUIRE(equal(a.bias, b.bias));
  a.reset_parameters();
  REQUIRE_FALSE(equal(a.weight, b.weight));
  REQUIRE(a.parameter("weight").is_same(a.weight));
}

TEST_CASE("Conv2d module gradcheck in float64 (and double backward)", "[nn][conv][gradcheck]") {
  manual_seed(4);
  struct Case {
    nn::Conv2dOptions options;
    Shape input;
  };
  const Case c = GENERATE(values<Case>({
      {{.in = 2, .out = 3, .kernel_size = {2, 3}, .stride = {2, 1}, .padding = 1, .dilation = {1, 2}}, {2, 2, 5, 6}},
      {{.in = 4, .out = 2, .kernel_size = 3, .padding = 1, .groups = 2, .bias = false}, {1, 4, 4, 4}},
  }));
  nn::Conv2d conv(c.options);
  to_double(conv);
  // The function reads the module's slots, set from the inputs gradcheck perturbs.
  auto fn = [&conv](const tensor_list& in) {
    conv.weight = in[1];
    conv.bias = in[2];
    return tensor_list{conv.forward(in[0])};
  };
  require_gradcheck(fn, {leaf(c.input), conv.weight, conv.bias}, /*second_order=*/true);

  // Backward through the module fills the parameters' gradients.
  Tensor x = leaf(c.input);
  conv.forward(x).sum().backward();
  REQUIRE(conv.weight.grad().shape() == conv.weight.shape());
  REQUIRE(x.grad().shape() == x.shape());
  if (conv.bias.defined()) {
    // d(sum y)/d bias[o] = the number of output positions per channel.
    const Tensor y = conv.forward(x);
    const double positions = static_cast<double>(y.numel() / y.size(1));
    REQUIRE(allclose(conv.bias.grad(), full(conv.bias.shape(), positions, kDouble)));
  }
}

TEST_CASE("pooling module gradchecks in float64", "[nn][conv][pool][gradcheck]") {
  manual_seed(5);
  auto module = GENERATE(values<std::shared_ptr<nn::Module>>({
      std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions{.kernel_size = 2, .stride = 1, .padding = 1}),
      std::make_shared<nn::AvgPool2d>(nn::AvgPool2dOptions{.kernel_size = 3, .stride = 2, .padding = 1,
                                                           .ceil_mode = true, .count_include_pad = false}),
      std::make_shared<nn::AdaptiveAvgPool2d>(Int2{2, 3}),
  }));
  INFO(module->type_name());
  // Random values are distinct almost surely, so max pooling has no ties (kinks).
  require_gradcheck([&](const tensor_list& in) { return tensor_list{module->forward(in[0])}; }, {leaf({2, 2, 4, 5})},
                    /*second_order=*/true);
}

TEST_CASE("a small CNN of these modules trains end to end", "[nn][conv]") {
  manual_seed(6);
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 4, .kernel_size = 3, .padding = 1}),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 4, .out = 6, .kernel_size = 3}),
      std::make_shared<nn::AdaptiveAvgPool2d>(1), std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(6, 3)});
  Tensor x = randn({5, 1, 10, 10});
  Tensor y = net->forward(x);
  REQUIRE(y.shape() == Shape{5, 3});
  nn::functional::cross_entropy(y, tensor<int64_t>({0, 1, 2, 0, 1})).backward();
  std::vector<std::string> names;
  for (const auto& [name, p] : net->named_parameters()) {
    names.push_back(name);
    REQUIRE(p.grad().defined());
    REQUIRE(p.grad().shape() == p.shape());
  }
  REQUIRE(names == std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"});
}

TEST_CASE("extra_repr and printing of conv and pooling modules", "[nn][conv]") {
  nn::Conv2d conv({.in = 1, .out = 32, .kernel_size = 3, .padding = 1});
  REQUIRE(conv.extra_repr() ==
          "in=1, out=32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1, bias=true");
  nn::Conv2d grouped({.in = 4, .out = 8, .kernel_size = {1, 3}, .stride = {2, 1}, .groups = 4, .bias = false});
  REQUIRE(grouped.extra_repr() ==
          "in=4, out=8, kernel_size=(1, 3), stride=(2, 1), padding=(0, 0), dilation=(1, 1), groups=4, bias=false");
  // An unset pooling stride prints as the kernel size it defaults to.
  REQUIRE(nn::MaxPool2d(2).extra_repr() ==
          "kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=false");
  REQUIRE(nn::MaxPool2d(nn::MaxPool2dOptions{.kernel_size = 3, .stride = 1, .padding = 1, .ceil_mode = true})
              .extra_repr() == "kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1), ceil_mode=true");
  REQUIRE(nn::AvgPool2d(nn::AvgPool2dOptions{.kernel_size = {2, 4}}).extra_repr() ==
          "kernel_size=(2, 4), stride=(2, 4), padding=(0, 0)");
  REQUIRE(nn::AdaptiveAvgPool2d(Int2{2, 3}).extra_repr() == "output_size=(2, 3)");

  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 32, .kernel_size = 3, .padding = 1}),
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::AdaptiveAvgPool2d>(1)});
  const std::string s = net->to_string();
  REQUIRE_THAT(s, Catch::Contains("(0): Conv2d(in=1, out=32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
                                  "dilation=(1, 1), groups=1, bias=true)  # 320 params"));
  REQUIRE_THAT(s, Catch::Contains("(1): MaxPool2d(kernel_size=(2, 2), stride=(2, 2)"));
  REQUIRE_THAT(s, Catch::Contains("(2): AdaptiveAvgPool2d(output_size=(1, 1))\n"));
  REQUIRE_THAT(s, Catch::Contains("total: 320 parameters"));
}

TEST_CASE("bad options fail at construction, bad inputs at forward, naming the module or op", "[nn][conv]") {
  using Catch::Contains;
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 0, .out = 3}), Contains("Conv2d") && Contains("in=0"));
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 3, .out = -1}), Contains("Conv2d") && Contains("out=-1"));
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 4, .out = 6, .groups = 3}), Contains("Conv2d") && Contains("groups=3"));
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 4, .out = 6, .groups = 0}), Contains("groups=0"));
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 1, .out = 1, .kernel_size = {3, 0}}),
                      Contains("Conv2d") && Contains("kernel_size") && Contains("(3, 0)"));
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 1, .out = 1, .stride = 0}), Contains("Conv2d") && Contains("stride"));
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 1, .out = 1, .padding = -1}), Contains("Conv2d") && Contains("padding"));
  REQUIRE_THROWS_WITH(nn::Conv2d({.in = 1, .out = 1, .dilation = {1, 0}}), Contains("Conv2d") && Contains("dilation"));

  REQUIRE_THROWS_WITH(nn::MaxPool2d(0), Contains("MaxPool2d") && Contains("kernel_size"));
  REQUIRE_THROWS_WITH(nn::MaxPool2d(nn::MaxPool2dOptions{.kernel_size = 2, .stride = Int2{0, 1}}),
                      Contains("MaxPool2d") && Contains("stride"));
  REQUIRE_THROWS_WITH(nn::MaxPool2d(nn::MaxPool2dOptions{.kernel_size = 2, .padding = 2}),
                      Contains("MaxPool2d") && Contains("at most half"));
  REQUIRE_THROWS_WITH(nn::MaxPool2d(nn::MaxPool2dOptions{.kernel_size = 2, .dilation = 0}),
                      Contains("MaxPool2d") && Contains("dilation"));
  REQUIRE_THROWS_WITH(nn::AvgPool2d(nn::AvgPool2dOptions{.kernel_size = 3, .padding = -1}),
                      Contains("AvgPool2d") && Contains("padding"));
  REQUIRE_THROWS_WITH(nn::AdaptiveAvgPool2d(Int2{0, 2}), Contains("AdaptiveAvgPool2d") && Contains("(0, 2)"));

  nn::Conv2d conv({.in = 3, .out = 2, .kernel_size = 5});
  REQUIRE_THROWS_WITH(conv(zeros({1, 2, 8, 8})), Contains("conv2d") && Contains("[1, 2, 8, 8]"));
  REQUIRE_THROWS_WITH(conv(zeros({1, 3, 8, 8}, kDouble)), Contains("conv2d") && Contains("float64"));
  REQUIRE_THROWS_WITH(conv(zeros({1, 3, 4, 4})), Contains("conv2d") && Contains("larger than the padded input"));
  REQUIRE_THROWS_WITH(conv(zeros({3, 8})), Contains("conv2d") && Contains("[3, 8]"));
  REQUIRE_THROWS_WITH(nn::MaxPool2d(2)(zeros({4, 4})), Contains("max_pool2d") && Contains("[4, 4]"));
  REQUIRE_THROWS_WITH(nn::AvgPool2d(3)(zeros({1, 1, 2, 2})), Contains("avg_pool2d") && Contains("too small"));
}
