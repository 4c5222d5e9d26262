// Learning-rate schedulers against their closed forms, written out in the test.
#include "optim_test_support.h"

#include <numbers>

using namespace optim_test;
using namespace tg::optim;

namespace {

constexpr double kPi = std::numbers::pi;

// An SGD with two groups (lr 0.1 and 0.02) to schedule.
struct Setup {
  tg::Tensor a = tg::ones({2}).requires_grad_(true);
  tg::Tensor b = tg::ones({3}).requires_grad_(true);
  SGD opt{std::vector<SGD::Group>{{.params = {a}, .options = {.lr = 0.1, .momentum = 0.9}},
                                  {.params = {b}, .options = {.lr = 0.02}}}};
};

// Steps `sched` `epochs` times; after construction and each step, every group's lr must equal
// closed_form(base_lr, epoch).
void require_closed_form(Setup& s, LRScheduler& sched, int epochs,
                         const std::function<double(double base, int64_t epoch)>& closed_form) {
  const double base[2] = {0.1, 0.02};
  for (int64_t epoch = 0; epoch <= epochs; ++epoch) {
    if (epoch > 0) sched.step();
    REQUIRE(sched.last_epoch() == epoch);
    for (size_t g = 0; g < 2; ++g) {
      INFO("epoch " << epoch << ", group " << g);
      const double expected = closed_form(base[g], epoch);
      REQUIRE(s.opt.lr(g) == Approx(expected).epsilon(1e-12).margin(1e-15));
      REQUIRE(sched.get_last_lr()[g] == s.opt.lr(g));
      REQUIRE(sched.lr_at(g, epoch) == s.opt.lr(g));
    }
  }
}

}  // namespace

TEST_CASE("StepLR: base · γ^⌊epoch / step_size⌋", "[sched]") {
  Setup s;
  StepLR sched(s.opt, {.step_size = 3, .gamma = 0.5});
  require_closed_form(s, sched, 20, [](double base, int64_t e) { return base * std::pow(0.5, e / 3); });
}

TEST_CASE("MultiStepLR: base · γ^(milestones passed)", "[sched]") {
  Setup s;
  MultiStepLR sched(s.opt, {.milestones = {7, 2, 5, 5}, .gamma = 0.1});
  require_closed_form(s, sched, 12, [](double base, int64_t e) {
    const int passed = (e >= 2) + 2 * (e >= 5) + (e >= 7);  // 5 is listed twice
    return base * std::pow(0.1, passed);
  });
}

TEST_CASE("ExponentialLR: base · γ^epoch", "[sched]") {
  Setup s;
  ExponentialLR sched(s.opt, {.gamma = 0.9});
  require_closed_form(s, sched, 15, [](double base, int64_t e) { return base * std::pow(0.9, e); });
}

TEST_CASE("CosineAnnealingLR: η_min + (base − η_min)(1 + cos(π t / T_max)) / 2", "[sched]") {
  Setup s;
  CosineAnnealingLR sched(s.opt, {.t_max = 10, .eta_min = 0.001});
  require_closed_form(s, sched, 25, [](double base, int64_t e) {
    return 0.001 + (base - 0.001) * (1 + std::cos(kPi * static_cast<double>(e) / 10)) / 2;
  });
}

TEST_CASE("LinearLR: base · (s + (e − s) · min(t, T) / T)", "[sched]") {
  const auto [start, end, total] = GENERATE(std::tuple{0.25, 1.0, 4}, std::tuple{1.0, 0.1, 6});
  Setup s;
  LinearLR sched(s.opt, {.start_factor = start, .end_factor = end, .total_iters = total});
  require_closed_form(s, sched, 10, [&](double base, int64_t e) {
    return base * (start + (end - start) * static_cast<double>(std::min<int64_t>(e, total)) / total);
  });
}

TEST_CASE("LinearLR defaults to PyTorch's 1/3 → 1 over 5 steps", "[sched]") {
  Setup s;
  LinearLR sched(s.opt);
  REQUIRE(s.opt.lr(0) == Approx(0.1 / 3));
  for (int i = 0; i < 5; ++i) sched.step();
  REQUIRE(s.opt.lr(0) == Approx(0.1));
}

TEST_CASE("OneCycleLR follows the cosine 1cycle policy and cycles the momentum", "[sched]") {
  Setup s;
  OneCycleLR sched(s.opt, {.max_lr = 1.0, .total_steps = 20});
  // PyTorch's phases: up over steps [0, 0.3·20 − 1 = 5], down over [5, 19].
  const double initial = 1.0 / 25, min_lr = initial / 1e4;
  auto cos_anneal = [](double from, double to, double pct) { return to + (from - to) / 2 * (std::cos(kPi * pct) + 1); };
  for (int64_t t = 0; t <= 20; ++t) {
    if (t > 0) sched.step();
    const double pct = t <= 5 ? t / 5.0 : (t - 5) / 14.0;
    const double lr = t <= 5 ? cos_anneal(initial, 1.0, pct) : cos_anneal(1.0, min_lr, pct);
    const double momentum = t <= 5 ? cos_anneal(0.95, 0.85, pct) : cos_anneal(0.85, 0.95, pct);
    INFO("step " << t);
    REQUIRE(s.opt.lr(0) == Approx(lr).epsilon(1e-12));
    REQUIRE(s.opt.lr(1) == Approx(lr).epsilon(1e-12));  // one max_lr for every group
    REQUIRE(s.opt.param_groups()[0].options.momentum == Approx(momentum).epsilon(1e-12));
  }
  // Step 20 (== total_steps, past the last phase's end) was still allowed, as in PyTorch; 21 is not.
  REQUIRE_THROWS_WITH(sched.step(), Catch::Contains("OneCycleLR") && Catch::Contains("total_steps is 20"));
  REQUIRE(*s.opt.initial_lr(0) == Approx(initial));
}

TEST_CASE("OneCycleLR: three phases, linear annealing, beta1 and epochs · steps_per_epoch", "[sched]") {
  tg::Tensor p = tg::ones({2}).requires_grad_(true);
  Adam opt({p});
  OneCycleLR sched(opt, {.max_lr = 0.5, .epochs = 2, .steps_per_epoch = 5, .pct_start = 0.3,
                         .anneal_strategy = Anneal::Linear, .div_factor = 10, .final_div_factor = 100,
                         .three_phase = true});
  REQUIRE(sched.total_steps() == 10);
  // Phases end at steps 2 (0.3·10 − 1), 4 (2·0.3·10 − 2) and 9.
  auto lin = [](double from, double to, double pct) { return from + (to - from) * pct; };
  const double initial = 0.05, min_lr = 0.05 / 100;
  for (int64_t t = 0; t <= 10; ++t) {
    if (t > 0) sched.step();
    double lr, beta1;
    if (t <= 2) {
      lr = lin(initial, 0.5, t / 2.0), beta1 = lin(0.95, 0.85, t / 2.0);
    } else if (t <= 4) {
      lr = lin(0.5, initial, (t - 2) / 2.0), beta1 = lin(0.85, 0.95, (t - 2) / 2.0);
    } else {
      lr = lin(initial, min_lr, (t - 4) / 5.0), beta1 = 0.95;
    }
    INFO("step " << t);
    REQUIRE(opt.lr(0) == Approx(lr).epsilon(1e-12));
    REQUIRE(opt.param_groups()[0].options.betas.first == Approx(beta1).epsilon(1e-12));
    REQUIRE(opt.param_groups()[0].options.betas.second == 0.999);
  }
}

TEST_CASE("SequentialLR: warm-up then cosine, each from its own epoch 0", "[sched]") {
  Setup s;
  auto warmup = std::make_shared<LinearLR>(s.opt, LinearLROptions{.start_factor = 0.1, .total_iters = 5});
  auto cosine = std::make_shared<CosineAnnealingLR>(s.opt, CosineAnnealingLROptions{.t_max = 10});
  // The cosine's base lrs are the groups' initial lrs, not the warm-up's current ones.
  REQUIRE(cosine->base_lrs() == std::vector<double>{0.1, 0.02});
  SequentialLR sched(s.opt, {.schedulers = {warmup, cosine}, .milestones = {5}});
  require_closed_form(s, sched, 20, [](double base, int64_t e) {
    if (e < 5) return base * (0.1 + 0.9 * static_cast<double>(e) / 5);
    return base * (1 + std::cos(kPi * static_cast<double>(e - 5) / 10)) / 2;
  });
  REQUIRE(cosine->last_epoch() == 15);
  REQUIRE(warmup->last_epoch() == 4);
}

TEST_CASE("SequentialLR with three schedulers", "[sched]") {
  Setup s;
  auto constant = std::make_shared<StepLR>(s.opt, StepLROptions{.step_size = 100, .gamma = 0.5});
  auto step = std::make_shared<StepLR>(s.opt, StepLROptions{.step_size = 2, .gamma = 0.5});
  auto exp = std::make_shared<ExponentialLR>(s.opt, ExponentialLROptions{.gamma = 0.9});
  SequentialLR sched(s.opt, {.schedulers = {constant, step, exp}, .milestones = {3, 7}});
  require_closed_form(s, sched, 12, [](double base, int64_t e) {
    if (e < 3) return base;
    if (e < 7) return base * std::pow(0.5, (e - 3) / 2);
    return base * std::pow(0.9, e - 7);
  });
}

TEST_CASE("ReduceLROnPlateau cuts the lr after patience bad epochs, then cools down", "[sched]") {
  Setup s;
  ReduceLROnPlateau sched(s.opt, {.factor = 0.5, .patience = 2, .threshold = 0.1, .cooldown = 1});
  // Relative threshold 0.1: an improvement is metric < 0.9 · best.
  const std::vector<double> metrics = {10, 9.5, 9.5, 9.2, 9.1, 8, 8, 8, 8, 8, 8};
  const std::vector<double> lrs = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025};
  for (size_t i = 0; i < metrics.size(); ++i) {
    sched.step(metrics[i]);
    INFO("epoch " << i + 1);
    REQUIRE(s.opt.lr(0) == Approx(lrs[i]));
    REQUIRE(s.opt.lr(1) == Approx(lrs[i] / 5));
    REQUIRE(sched.get_last_lr()[0] == s.opt.lr(0));
  }
  REQUIRE(sched.best() == 8);
  REQUIRE(sched.last_epoch() == 11);
}

TEST_CASE("ReduceLROnPlateau: max mode, absolute threshold, min_lr and eps", "[sched]") {
  Setup s;
  ReduceLROnPlateau sched(s.opt, {.mode = ReduceLROnPlateauOptions::Mode::Max, .factor = 0.1, .patience = 0,
                                  .threshold = 0.5, .threshold_mode = ReduceLROnPlateauOptions::ThresholdMode::Abs,
                                  .min_lr = 0.0095, .eps = 1e-3});
  sched.step(1.0);  // better than −inf
  REQUIRE(s.opt.lr(0) == 0.1);
  sched.step(1.4);  // not above 1.0 + 0.5: bad, and patience 0 → cut
  REQUIRE(s.opt.lr(0) == Approx(0.01));    // 0.1 · 0.1
  REQUIRE(s.opt.lr(1) == Approx(0.0095));  // max(0.02 · 0.1, min_lr)
  sched.step(1.6);                         // better
  REQUIRE(s.opt.lr(0) == Approx(0.01));
  sched.step(1.0);  // bad: max(0.001, min_lr) = 0.0095 is a change of 5e-4 < eps, so it is skipped
  REQUIRE(s.opt.lr(0) == Approx(0.01));
  REQUIRE(s.opt.lr(1) == Approx(0.0095));
}

TEST_CASE("ReduceLROnPlateau state round trip", "[sched]") {
  Setup s;
  ReduceLROnPlateau sched(s.opt, {.patience = 1});
  for (double m : {5.0, 4.0, 4.5}) sched.step(m);
  Setup s2;
  ReduceLROnPlateau sched2(s2.opt, {.patience = 1});
  sched2.load_state_dict(sched.state_dict());
  REQUIRE(sched2.best() == 4.0);
  REQUIRE(sched2.num_bad_epochs() == 1);
  sched.step(4.5);
  sched2.step(4.5);
  REQUIRE(s2.opt.lr(0) == s.opt.lr(0));
  REQUIRE(s.opt.lr(0) == Approx(0.01));
}

TEST_CASE("scheduler errors name the scheduler and the option", "[sched]") {
  // Each case builds what it needs from a fresh Setup (generators outlive one run of the test case).
  using Construct = std::function<void(Setup&)>;
  auto [name, option, construct] = GENERATE(table<std::string, std::string, Construct>({
      {"StepLR", "step_size", [](Setup& s) { StepLR(s.opt, {.step_size = 0}); }},
      {"ExponentialLR", "gamma", [](Setup& s) { ExponentialLR(s.opt, {}); }},
      {"CosineAnnealingLR", "t_max", [](Setup& s) { CosineAnnealingLR(s.opt, {}); }},
      {"LinearLR", "start_factor", [](Setup& s) { LinearLR(s.opt, {.start_factor = 0}); }},
      {"LinearLR", "end_factor", [](Setup& s) { LinearLR(s.opt, {.end_factor = 1.5}); }},
      {"LinearLR", "total_iters", [](Setup& s) { LinearLR(s.opt, {.total_iters = 0}); }},
      {"OneCycleLR", "total_steps", [](Setup& s) { OneCycleLR(s.opt, {.max_lr = 0.1}); }},
      {"OneCycleLR", "max_lr", [](Setup& s) { OneCycleLR(s.opt, {.total_steps = 10}); }},
      {"OneCycleLR", "pct_start",
       [](Setup& s) { OneCycleLR(s.opt, {.max_lr = 0.1, .total_steps = 10, .pct_start = 1.5}); }},
      {"OneCycleLR", "cycle_momentum",
       [](Setup& s) {
         Adagrad adagrad({s.a});
         OneCycleLR(adagrad, {.max_lr = 0.1, .total_steps = 10});
       }},
      {"ReduceLROnPlateau", "factor", [](Setup& s) { ReduceLROnPlateau(s.opt, {.factor = 1.0}); }},
      {"ReduceLROnPlateau", "patience", [](Setup& s) { ReduceLROnPlateau(s.opt, {.patience = -1}); }},
      {"SequentialLR", "milestones",
       [](Setup& s) {
         auto mine = std::make_shared<StepLR>(s.opt, StepLROptions{.step_size = 1});
         SequentialLR(s.opt, {.schedulers = {mine, mine}, .milestones = {}});
       }},
      {"SequentialLR", "milestones",
       [](Setup& s) {
         auto mine = std::make_shared<StepLR>(s.opt, StepLROptions{.step_size = 1});
         SequentialLR(s.opt, {.schedulers = {mine, mine, mine}, .milestones = {4, 4}});
       }},
      {"SequentialLR", "another optimizer",
       [](Setup& s) {
         SGD other({tg::ones({1}).requires_grad_(true)});
         auto mine = std::make_shared<StepLR>(s.opt, StepLROptions{.step_size = 1});
         auto theirs = std::make_shared<StepLR>(other, StepLROptions{.step_size = 1});
         SequentialLR(s.opt, {.schedulers = {mine, theirs}, .milestones = {2}});
       }},
      {"StepLR", "epoch", [](Setup& s) { StepLR(s.opt, {.step_size = 1}).go_to(-1); }},
  }));
  INFO(name << " " << option);
  Setup s;
  REQUIRE_THROWS_WITH(construct(s), Catch::StartsWith(name + ":") && Catch::Contains(option));
}

TEST_CASE("OneCycleLR without momentum cycling works on any optimizer", "[sched]") {
  tg::Tensor p = tg::ones({1}).requires_grad_(true);
  Adagrad opt({p});
  OneCycleLR sched(opt, {.max_lr = 0.1, .total_steps = 4, .cycle_momentum = false});
  REQUIRE(opt.lr(0) == Approx(0.004));
  for (int i = 0; i < 3; ++i) sched.step();
  REQUIRE(opt.lr(0) == Approx(0.1 / 25 / 1e4).epsilon(1e-9));  // step total_steps − 1 ends the cycle
}
