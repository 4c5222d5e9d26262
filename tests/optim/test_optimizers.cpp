// Every optimizer and variant against its published update formula, written out below as plain loops
// over doubles, on a quadratic and on the Rosenbrock function.
#include "optim_test_support.h"

using namespace optim_test;
using namespace tg::optim;

namespace {

// ---- references ---------------------------------------------------------------------------------

// SGD with heavy-ball / Nesterov momentum, PyTorch's form: v ← g on the first step, then
// v ← ρ v + (1 − τ) g; step along v (or g + ρ v with Nesterov).
RefStep sgd_reference(SGDOptions o) {
  return [o, v = Vec{}](Vec& x, const Vec& grad, int64_t) mutable {
    const bool first = v.empty();
    if (first) v.resize(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      double g = o.maximize ? -grad[i] : grad[i];
      g += o.weight_decay * x[i];
      if (o.momentum != 0) {
        v[i] = first ? g : o.momentum * v[i] + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * v[i] : v[i];
      }
      x[i] -= o.lr * g;
    }
  };
}

// Adagrad: s ← s + g², x ← x − α/(1 + (t − 1) η) · g / (√s + ε).
RefStep adagrad_reference(AdagradOptions o) {
  return [o, s = Vec{}](Vec& x, const Vec& grad, int64_t t) mutable {
    if (s.empty()) s.assign(x.size(), o.initial_accumulator_value);
    const double clr = o.lr / (1 + static_cast<double>(t - 1) * o.lr_decay);
    for (size_t i = 0; i < x.size(); ++i) {
      double g = (o.maximize ? -grad[i] : grad[i]) + o.weight_decay * x[i];
      s[i] += g * g;
      x[i] -= clr * g / (std::sqrt(s[i]) + o.eps);
    }
  };
}

// RMSprop: v ← a v + (1 − a) g²; centered subtracts ḡ² (ḡ ← a ḡ + (1 − a) g); momentum buffers g / d.
RefStep rmsprop_reference(RMSpropOptions o) {
  return [o, v = Vec{}, gbar = Vec{}, b = Vec{}](Vec& x, const Vec& grad, int64_t) mutable {
    if (v.empty()) v.assign(x.size(), 0), gbar.assign(x.size(), 0), b.assign(x.size(), 0);
    const double a = o.alpha;
    for (size_t i = 0; i < x.size(); ++i) {
      double g = (o.maximize ? -grad[i] : grad[i]) + o.weight_decay * x[i];
      v[i] = a * v[i] + (1 - a) * g * g;
      double d = v[i];
      if (o.centered) {
        gbar[i] = a * gbar[i] + (1 - a) * g;
        d -= gbar[i] * gbar[i];
      }
      d = std::sqrt(d) + o.eps;
      if (o.momentum > 0) {
        b[i] = o.momentum * b[i] + g / d;
        x[i] -= o.lr * b[i];
      } else {
        x[i] -= o.lr * g / d;
      }
    }
  };
}

// Adam (Kingma & Ba, Algorithm 1) with PyTorch's ε outside the bias-corrected root, L2 weight decay
// added to g (decoupled = false) or AdamW's x ← x (1 − α λ) first (decoupled = true), AMSGrad's max.
RefStep adam_reference(double lr, std::pair<double, double> betas, double eps, double weight_decay, bool amsgrad,
                       bool maximize, bool decoupled) {
  return [=, m = Vec{}, v = Vec{}, vmax = Vec{}](Vec& x, const Vec& grad, int64_t t) mutable {
    if (m.empty()) m.assign(x.size(), 0), v.assign(x.size(), 0), vmax.assign(x.size(), 0);
    const auto [b1, b2] = betas;
    for (size_t i = 0; i < x.size(); ++i) {
      double g = maximize ? -grad[i] : grad[i];
      if (decoupled) {
        x[i] -= lr * weight_decay * x[i];
      } else {
        g += weight_decay * x[i];
      }
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      vmax[i] = std::max(vmax[i], v[i]);
      const double m_hat = m[i] / (1 - std::pow(b1, static_cast<double>(t)));
      const double v_hat = (amsgrad ? vmax[i] : v[i]) / (1 - std::pow(b2, static_cast<double>(t)));
      x[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  };
}

RefStep adam_reference(const AdamOptions& o) {
  return adam_reference(o.lr, o.betas, o.eps, o.weight_decay, o.amsgrad, o.maximize, false);
}
RefStep adamw_reference(const AdamWOptions& o) {
  return adam_reference(o.lr, o.betas, o.eps, o.weight_decay, o.amsgrad, o.maximize, true);
}

const std::vector<Problem>& problems() {
  static const std::vector<Problem> all = {quadratic(), rosenbrock()};
  return all;
}

}  // namespace

// ---- trajectories ----------------------------------------------------------------------------------

TEST_CASE("SGD and its variants follow the published update", "[optim]") {
  auto [variant, options] = GENERATE(table<std::string, SGDOptions>({
      {"plain", {.lr = 0.1}},
      {"momentum", {.lr = 0.1, .momentum = 0.9}},
      {"dampening", {.lr = 0.1, .momentum = 0.9, .dampening = 0.3}},
      {"nesterov", {.lr = 0.1, .momentum = 0.9, .nesterov = true}},
      {"weight_decay", {.lr = 0.1, .weight_decay = 0.05}},
      {"maximize", {.lr = 0.05, .momentum = 0.5, .maximize = true}},
      {"all", {.lr = 0.05, .momentum = 0.8, .weight_decay = 0.1, .nesterov = true, .maximize = true}},
  }));
  for (const Problem& problem : problems()) {
    INFO("SGD " << variant << " on " << problem.name);
    SGDOptions o = options;
    if (problem.name == "rosenbrock") o.lr *= 0.01;  // gradients there are ~100x larger
    require_same_trajectory(problem, make<SGD>(o), sgd_reference(o));
  }
}

TEST_CASE("Adagrad and its variants follow the published update", "[optim]") {
  auto [variant, options] = GENERATE(table<std::string, AdagradOptions>({
      {"plain", {.lr = 0.1}},
      {"lr_decay", {.lr = 0.1, .lr_decay = 0.5}},
      {"weight_decay", {.lr = 0.1, .weight_decay = 0.1}},
      {"initial_accumulator_value", {.lr = 0.1, .initial_accumulator_value = 0.5}},
      {"eps", {.lr = 0.1, .eps = 1e-2}},
      {"maximize", {.lr = 0.05, .maximize = true}},
  }));
  for (const Problem& problem : problems()) {
    INFO("Adagrad " << variant << " on " << problem.name);
    require_same_trajectory(problem, make<Adagrad>(options), adagrad_reference(options));
  }
}

TEST_CASE("RMSprop and its variants follow the published update", "[optim]") {
  auto [variant, options] = GENERATE(table<std::string, RMSpropOptions>({
      {"plain", {.lr = 0.01}},
      {"alpha", {.lr = 0.01, .alpha = 0.8}},
      {"momentum", {.lr = 0.01, .momentum = 0.9}},
      {"centered", {.lr = 0.01, .alpha = 0.9, .centered = true}},
      {"centered momentum", {.lr = 0.01, .alpha = 0.9, .momentum = 0.5, .centered = true}},
      {"weight_decay", {.lr = 0.01, .weight_decay = 0.1}},
      {"maximize", {.lr = 0.01, .momentum = 0.3, .maximize = true}},
  }));
  for (const Problem& problem : problems()) {
    INFO("RMSprop " << variant << " on " << problem.name);
    require_same_trajectory(problem, make<RMSprop>(options), rmsprop_reference(options));
  }
}

TEST_CASE("Adam and its variants follow the published update", "[optim]") {
  auto [variant, options] = GENERATE(table<std::string, AdamOptions>({
      {"default", {.lr = 0.05}},
      {"betas", {.lr = 0.05, .betas = {0.5, 0.6}}},
      {"eps", {.lr = 0.05, .eps = 0.1}},
      {"weight_decay", {.lr = 0.05, .weight_decay = 0.1}},
      // β2 = 0.5 lets v shrink within a few steps, so the running max matters.
      {"amsgrad", {.lr = 0.05, .betas = {0.9, 0.5}, .amsgrad = true}},
      {"amsgrad weight_decay", {.lr = 0.05, .betas = {0.9, 0.5}, .weight_decay = 0.1, .amsgrad = true}},
      {"maximize", {.lr = 0.05, .maximize = true}},
  }));
  for (const Problem& problem : problems()) {
    INFO("Adam " << variant << " on " << problem.name);
    require_same_trajectory(problem, make<Adam>(options), adam_reference(options));
  }
}

TEST_CASE("AdamW and its variants follow the published update", "[optim]") {
  auto [variant, options] = GENERATE(table<std::string, AdamWOptions>({
      {"default", {.lr = 0.05}},
      {"weight_decay", {.lr = 0.05, .weight_decay = 0.5}},
      {"no weight_decay", {.lr = 0.05, .weight_decay = 0}},
      {"amsgrad", {.lr = 0.05, .betas = {0.9, 0.5}, .weight_decay = 0.1, .amsgrad = true}},
      {"maximize", {.lr = 0.05, .maximize = true}},
  }));
  for (const Problem& problem : problems()) {
    INFO("AdamW " << variant << " on " << problem.name);
    require_same_trajectory(problem, make<AdamW>(options), adamw_reference(options));
  }
}

TEST_CASE("float32 parameters follow the same updates", "[optim]") {
  struct Case {
    std::string name;
    MakeOptimizer make;
    std::function<RefStep()> reference;
  };
  const SGDOptions sgd{.lr = 0.001, .momentum = 0.9, .nesterov = true};
  const AdagradOptions adagrad{.lr = 0.1, .lr_decay = 0.1};
  const RMSpropOptions rmsprop{.lr = 0.01, .momentum = 0.5, .centered = true};
  const AdamOptions adam{.lr = 0.05, .betas = {0.9, 0.5}, .weight_decay = 0.1, .amsgrad = true};
  const AdamWOptions adamw{.lr = 0.05};
  const std::vector<Case> cases = {
      {"SGD", make<SGD>(sgd), [&] { return sgd_reference(sgd); }},
      {"Adagrad", make<Adagrad>(adagrad), [&] { return adagrad_reference(adagrad); }},
      {"RMSprop", make<RMSprop>(rmsprop), [&] { return rmsprop_reference(rmsprop); }},
      {"Adam", make<Adam>(adam), [&] { return adam_reference(adam); }},
      {"AdamW", make<AdamW>(adamw), [&] { return adamw_reference(adamw); }},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    // float32 rounding (~6e-8 per operation) piles up over the steps: compare to 1e-4.
    require_same_trajectory(rosenbrock(), c.make, c.reference(), 8, tg::kFloat, 1e-4);
  }
}

TEST_CASE("the update functions can be called on their own", "[optim]") {
  const Problem problem = quadratic();
  const AdamOptions options{.lr = 0.1, .amsgrad = true};
  tg::Tensor x = tg::tensor(problem.x0, problem.shape);
  AdamState state;
  Vec ref = problem.x0;
  RefStep reference = adam_reference(options);
  for (int64_t t = 1; t <= 5; ++t) {
    const Vec g = problem.grad(values(x));
    adam_update(x, tg::tensor(g, problem.shape), state, t, options);
    reference(ref, g, t);
  }
  REQUIRE(state.exp_avg.shape() == problem.shape);
  REQUIRE(state.max_exp_avg_sq.defined());
  const Vec got = values(x);
  for (size_t i = 0; i < ref.size(); ++i) REQUIRE(got[i] == Approx(ref[i]).margin(1e-12));

  SGDState sgd_state;
  const tg::Tensor p = tg::zeros({3, 2}, tg::kDouble);
  REQUIRE_THROWS_WITH(sgd_update(p, tg::ones({2, 3}, tg::kDouble), sgd_state, {}),
                      Catch::Contains("SGD") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(sgd_update(p, tg::ones({2, 3}, tg::kDouble).t(), sgd_state, {}),
                      Catch::Contains("SGD") && Catch::Contains("contiguous"));
  REQUIRE_THROWS_WITH(sgd_update(p, tg::ones({3, 2}), sgd_state, {}), Catch::Contains("float32"));
  AdagradState bad{.sum = tg::zeros({4})};
  REQUIRE_THROWS_WITH(adagrad_update(p, tg::ones({3, 2}, tg::kDouble), bad, 1, {}),
                      Catch::Contains("Adagrad") && Catch::Contains("sum"));
}

// ---- the shared machinery ------------------------------------------------------------------------

TEST_CASE("parameter groups keep their own options", "[optim]") {
  const Problem quad = quadratic(), rosen = rosenbrock();
  tg::Tensor a = leaf(quad.x0, quad.shape, tg::kDouble);
  tg::Tensor b = leaf(rosen.x0, rosen.shape, tg::kDouble);
  const SGDOptions fast{.lr = 0.1, .momentum = 0.5}, slow{.lr = 0.001, .momentum = 0.9, .nesterov = true};
  SGD opt(std::vector<SGD::Group>{{.params = {a}, .options = fast}, {.params = {b}, .options = slow}});
  RefStep ref_a = sgd_reference(fast), ref_b = sgd_reference(slow);
  Vec xa = quad.x0, xb = rosen.x0;
  for (int64_t t = 1; t <= 6; ++t) {
    opt.zero_grad();
    (quad.loss(a) + rosen.loss(b)).backward();
    opt.step();
    ref_a(xa, quad.grad(xa), t);
    ref_b(xb, rosen.grad(xb), t);
  }
  const Vec ga = values(a), gb = values(b);
  for (size_t i = 0; i < xa.size(); ++i) REQUIRE(ga[i] == Approx(xa[i]).margin(1e-9));
  for (size_t i = 0; i < xb.size(); ++i) REQUIRE(gb[i] == Approx(xb[i]).margin(1e-9));
  REQUIRE(opt.num_param_groups() == 2);
  REQUIRE(opt.lr(1) == 0.001);
  REQUIRE(opt.params().size() == 2);
}

TEST_CASE("add_param_group adds parameters with their own or the default options", "[optim]") {
  tg::Tensor a = tg::ones({2}, tg::kDouble).requires_grad_(true);
  tg::Tensor b = tg::ones({3}, tg::kDouble).requires_grad_(true);
  tg::Tensor c = tg::ones({1}, tg::kDouble).requires_grad_(true);
  SGD opt({a}, {.lr = 0.5});
  opt.add_param_group({.params = {b}, .options = {.lr = 0.25}});
  opt.add_param_group(tg::tensor_list{c});
  REQUIRE(opt.num_param_groups() == 3);
  REQUIRE(opt.lr(2) == 0.5);
  opt.zero_grad();
  (a.sum() + b.sum() + c.sum()).backward();
  opt.step();
  REQUIRE(values(a) == Vec{0.5, 0.5});
  REQUIRE(values(b) == Vec{0.75, 0.75, 0.75});
  REQUIRE(values(c) == Vec{0.5});
  REQUIRE_THROWS_WITH(opt.add_param_group(tg::tensor_list{b}), Catch::Contains("SGD") && Catch::Contains("twice"));
  REQUIRE_THROWS_WITH(opt.add_param_group(tg::tensor_list{}), Catch::Contains("empty"));
  REQUIRE_THROWS_WITH(opt.lr(3), Catch::Contains("out of range"));
}

TEST_CASE("zero_grad drops or zeroes the gradients", "[optim]") {
  tg::Tensor p = tg::ones({2, 2}).requires_grad_(true);
  Adam opt({p});
  (p * p).sum().backward();
  REQUIRE(p.grad().defined());
  SECTION("set_to_none (the default)") {
    opt.zero_grad();
    REQUIRE_FALSE(p.grad().defined());
  }
  SECTION("zeros") {
    opt.zero_grad(false);
    REQUIRE(p.grad().defined());
    REQUIRE(values(p.grad()) == Vec{0, 0, 0, 0});
    (p * 3.0).sum().backward();
    REQUIRE(values(p.grad()) == Vec{3, 3, 3, 3});
  }
}

TEST_CASE("step skips parameters without a gradient and bumps the version of the others", "[optim]") {
  tg::Tensor used = tg::ones({3}, tg::kDouble).requires_grad_(true);
  tg::Tensor unused = tg::ones({3}, tg::kDouble).requires_grad_(true);
  Adam opt({used, unused}, {.lr = 0.1});
  const uint64_t v_used = used.version(), v_unused = unused.version();
  (used * used).sum().backward();
  opt.step();
  REQUIRE(values(unused) == Vec{1, 1, 1});
  REQUIRE(opt.step_count(unused) == 0);
  REQUIRE_FALSE(opt.state(unused)->exp_avg.defined());
  REQUIRE(opt.step_count(used) == 1);
  REQUIRE(opt.state(used)->exp_avg.defined());
  REQUIRE(used.version() > v_used);
  REQUIRE(unused.version() == v_unused);
  // Adam's first step moves every coordinate by lr (m̂/√v̂ = sign g).
  for (double x : values(used)) REQUIRE(x == Approx(0.9).margin(1e-7));
  REQUIRE(opt.state(tg::ones({1})) == nullptr);
}

TEST_CASE("a saved tensor changed by step is detected by backward", "[optim]") {
  tg::Tensor p = tg::ones({2}, tg::kDouble).requires_grad_(true);
  SGD opt({p}, {.lr = 0.1});
  (p * p).sum().backward();
  tg::Tensor pending = (p * p).sum();  // saves p
  opt.step();
  REQUIRE_THROWS_AS(pending.backward(), tg::Error);
}

TEST_CASE("options are readable and writable by name", "[optim]") {
  tg::Tensor p = tg::ones({2}).requires_grad_(true);
  Adam opt({p}, {.betas = {0.8, 0.9}, .amsgrad = true});
  REQUIRE(opt.option(0, "beta1") == 0.8);
  REQUIRE(opt.option(0, "amsgrad") == 1.0);
  REQUIRE_FALSE(opt.option(0, "momentum"));
  opt.set_option(0, "beta1", 0.7);
  opt.set_option(0, "amsgrad", 0);
  REQUIRE(opt.param_groups()[0].options.betas.first == 0.7);
  REQUIRE_FALSE(opt.param_groups()[0].options.amsgrad);
  REQUIRE_THROWS_WITH(opt.set_option(0, "momentum", 0.9), Catch::Contains("Adam") && Catch::Contains("momentum"));
  opt.set_lr(0, 0.25);
  REQUIRE(opt.lr(0) == 0.25);
  REQUIRE(opt.name() == "Adam");
}

TEST_CASE("invalid options throw errors naming the optimizer and the option", "[optim]") {
  // The constructors get their parameters as an argument: generators outlive one run of the test case.
  using Params = const tg::tensor_list&;
  using Construct = std::function<void(Params)>;
  auto [optimizer, option, construct] = GENERATE(table<std::string, std::string, Construct>({
      {"SGD", "lr", [](Params p) { SGD(p, {.lr = -1}); }},
      {"SGD", "momentum", [](Params p) { SGD(p, {.momentum = -0.5}); }},
      {"SGD", "dampening", [](Params p) { SGD(p, {.momentum = 0.9, .dampening = 2}); }},
      {"SGD", "weight_decay", [](Params p) { SGD(p, {.weight_decay = -1}); }},
      {"SGD", "nesterov", [](Params p) { SGD(p, {.nesterov = true}); }},
      {"SGD", "nesterov", [](Params p) { SGD(p, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}); }},
      {"Adagrad", "lr", [](Params p) { Adagrad(p, {.lr = -0.1}); }},
      {"Adagrad", "lr_decay", [](Params p) { Adagrad(p, {.lr_decay = -1}); }},
      {"Adagrad", "weight_decay", [](Params p) { Adagrad(p, {.weight_decay = -1}); }},
      {"Adagrad", "initial_accumulator_value", [](Params p) { Adagrad(p, {.initial_accumulator_value = -1}); }},
      {"Adagrad", "eps", [](Params p) { Adagrad(p, {.eps = -1}); }},
      {"RMSprop", "lr", [](Params p) { RMSprop(p, {.lr = -1}); }},
      {"RMSprop", "alpha", [](Params p) { RMSprop(p, {.alpha = -0.1}); }},
      {"RMSprop", "eps", [](Params p) { RMSprop(p, {.eps = -1}); }},
      {"RMSprop", "weight_decay", [](Params p) { RMSprop(p, {.weight_decay = -1}); }},
      {"RMSprop", "momentum", [](Params p) { RMSprop(p, {.momentum = -1}); }},
      {"Adam", "lr", [](Params p) { Adam(p, {.lr = std::nan("")}); }},
      {"Adam", "beta1", [](Params p) { Adam(p, {.betas = {1.0, 0.999}}); }},
      {"Adam", "beta2", [](Params p) { Adam(p, {.betas = {0.9, -0.1}}); }},
      {"Adam", "eps", [](Params p) { Adam(p, {.eps = -1e-8}); }},
      {"Adam", "weight_decay", [](Params p) { Adam(p, {.weight_decay = -1}); }},
      {"AdamW", "lr", [](Params p) { AdamW(p, {.lr = -1}); }},
      {"AdamW", "beta1", [](Params p) { AdamW(p, {.betas = {-0.1, 0.999}}); }},
      {"AdamW", "beta2", [](Params p) { AdamW(p, {.betas = {0.9, 1.5}}); }},
      {"AdamW", "weight_decay", [](Params p) { AdamW(p, {.weight_decay = -0.01}); }},
      // A bad group option is caught too.
      {"Adam", "lr", [](Params p) { Adam(std::vector<Adam::Group>{{.params = p, .options = {.lr = -1}}}); }},
  }));
  INFO(optimizer << " " << option);
  const tg::tensor_list params{tg::ones({2}).requires_grad_(true)};
  REQUIRE_THROWS_WITH(construct(params), Catch::StartsWith(optimizer + ":") && Catch::Contains(option));
}

TEST_CASE("invalid parameters and gradients throw errors naming the optimizer", "[optim]") {
  tg::Tensor p = tg::ones({2, 3}).requires_grad_(true);
  REQUIRE_THROWS_WITH(Adam(tg::tensor_list{}), Catch::Contains("Adam") && Catch::Contains("empty"));
  REQUIRE_THROWS_WITH(Adam({p * 2.0}), Catch::Contains("Adam") && Catch::Contains("leaf"));
  REQUIRE_THROWS_WITH(SGD({tg::ones({2}, tg::kLong)}), Catch::Contains("SGD") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(SGD({tg::ones({2, 3}).t()}), Catch::Contains("SGD") && Catch::Contains("contiguous"));
  REQUIRE_THROWS_WITH(SGD({p, p}), Catch::Contains("SGD") && Catch::Contains("twice"));
  REQUIRE_THROWS_WITH(RMSprop({tg::Tensor()}), Catch::Contains("RMSprop") && Catch::Contains("undefined"));
  SGD opt({p});
  p.mutable_grad() = tg::ones({3, 2});
  REQUIRE_THROWS_WITH(opt.step(), Catch::Contains("SGD") && Catch::Contains("[3, 2]") && Catch::Contains("[2, 3]"));
  p.mutable_grad() = tg::ones({2, 3}, tg::kDouble);
  REQUIRE_THROWS_WITH(opt.step(), Catch::Contains("SGD") && Catch::Contains("float64"));
}

TEST_CASE("a non-contiguous gradient is read correctly", "[optim]") {
  tg::Tensor p = tg::zeros({2, 3}, tg::kDouble).requires_grad_(true);
  SGD opt({p}, {.lr = 1.0});
  p.mutable_grad() = tg::arange(6, tg::kDouble).view({3, 2}).t();  // [[0, 2, 4], [1, 3, 5]]
  opt.step();
  REQUIRE(values(p) == Vec{-0.0, -2, -4, -1, -3, -5});
}

TEST_CASE("large parameters (the multi-threaded loops) follow the same updates", "[optim]") {
  // 3·kParallelGrain elements: the update loops run on every OpenMP thread.
  const auto n = static_cast<size_t>(3 * kParallelGrain);
  Vec a(n), c(n), x0(n);
  for (size_t i = 0; i < n; ++i) {
    a[i] = 1 + static_cast<double>(i % 7);
    c[i] = std::sin(0.01 * static_cast<double>(i));
    x0[i] = std::cos(0.3 * static_cast<double>(i));
  }
  const tg::Shape shape{static_cast<int64_t>(n)};
  const Problem wide{"wide quadratic", x0, shape,
                     [&](const tg::Tensor& x) {
                       const tg::Tensor d = x - tg::tensor(c, shape);
                       return (tg::tensor(a, shape) * d * d).sum() * 0.5;
                     },
                     [&](const Vec& x) {
                       Vec g(n);
                       for (size_t i = 0; i < n; ++i) g[i] = a[i] * (x[i] - c[i]);
                       return g;
                     }};
  const AdamOptions adam{.lr = 0.05, .weight_decay = 0.01, .amsgrad = true};
  require_same_trajectory(wide, make<Adam>(adam), adam_reference(adam), 3);
  const SGDOptions sgd{.lr = 0.05, .momentum = 0.9, .nesterov = true};
  require_same_trajectory(wide, make<SGD>(sgd), sgd_reference(sgd), 3);
}
