// Printing: PyTorch-style strings for every dtype, 0-d, non-contiguous, empty and abbreviated tensors.
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>

namespace {

using tg::Tensor;

struct Case {
  std::string name;
  std::function<Tensor()> make;
  std::string expected;
};

}  // namespace

TEST_CASE("to_string: PyTorch layout", "[print]") {
  const double inf = std::numeric_limits<double>::infinity();
  const auto c = GENERATE_COPY(values<Case>({
      {"float64 matrix requiring grad",
       [] { return tg::tensor<double>({1, -2.5, 3, 4}, {2, 2}).requires_grad_(true); },
       "tensor([[ 1.0000, -2.5000],\n"
       "        [ 3.0000,  4.0000]], dtype=float64, shape=[2, 2], requires_grad=True)"},
      {"float32 vector", [] { return tg::tensor<float>({0.5f, 1.0f, -3.0f}); },
       "tensor([ 0.5000,  1.0000, -3.0000], shape=[3])"},
      {"all zeros", [] { return tg::zeros({2}); }, "tensor([0.0000, 0.0000], shape=[2])"},
      {"int64 vector", [] { return tg::tensor<int64_t>({1, -20, 300}); }, "tensor([  1, -20, 300], shape=[3])"},
      {"bool vector", [] { return tg::tensor<bool>({true, false, true}); }, "tensor([ true, false,  true], shape=[3])"},
      {"0-d float32", [] { return tg::scalar_tensor(3.5); }, "tensor(3.5000)"},
      {"0-d float64", [] { return tg::scalar_tensor(-0.25, tg::kDouble); }, "tensor(-0.2500, dtype=float64)"},
      {"0-d int64", [] { return tg::scalar_tensor(7, tg::kLong); }, "tensor(7)"},
      {"0-d bool", [] { return tg::scalar_tensor(1, tg::kBool); }, "tensor(true)"},
      {"scientific: small values", [] { return tg::tensor<double>({1e-5, 1.0}); },
       "tensor([1.0000e-05, 1.0000e+00], dtype=float64, shape=[2])"},
      {"scientific: large values", [] { return tg::tensor<float>({-1e9f, 0.0f}); },
       "tensor([-1.0000e+09,  0.0000e+00], shape=[2])"},
      {"scientific: wide range", [] { return tg::tensor<float>({1.0f, 2000.0f}); },
       "tensor([1.0000e+00, 2.0000e+03], shape=[2])"},
      {"nan and inf", [inf] { return tg::tensor<double>({std::nan(""), inf, -inf, 1.5}); },
       "tensor([   nan,    inf,   -inf, 1.5000], dtype=float64, shape=[4])"},
      {"non-contiguous (transposed)", [] { return tg::arange(6).view({2, 3}).t(); },
       "tensor([[0.0000, 3.0000],\n"
       "        [1.0000, 4.0000],\n"
       "        [2.0000, 5.0000]], shape=[3, 2])"},
      {"non-contiguous (strided)", [] { return tg::arange(10, tg::kLong).slice(0, 1, 10, 3); },
       "tensor([1, 4, 7], shape=[3])"},
      {"3-d: blank line between matrices", [] { return tg::arange(8, tg::kLong).view({2, 2, 2}); },
       "tensor([[[0, 1],\n"
       "         [2, 3]],\n"
       "\n"
       "        [[4, 5],\n"
       "         [6, 7]]], shape=[2, 2, 2])"},
      {"empty", [] { return tg::zeros({0, 3}); }, "tensor([], shape=[0, 3])"},
      {"undefined", [] { return Tensor(); }, "tensor(undefined)"},
      {"long rows wrap at 80 columns", [] { return tg::linspace(0, 1.9, 20); },
       "tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000,\n"
       "        0.9000, 1.0000, 1.1000, 1.2000, 1.3000, 1.4000, 1.5000, 1.6000, 1.7000,\n"
       "        1.8000, 1.9000], shape=[20])"},
      {"abbreviated vector", [] { return tg::arange(2000, tg::kLong); },
       "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=[2000])"},
      {"abbreviated matrix", [] { return tg::arange(1600, tg::kLong).view({40, 40}); },
       "tensor([[   0,    1,    2,  ...,   37,   38,   39],\n"
       "        [  40,   41,   42,  ...,   77,   78,   79],\n"
       "        [  80,   81,   82,  ...,  117,  118,  119],\n"
       "        ...,\n"
       "        [1480, 1481, 1482,  ..., 1517, 1518, 1519],\n"
       "        [1520, 1521, 1522,  ..., 1557, 1558, 1559],\n"
       "        [1560, 1561, 1562,  ..., 1597, 1598, 1599]], shape=[40, 40])"},
      {"abbreviated, short dims kept whole", [] { return tg::ones({2, 600}, tg::kBool); },
       "tensor([[true, true, true,  ..., true, true, true],\n"
       "        [true, true, true,  ..., true, true, true]], shape=[2, 600])"},
      {"abbreviated and transposed", [] { return tg::arange(2000, tg::kLong).view({2, 1000}).t(); },
       "tensor([[   0, 1000],\n"
       "        [   1, 1001],\n"
       "        [   2, 1002],\n"
       "        ...,\n"
       "        [ 997, 1997],\n"
       "        [ 998, 1998],\n"
       "        [ 999, 1999]], shape=[1000, 2])"},
  }));
  INFO(c.name);
  CHECK(tg::to_string(c.make()) == c.expected);
}

TEST_CASE("to_string: grad_fn of a non-leaf", "[print]") {
  const Tensor a = tg::ones({2}, tg::TensorOptions().requires_grad());
  CHECK(tg::to_string(a) == "tensor([1.0000, 1.0000], shape=[2], requires_grad=True)");
  CHECK(tg::to_string(a * a) == "tensor([1.0000, 1.0000], shape=[2], grad_fn=<MulBackward>)");
  CHECK(tg::to_string((a * a).detach()) == "tensor([1.0000, 1.0000], shape=[2])");
}

TEST_CASE("operator<< and fmt print what to_string gives", "[print]") {
  const Tensor t = tg::tensor<double>({1, 2, 3, 4}, {2, 2});
  std::ostringstream os;
  os << t;
  CHECK(os.str() == tg::to_string(t));
  CHECK(fmt::format("{}", t) == tg::to_string(t));
  CHECK(fmt::format("[{:>20}]", tg::scalar_tensor(1)) == "[      tensor(1.0000)]");
  std::ostringstream undefined;
  undefined << Tensor();
  CHECK(undefined.str() == "tensor(undefined)");
}
