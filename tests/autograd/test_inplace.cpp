// In-place ops (add_, sub_, mul_, div_, clamp_, fill_, zero_, copy_ and the compound operators):
// values, version counters, the errors that protect autograd, recording on non-leaves, and that
// without autograd they really write into the tensor's own storage.
#include "gradcheck_support.h"

using namespace tg;
using Catch::Contains;

namespace {

std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

void require_values(const Tensor& t, const std::vector<double>& expected) {
  const std::vector<double> got = values(t);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(expected[i]).margin(1e-12));
  }
}

using InplaceFn = std::function<void(Tensor&)>;

struct InplaceCase {
  std::string name;
  InplaceFn fn;
  std::vector<double> expected;  // applied to {1, -2, 3, 4}
};

std::vector<InplaceCase> inplace_cases() {
  return {
      {"add_ tensor", [](Tensor& t) { t.add_(tensor<double>({1.0, 1.0, 1.0, 1.0})); }, {2, -1, 4, 5}},
      {"add_ alpha", [](Tensor& t) { t.add_(tensor<double>({1.0, 2.0, 3.0, 4.0}), -0.5); }, {0.5, -3, 1.5, 2}},
      {"add_ scalar", [](Tensor& t) { t.add_(2.5); }, {3.5, 0.5, 5.5, 6.5}},
      {"add_ broadcast", [](Tensor& t) { t.add_(scalar_tensor(1.0, kDouble)); }, {2, -1, 4, 5}},
      {"sub_ tensor", [](Tensor& t) { t.sub_(tensor<double>({1.0, 1.0, 1.0, 1.0})); }, {0, -3, 2, 3}},
      {"sub_ alpha", [](Tensor& t) { t.sub_(tensor<double>({1.0, 1.0, 1.0, 1.0}), 2.0); }, {-1, -4, 1, 2}},
      {"sub_ scalar", [](Tensor& t) { t.sub_(1.0); }, {0, -3, 2, 3}},
      {"mul_ tensor", [](Tensor& t) { t.mul_(tensor<double>({2.0, 2.0, 0.5, -1.0})); }, {2, -4, 1.5, -4}},
      {"mul_ scalar", [](Tensor& t) { t.mul_(3.0); }, {3, -6, 9, 12}},
      {"div_ tensor", [](Tensor& t) { t.div_(tensor<double>({2.0, 2.0, 0.5, -1.0})); }, {0.5, -1, 6, -4}},
      {"div_ scalar", [](Tensor& t) { t.div_(4.0); }, {0.25, -0.5, 0.75, 1}},
      {"clamp_", [](Tensor& t) { t.clamp_(-1.0, 3.5); }, {1, -1, 3, 3.5}},
      {"clamp_ min", [](Tensor& t) { t.clamp_(0.0, std::nullopt); }, {1, 0, 3, 4}},
      {"clamp_ max", [](Tensor& t) { t.clamp_(std::nullopt, 2.0); }, {1, -2, 2, 2}},
      {"fill_", [](Tensor& t) { t.fill_(7.0); }, {7, 7, 7, 7}},
      {"zero_", [](Tensor& t) { t.zero_(); }, {0, 0, 0, 0}},
      {"copy_", [](Tensor& t) { t.copy_(tensor<double>({9.0, 8.0, 7.0, 6.0})); }, {9, 8, 7, 6}},
      {"copy_ converts dtype", [](Tensor& t) { t.copy_(tensor<int64_t>({5, 6, 7, 8})); }, {5, 6, 7, 8}},
      {"copy_ broadcasts", [](Tensor& t) { t.copy_(tensor<float>({0.5f})); }, {0.5, 0.5, 0.5, 0.5}},
      {"+= tensor", [](Tensor& t) { t += tensor<double>({1.0, 1.0, 1.0, 1.0}); }, {2, -1, 4, 5}},
      {"-= tensor", [](Tensor& t) { t -= tensor<double>({1.0, 1.0, 1.0, 1.0}); }, {0, -3, 2, 3}},
      {"*= tensor", [](Tensor& t) { t *= tensor<double>({2.0, 2.0, 2.0, 2.0}); }, {2, -4, 6, 8}},
      {"/= tensor", [](Tensor& t) { t /= tensor<double>({2.0, 2.0, 2.0, 2.0}); }, {0.5, -1, 1.5, 2}},
      {"+= scalar", [](Tensor& t) { t += 1.0; }, {2, -1, 4, 5}},
      {"-= scalar", [](Tensor& t) { t -= 1.0; }, {0, -3, 2, 3}},
      {"*= scalar", [](Tensor& t) { t *= -1.0; }, {-1, 2, -3, -4}},
      {"/= scalar", [](Tensor& t) { t /= 2.0; }, {0.5, -1, 1.5, 2}},
  };
}

}  // namespace

TEST_CASE("in-place ops: values, same storage, one version bump", "[inplace]") {
  const InplaceCase c = GENERATE(from_range(inplace_cases()));
  INFO(c.name);
  Tensor t = tensor<double>({1.0, -2.0, 3.0, 4.0});
  void* data = t.raw_data();
  const uint64_t version = t.version();
  c.fn(t);
  REQUIRE(t.raw_data() == data);
  REQUIRE(t.version() == version + 1);
  REQUIRE(t.dtype() == kDouble);
  require_values(t, c.expected);

  SECTION("through a non-contiguous view, into the base") {
    Tensor base = tensor<double>({1.0, 0.0, -2.0, 0.0, 3.0, 0.0, 4.0, 0.0}, {4, 2});
    Tensor view = base.select(1, 0);  // stride 2
    REQUIRE_FALSE(view.is_contiguous());
    const uint64_t base_version = base.version();
    c.fn(view);
    REQUIRE(base.version() == base_version + 1);  // views share the version counter
    require_values(base.select(1, 0), c.expected);
    require_values(base.select(1, 1), {0, 0, 0, 0});
  }
  SECTION("under no-grad on a leaf that requires grad") {
    Tensor w = tensor<double>({1.0, -2.0, 3.0, 4.0}).requires_grad_(true);
    void* wdata = w.raw_data();
    {
      NoGradGuard no_grad;
      c.fn(w);
    }
    REQUIRE(w.raw_data() == wdata);
    REQUIRE(w.is_leaf());
    REQUIRE(w.requires_grad());
    REQUIRE(w.grad_fn() == nullptr);
    require_values(w, c.expected);
  }
}

TEST_CASE("in-place ops keep self's dtype", "[inplace]") {
  Tensor f = tensor<float>({1.0f, 2.0f});
  f.add_(tensor<double>({0.5, 0.5}));
  REQUIRE(f.dtype() == kFloat);
  require_values(f, {1.5, 2.5});
  Tensor i = tensor<int64_t>({1, 2});
  i.add_(tensor<int64_t>({3, 4}));
  i.mul_(2.0);
  REQUIRE(i.dtype() == kLong);
  require_values(i, {8, 12});
  i.clamp_(9.0, std::nullopt);
  require_values(i, {9, 12});
}

TEST_CASE("in-place errors name the op and shapes", "[inplace]") {
  Tensor t = ones({3}, kDouble);
  REQUIRE_THROWS_WITH(t.add_(ones({2, 3})), Contains("add_") && Contains("[2, 3]") && Contains("[3]"));
  REQUIRE_THROWS_WITH(t.mul_(ones({4})), Contains("mul_") && Contains("[4]") && Contains("[3]"));
  REQUIRE_THROWS_WITH(t.copy_(ones({4})), Contains("copy_") && Contains("[4]") && Contains("[3]"));
  REQUIRE_THROWS_WITH(tensor<int64_t>({1}).div_(2.0), Contains("div_") && Contains("int64"));
  REQUIRE_THROWS_WITH(t.copy_(Tensor()), Contains("copy_"));
  Tensor u;
  REQUIRE_THROWS_WITH(u.fill_(1.0), Contains("fill_") && Contains("undefined"));
  REQUIRE(t.version() == 0);  // failed calls change nothing
}

TEST_CASE("a saved tensor modified in place makes backward throw", "[inplace]") {
  Tensor x = tensor<double>({0.5, -1.0}).requires_grad_(true);
  Tensor w = tensor<double>({2.0, 3.0}).requires_grad_(true);
  SECTION("saved as an input of mul") {
    Tensor y = x.exp();
    Tensor z = y * w;  // saves y
    y.mul_(2.0);
    REQUIRE_THROWS_AS(z.sum().backward(), Error);
    Tensor y2 = x.exp();
    Tensor z2 = y2 * w;
    y2.mul_(2.0);
    REQUIRE_THROWS_WITH(z2.sum().backward(), Contains("in-place") && Contains("modified"));
  }
  SECTION("saved as exp's own output") {
    Tensor y = x.exp();
    y.add_(1.0);
    REQUIRE_THROWS_WITH(y.sum().backward(), Contains("ExpBackward") && Contains("in-place"));
  }
  SECTION("modified through a view of the saved tensor, under no-grad") {
    Tensor y = x * 1.0;
    Tensor z = (y * w).sum();
    {
      NoGradGuard no_grad;
      y.narrow(0, 0, 1).fill_(0.0);
    }
    REQUIRE_THROWS_WITH(z.backward(), Contains("in-place"));
  }
  SECTION("a tensor that was not saved may be modified") {
    Tensor y = x * 2.0;  // mul by a constant saves x and the constant, not y
    Tensor z = y + w;     // add saves nothing
    y.add_(1.0);
    z.sum().backward();
    require_values(x.grad(), {2.0, 2.0});
    require_values(w.grad(), {1.0, 1.0});
  }
}

TEST_CASE("in-place on a leaf that requires grad throws unless under no-grad", "[inplace]") {
  const InplaceCase c = GENERATE(from_range(inplace_cases()));
  INFO(c.name);
  Tensor w = tensor<double>({1.0, -2.0, 3.0, 4.0}).requires_grad_(true);
  REQUIRE_THROWS_WITH(c.fn(w), Contains("leaf"));
  require_values(w, {1.0, -2.0, 3.0, 4.0});
  REQUIRE(w.version() == 0);
  REQUIRE(w.grad_fn() == nullptr);
}

TEST_CASE("in-place on a non-leaf records the op", "[inplace]") {
  using tg::testing::leaf;
  using tg::testing::one_output;
  using tg::testing::require_gradcheck;
  manual_seed(11);
  Tensor x = leaf({3, 4});
  Tensor w = leaf({3, 4}, /*away_from_zero=*/true);

  SECTION("y = x * 1; y.mul_(x) is x^2") {
    auto f = [](const tensor_list& in) {
      Tensor y = in[0] * 1.0;
      y.mul_(in[0]);
      return y;
    };
    require_gradcheck(one_output(f), {x}, /*second_order=*/true);
    Tensor y = x * 1.0;
    y.mul_(x);
    REQUIRE_FALSE(y.is_leaf());
    REQUIRE(y.grad_fn()->name() == "MulBackward");
    y.sum().backward();
    REQUIRE(allclose(x.grad(), x.detach() * 2.0));
  }
  SECTION("each in-place op on a non-leaf, gradients to self and the other operand") {
    const std::vector<std::pair<std::string, std::function<void(Tensor&, const Tensor&)>>> ops = {
        {"add_", [](Tensor& y, const Tensor& o) { y.add_(o, 0.5); }},
        {"sub_", [](Tensor& y, const Tensor& o) { y.sub_(o); }},
        {"mul_", [](Tensor& y, const Tensor& o) { y.mul_(o); }},
        {"div_", [](Tensor& y, const Tensor& o) { y.div_(o); }},
        {"copy_", [](Tensor& y, const Tensor& o) { y.copy_(o); }},
        {"clamp_ then mul_", [](Tensor& y, const Tensor& o) { y.clamp_(-0.5, 0.5).mul_(o); }},
        {"+= then *=", [](Tensor& y, const Tensor& o) { (y += o) *= o; }},
        {"chain", [](Tensor& y, const Tensor& o) { y.mul_(2.0).add_(o).div_(o).sub_(1.0); }},
    };
    for (const auto& [name, op] : ops) {
      INFO(name);
      auto f = [op](const tensor_list& in) {
        Tensor y = in[0] * in[0];  // mul saves its inputs, not y (exp would save y and forbid this)
        op(y, in[1]);
        return y * in[0];  // uses the modified y
      };
      require_gradcheck(one_output(f), {x, w}, /*second_order=*/true);
    }
  }
  SECTION("a broadcast operand gets its gradient summed") {
    Tensor b = leaf({4});
    auto f = [](const tensor_list& in) {
      Tensor y = in[0] * 1.0;
      y.add_(in[1]);
      y.mul_(in[1]);
      return y;
    };
    require_gradcheck(one_output(f), {x, b}, /*second_order=*/true);
  }
  SECTION("fill_ and zero_ cut the gradient to the old values") {
    Tensor y = x * 2.0;
    y.fill_(1.0);
    (y * x).sum().backward();
    REQUIRE(allclose(x.grad(), ones({3, 4}, kDouble)));
    x.mutable_grad() = Tensor();
    Tensor z = x * 2.0;
    z.zero_();
    (z + x).sum().backward();
    REQUIRE(allclose(x.grad(), ones({3, 4}, kDouble)));
  }
  SECTION("a tensor that did not require grad starts to after an in-place op with one that does") {
    Tensor acc = zeros({3, 4}, kDouble);
    acc.add_(x);
    acc.add_(x * 3.0);
    REQUIRE(acc.requires_grad());
    REQUIRE_FALSE(acc.is_leaf());
    acc.sum().backward();
    REQUIRE(allclose(x.grad(), full({3, 4}, 4.0, kDouble)));
  }
  SECTION("the values written are the op's result") {
    Tensor y = x * 1.0;
    void* data = y.raw_data();
    const uint64_t version = y.version();
    y.mul_(3.0);
    REQUIRE(y.raw_data() == data);
    REQUIRE(y.version() == version + 1);
    REQUIRE(allclose(y, x.detach() * 3.0));
  }
}

TEST_CASE("no-grad in-place updates parameters in their own storage (an SGD step)", "[inplace]") {
  Tensor w = tensor<double>({1.0, 2.0, 3.0}).requires_grad_(true);
  Tensor view = w.detach();
  void* data = w.raw_data();
  (w * w).sum().backward();
  {
    NoGradGuard no_grad;
    w.sub_(w.grad(), 0.1);  // w -= 0.1 * 2w
    w.mutable_grad().zero_();
  }
  REQUIRE(w.raw_data() == data);
  require_values(w, {0.8, 1.6, 2.4});
  require_values(view, {0.8, 1.6, 2.4});  // the detached alias sees the write
  require_values(w.grad(), {0, 0, 0});
  // The updated parameter still trains.
  (w * w).sum().backward();
  require_values(w.grad(), {1.6, 3.2, 4.8});
}

TEST_CASE("in-place ops refuse results their dtype cannot hold", "[inplace]") {
  REQUIRE_THROWS_WITH(tg::zeros({2}, tg::kLong).mul_(0.5), Catch::Contains("mul_") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(tg::zeros({2}, tg::kLong).add_(tg::ones({2})), Catch::Contains("add_") && Catch::Contains("float32"));
  REQUIRE_THROWS_WITH(tg::zeros({2}, tg::kLong).add_(tg::ones({2}, tg::kLong), 0.5), Catch::Contains("alpha"));
  REQUIRE(tg::zeros({2}, tg::kLong).add_(2.0).sum().item<int64_t>() == 4);
  REQUIRE(tg::zeros({2}).add_(tg::ones({2}, tg::kDouble)).sum().item<float>() == 2.0f);  // same kind: fine
  tg::Tensor w = tg::ones({2}).requires_grad_(true);
  REQUIRE_THROWS_WITH(tg::zeros({2}, tg::kLong).add_(w), Catch::Contains("add_"));
  REQUIRE_THROWS_WITH(tg::zeros({3}).copy_(tg::zeros({4})), Catch::Contains("copy_") && Catch::Contains("[4]"));
  tg::Tensor y = w * 2.0;
  REQUIRE_THROWS_WITH(y.copy_(tg::zeros({4})), Catch::Contains("copy_"));
}
