// Elementwise ops: forward values against hand-computed numbers, dtype promotion, broadcasting,
// errors, hand-checked gradients at ties and kinks, and gradcheck + gradgradcheck of every
// differentiable op on contiguous, broadcast and non-contiguous (transposed, strided) inputs.
#include <cmath>
#include <limits>
#include <numbers>

#include "gradcheck_support.h"

using namespace tg;
using Catch::Contains;
using tg::testing::values;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void require_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  const std::vector<double> got = values(t);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", expected " << expected[i]);
    if (std::isnan(expected[i])) {
      REQUIRE(std::isnan(got[i]));
    } else {
      REQUIRE(got[i] == Approx(expected[i]).epsilon(tol).margin(tol));
    }
  }
}

using UnaryFn = std::function<Tensor(const Tensor&)>;
using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;

struct ForwardCase {
  std::string name;
  UnaryFn fn;
  std::vector<double> in;
  std::vector<double> out;
};

const std::vector<double> kSigned = {-2.0, -0.5, 0.0, 0.5, 2.0};
const std::vector<double> kPositive = {0.25, 1.0, 2.0, 4.0};

// Expected values computed with Python's math module (double precision).
std::vector<ForwardCase> forward_cases() {
  return {
      {"exp", [](const Tensor& x) { return exp(x); }, kSigned,
       {0.1353352832366127, 0.6065306597126334, 1.0, 1.6487212707001282, 7.38905609893065}},
      {"tanh", [](const Tensor& x) { return tanh(x); }, kSigned,
       {-0.9640275800758169, -0.46211715726000974, 0.0, 0.46211715726000974, 0.9640275800758169}},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, kSigned,
       {0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823}},
      {"gelu", [](const Tensor& x) { return gelu(x); }, kSigned,
       {-0.04550026389635842, -0.15426876936299344, 0.0, 0.34573123063700656, 1.9544997361036416}},
      {"gelu tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, kSigned,
       {-0.04540230591222494, -0.15428599017485606, 0.0, 0.34571400982514394, 1.954597694087775}},
      {"elu", [](const Tensor& x) { return elu(x); }, kSigned,
       {-0.8646647167633873, -0.3934693402873666, 0.0, 0.5, 2.0}},
      {"elu alpha 2", [](const Tensor& x) { return elu(x, 2.0); }, kSigned,
       {-1.7293294335267746, -0.7869386805747332, 0.0, 0.5, 2.0}},
      {"relu", [](const Tensor& x) { return relu(x); }, kSigned, {0.0, 0.0, 0.0, 0.5, 2.0}},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.1); }, kSigned, {-0.2, -0.05, 0.0, 0.5, 2.0}},
      {"abs", [](const Tensor& x) { return abs(x); }, kSigned, {2.0, 0.5, 0.0, 0.5, 2.0}},
      {"sign", [](const Tensor& x) { return sign(x); }, kSigned, {-1.0, -1.0, 0.0, 1.0, 1.0}},
      {"neg", [](const Tensor& x) { return neg(x); }, kSigned, {2.0, 0.5, -0.0, -0.5, -2.0}},
      {"clamp", [](const Tensor& x) { return clamp(x, -1.0, 1.0); }, kSigned, {-1.0, -0.5, 0.0, 0.5, 1.0}},
      {"clamp min", [](const Tensor& x) { return clamp(x, 0.25, std::nullopt); }, kSigned,
       {0.25, 0.25, 0.25, 0.5, 2.0}},
      {"clamp max", [](const Tensor& x) { return clamp(x, std::nullopt, -0.25); }, kSigned,
       {-2.0, -0.5, -0.25, -0.25, -0.25}},
      {"clamp min > max", [](const Tensor& x) { return clamp(x, 1.0, -1.0); }, kSigned,
       {-1.0, -1.0, -1.0, -1.0, -1.0}},
      {"pow 2", [](const Tensor& x) { return pow(x, 2.0); }, kSigned, {4.0, 0.25, 0.0, 0.25, 4.0}},
      {"pow 3", [](const Tensor& x) { return pow(x, 3.0); }, kSigned, {-8.0, -0.125, 0.0, 0.125, 8.0}},
      {"pow 0", [](const Tensor& x) { return pow(x, 0.0); }, kSigned, {1.0, 1.0, 1.0, 1.0, 1.0}},
      {"log", [](const Tensor& x) { return log(x); }, kPositive,
       {-1.3862943611198906, 0.0, 0.6931471805599453, 1.3862943611198906}},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, kPositive, {0.5, 1.0, 1.4142135623730951, 2.0}},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, kPositive, {2.0, 1.0, 0.7071067811865475, 0.5}},
      {"pow 1.5", [](const Tensor& x) { return pow(x, 1.5); }, kPositive, {0.125, 1.0, 2.8284271247461903, 8.0}},
      {"pow 0.5", [](const Tensor& x) { return pow(x, 0.5); }, kPositive, {0.5, 1.0, 1.4142135623730951, 2.0}},
      {"pow -1", [](const Tensor& x) { return pow(x, -1.0); }, kPositive, {4.0, 1.0, 0.5, 0.25}},
      {"members", [](const Tensor& x) { return x.exp().log().sqrt().pow(2.0).rsqrt().abs().sign(); }, kPositive,
       {1.0, 1.0, 1.0, 1.0}},
      {"activation members", [](const Tensor& x) { return x.tanh() + x.sigmoid() + x.relu(); }, {0.0, 1.0},
       {0.5, 2.4926527345857696}},
      {"clamp member", [](const Tensor& x) { return x.clamp(0.5, 2.0); }, kPositive, {0.5, 1.0, 2.0, 2.0}},
  };
}

}  // namespace

TEST_CASE("unary ops: forward values in float64 and float32", "[elementwise]") {
  const ForwardCase c = GENERATE(from_range(forward_cases()));
  INFO(c.name);
  Tensor x = tensor<double>(c.in);
  Tensor y = c.fn(x);
  REQUIRE(y.dtype() == kDouble);
  REQUIRE(y.shape() == x.shape());
  require_values(y, c.out);
  // float32 computes in float32: same values to float precision.
  Tensor yf = c.fn(x.to(kFloat));
  REQUIRE(yf.dtype() == kFloat);
  require_values(yf, c.out, 1e-6);
}

TEST_CASE("unary ops: NaN propagates, +-inf map to limits", "[elementwise]") {
  Tensor x = tensor<double>({kNaN, kInf, -kInf});
  require_values(relu(x), {kNaN, kInf, 0.0});
  require_values(leaky_relu(x, 0.1), {kNaN, kInf, -kInf});
  require_values(where(tensor<bool>({true, false, true}), x, zeros({3}, kDouble)), {kNaN, 0.0, -kInf});
  require_values(clamp(x, -1.0, 1.0), {kNaN, 1.0, -1.0});
  require_values(sign(x), {kNaN, 1.0, -1.0});
  require_values(abs(x), {kNaN, kInf, kInf});
  require_values(sigmoid(x), {kNaN, 1.0, 0.0});
  require_values(tanh(x), {kNaN, 1.0, -1.0});
  require_values(exp(x), {kNaN, kInf, 0.0});
  require_values(maximum(x, zeros({3}, kDouble)), {kNaN, kInf, 0.0});
  require_values(minimum(zeros({3}, kDouble), x), {kNaN, 0.0, -kInf});
  // Very negative inputs saturate without NaN in float32.
  require_values(sigmoid(tensor<float>({-200.0f, 200.0f})), {0.0, 1.0});
}

TEST_CASE("binary ops: forward values", "[elementwise]") {
  Tensor a = tensor<double>({1.0, -2.0, 3.0, 0.5});
  Tensor b = tensor<double>({2.0, -2.0, -1.0, 4.0});
  require_values(maximum(a, b), {2.0, -2.0, 3.0, 4.0});
  require_values(minimum(a, b), {1.0, -2.0, -1.0, 0.5});
  require_values(pow(tensor<double>({2.0, 9.0, 4.0, 0.0}), tensor<double>({3.0, 0.5, -1.0, 0.0})),
                 {8.0, 3.0, 0.25, 1.0});
  require_values(pow(tensor<double>({2.0, 3.0}), tensor<double>({2.0, 3.0})), {4.0, 27.0});
  require_values(tensor<double>({2.0, 9.0}).pow(tensor<double>({3.0, 0.5})), {8.0, 3.0});
  Tensor cond = tensor<bool>({true, false, false, true});
  require_values(where(cond, a, b), {1.0, -2.0, -1.0, 0.5});
  require_values(where(cond, a, 7.0), {1.0, 7.0, 7.0, 0.5});
}

TEST_CASE("comparisons give bool masks, with promotion and scalar overloads", "[elementwise]") {
  Tensor a = tensor<float>({1.0f, 2.0f, 3.0f});
  Tensor b = tensor<int64_t>({3, 2, 1});
  const std::vector<std::tuple<std::string, Tensor, std::vector<double>>> cases = {
      {"eq", eq(a, b), {0, 1, 0}},      {"ne", ne(a, b), {1, 0, 1}},      {"lt", lt(a, b), {1, 0, 0}},
      {"le", le(a, b), {1, 1, 0}},      {"gt", gt(a, b), {0, 0, 1}},      {"ge", ge(a, b), {0, 1, 1}},
      {"==", a == b, {0, 1, 0}},        {"!=", a != b, {1, 0, 1}},        {"<", a < b, {1, 0, 0}},
      {"<=", a <= b, {1, 1, 0}},        {">", a > b, {0, 0, 1}},          {">=", a >= b, {0, 1, 1}},
      {"== 2", a == 2.0, {0, 1, 0}},    {"!= 2", a != 2.0, {1, 0, 1}},    {"< 2", a < 2.0, {1, 0, 0}},
      {"<= 2", a <= 2.0, {1, 1, 0}},    {"> 2", a > 2.0, {0, 0, 1}},      {">= 2", a >= 2.0, {0, 1, 1}},
      {".eq", a.eq(b), {0, 1, 0}},      {".ne", a.ne(b), {1, 0, 1}},      {".lt", a.lt(b), {1, 0, 0}},
      {".le", a.le(b), {1, 1, 0}},      {".gt", a.gt(b), {0, 0, 1}},      {".ge", a.ge(b), {0, 1, 1}},
      {".eq 2", a.eq(2.0), {0, 1, 0}},  {".ne 2", a.ne(2.0), {1, 0, 1}},  {".lt 2", a.lt(2.0), {1, 0, 0}},
      {".le 2", a.le(2.0), {1, 1, 0}},  {".gt 2", a.gt(2.0), {0, 0, 1}},  {".ge 2", a.ge(2.0), {0, 1, 1}},
      // int64 against a fractional scalar compares in float32, not after truncating 2.5 to 2.
      {"int64 > 2.5", b > 2.5, {1, 0, 0}},
      {"int64 == 2.5", b == 2.5, {0, 0, 0}},
      {"bool == bool", tensor<bool>({true, false, true}) == tensor<bool>({true, true, false}), {1, 0, 0}},
  };
  for (const auto& [name, mask, expected] : cases) {
    INFO(name);
    REQUIRE(mask.dtype() == kBool);
    require_values(mask, expected);
  }
}

TEST_CASE("comparisons and masks are not differentiable", "[elementwise]") {
  Tensor x = tensor<double>({1.0, -1.0}).requires_grad_(true);
  for (const Tensor& m : {x > 0.0, x == x, lt(x, x * 2.0), isfinite(x), isnan(x), logical_not(x > 0.0)}) {
    REQUIRE(m.dtype() == kBool);
    REQUIRE_FALSE(m.requires_grad());
    REQUIRE(m.grad_fn() == nullptr);
  }
}

TEST_CASE("logical_not, isfinite, isnan", "[elementwise]") {
  require_values(logical_not(tensor<bool>({true, false})), {0, 1});
  require_values(logical_not(tensor<double>({0.0, 2.0, -0.5})), {1, 0, 0});
  require_values(logical_not(tensor<int64_t>({0, 3})), {1, 0});
  Tensor x = tensor<double>({1.0, kInf, -kInf, kNaN});
  require_values(isfinite(x), {1, 0, 0, 0});
  require_values(isnan(x), {0, 0, 0, 1});
  require_values(isfinite(x.to(kFloat)), {1, 0, 0, 0});
  require_values(isnan(x.to(kFloat)), {0, 0, 0, 1});
  require_values(isfinite(tensor<int64_t>({1, 2})), {1, 1});
  require_values(isnan(tensor<bool>({true})), {0});
}

TEST_CASE("all, any, allclose, equal", "[elementwise]") {
  SECTION("all / any give bool 0-d tensors") {
    Tensor t = all(tensor<bool>({true, true}));
    REQUIRE(t.dtype() == kBool);
    REQUIRE(t.dim() == 0);
    REQUIRE(t.item<bool>());
    REQUIRE_FALSE(all(tensor<bool>({true, false})).item<bool>());
    REQUIRE(any(tensor<bool>({false, true})).item<bool>());
    REQUIRE_FALSE(any(tensor<bool>({false, false})).item<bool>());
    REQUIRE(all(tensor<double>({1.0, -2.0})).item<bool>());
    REQUIRE_FALSE(all(tensor<int64_t>({1, 0})).item<bool>());
    REQUIRE(any(tensor<double>({0.0, kNaN})).item<bool>());  // NaN is non-zero
    // Empty tensors: all is vacuously true, any false.
    REQUIRE(all(zeros({0}, kBool)).item<bool>());
    REQUIRE_FALSE(any(zeros({0}, kBool)).item<bool>());
  }
  SECTION("all / any on non-contiguous and large (multi-threaded) tensors") {
    Tensor base = tensor<double>({1.0, 0.0, 1.0, 0.0, 1.0, 0.0}, {3, 2});
    REQUIRE(all(base.select(1, 0)).item<bool>());
    REQUIRE_FALSE(any(base.t().select(0, 1)).item<bool>());
    Tensor big = ones({200000}, kBool);
    REQUIRE(all(big).item<bool>());
    big.narrow(0, 199999, 1).fill_(0.0);
    REQUIRE_FALSE(all(big).item<bool>());
    Tensor z = zeros({200000});
    REQUIRE_FALSE(any(z).item<bool>());
    z.narrow(0, 123456, 1).fill_(1.0);
    REQUIRE(any(z).item<bool>());
  }
  SECTION("allclose: |a - b| <= atol + rtol |b|, broadcasting, infinities, NaN") {
    Tensor a = tensor<double>({1.0, 100.0});
    REQUIRE(allclose(a, tensor<double>({1.0 + 1e-9, 100.0 + 5e-4})));
    REQUIRE_FALSE(allclose(a, tensor<double>({1.0, 100.01})));
    REQUIRE(allclose(a, tensor<double>({1.0, 100.01}), 1e-3));
    REQUIRE(allclose(a, tensor<double>({1.05, 100.05}), 0.0, 0.1));
    REQUIRE(allclose(tensor<double>({2.0, 2.0}), scalar_tensor(2.0, kDouble)));
    REQUIRE(allclose(tensor<float>({1.0f, 2.0f}), tensor<int64_t>({1, 2})));
    REQUIRE(allclose(tensor<double>({kInf, -kInf}), tensor<double>({kInf, -kInf})));
    REQUIRE_FALSE(allclose(tensor<double>({kInf}), tensor<double>({-kInf})));
    REQUIRE_FALSE(allclose(tensor<double>({kNaN}), tensor<double>({kNaN})));
    REQUIRE_THROWS_WITH(allclose(ones({2}), ones({3})), Contains("allclose") && Contains("[2]") && Contains("[3]"));
  }
  SECTION("equal: same shape and values") {
    REQUIRE(equal(tensor<double>({1.0, 2.0}), tensor<double>({1.0, 2.0})));
    REQUIRE(equal(tensor<int64_t>({1, 2}), tensor<double>({1.0, 2.0})));
    REQUIRE_FALSE(equal(tensor<double>({1.0, 2.0}), tensor<double>({1.0, 2.5})));
    REQUIRE_FALSE(equal(ones({2, 1}), ones({2})));  // broadcastable is not equal
    REQUIRE_FALSE(equal(ones({2}), ones({3})));
    Tensor m = tensor<double>({1.0, 2.0, 3.0, 4.0}, {2, 2});
    REQUIRE(equal(m.t(), tensor<double>({1.0, 3.0, 2.0, 4.0}, {2, 2})));
  }
}

TEST_CASE("dtype promotion of elementwise results", "[elementwise]") {
  Tensor i = tensor<int64_t>({1, 2, 3});
  Tensor f = tensor<float>({0.5f, 1.5f, 2.5f});
  Tensor d = tensor<double>({1.0, 1.0, 1.0});
  Tensor bo = tensor<bool>({true, false, true});
  struct Case {
    std::string name;
    Tensor out;
    DType dtype;
    std::vector<double> values;
  };
  const std::vector<Case> cases = {
      {"int64 + float32", i + f, kFloat, {1.5, 3.5, 5.5}},
      {"float32 * float64", f * d, kDouble, {0.5, 1.5, 2.5}},
      {"bool + bool", bo + bo, kLong, {2, 0, 2}},
      {"int64 * 2.0", i * 2.0, kLong, {2, 4, 6}},
      {"int64 * 0.5", i * 0.5, kFloat, {0.5, 1.0, 1.5}},
      {"int64 / int64", i / i, kFloat, {1, 1, 1}},
      {"exp(int64)", exp(tensor<int64_t>({0})), kFloat, {1.0}},
      {"sqrt(bool)", sqrt(bo), kFloat, {1, 0, 1}},
      {"sigmoid(int64)", sigmoid(tensor<int64_t>({0})), kFloat, {0.5}},
      {"gelu(int64)", gelu(tensor<int64_t>({0})), kFloat, {0.0}},
      {"relu(int64)", relu(tensor<int64_t>({-1, 2})), kLong, {0, 2}},
      {"abs(int64)", abs(tensor<int64_t>({-3, 2})), kLong, {3, 2}},
      {"sign(int64)", sign(tensor<int64_t>({-3, 0, 2})), kLong, {-1, 0, 1}},
      {"pow(int64, 2.0)", pow(i, 2.0), kLong, {1, 4, 9}},
      {"pow(int64, 0.5)", pow(tensor<int64_t>({4, 9}), 0.5), kFloat, {2, 3}},
      {"pow(bool, 2.0)", pow(bo, 2.0), kLong, {1, 0, 1}},
      // Negative integer exponents of an int64 tensor truncate, as in PyTorch: 1, +-1 or 0.
      {"pow(int64, int64)", pow(tensor<int64_t>({2, 3, 1, -1, -1, 2}), tensor<int64_t>({10, 3, -2, -3, -2, -1})),
       kLong, {1024, 27, 1, -1, 1, 0}},
      {"pow(int64, float32)", pow(i, f), kFloat, {1.0, std::pow(2.0, 1.5), std::pow(3.0, 2.5)}},
      {"maximum(int64, float32)", maximum(i, f), kFloat, {1, 2, 3}},
      {"minimum(bool, bool)", minimum(bo, tensor<bool>({true, true, false})), kBool, {1, 0, 0}},
      {"where(cond, int64, float32)", where(bo, i, f), kFloat, {1, 1.5, 3}},
      {"where(cond, int64, 0.5)", where(bo, i, 0.5), kFloat, {1, 0.5, 3}},
      {"where(cond, int64, 7.0)", where(bo, i, 7.0), kLong, {1, 7, 3}},
      {"where(cond, bool, bool)", where(bo, bo, logical_not(bo)), kBool, {1, 1, 1}},
      {"clamp(int64, 0, 2)", clamp(i, 0.0, 2.0), kLong, {1, 2, 2}},
      {"clamp(int64, 1.5, none)", clamp(i, 1.5, std::nullopt), kFloat, {1.5, 2, 3}},
      {"clamp(int64, huge)", clamp(i, -1e30, 1e30), kLong, {1, 2, 3}},
      {"maximum(float32, float64)", maximum(f, d), kDouble, {1, 1.5, 2.5}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    REQUIRE(c.out.dtype() == c.dtype);
    require_values(c.out, c.values, 1e-6);
  }
}

TEST_CASE("broadcasting: {3,1} with {1,4} gives {3,4}", "[elementwise]") {
  Tensor a = tensor<double>({1.0, 2.0, 3.0}, {3, 1});
  Tensor b = tensor<double>({0.5, 1.0, 2.0, 4.0}, {1, 4});
  const std::vector<std::tuple<std::string, BinaryFn, std::function<double(double, double)>>> cases = {
      {"add", [](const Tensor& x, const Tensor& y) { return x + y; }, [](double x, double y) { return x + y; }},
      {"sub", [](const Tensor& x, const Tensor& y) { return x - y; }, [](double x, double y) { return x - y; }},
      {"mul", [](const Tensor& x, const Tensor& y) { return x * y; }, [](double x, double y) { return x * y; }},
      {"div", [](const Tensor& x, const Tensor& y) { return x / y; }, [](double x, double y) { return x / y; }},
      {"pow", [](const Tensor& x, const Tensor& y) { return pow(x, y); }, [](double x, double y) { return std::pow(x, y); }},
      {"maximum", [](const Tensor& x, const Tensor& y) { return maximum(x, y); },
       [](double x, double y) { return std::max(x, y); }},
      {"minimum", [](const Tensor& x, const Tensor& y) { return minimum(x, y); },
       [](double x, double y) { return std::min(x, y); }},
      {"gt", [](const Tensor& x, const Tensor& y) { return x > y; }, [](double x, double y) { return double(x > y); }},
      {"eq", [](const Tensor& x, const Tensor& y) { return x == y; }, [](double x, double y) { return double(x == y); }},
  };
  for (const auto& [name, fn, ref] : cases) {
    INFO(name);
    for (const auto& [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
      Tensor out = fn(x, y);
      REQUIRE(out.shape() == Shape{3, 4});
      std::vector<double> expected;
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t c = 0; c < 4; ++c) {
          const double av = values(a)[r], bv = values(b)[c];
          expected.push_back(x.is_same(a) ? ref(av, bv) : ref(bv, av));
        }
      require_values(out, expected);
    }
  }
  SECTION("where broadcasts all three operands") {
    Tensor cond = tensor<bool>({true, false, false, true}, {1, 4});
    Tensor out = where(cond, a, scalar_tensor(-1.0, kDouble));
    REQUIRE(out.shape() == Shape{3, 4});
    require_values(out, {1, -1, -1, 1, 2, -1, -1, 2, 3, -1, -1, 3});
    Tensor out2 = where(tensor<bool>({true, false, true}, {3, 1}), b, a);
    require_values(out2, {0.5, 1, 2, 4, 2, 2, 2, 2, 0.5, 1, 2, 4});
  }
  SECTION("0-d and non-contiguous operands") {
    require_values(tensor<double>({1.0, 2.0}) * scalar_tensor(3.0, kDouble), {3.0, 6.0});
    Tensor m = tensor<double>({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
    require_values(maximum(m.t(), scalar_tensor(3.5, kDouble)), {3.5, 4, 3.5, 5, 3.5, 6});
    require_values(exp(m.slice(1, 0, 3, 2)) , {std::exp(1.0), std::exp(3.0), std::exp(4.0), std::exp(6.0)});
  }
}

TEST_CASE("broadcast errors name the op and both shapes", "[elementwise]") {
  const std::vector<std::pair<std::string, BinaryFn>> ops = {
      {"add", [](const Tensor& x, const Tensor& y) { return x + y; }},
      {"sub", [](const Tensor& x, const Tensor& y) { return x - y; }},
      {"mul", [](const Tensor& x, const Tensor& y) { return x * y; }},
      {"div", [](const Tensor& x, const Tensor& y) { return x / y; }},
      {"pow", [](const Tensor& x, const Tensor& y) { return pow(x, y); }},
      {"maximum", [](const Tensor& x, const Tensor& y) { return maximum(x, y); }},
      {"minimum", [](const Tensor& x, const Tensor& y) { return minimum(x, y); }},
      {"eq", [](const Tensor& x, const Tensor& y) { return eq(x, y); }},
      {"ne", [](const Tensor& x, const Tensor& y) { return ne(x, y); }},
      {"lt", [](const Tensor& x, const Tensor& y) { return lt(x, y); }},
      {"le", [](const Tensor& x, const Tensor& y) { return le(x, y); }},
      {"gt", [](const Tensor& x, const Tensor& y) { return gt(x, y); }},
      {"ge", [](const Tensor& x, const Tensor& y) { return ge(x, y); }},
      {"where", [](const Tensor& x, const Tensor& y) { return where(ones({2, 3}, kBool), x, y); }},
  };
  for (const auto& [name, fn] : ops) {
    INFO(name);
    REQUIRE_THROWS_AS(fn(ones({2, 3}), ones({4})), Error);
    REQUIRE_THROWS_WITH(fn(ones({2, 3}), ones({4})), Contains(name) && Contains("[2, 3]") && Contains("[4]"));
  }
  REQUIRE_THROWS_WITH(where(ones({5}, kBool), ones({2, 3}), ones({3})), Contains("where") && Contains("[5]"));
}

TEST_CASE("bad arguments throw tg::Error naming the op", "[elementwise]") {
  REQUIRE_THROWS_WITH(where(ones({3}), ones({3}), ones({3})), Contains("where") && Contains("bool") && Contains("[3]"));
  REQUIRE_THROWS_WITH(gelu(ones({2}), "fast"), Contains("gelu") && Contains("fast"));
  REQUIRE_THROWS_WITH(pow(tensor<int64_t>({2}), -1.0), Contains("pow") && Contains("negative"));
  REQUIRE_THROWS_WITH(clamp(ones({2}), std::nullopt, std::nullopt), Contains("clamp") && Contains("[2]"));
  REQUIRE_THROWS_WITH(relu(ones({2}, kBool)), Contains("relu") && Contains("bool"));
  REQUIRE_THROWS_WITH(neg(ones({2}, kBool)), Contains("neg"));
  const std::vector<std::pair<std::string, UnaryFn>> unary = {
      {"exp", [](const Tensor& x) { return exp(x); }},         {"log", [](const Tensor& x) { return log(x); }},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }},       {"rsqrt", [](const Tensor& x) { return rsqrt(x); }},
      {"abs", [](const Tensor& x) { return abs(x); }},         {"sign", [](const Tensor& x) { return sign(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},       {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"relu", [](const Tensor& x) { return relu(x); }},       {"elu", [](const Tensor& x) { return elu(x); }},
      {"gelu", [](const Tensor& x) { return gelu(x); }},       {"isnan", [](const Tensor& x) { return isnan(x); }},
      {"isfinite", [](const Tensor& x) { return isfinite(x); }}, {"all", [](const Tensor& x) { return all(x); }},
      {"any", [](const Tensor& x) { return any(x); }},         {"pow", [](const Tensor& x) { return pow(x, 2.0); }},
      {"clamp", [](const Tensor& x) { return clamp(x, 0.0, 1.0); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }},
      {"logical_not", [](const Tensor& x) { return logical_not(x); }},
      {"maximum", [](const Tensor& x) { return maximum(x, ones({1})); }},
      {"eq", [](const Tensor& x) { return eq(ones({1}), x); }},
      {"where", [](const Tensor& x) { return where(ones({1}, kBool), x, 0.0); }},
  };
  for (const auto& [name, fn] : unary) {
    INFO(name);
    REQUIRE_THROWS_WITH(fn(Tensor()), Contains(name) && Contains("undefined"));
  }
}

TEST_CASE("hand-checked gradients at ties, kinks and domain edges", "[elementwise]") {
  SECTION("maximum / minimum split the gradient evenly on ties") {
    Tensor a = tensor<double>({1.0, 2.0, 3.0}).requires_grad_(true);
    Tensor b = tensor<double>({1.0, 1.0, 4.0}).requires_grad_(true);
    maximum(a, b).sum().backward();
    require_values(a.grad(), {0.5, 1.0, 0.0});
    require_values(b.grad(), {0.5, 0.0, 1.0});
    a.mutable_grad() = Tensor();
    b.mutable_grad() = Tensor();
    minimum(a, b).sum().backward();
    require_values(a.grad(), {0.5, 0.0, 1.0});
    require_values(b.grad(), {0.5, 1.0, 0.0});
  }
  SECTION("maximum with a broadcast scalar sums its share") {
    Tensor a = tensor<double>({-1.0, 0.0, 2.0, 3.0}).requires_grad_(true);
    Tensor s = scalar_tensor(0.0, kDouble).requires_grad_(true);
    (maximum(a, s) * 2.0).sum().backward();
    require_values(a.grad(), {0.0, 1.0, 2.0, 2.0});
    require_values(s.grad(), {3.0});
  }
  SECTION("clamp passes the gradient where min <= x <= max, bounds included") {
    Tensor x = tensor<double>({-2.0, -1.0, 0.5, 1.0, 2.0}).requires_grad_(true);
    clamp(x, -1.0, 1.0).sum().backward();
    require_values(x.grad(), {0.0, 1.0, 1.0, 1.0, 0.0});
    Tensor y = tensor<double>({-2.0, 2.0}).requires_grad_(true);
    clamp(y, std::nullopt, 0.0).sum().backward();
    require_values(y.grad(), {1.0, 0.0});
  }
  SECTION("relu, leaky_relu, abs, sign") {
    Tensor x = tensor<double>({-1.5, 0.0, 2.0}).requires_grad_(true);
    relu(x).sum().backward();
    require_values(x.grad(), {0.0, 0.0, 1.0});
    x.mutable_grad() = Tensor();
    leaky_relu(x, 0.2).sum().backward();
    require_values(x.grad(), {0.2, 0.2, 1.0});
    x.mutable_grad() = Tensor();
    abs(x).sum().backward();
    require_values(x.grad(), {-1.0, 0.0, 1.0});
    x.mutable_grad() = Tensor();
    sign(x).sum().backward();  // zero, but defined: sign can sit inside a graph
    require_values(x.grad(), {0.0, 0.0, 0.0});
  }
  SECTION("pow conventions at zero: x^0 has zero gradient, 0^b has no log(0) in d/db") {
    Tensor x = tensor<double>({0.0, 2.0}).requires_grad_(true);
    pow(x, 0.0).sum().backward();
    require_values(x.grad(), {0.0, 0.0});
    Tensor a = tensor<double>({0.0, 0.0, 2.0}).requires_grad_(true);
    Tensor b = tensor<double>({2.0, 0.0, 3.0}).requires_grad_(true);
    pow(a, b).sum().backward();
    require_values(a.grad(), {0.0, 0.0, 12.0});  // b a^(b-1), zero where b = 0
    require_values(b.grad(), {0.0, 0.0, 8.0 * std::log(2.0)});
  }
  SECTION("where routes the gradient, broadcasting back to each operand") {
    Tensor a = tensor<double>({1.0, 2.0, 3.0}).requires_grad_(true);
    Tensor b = scalar_tensor(0.0, kDouble).requires_grad_(true);
    (where(tensor<bool>({true, false, false}), a, b) * tensor<double>({1.0, 2.0, 3.0})).sum().backward();
    require_values(a.grad(), {1.0, 0.0, 0.0});
    require_values(b.grad(), {5.0});
  }
  SECTION("float32 inputs get float32 gradients") {
    Tensor x = tensor<float>({0.5f, -0.5f}).requires_grad_(true);
    (tanh(x) + sigmoid(x) + gelu(x) + exp(x) + pow(x, 2.0)).sum().backward();
    REQUIRE(x.grad().dtype() == kFloat);
    const double t = std::tanh(0.5), s = 1.0 / (1.0 + std::exp(-0.5));
    const double phi = std::exp(-0.125) / std::sqrt(2.0 * std::numbers::pi), Phi = 0.5 * (1.0 + std::erf(0.5 / std::sqrt(2.0)));
    const double at_half = (1 - t * t) + s * (1 - s) + Phi + 0.5 * phi + std::exp(0.5) + 1.0;
    const double at_minus = (1 - t * t) + s * (1 - s) + (1 - Phi) - 0.5 * phi + std::exp(-0.5) - 1.0;
    require_values(x.grad(), {at_half, at_minus}, 1e-6);
  }
}

// ---- gradcheck / gradgradcheck -------------------------------------------------------------------

namespace {

// Where an op's inputs must lie: the domain of log/sqrt, or away from the kinks at 0.
enum class Domain { Any, Positive, AwayFromZero };

struct GradCase {
  std::string name;
  std::vector<Domain> domains;  // one per tensor input
  std::function<Tensor(const tensor_list&)> fn;
};

using tg::testing::leaf;
using tg::testing::one_output;
using tg::testing::require_gradcheck;
using tg::testing::strided_leaf;
using tg::testing::transposed_leaf;

// Moves x's values into the domain in place, keeping its (possibly non-contiguous) layout.
void into_domain(Tensor& x, Domain d) {
  NoGradGuard no_grad;
  if (d == Domain::Positive) x.copy_(abs(x) + 0.5);
  if (d == Domain::AwayFromZero) x.copy_(x + sign(x) * 0.5);
}

std::vector<GradCase> unary_grad_cases() {
  const Domain any = Domain::Any, pos = Domain::Positive, away = Domain::AwayFromZero;
  auto u = [](std::string name, Domain d, UnaryFn f) {
    return GradCase{std::move(name), {d}, [f](const tensor_list& in) { return f(in[0]); }};
  };
  return {
      u("neg", any, [](const Tensor& x) { return -x; }),
      u("x + 1.5", any, [](const Tensor& x) { return x + 1.5; }),
      u("2 - x", any, [](const Tensor& x) { return 2.0 - x; }),
      u("x * 3", any, [](const Tensor& x) { return x * 3.0; }),
      u("1 / x", away, [](const Tensor& x) { return 1.0 / x; }),
      u("x / 4", any, [](const Tensor& x) { return x / 4.0; }),
      u("exp", any, [](const Tensor& x) { return exp(x); }),
      u("log", pos, [](const Tensor& x) { return log(x); }),
      u("sqrt", pos, [](const Tensor& x) { return sqrt(x); }),
      u("rsqrt", pos, [](const Tensor& x) { return rsqrt(x); }),
      u("abs", away, [](const Tensor& x) { return abs(x); }),
      u("sign", away, [](const Tensor& x) { return sign(x); }),
      u("clamp", away, [](const Tensor& x) { return clamp(x, -1.0, 1.0); }),
      u("clamp min", away, [](const Tensor& x) { return clamp(x, 0.0, std::nullopt); }),
      u("clamp max", away, [](const Tensor& x) { return clamp(x, std::nullopt, 0.0); }),
      u("pow 2", any, [](const Tensor& x) { return pow(x, 2.0); }),
      u("pow 3", any, [](const Tensor& x) { return pow(x, 3.0); }),
      u("pow 0", any, [](const Tensor& x) { return pow(x, 0.0); }),
      u("pow 0.5", pos, [](const Tensor& x) { return pow(x, 0.5); }),
      u("pow -1", away, [](const Tensor& x) { return pow(x, -1.0); }),
      u("pow 2.5", pos, [](const Tensor& x) { return pow(x, 2.5); }),
      u("tanh", any, [](const Tensor& x) { return tanh(x); }),
      u("sigmoid", any, [](const Tensor& x) { return sigmoid(x); }),
      u("relu", away, [](const Tensor& x) { return relu(x); }),
      u("leaky_relu", away, [](const Tensor& x) { return leaky_relu(x, 0.2); }),
      u("elu", away, [](const Tensor& x) { return elu(x); }),
      u("elu alpha 0.5", away, [](const Tensor& x) { return elu(x, 0.5); }),
      u("gelu", any, [](const Tensor& x) { return gelu(x); }),
      u("gelu tanh", any, [](const Tensor& x) { return gelu(x, "tanh"); }),
      u("where scalar", any, [](const Tensor& x) { return where(tensor<bool>({true, false, true, true}), x, 0.5); }),
      u("members", pos, [](const Tensor& x) { return x.exp() + x.log() + x.sqrt() + x.rsqrt() + x.abs() + x.tanh() +
                                                     x.sigmoid() + x.relu() + x.pow(1.5) + x.clamp(0.0, 1.0); }),
      // A nonlinear function of an op's output exercises its saved output under create_graph.
      u("tanh squared", any, [](const Tensor& x) { return tanh(x) * tanh(x); }),
      u("exp of sigmoid", any, [](const Tensor& x) { return exp(sigmoid(x)) * relu(x + 10.0); }),
  };
}

std::vector<GradCase> binary_grad_cases() {
  const Domain any = Domain::Any, pos = Domain::Positive, away = Domain::AwayFromZero;
  auto b = [](std::string name, Domain da, Domain db, BinaryFn f) {
    return GradCase{std::move(name), {da, db}, [f](const tensor_list& in) { return f(in[0], in[1]); }};
  };
  return {
      b("add", any, any, [](const Tensor& x, const Tensor& y) { return x + y; }),
      b("add alpha", any, any, [](const Tensor& x, const Tensor& y) { return add(x, y, -2.5); }),
      b("sub", any, any, [](const Tensor& x, const Tensor& y) { return x - y; }),
      b("sub alpha", any, any, [](const Tensor& x, const Tensor& y) { return sub(x, y, 0.5); }),
      b("mul", any, any, [](const Tensor& x, const Tensor& y) { return x * y; }),
      b("div", any, away, [](const Tensor& x, const Tensor& y) { return x / y; }),
      b("pow", pos, any, [](const Tensor& x, const Tensor& y) { return pow(x, y); }),
      b("pow member", pos, any, [](const Tensor& x, const Tensor& y) { return x.pow(y); }),
      b("maximum", any, any, [](const Tensor& x, const Tensor& y) { return maximum(x, y); }),
      b("minimum", any, any, [](const Tensor& x, const Tensor& y) { return minimum(x, y); }),
      b("where", any, any, [](const Tensor& x, const Tensor& y) {
        return where(tensor<bool>({false, true, true, false}), x, y);
      }),
      b("where by comparison", any, any, [](const Tensor& x, const Tensor& y) { return where(x > y, x * y, y); }),
  };
}

// Leaves of one layout: contiguous, transposed or strided {3, 4}, or 0-d.
Tensor unary_input(const std::string& layout) {
  if (layout == "transposed") return transposed_leaf(3, 4);
  if (layout == "strided") return strided_leaf(3, 4);
  if (layout == "0-d") return leaf({});
  return leaf({3, 4});
}

}  // namespace

TEST_CASE("gradcheck and gradgradcheck of unary ops", "[elementwise][gradcheck]") {
  const GradCase c = GENERATE(from_range(unary_grad_cases()));
  const std::string layout = GENERATE(as<std::string>{}, "contiguous", "transposed", "strided");
  INFO(c.name << " on " << layout << " input");
  manual_seed(1234);
  Tensor x = unary_input(layout);
  into_domain(x, c.domains[0]);
  require_gradcheck(one_output(c.fn), {x}, /*second_order=*/true);
}

TEST_CASE("gradcheck of unary ops on a 0-d input", "[elementwise][gradcheck]") {
  const GradCase c = GENERATE(from_range(unary_grad_cases()));
  if (c.name == "where scalar") return;  // its mask has 4 elements
  INFO(c.name);
  manual_seed(99);
  Tensor x = leaf({});
  into_domain(x, c.domains[0]);
  require_gradcheck(one_output(c.fn), {x}, /*second_order=*/true);
}

TEST_CASE("gradcheck and gradgradcheck of binary ops", "[elementwise][gradcheck]") {
  const GradCase c = GENERATE(from_range(binary_grad_cases()));
  const std::string layout = GENERATE(as<std::string>{}, "contiguous", "broadcast", "scalar", "non-contiguous");
  INFO(c.name << " on " << layout << " inputs");
  manual_seed(4321);
  Tensor a, b;
  if (layout == "broadcast") {
    a = leaf({3, 1});
    b = leaf({1, 4});
  } else if (layout == "scalar") {
    a = leaf({3, 4});
    b = leaf({});
  } else if (layout == "non-contiguous") {
    a = transposed_leaf(3, 4);
    b = strided_leaf(3, 4);
  } else {
    a = leaf({3, 4});
    b = leaf({3, 4});
  }
  into_domain(a, c.domains[0]);
  into_domain(b, c.domains[1]);
  require_gradcheck(one_output(c.fn), {a, b}, /*second_order=*/true);
  // Each input alone (the other a constant) takes the Needs-masked path of the backward.
  require_gradcheck(one_output(c.fn), {a, b.detach()});
  require_gradcheck(one_output(c.fn), {a.detach(), b});
}

TEST_CASE("gradcheck of where with a broadcast condition and three broadcast shapes", "[elementwise][gradcheck]") {
  manual_seed(7);
  Tensor cond = tensor<bool>({true, false, true}, {3, 1});
  Tensor a = leaf({1, 4});
  Tensor b = leaf({});
  require_gradcheck(one_output([cond](const tensor_list& in) { return where(cond, in[0], in[1]); }), {a, b}, true);
}
