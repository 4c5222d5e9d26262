// unfold, fold and conv2d: hand-computed values, a naive direct-convolution reference, gradients
// (first and second order) and error messages.
#include <vector>

#include "gradcheck_support.h"

using namespace tg;
using tg::testing::leaf;
using tg::testing::one_output;
using tg::testing::require_gradcheck;

namespace {

struct ConvCase {
  int64_t N, Cin, Cout, H, W, kh, kw;
  Int2 stride, padding, dilation;
  int64_t groups;
  bool bias;
};

// Direct convolution with raw loops, in float64: the definition, independent of unfold/matmul.
Tensor naive_conv2d(const Tensor& x_, const Tensor& w_, const Tensor& b_, Int2 s, Int2 p, Int2 d, int64_t groups) {
  Tensor x = x_.detach().contiguous(), w = w_.detach().contiguous();
  Tensor b = b_.defined() ? b_.detach().contiguous() : Tensor();
  const int64_t N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Cout = w.size(0), Cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t OH = (H + 2 * p.h - d.h * (kh - 1) - 1) / s.h + 1, OW = (W + 2 * p.w - d.w * (kw - 1) - 1) / s.w + 1;
  Tensor out = zeros({N, Cout, OH, OW}, kDouble);
  const double* px = x.data_ptr<double>();
  const double* pw = w.data_ptr<double>();
  double* po = out.data_ptr<double>();
  const int64_t Og = Cout / groups;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < Cout; ++o)
      for (int64_t y = 0; y < OH; ++y)
        for (int64_t xo = 0; xo < OW; ++xo) {
          double acc = b.defined() ? b.data_ptr<double>()[o] : 0.0;
          for (int64_t c = 0; c < Cg; ++c) {
            const int64_t ci = (o / Og) * Cg + c;
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t iy = y * s.h - p.h + i * d.h, ix = xo * s.w - p.w + j * d.w;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += px[((n * Cin + ci) * H + iy) * W + ix] * pw[((o * Cg + c) * kh + i) * kw + j];
              }
          }
          po[((n * Cout + o) * OH + y) * OW + xo] = acc;
        }
  return out;
}

Tensor values(const std::vector<double>& v, const Shape& shape) { return tensor<double>(v, shape); }

}  // namespace

TEST_CASE("unfold of a 3x3 input with a 2x2 kernel lists the four blocks", "[conv]") {
  Tensor x = arange(1, 10, 1, kDouble).view({1, 1, 3, 3});
  Tensor cols = unfold(x, 2);
  REQUIRE(cols.shape() == Shape{1, 4, 4});
  REQUIRE(equal(cols, values({1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}, {1, 4, 4})));

  // Padding reads zeros; stride 2 keeps the corners.
  Tensor padded = unfold(x, 2, 1, 1, 2);
  REQUIRE(padded.shape() == Shape{1, 4, 4});
  REQUIRE(equal(padded, values({0, 0, 0, 5, 0, 0, 4, 6, 0, 2, 0, 8, 1, 3, 7, 9}, {1, 4, 4})));

  // Dilation 2: a 2x2 kernel spanning the whole 3x3 input picks the corners.
  REQUIRE(equal(unfold(x, 2, 2), values({1, 3, 7, 9}, {1, 4, 1})));
}

TEST_CASE("fold sums overlapping blocks: fold(unfold(x)) = x * overlap count", "[conv]") {
  manual_seed(1);
  Tensor counts = fold(unfold(ones({1, 1, 3, 3}, kDouble), 2), {3, 3}, 2);
  REQUIRE(equal(counts, values({1, 2, 1, 2, 4, 2, 1, 2, 1}, {1, 1, 3, 3})));

  struct Case {
    Int2 k, d, p, s;
  };
  auto c = GENERATE(Case{3, 1, 1, 1}, Case{{2, 3}, 1, 0, {1, 2}}, Case{3, 2, 1, 2}, Case{{3, 1}, {1, 2}, {1, 0}, 1});
  Tensor x = randn({2, 3, 6, 5}, kDouble);
  Tensor once = fold(unfold(x, c.k, c.d, c.p, c.s), {6, 5}, c.k, c.d, c.p, c.s);
  Tensor overlap = fold(unfold(ones_like(x), c.k, c.d, c.p, c.s), {6, 5}, c.k, c.d, c.p, c.s);
  REQUIRE(allclose(once, x * overlap, 1e-12, 1e-12));
}

TEST_CASE("conv2d of a 1x1x3x3 input with a 3x3 kernel, padding 1 and bias", "[conv]") {
  Tensor x = arange(1, 10, 1, kDouble).view({1, 1, 3, 3});
  Tensor w = ones({1, 1, 3, 3}, kDouble);
  Tensor b = values({0.5}, {1});
  Tensor y = conv2d(x, w, b, {1, 1}, {1, 1});
  REQUIRE(equal(y, values({12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5}, {1, 1, 3, 3})));

  // A 2x2 difference kernel, no padding: x[i][j] - x[i+1][j+1] = -4 everywhere.
  Tensor d = values({1, 0, 0, -1}, {1, 1, 2, 2});
  REQUIRE(equal(conv2d(x, d), full({1, 1, 2, 2}, -4.0, kDouble)));
  // float32 works the same way.
  REQUIRE(allclose(conv2d(x.to(kFloat), d.to(kFloat)), full({1, 1, 2, 2}, -4.0)));
}

TEST_CASE("conv2d matches a direct convolution for every option", "[conv]") {
  manual_seed(2);
  auto c = GENERATE(ConvCase{2, 3, 4, 7, 6, 3, 3, 1, 0, 1, 1, true},      // plain
                    ConvCase{2, 3, 4, 7, 6, 3, 3, 2, 0, 1, 1, true},      // stride
                    ConvCase{1, 2, 3, 5, 5, 3, 3, 1, 1, 1, 1, false},     // padding, no bias
                    ConvCase{1, 2, 3, 7, 7, 3, 2, 1, 0, 2, 1, true},      // dilation
                    ConvCase{2, 4, 6, 5, 6, 3, 3, 1, 1, 1, 2, true},      // groups
                    ConvCase{1, 4, 4, 6, 5, 3, 3, 1, 1, 1, 4, false},     // depthwise
                    ConvCase{2, 4, 2, 8, 7, 3, 2, {2, 3}, {1, 2}, {2, 1}, 2, true},  // everything, per axis
                    ConvCase{64, 1, 8, 28, 28, 3, 3, 1, 1, 1, 1, true});  // the target CNN's first layer
  CAPTURE(c.N, c.Cin, c.Cout, c.H, c.W, c.kh, c.kw, c.groups);
  Tensor x = randn({c.N, c.Cin, c.H, c.W}, kDouble);
  Tensor w = randn({c.Cout, c.Cin / c.groups, c.kh, c.kw}, kDouble);
  Tensor b = c.bias ? randn({c.Cout}, kDouble) : Tensor();
  Tensor y = conv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
  Tensor ref = naive_conv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
  REQUIRE(y.shape() == ref.shape());
  REQUIRE(allclose(y, ref, 1e-10, 1e-10));
  // float32 agrees to float32 precision.
  Tensor yf = conv2d(x.to(kFloat), w.to(kFloat), c.bias ? b.to(kFloat) : Tensor(), c.stride, c.padding, c.dilation,
                     c.groups);
  REQUIRE(allclose(yf.to(kDouble), ref, 1e-4, 1e-4));
}

TEST_CASE("conv2d accepts unbatched (C, H, W) input and non-contiguous input", "[conv]") {
  manual_seed(3);
  Tensor x = randn({2, 5, 4}, kDouble);
  Tensor w = randn({3, 2, 3, 3}, kDouble);
  Tensor y = conv2d(x, w, Tensor(), 1, 1);
  REQUIRE(y.shape() == Shape{3, 5, 4});
  REQUIRE(allclose(y, naive_conv2d(x.unsqueeze(0), w, Tensor(), 1, 1, 1, 1).squeeze(0), 1e-12, 1e-12));

  Tensor xt = randn({1, 2, 4, 5}, kDouble).transpose(2, 3);  // (1, 2, 5, 4), non-contiguous
  REQUIRE_FALSE(xt.is_contiguous());
  REQUIRE(allclose(conv2d(xt, w, Tensor(), 1, 1), naive_conv2d(xt, w, Tensor(), 1, 1, 1, 1), 1e-12, 1e-12));
}

TEST_CASE("unfold and fold gradients, first and second order", "[conv]") {
  manual_seed(4);
  struct Case {
    Int2 k, d, p, s;
  };
  auto c = GENERATE(Case{2, 1, 0, 1}, Case{{2, 3}, 1, 1, {2, 1}}, Case{2, 2, 1, 2});
  Tensor x = leaf({1, 2, 4, 5});
  require_gradcheck(one_output([c](const tensor_list& in) { return unfold(in[0], c.k, c.d, c.p, c.s); }), {x}, true);

  const int64_t L = unfold(x.detach(), c.k, c.d, c.p, c.s).size(2);
  Tensor cols = leaf({1, 2 * c.k.h * c.k.w, L});
  require_gradcheck(one_output([c](const tensor_list& in) { return fold(in[0], {4, 5}, c.k, c.d, c.p, c.s); }),
                    {cols}, true);

  // Non-contiguous input: a transposed view.
  Tensor xt = leaf({1, 2, 5, 4}).detach().transpose(2, 3).requires_grad_(true);
  require_gradcheck(one_output([c](const tensor_list& in) { return unfold(in[0], c.k, c.d, c.p, c.s); }), {xt});
}

TEST_CASE("conv2d gradients for every option", "[conv]") {
  manual_seed(5);
  auto c = GENERATE(ConvCase{2, 2, 2, 4, 4, 2, 2, 1, 0, 1, 1, true},  // plain
                    ConvCase{1, 2, 2, 5, 5, 3, 3, 2, 0, 1, 1, true},  // stride 2
                    ConvCase{1, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, true},  // padding 1
                    ConvCase{1, 1, 2, 5, 5, 2, 2, 1, 0, 2, 1, true},  // dilation 2
                    ConvCase{1, 4, 2, 3, 3, 2, 2, 1, 0, 1, 2, true},  // groups 2
                    ConvCase{1, 2, 2, 4, 3, 2, 2, 1, 0, 1, 1, false});  // no bias
  CAPTURE(c.N, c.Cin, c.Cout, c.H, c.W, c.kh, c.kw, c.groups);
  Tensor x = leaf({c.N, c.Cin, c.H, c.W});
  Tensor w = leaf({c.Cout, c.Cin / c.groups, c.kh, c.kw});
  tensor_list inputs = {x, w};
  if (c.bias) inputs.push_back(leaf({c.Cout}));
  auto fn = one_output([c](const tensor_list& in) {
    return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), c.stride, c.padding, c.dilation, c.groups);
  });
  require_gradcheck(fn, inputs);
}

TEST_CASE("conv2d gradients with a non-contiguous input, and unbatched", "[conv]") {
  manual_seed(6);
  Tensor xt = leaf({1, 2, 3, 4}).detach().transpose(2, 3).requires_grad_(true);  // (1, 2, 4, 3)
  Tensor w = leaf({2, 2, 2, 2});
  Tensor b = leaf({2});
  auto fn = one_output([](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 1, {1, 0}); });
  require_gradcheck(fn, {xt, w, b});

  Tensor xs = leaf({2, 4, 6}).detach().slice(2, 0, 6, 2).requires_grad_(true);  // (2, 4, 3), strided
  REQUIRE_FALSE(xs.is_contiguous());
  require_gradcheck(one_output([](const tensor_list& in) { return conv2d(in[0], in[1], Tensor(), 1, 1); }), {xs, w});
}

TEST_CASE("conv2d second-order gradients", "[conv]") {
  manual_seed(7);
  auto c = GENERATE(ConvCase{1, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, true},   // padding and bias
                    ConvCase{1, 2, 2, 4, 4, 2, 2, 2, 0, 1, 2, false},  // stride, groups
                    ConvCase{1, 1, 1, 4, 4, 2, 2, 1, 0, 2, 1, false});  // dilation
  CAPTURE(c.N, c.Cin, c.Cout, c.H, c.W, c.kh, c.kw, c.groups);
  tensor_list inputs = {leaf({c.N, c.Cin, c.H, c.W}), leaf({c.Cout, c.Cin / c.groups, c.kh, c.kw})};
  if (c.bias) inputs.push_back(leaf({c.Cout}));
  auto fn = one_output([c](const tensor_list& in) {
    return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), c.stride, c.padding, c.dilation, c.groups);
  });
  require_gradcheck(fn, inputs, /*second_order=*/true);
}

TEST_CASE("conv2d backward reaches input, weight and bias with the expected values", "[conv]") {
  // y = sum(conv2d(x, ones 2x2)) over a 3x3 input: each x counts once per window it is in.
  Tensor x = arange(1, 10, 1, kDouble).view({1, 1, 3, 3}).requires_grad_(true);
  Tensor w = ones({1, 1, 2, 2}, kDouble).requires_grad_(true);
  Tensor b = zeros({1}, kDouble).requires_grad_(true);
  conv2d(x, w, b).sum().backward();
  REQUIRE(equal(x.grad(), values({1, 2, 1, 2, 4, 2, 1, 2, 1}, {1, 1, 3, 3})));
  // dw[i][j] = sum of the window's elements at offset (i, j): 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9.
  REQUIRE(equal(w.grad(), values({12, 16, 24, 28}, {1, 1, 2, 2})));
  REQUIRE(b.grad().item<double>() == 4.0);
}

TEST_CASE("conv2d, unfold and fold reject bad arguments", "[conv]") {
  Tensor x = zeros({2, 4, 5, 5});
  Tensor w = zeros({6, 2, 3, 3});
  auto throws = [](auto f, const char* op, const char* what) {
    REQUIRE_THROWS_WITH(f(), Catch::Contains(op) && Catch::Contains(what));
  };
  throws([&] { return conv2d(zeros({4, 5}), w); }, "conv2d", "[4, 5]");
  throws([&] { return conv2d(x, zeros({6, 2, 3})); }, "conv2d", "[6, 2, 3]");
  throws([&] { return conv2d(x, zeros({6, 3, 3, 3})); }, "conv2d", "[6, 3, 3, 3]");        // channel mismatch
  throws([&] { return conv2d(x, w, Tensor(), 1, 0, 1, 3); }, "conv2d", "groups 3");         // groups don't divide
  throws([&] { return conv2d(x, zeros({5, 2, 3, 3}), Tensor(), 1, 0, 1, 2); }, "conv2d", "[5, 2, 3, 3]");
  throws([&] { return conv2d(x, w, Tensor(), 1, 0, 1, 0); }, "conv2d", "groups 0");
  throws([&] { return conv2d(x, w, zeros({5}), 1, 0, 1, 2); }, "conv2d", "[5]");           // bias size
  throws([&] { return conv2d(x, zeros({6, 2, 7, 7}), Tensor(), 1, 0, 1, 2); }, "conv2d", "larger than the padded");
  throws([&] { return conv2d(x, w, Tensor(), 0, 0, 1, 2); }, "conv2d", "stride (0, 0)");
  throws([&] { return conv2d(x, w, Tensor(), 1, 0, {1, -1}, 2); }, "conv2d", "dilation (1, -1)");
  throws([&] { return conv2d(x, w, Tensor(), 1, -1, 1, 2); }, "conv2d", "padding (-1, -1)");
  throws([&] { return conv2d(x, zeros({6, 2, 3, 3}, kDouble), Tensor(), 1, 0, 1, 2); }, "conv2d", "float64");
  throws([&] { return conv2d(x.to(kLong), w.to(kLong), Tensor(), 1, 0, 1, 2); }, "conv2d", "int64");

  throws([&] { return unfold(zeros({4, 5, 5}), 2); }, "unfold", "[4, 5, 5]");
  throws([&] { return unfold(x, 6); }, "unfold", "larger than the padded");
  throws([&] { return unfold(x, 2, 0); }, "unfold", "dilation (0, 0)");
  throws([&] { return unfold(x.to(kLong), 2); }, "unfold", "int64");
  throws([&] { return fold(zeros({1, 4, 4}), {3, 3}, 2, 1, 0, 2); }, "fold", "[1, 4, 4]");  // 1 block, not 4
  throws([&] { return fold(zeros({1, 5, 4}), {3, 3}, 2); }, "fold", "divisible");
  throws([&] { return fold(zeros({4, 4}), {3, 3}, 2); }, "fold", "[4, 4]");
  throws([&] { return fold(zeros({1, 4, 4}), {0, 3}, 2); }, "fold", "output_size (0, 3)");
}
