// max_pool2d, avg_pool2d, adaptive_avg_pool2d: hand-computed values, a naive reference, gradients
// (first and second order) and error messages.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gradcheck_support.h"

using namespace tg;
using tg::testing::leaf;
using tg::testing::one_output;
using tg::testing::require_gradcheck;

namespace {

Tensor values(const std::vector<double>& v, const Shape& shape) { return tensor<double>(v, shape); }

struct PoolCase {
  Int2 k, s, p, d;
  bool ceil_mode;
};

// Pooling by its definition, in float64, on (NC, H, W) planes: max over valid positions, or the
// sum divided by the window size (including padding, clipped to the padded input) or the number
// of valid positions.
enum class Kind { Max, AvgIncludePad, AvgExcludePad };
Tensor naive_pool(const Tensor& x_, const PoolCase& c, Kind kind) {
  Tensor x = x_.detach().contiguous();
  const int64_t H = x.size(-2), W = x.size(-1), NC = x.numel() / (H * W);
  auto out_size = [&](int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
    const double num = static_cast<double>(in + 2 * p - d * (k - 1) - 1) / static_cast<double>(s);
    int64_t o = static_cast<int64_t>(c.ceil_mode ? std::ceil(num) : std::floor(num)) + 1;
    if (c.ceil_mode && (o - 1) * s >= in + p) --o;
    return o;
  };
  const int64_t OH = out_size(H, c.k.h, c.s.h, c.p.h, c.d.h), OW = out_size(W, c.k.w, c.s.w, c.p.w, c.d.w);
  Shape shape = x.shape();
  shape[shape.size() - 2] = OH;
  shape.back() = OW;
  Tensor out = zeros(shape, kDouble);
  const double* px = x.data_ptr<double>();
  double* po = out.data_ptr<double>();
  for (int64_t p = 0; p < NC; ++p)
    for (int64_t y = 0; y < OH; ++y)
      for (int64_t xo = 0; xo < OW; ++xo) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t valid = 0, padded = 0;
        for (int64_t i = 0; i < c.k.h; ++i)
          for (int64_t j = 0; j < c.k.w; ++j) {
            const int64_t iy = y * c.s.h - c.p.h + i * c.d.h, ix = xo * c.s.w - c.p.w + j * c.d.w;
            if (iy < H + c.p.h && ix < W + c.p.w) ++padded;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const double v = px[(p * H + iy) * W + ix];
            best = std::max(best, v);
            sum += v;
            ++valid;
          }
        po[(p * OH + y) * OW + xo] =
            kind == Kind::Max ? best : sum / static_cast<double>(kind == Kind::AvgIncludePad ? padded : valid);
      }
  return out;
}

const std::vector<PoolCase> kCases = {
    {2, {}, 0, 1, false},             // the target CNN's 2x2 pool
    {3, 2, 1, 1, false},              // overlapping, padded
    {3, 2, 1, 1, true},               // ceil mode
    {{3, 2}, {2, 1}, {1, 0}, 1, true},  // per-axis
    {2, 3, 1, 1, true},               // ceil mode dropping a window that would start in the padding
};

}  // namespace

TEST_CASE("max_pool2d of a 4x4 input: values and indices", "[pool]") {
  Tensor x = values({1, 5, 2, 0, 3, 4, 8, 7, -1, -2, -3, -4, 9, -5, -6, 6}, {1, 1, 4, 4});
  auto [out, idx] = max_pool2d_with_indices(x, 2);
  REQUIRE(equal(out, values({5, 8, 9, 6}, {1, 1, 2, 2})));
  REQUIRE(equal(idx, tensor<int64_t>({1, 6, 12, 15}, {1, 1, 2, 2})));
  REQUIRE(equal(max_pool2d(x, 2), out));

  // Stride 1, padding 1 with a 3x3 window over a 1x3 row; padding never wins, even over negatives.
  Tensor row = values({-3, -1, -2}, {1, 1, 3});
  auto [r, ri] = max_pool2d_with_indices(row, {1, 3}, 1, {0, 1});
  REQUIRE(equal(r, values({-1, -1, -1}, {1, 1, 3})));
  REQUIRE(equal(ri, tensor<int64_t>({1, 1, 1}, {1, 1, 3})));

  // NaN wins; a window of -inf reports its first position.
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  auto [nv, ni] = max_pool2d_with_indices(values({1, nan, -inf, -inf, 3, 2, -inf, -inf}, {1, 2, 4}), 2);
  REQUIRE(std::isnan(nv[0][0][0].item<double>()));
  REQUIRE(nv[0][0][1].item<double>() == -inf);
  REQUIRE(equal(ni, tensor<int64_t>({1, 2}, {1, 1, 2})));

  // Dilation 2 on a 1x5 row: windows {0, 2}, {1, 3}, {2, 4}.
  Tensor d = values({1, 9, 3, 2, 5}, {1, 1, 5});
  REQUIRE(equal(max_pool2d(d, {1, 2}, 1, 0, {1, 2}), values({3, 9, 5}, {1, 1, 3})));
}

TEST_CASE("max_pool2d gradient goes to the argmax", "[pool]") {
  Tensor x = values({1, 5, 2, 0, 3, 4, 8, 7, -1, -2, -3, -4, 9, -5, -6, 6}, {1, 1, 4, 4}).requires_grad_(true);
  max_pool2d(x, 2).sum().backward();
  REQUIRE(equal(x.grad(), values({0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1}, {1, 1, 4, 4})));
  // Overlapping windows sharing a maximum add up.
  Tensor y = values({0, 9, 0}, {1, 1, 3}).requires_grad_(true);
  max_pool2d(y, {1, 2}, 1).sum().backward();
  REQUIRE(equal(y.grad(), values({0, 2, 0}, {1, 1, 3})));
}

TEST_CASE("avg_pool2d and max_pool2d match a naive reference", "[pool]") {
  manual_seed(11);
  const PoolCase c = GENERATE(from_range(kCases));
  CAPTURE(c.k.h, c.k.w, c.s.h, c.s.w, c.p.h, c.p.w, c.ceil_mode);
  const PoolCase cs{c.k, c.s.set ? c.s : c.k, c.p, c.d, c.ceil_mode};  // the reference needs the stride
  Tensor x = randn({2, 3, 7, 6}, kDouble);
  REQUIRE(allclose(max_pool2d(x, c.k, c.s, c.p, c.d, c.ceil_mode), naive_pool(x, cs, Kind::Max), 0, 0));
  REQUIRE(allclose(avg_pool2d(x, c.k, c.s, c.p, c.ceil_mode, true), naive_pool(x, cs, Kind::AvgIncludePad), 1e-12,
                   1e-12));
  REQUIRE(allclose(avg_pool2d(x, c.k, c.s, c.p, c.ceil_mode, false), naive_pool(x, cs, Kind::AvgExcludePad), 1e-12,
                   1e-12));
  // float32 and unbatched inputs go through the same kernels.
  REQUIRE(allclose(max_pool2d(x.to(kFloat)[0], c.k, c.s, c.p, c.d, c.ceil_mode).to(kDouble),
                   naive_pool(x[0], cs, Kind::Max), 1e-6, 1e-6));
}

TEST_CASE("max_pool2d with dilation matches a naive reference", "[pool]") {
  manual_seed(12);
  const PoolCase c = GENERATE(PoolCase{3, 1, 1, 2, false}, PoolCase{{2, 3}, 2, {1, 1}, {3, 2}, true});
  Tensor x = randn({1, 2, 7, 8}, kDouble);
  REQUIRE(allclose(max_pool2d(x, c.k, c.s, c.p, c.d, c.ceil_mode), naive_pool(x, c, Kind::Max), 0, 0));
}

TEST_CASE("avg_pool2d by hand: padding counted or not, ceil mode", "[pool]") {
  Tensor x = arange(1, 10, 1, kDouble).view({1, 1, 3, 3});
  REQUIRE(equal(avg_pool2d(x, 2, 1), values({3, 4, 6, 7}, {1, 1, 2, 2})));
  // 2x2 windows, stride 2, padding 1: the corners see one element out of four.
  REQUIRE(allclose(avg_pool2d(x, 2, 2, 1), values({0.25, 1.25, 2.75, 7.0}, {1, 1, 2, 2})));
  REQUIRE(equal(avg_pool2d(x, 2, 2, 1, false, false), values({1, 2.5, 5.5, 7}, {1, 1, 2, 2})));
  // Ceil mode over 3 columns with stride 2: a last window of one real column, divided by 1.
  Tensor r = values({1, 2, 3}, {1, 1, 3});
  REQUIRE(equal(avg_pool2d(r, {1, 2}, 2, 0, true), values({1.5, 3}, {1, 1, 2})));
}

TEST_CASE("adaptive_avg_pool2d uses floor/ceil windows", "[pool]") {
  // 5 -> 3: windows [0, 2), [1, 4), [3, 5).
  Tensor x = values({1, 2, 3, 4, 5}, {1, 1, 5});
  REQUIRE(allclose(adaptive_avg_pool2d(x, {1, 3}), values({1.5, 3, 4.5}, {1, 1, 3})));
  // Global average pool and the identity.
  Tensor y = arange(0, 24, 1, kDouble).view({2, 3, 2, 2});
  REQUIRE(allclose(adaptive_avg_pool2d(y, 1), y.mean({2, 3}, true)));
  REQUIRE(equal(adaptive_avg_pool2d(y, 2), y));
  // 3 -> 5: windows overlap and repeat.
  Tensor z = values({1, 2, 3}, {1, 3, 1});
  REQUIRE(allclose(adaptive_avg_pool2d(z, {5, 1}), values({1, 1.5, 2, 2.5, 3}, {1, 5, 1})));
}

TEST_CASE("pooling gradients", "[pool]") {
  manual_seed(13);
  const PoolCase c = GENERATE(from_range(kCases));
  CAPTURE(c.k.h, c.k.w, c.s.h, c.s.w, c.p.h, c.p.w, c.ceil_mode);
  Tensor x = leaf({1, 2, 5, 4});
  require_gradcheck(one_output([c](const tensor_list& in) { return max_pool2d(in[0], c.k, c.s, c.p, c.d, c.ceil_mode); }),
                    {x});
  for (bool include_pad : {true, false}) {
    require_gradcheck(one_output([c, include_pad](const tensor_list& in) {
                        return avg_pool2d(in[0], c.k, c.s, c.p, c.ceil_mode, include_pad);
                      }),
                      {x});
  }
  // Non-contiguous inputs: transposed and unbatched-strided views.
  Tensor xt = leaf({1, 2, 4, 5}).detach().transpose(2, 3).requires_grad_(true);
  require_gradcheck(one_output([c](const tensor_list& in) { return max_pool2d(in[0], c.k, c.s, c.p, c.d, c.ceil_mode); }),
                    {xt});
  Tensor xs = leaf({2, 5, 8}).detach().slice(2, 0, 8, 2).requires_grad_(true);
  require_gradcheck(one_output([c](const tensor_list& in) { return avg_pool2d(in[0], c.k, c.s, c.p, c.ceil_mode); }),
                    {xs});
}

TEST_CASE("max_pool2d with dilation, and adaptive_avg_pool2d gradients", "[pool]") {
  manual_seed(14);
  Tensor x = leaf({1, 2, 5, 5});
  require_gradcheck(one_output([](const tensor_list& in) { return max_pool2d(in[0], 2, 1, 1, 2, true); }), {x});
  const Int2 size = GENERATE(Int2{3, 2}, Int2{1, 1}, Int2{7, 4});
  Tensor y = leaf({1, 2, 5, 4});
  require_gradcheck(one_output([size](const tensor_list& in) { return adaptive_avg_pool2d(in[0], size); }), {y});
}

TEST_CASE("pooling second-order gradients", "[pool]") {
  manual_seed(15);
  Tensor x = leaf({1, 1, 4, 5});
  require_gradcheck(one_output([](const tensor_list& in) { return max_pool2d(in[0], 2, 1, 1); }), {x}, true);
  require_gradcheck(one_output([](const tensor_list& in) { return avg_pool2d(in[0], 3, 2, 1, true, false); }), {x},
                    true);
  require_gradcheck(one_output([](const tensor_list& in) { return adaptive_avg_pool2d(in[0], {3, 2}); }), {x}, true);
  // A function with a non-zero second derivative through the pool: sum(pool(x)^2).
  require_gradcheck(one_output([](const tensor_list& in) {
                      Tensor p = max_pool2d(in[0], 2);
                      return (p * p).sum();
                    }),
                    {x}, true);
  require_gradcheck(one_output([](const tensor_list& in) {
                      Tensor p = avg_pool2d(in[0], 2, 1);
                      return (p * p).sum();
                    }),
                    {x}, true);
}

TEST_CASE("max_pool2d_backward scatters by indices and checks them", "[pool]") {
  Tensor g = values({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor idx = tensor<int64_t>({0, 0, 5, 8}, {1, 1, 2, 2});
  Tensor out = max_pool2d_backward(g, idx, {1, 1, 3, 3});
  REQUIRE(equal(out, values({3, 0, 0, 0, 0, 3, 0, 0, 4}, {1, 1, 3, 3})));
  REQUIRE_THROWS_WITH(max_pool2d_backward(g, tensor<int64_t>({0, 0, 5, 9}, {1, 1, 2, 2}), {1, 1, 3, 3}),
                      Catch::Contains("max_pool2d_backward") && Catch::Contains("out of range"));
  REQUIRE_THROWS_WITH(max_pool2d_backward(g, tensor<int64_t>({0, 0, 5}, {1, 1, 3}), {1, 1, 3, 3}),
                      Catch::Contains("max_pool2d_backward") && Catch::Contains("[1, 1, 3]"));
  REQUIRE_THROWS_WITH(max_pool2d_backward(g, idx.to(kDouble), {1, 1, 3, 3}),
                      Catch::Contains("max_pool2d_backward") && Catch::Contains("float64"));
  REQUIRE_THROWS_WITH(max_pool2d_backward(g, idx, {1, 2, 3, 3}),
                      Catch::Contains("max_pool2d_backward") && Catch::Contains("[1, 2, 3, 3]"));
}

TEST_CASE("pooling ops reject bad arguments", "[pool]") {
  Tensor x = zeros({1, 2, 4, 4});
  auto throws = [](auto f, const char* op, const char* what) {
    REQUIRE_THROWS_WITH(f(), Catch::Contains(op) && Catch::Contains(what));
  };
  throws([&] { return max_pool2d(zeros({4, 4}), 2); }, "max_pool2d", "[4, 4]");
  throws([&] { return max_pool2d(x, 0); }, "max_pool2d", "kernel_size (0, 0)");
  throws([&] { return max_pool2d(x, 2, {1, 0}); }, "max_pool2d", "stride (1, 0)");
  throws([&] { return max_pool2d(x, 2, 2, 0, 0); }, "max_pool2d", "dilation (0, 0)");
  throws([&] { return max_pool2d(x, 2, 2, 2); }, "max_pool2d", "at most half");
  throws([&] { return max_pool2d(x, 5); }, "max_pool2d", "too small");
  throws([&] { return max_pool2d(x.to(kLong), 2); }, "max_pool2d", "int64");
  throws([&] { return max_pool2d(zeros({1, 1, 2, 2}), 2, 1, 1, 3); }, "max_pool2d", "entirely in the padding");
  throws([&] { return avg_pool2d(x, 3, 1, 2); }, "avg_pool2d", "at most half");
  throws([&] { return avg_pool2d(x, {5, 1}); }, "avg_pool2d", "[1, 2, 4, 4]");
  throws([&] { return avg_pool2d(zeros({1, 2, 0, 4}), 1); }, "avg_pool2d", "[1, 2, 0, 4]");
  throws([&] { return adaptive_avg_pool2d(x, {0, 2}); }, "adaptive_avg_pool2d", "output_size (0, 2)");
  throws([&] { return adaptive_avg_pool2d(zeros({2, 1, 4, 4, 4}), 2); }, "adaptive_avg_pool2d", "[2, 1, 4, 4, 4]");
}
