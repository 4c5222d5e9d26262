// A user-defined optimizer written outside the library: Lion (Chen et al. 2023, "Symbolic Discovery
// of Optimization Algorithms", Algorithm 2). Writing it takes an options struct, a state struct and
// the update rule; groups, zero_grad, state_dict, schedulers and clipping then work unchanged.
#include "optim_test_support.h"

using namespace optim_test;

namespace {

struct LionOptions {
  static constexpr std::string_view optimizer = "Lion";
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.99;
  double weight_decay = 0;

  void check() const {
    TG_CHECK(lr >= 0, "Lion: invalid lr {} (expected >= 0)", lr);
    TG_CHECK(beta1 >= 0 && beta1 < 1, "Lion: invalid beta1 {} (expected in [0, 1))", beta1);
    TG_CHECK(beta2 >= 0 && beta2 < 1, "Lion: invalid beta2 {} (expected in [0, 1))", beta2);
    TG_CHECK(weight_decay >= 0, "Lion: invalid weight_decay {} (expected >= 0)", weight_decay);
  }
  static void fields(auto& o, auto&& f) {
    f("lr", o.lr);
    f("beta1", o.beta1);
    f("beta2", o.beta2);
    f("weight_decay", o.weight_decay);
  }
};

struct LionState {
  tg::Tensor exp_avg;  // m

  static void fields(auto& s, auto&& f) { f("exp_avg", s.exp_avg); }
};

// c ← β1·m + (1 − β1)·g;  x ← x − α·(sign(c) + λ·x);  m ← β2·m + (1 − β2)·g
class Lion final : public tg::optim::OptimizerBase<LionOptions, LionState> {
 public:
  using OptimizerBase::OptimizerBase;

 private:
  void update(const tg::Tensor& param, const tg::Tensor& grad, LionState& state, int64_t /*step*/,
              const LionOptions& o) override {
    if (!state.exp_avg.defined()) state.exp_avg = tg::zeros_like(param);
    tg::dispatch_floating(param.dtype(), "Lion", [&]<typename T>() {
      T* x = param.data_ptr<T>();
      const T* g = grad.data_ptr<T>();
      T* m = state.exp_avg.data_ptr<T>();
      const T lr = static_cast<T>(o.lr), b1 = static_cast<T>(o.beta1), b2 = static_cast<T>(o.beta2);
      const T shrink = static_cast<T>(1 - o.lr * o.weight_decay);
      const int64_t n = param.numel();
#pragma omp parallel for if (n >= tg::optim::kParallelGrain)
      for (int64_t i = 0; i < n; ++i) {
        const T c = b1 * m[i] + (1 - b1) * g[i];
        x[i] = shrink * x[i] - lr * static_cast<T>((c > 0) - (c < 0));
        m[i] = b2 * m[i] + (1 - b2) * g[i];
      }
    });
  }
};

RefStep lion_reference(LionOptions o) {
  return [o, m = Vec{}](Vec& x, const Vec& g, int64_t) mutable {
    if (m.empty()) m.assign(x.size(), 0);
    for (size_t i = 0; i < x.size(); ++i) {
      const double c = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      const double sign = c > 0 ? 1 : c < 0 ? -1 : 0;
      x[i] -= o.lr * (sign + o.weight_decay * x[i]);
      m[i] = o.beta2 * m[i] + (1 - o.beta2) * g[i];
    }
  };
}

}  // namespace

TEST_CASE("a user-defined optimizer (Lion) follows its published update", "[optim]") {
  const LionOptions options = GENERATE(LionOptions{.lr = 0.01}, LionOptions{.lr = 0.02, .weight_decay = 0.5},
                                       LionOptions{.lr = 0.01, .beta1 = 0.5, .beta2 = 0.9});
  for (const Problem& problem : {quadratic(), rosenbrock()}) {
    INFO(problem.name);
    require_same_trajectory(problem, make<Lion>(options), lion_reference(options), 10);
  }
}

TEST_CASE("a user-defined optimizer gets state_dict, named options and schedulers for free", "[optim][sched]") {
  const Problem problem = rosenbrock();
  tg::Tensor p = leaf(problem.x0, problem.shape, tg::kDouble);
  Lion opt({p}, {.lr = 0.01});
  tg::optim::StepLR sched(opt, {.step_size = 2, .gamma = 0.5});
  for (int i = 0; i < 3; ++i) {
    optimizer_step(opt, problem, p);
    sched.step();
  }
  REQUIRE(opt.lr(0) == Approx(0.005));
  const tg::optim::StateDict saved = opt.state_dict();

  tg::Tensor q = leaf(values(p), problem.shape, tg::kDouble);
  Lion resumed({q});
  resumed.load_state_dict(saved);
  REQUIRE(resumed.param_groups()[0].options.lr == Approx(0.005));
  for (int i = 0; i < 4; ++i) {
    optimizer_step(opt, problem, p);
    optimizer_step(resumed, problem, q);
    REQUIRE(values(p) == values(q));
  }

  // OneCycleLR finds Lion's beta1 by name and cycles it.
  tg::optim::OneCycleLR cycle(opt, {.max_lr = 0.1, .total_steps = 10});
  REQUIRE(opt.param_groups()[0].options.beta1 == Approx(0.95));
  REQUIRE_THROWS_WITH(Lion({q}, {.beta2 = 1.0}), Catch::StartsWith("Lion:") && Catch::Contains("beta2"));
}
