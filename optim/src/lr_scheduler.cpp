#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/optim/lr_scheduler.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tg::optim {

// ---- LRScheduler ---------------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer, std::string name) : optimizer_(optimizer), name_(std::move(name)) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) {
    if (!optimizer.initial_lr(g)) optimizer.set_initial_lr(g, optimizer.lr(g));
    base_lrs_.push_back(*optimizer.initial_lr(g));
  }
}

void LRScheduler::check_epoch(int64_t epoch) const {
  TG_CHECK(epoch >= 0, "{}: epoch {} should be >= 0", name_, epoch);
}

void LRScheduler::go_to(int64_t epoch) {
  check_epoch(epoch);
  std::vector<double> lrs(base_lrs_.size());
  for (size_t g = 0; g < lrs.size(); ++g) lrs[g] = lr_at(g, epoch);
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_epoch_ = epoch;
  last_lr_ = std::move(lrs);
}

namespace {
Tensor doubles_tensor(const std::vector<double>& values) {
  return tensor(values, Shape{static_cast<int64_t>(values.size())});
}
}  // namespace

StateDict LRScheduler::state_dict() const {
  return {{"last_epoch", detail::int_scalar(last_epoch_)},
          {"base_lrs", doubles_tensor(base_lrs_)},
          {"last_lr", doubles_tensor(last_lr_)}};
}

void LRScheduler::load_state_dict(const StateDict& dict) {
  detail::StateDictReader in(name_ + ": load_state_dict", dict);
  const int64_t epoch = in.take_int("last_epoch");
  std::vector<double> base = in.take_doubles("base_lrs", base_lrs_.size());
  std::vector<double> last = in.take_doubles("last_lr", base_lrs_.size());
  in.finish();
  last_epoch_ = epoch;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

// ---- closed forms --------------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, StepLROptions options) : LRScheduler(optimizer, "StepLR"), options_(options) {
  TG_CHECK(options.step_size >= 1, "StepLR: step_size {} should be >= 1", options.step_size);
  initial_step();
}

double StepLR::lr_at(size_t group, int64_t epoch) const {
  check_epoch(epoch);
  return base_lrs_.at(group) * std::pow(options_.gamma, static_cast<double>(epoch / options_.step_size));
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, MultiStepLROptions options)
    : LRScheduler(optimizer, "MultiStepLR"), options_(std::move(options)) {
  std::sort(options_.milestones.begin(), options_.milestones.end());
  initial_step();
}

double MultiStepLR::lr_at(size_t group, int64_t epoch) const {
  check_epoch(epoch);
  const auto passed = std::upper_bound(options_.milestones.begin(), options_.milestones.end(), epoch) -
                      options_.milestones.begin();
  return base_lrs_.at(group) * std::pow(options_.gamma, static_cast<double>(passed));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLROptions options)
    : LRScheduler(optimizer, "ExponentialLR"), options_(options) {
  TG_CHECK(options.gamma > 0, "ExponentialLR: gamma {} should be > 0", options.gamma);
  initial_step();
}

double ExponentialLR::lr_at(size_t group, int64_t epoch) const {
  check_epoch(epoch);
  return base_lrs_.at(group) * std::pow(options_.gamma, static_cast<double>(epoch));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options)
    : LRScheduler(optimizer, "CosineAnnealingLR"), options_(options) {
  TG_CHECK(options.t_max >= 1, "CosineAnnealingLR: t_max {} should be >= 1", options.t_max);
  initial_step();
}

double CosineAnnealingLR::lr_at(size_t group, int64_t epoch) const {
  check_epoch(epoch);
  const double eta_min = options_.eta_min;
  const double phase = std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(options_.t_max);
  return eta_min + (base_lrs_.at(group) - eta_min) * (1 + std::cos(phase)) / 2;
}

LinearLR::LinearLR(Optimizer& optimizer, LinearLROptions options)
    : LRScheduler(optimizer, "LinearLR"), options_(options) {
  TG_CHECK(options.start_factor > 0 && options.start_factor <= 1,
           "LinearLR: start_factor {} should be in (0, 1]", options.start_factor);
  TG_CHECK(options.end_factor >= 0 && options.end_factor <= 1, "LinearLR: end_factor {} should be in [0, 1]",
           options.end_factor);
  TG_CHECK(options.total_iters >= 1, "LinearLR: total_iters {} should be >= 1", options.total_iters);
  initial_step();
}

double LinearLR::lr_at(size_t group, int64_t epoch) const {
  check_epoch(epoch);
  const auto& o = options_;
  const double done = static_cast<double>(std::min(epoch, o.total_iters)) / static_cast<double>(o.total_iters);
  return base_lrs_.at(group) * (o.start_factor + (o.end_factor - o.start_factor) * done);
}

// ---- OneCycleLR ----------------------------------------------------------------------------------

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions options)
    : LRScheduler(optimizer, "OneCycleLR"), options_(options) {
  const auto& o = options_;
  if (o.total_steps > 0) {
    total_steps_ = o.total_steps;
  } else {
    TG_CHECK(o.epochs > 0 && o.steps_per_epoch > 0,
             "OneCycleLR: set total_steps > 0, or epochs > 0 and steps_per_epoch > 0 (got {}, {}, {})",
             o.total_steps, o.epochs, o.steps_per_epoch);
    total_steps_ = o.epochs * o.steps_per_epoch;
  }
  TG_CHECK(o.max_lr > 0, "OneCycleLR: max_lr {} should be > 0", o.max_lr);
  TG_CHECK(o.pct_start >= 0 && o.pct_start <= 1, "OneCycleLR: pct_start {} should be in [0, 1]", o.pct_start);
  TG_CHECK(o.div_factor > 0 && o.final_div_factor > 0,
           "OneCycleLR: div_factor {} and final_div_factor {} should be > 0", o.div_factor, o.final_div_factor);

  const double initial_lr = o.max_lr / o.div_factor;
  const double min_lr = initial_lr / o.final_div_factor;
  const double total = static_cast<double>(total_steps_);
  const double lo = o.base_momentum, hi = o.max_momentum;
  if (o.three_phase) {
    phases_ = {{o.pct_start * total - 1, initial_lr, o.max_lr, hi, lo},
               {2 * o.pct_start * total - 2, o.max_lr, initial_lr, lo, hi},
               {total - 1, initial_lr, min_lr, hi, hi}};
  } else {
    phases_ = {{o.pct_start * total - 1, initial_lr, o.max_lr, hi, lo}, {total - 1, o.max_lr, min_lr, lo, hi}};
  }
  if (o.cycle_momentum) {
    for (const char* name : {"beta1", "momentum"}) {  // PyTorch prefers betas
      if (optimizer.option(0, name)) {
        momentum_option_ = name;
        break;
      }
    }
    TG_CHECK(!momentum_option_.empty(),
             "OneCycleLR: {} has no 'momentum' or 'beta1' option to cycle (set cycle_momentum = false)",
             optimizer.name());
  }
  // The schedule defines the base lrs (PyTorch sets initial_lr = max_lr / div_factor).
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    optimizer.set_initial_lr(g, initial_lr);
    base_lrs_[g] = initial_lr;
  }
  initial_step();
}

std::pair<const OneCycleLR::Phase*, double> OneCycleLR::locate(int64_t step) const {
  check_epoch(step);
  TG_CHECK(step <= total_steps_, "OneCycleLR: tried to step {} times, but total_steps is {}", step, total_steps_);
  const double s = static_cast<double>(step);
  double start = 0;
  for (size_t i = 0; i + 1 < phases_.size(); ++i) {
    if (s <= phases_[i].end_step) return {&phases_[i], (s - start) / (phases_[i].end_step - start)};
    start = phases_[i].end_step;
  }
  const Phase& last = phases_.back();  // also takes step == total_steps, as PyTorch
  return {&last, (s - start) / (last.end_step - start)};
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == Anneal::Linear) return (end - start) * pct + start;
  return end + (start - end) / 2 * (std::cos(std::numbers::pi * pct) + 1);
}

double OneCycleLR::lr_at(size_t group, int64_t step) const {
  TG_CHECK(group < base_lrs_.size(), "OneCycleLR: group {} out of range ({} groups)", group, base_lrs_.size());
  const auto [phase, pct] = locate(step);
  return anneal(phase->lr_start, phase->lr_end, pct);
}

double OneCycleLR::momentum_at(int64_t step) const {
  const auto [phase, pct] = locate(step);
  return anneal(phase->momentum_start, phase->momentum_end, pct);
}

void OneCycleLR::go_to(int64_t step) {
  LRScheduler::go_to(step);
  if (momentum_option_.empty()) return;
  const double momentum = momentum_at(step);
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer().set_option(g, momentum_option_, momentum);
}

// ---- SequentialLR --------------------------------------------------------------------------------

SequentialLR::SequentialLR(Optimizer& optimizer, SequentialLROptions options)
    : LRScheduler(optimizer, "SequentialLR"), options_(std::move(options)) {
  const auto& o = options_;
  TG_CHECK(!o.schedulers.empty(), "SequentialLR: expected at least one scheduler");
  TG_CHECK(o.milestones.size() + 1 == o.schedulers.size(),
           "SequentialLR: {} schedulers need {} milestones, got {}", o.schedulers.size(), o.schedulers.size() - 1,
           o.milestones.size());
  for (size_t k = 0; k < o.schedulers.size(); ++k) {
    TG_CHECK(o.schedulers[k] != nullptr, "SequentialLR: scheduler {} is null", k);
    TG_CHECK(&o.schedulers[k]->optimizer() == &optimizer,
             "SequentialLR: scheduler {} ({}) is attached to another optimizer", k, o.schedulers[k]->name());
  }
  for (size_t k = 0; k < o.milestones.size(); ++k) {
    TG_CHECK(o.milestones[k] > (k == 0 ? 0 : o.milestones[k - 1]),
             "SequentialLR: milestones should be positive and increasing, got {}", o.milestones);
  }
  initial_step();
}

std::pair<size_t, int64_t> SequentialLR::locate(int64_t epoch) const {
  check_epoch(epoch);
  const auto& m = options_.milestones;
  const auto k = static_cast<size_t>(std::upper_bound(m.begin(), m.end(), epoch) - m.begin());
  return {k, k == 0 ? 0 : m[k - 1]};
}

void SequentialLR::go_to(int64_t epoch) {
  const auto [k, start] = locate(epoch);
  LRScheduler& current = *options_.schedulers[k];
  current.go_to(epoch - start);
  last_epoch_ = epoch;
  last_lr_ = current.get_last_lr();
}

double SequentialLR::lr_at(size_t group, int64_t epoch) const {
  const auto [k, start] = locate(epoch);
  return options_.schedulers[k]->lr_at(group, epoch - start);
}

StateDict SequentialLR::state_dict() const {
  StateDict out = LRScheduler::state_dict();
  for (size_t k = 0; k < options_.schedulers.size(); ++k) {
    for (auto& [key, value] : options_.schedulers[k]->state_dict()) {
      out.emplace_back(fmt::format("schedulers.{}.{}", k, key), std::move(value));
    }
  }
  return out;
}

void SequentialLR::load_state_dict(const StateDict& dict) {
  // All or nothing: a part that fails to load puts back what was there.
  const StateDict before = state_dict();
  try {
    load_parts(dict);
  } catch (...) {
    load_parts(before);
    throw;
  }
}

void SequentialLR::load_parts(const StateDict& dict) {
  StateDict own;
  std::vector<StateDict> parts(options_.schedulers.size());
  for (const auto& [key, value] : dict) {
    bool matched = false;
    for (size_t k = 0; k < parts.size() && !matched; ++k) {
      const std::string prefix = fmt::format("schedulers.{}.", k);
      if (key.starts_with(prefix)) {
        parts[k].emplace_back(key.substr(prefix.size()), value);
        matched = true;
      }
    }
    if (!matched) own.emplace_back(key, value);
  }
  LRScheduler::load_state_dict(own);
  for (size_t k = 0; k < parts.size(); ++k) options_.schedulers[k]->load_state_dict(parts[k]);
}

}  // namespace tg::optim
