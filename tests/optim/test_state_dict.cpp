// state_dict()/load_state_dict(): a run resumed from a saved state continues exactly.
#include "optim_test_support.h"

using namespace optim_test;
using namespace tg::optim;

namespace {

struct Case {
  std::string name;
  MakeOptimizer make;
};

// Stateful variants: every buffer each optimizer has is exercised.
std::vector<Case> stateful_cases() {
  return {
      {"SGD", make<SGD>(SGDOptions{.lr = 1e-3, .momentum = 0.9, .nesterov = true})},
      {"Adagrad", make<Adagrad>(AdagradOptions{.lr = 0.1, .lr_decay = 0.01})},
      {"RMSprop", make<RMSprop>(RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true})},
      {"Adam", make<Adam>(AdamOptions{.lr = 0.05, .betas = {0.9, 0.5}, .amsgrad = true})},
      {"AdamW", make<AdamW>(AdamWOptions{.lr = 0.05, .weight_decay = 0.1})},
  };
}

}  // namespace

TEST_CASE("a state_dict round trip mid-run gives the identical trajectory", "[optim]") {
  const Case c = GENERATE(from_range(stateful_cases()));
  const Problem problem = rosenbrock();
  INFO(c.name);
  tg::Tensor p = leaf(problem.x0, problem.shape, tg::kDouble);
  auto opt = c.make({p});
  for (int i = 0; i < 5; ++i) optimizer_step(*opt, problem, p);
  // A scheduler changed the lr mid-run: the loaded optimizer must take it over too.
  opt->set_lr(0, opt->lr(0) * 0.5);
  const StateDict saved = opt->state_dict();

  // "Resume": fresh parameters and optimizer with default-lr options, then load.
  tg::Tensor q = leaf(values(p), problem.shape, tg::kDouble);
  auto resumed = c.make({q});
  resumed->load_state_dict(saved);
  REQUIRE(resumed->lr(0) == opt->lr(0));
  for (int i = 0; i < 6; ++i) {
    optimizer_step(*opt, problem, p);
    optimizer_step(*resumed, problem, q);
    REQUIRE(values(p) == values(q));  // bit for bit
  }
  // The saved dict is a copy: the steps after saving did not change it.
  const StateDict again = opt->state_dict();
  REQUIRE(saved.size() == again.size());
  bool some_buffer_changed = false;
  for (size_t i = 0; i < saved.size(); ++i) {
    REQUIRE(saved[i].first == again[i].first);
    if (saved[i].first.starts_with("state.0.") && saved[i].first != "state.0.step")
      some_buffer_changed = some_buffer_changed || !tg::equal(saved[i].second, again[i].second);
  }
  REQUIRE(some_buffer_changed);
}

TEST_CASE("state_dict names groups, options and buffers", "[optim]") {
  tg::Tensor a = tg::ones({2, 2}).requires_grad_(true);
  tg::Tensor b = tg::ones({3}).requires_grad_(true);
  Adam opt(std::vector<Adam::Group>{{.params = {a}, .options = {.lr = 0.1}},
                                    {.params = {b}, .options = {.lr = 0.2, .amsgrad = true}}});
  (a.sum() + b.sum()).backward();
  opt.step();
  opt.step();
  const StateDict dict = opt.state_dict();
  auto find = [&](const std::string& key) -> tg::Tensor {
    for (const auto& [k, v] : dict)
      if (k == key) return v;
    FAIL("missing key " << key);
    return {};
  };
  REQUIRE(find("group.0.params").item<int64_t>() == 0);
  REQUIRE(find("group.1.params").item<int64_t>() == 1);
  REQUIRE(find("group.1.lr").item<double>() == 0.2);
  REQUIRE(find("group.1.lr").dtype() == tg::kDouble);
  REQUIRE(find("group.0.beta2").item<double>() == 0.999);
  REQUIRE(find("group.1.amsgrad").item<double>() == 1.0);
  REQUIRE(find("state.0.step").item<int64_t>() == 2);
  REQUIRE(find("state.0.step").dtype() == tg::kLong);
  REQUIRE(find("state.0.exp_avg").shape() == tg::Shape{2, 2});
  REQUIRE(find("state.1.max_exp_avg_sq").shape() == tg::Shape{3});
  for (const auto& [key, value] : dict) REQUIRE(key != "state.0.max_exp_avg_sq");  // not amsgrad: never allocated
}

TEST_CASE("a state dict can be loaded before the first step", "[optim]") {
  tg::Tensor p = tg::ones({2}, tg::kDouble).requires_grad_(true);
  SGD fresh({p}, {.lr = 0.3, .momentum = 0.9});
  const StateDict dict = fresh.state_dict();  // no state yet
  SGD other({p}, {.lr = 0.1});
  other.load_state_dict(dict);
  REQUIRE(other.lr(0) == 0.3);
  REQUIRE(other.param_groups()[0].options.momentum == 0.9);
  REQUIRE(other.step_count(p) == 0);
}

TEST_CASE("load_state_dict converts buffers to the parameter dtype", "[optim]") {
  tg::Tensor p64 = tg::ones({3}, tg::kDouble).requires_grad_(true);
  Adam a({p64});
  (p64 * p64).sum().backward();
  a.step();
  tg::Tensor p32 = tg::ones({3}).requires_grad_(true);
  Adam b({p32});
  b.load_state_dict(a.state_dict());
  REQUIRE(b.state(p32)->exp_avg.dtype() == tg::kFloat);
  REQUIRE(b.step_count(p32) == 1);
}

TEST_CASE("load_state_dict rejects a state that does not fit, and changes nothing", "[optim]") {
  tg::Tensor a = tg::ones({2}, tg::kDouble).requires_grad_(true);
  tg::Tensor b = tg::ones({3}, tg::kDouble).requires_grad_(true);
  Adam opt({a, b}, {.lr = 0.1});
  (a.sum() + b.sum()).backward();
  opt.step();
  const StateDict good = opt.state_dict();
  auto edited = [&](const std::string& key, tg::Tensor value) {
    StateDict d = good;
    for (auto& [k, v] : d)
      if (k == key) v = value;
    return d;
  };
  auto without = [&](const std::string& key) {
    StateDict d;
    for (const auto& [k, v] : good)
      if (k != key) d.emplace_back(k, v);
    return d;
  };
  Adam target({a, b}, {.lr = 0.7});

  SECTION("wrong buffer shape") {
    REQUIRE_THROWS_WITH(target.load_state_dict(edited("state.1.exp_avg", tg::zeros({4}, tg::kDouble))),
                        Catch::Contains("Adam: load_state_dict") && Catch::Contains("state.1.exp_avg") &&
                            Catch::Contains("[4]") && Catch::Contains("[3]"));
  }
  SECTION("wrong parameter count") {
    Adam one({a});
    REQUIRE_THROWS_WITH(one.load_state_dict(good), Catch::Contains("2 parameters") && Catch::Contains("1 in"));
  }
  SECTION("wrong group count") {
    Adam two(std::vector<Adam::Group>{{.params = {a}}, {.params = {b}}});
    REQUIRE_THROWS_WITH(two.load_state_dict(good), Catch::Contains("1 parameter groups") && Catch::Contains("has 2"));
  }
  SECTION("missing option") {
    REQUIRE_THROWS_WITH(target.load_state_dict(without("group.0.eps")), Catch::Contains("missing key 'group.0.eps'"));
  }
  SECTION("unexpected key") {
    StateDict d = good;
    d.emplace_back("state.7.exp_avg", tg::zeros({2}));
    REQUIRE_THROWS_WITH(target.load_state_dict(d), Catch::Contains("unexpected key 'state.7.exp_avg'"));
  }
  SECTION("invalid option value") {
    REQUIRE_THROWS_WITH(target.load_state_dict(edited("group.0.beta1", tg::scalar_tensor(1.5, tg::kDouble))),
                        Catch::Contains("beta1"));
  }
  SECTION("another optimizer's state") {
    SGD sgd({a, b}, {.momentum = 0.9});
    REQUIRE_THROWS_WITH(sgd.load_state_dict(good), Catch::Contains("SGD: load_state_dict"));
  }
  // Nothing was changed by the failed loads.
  REQUIRE(target.lr(0) == 0.7);
  REQUIRE(target.step_count(a) == 0);
}

TEST_CASE("a scheduler's state round trip continues the schedule", "[optim][sched]") {
  tg::Tensor p = tg::ones({1}).requires_grad_(true);
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  auto warmup = std::make_shared<LinearLR>(opt, LinearLROptions{.start_factor = 0.1, .total_iters = 3});
  auto cosine = std::make_shared<CosineAnnealingLR>(opt, CosineAnnealingLROptions{.t_max = 10});
  SequentialLR sched(opt, {.schedulers = {warmup, cosine}, .milestones = {3}});
  for (int i = 0; i < 5; ++i) sched.step();
  const StateDict opt_state = opt.state_dict();
  const StateDict sched_state = sched.state_dict();

  SGD opt2({p}, {.lr = 0.1, .momentum = 0.9});
  auto warmup2 = std::make_shared<LinearLR>(opt2, LinearLROptions{.start_factor = 0.1, .total_iters = 3});
  auto cosine2 = std::make_shared<CosineAnnealingLR>(opt2, CosineAnnealingLROptions{.t_max = 10});
  SequentialLR sched2(opt2, {.schedulers = {warmup2, cosine2}, .milestones = {3}});
  opt2.load_state_dict(opt_state);
  sched2.load_state_dict(sched_state);
  REQUIRE(sched2.last_epoch() == 5);
  REQUIRE(opt2.lr(0) == opt.lr(0));
  for (int i = 0; i < 8; ++i) {
    sched.step();
    sched2.step();
    REQUIRE(opt2.lr(0) == opt.lr(0));
    REQUIRE(sched2.get_last_lr() == sched.get_last_lr());
  }
  StateDict broken = sched_state;
  broken.emplace_back("schedulers.1.bogus", tg::zeros({1}));
  const int64_t before = sched2.last_epoch();
  REQUIRE_THROWS_WITH(sched2.load_state_dict(broken), Catch::Contains("CosineAnnealingLR") && Catch::Contains("bogus"));
  REQUIRE(sched2.last_epoch() == before);
}

TEST_CASE("an optimizer's state survives a trip through safetensors", "[optim]") {
  const Problem problem = quadratic();
  tg::Tensor p = leaf(problem.x0, problem.shape, tg::kFloat);
  AdamW opt({p}, {.lr = 0.05, .amsgrad = true});
  for (int i = 0; i < 3; ++i) optimizer_step(opt, problem, p);
  const std::string bytes = tg::io::serialize_safetensors(opt.state_dict(), {{"optimizer", "AdamW"}});

  tg::Tensor q = leaf(values(p), problem.shape, tg::kFloat);
  AdamW resumed({q}, {.lr = 0.05, .amsgrad = true});
  resumed.load_state_dict(tg::io::parse_safetensors(bytes, "optimizer state").tensors);
  for (int i = 0; i < 4; ++i) {
    optimizer_step(opt, problem, p);
    optimizer_step(resumed, problem, q);
    REQUIRE(values(p) == values(q));
  }
}
