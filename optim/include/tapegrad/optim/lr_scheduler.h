// Learning-rate schedules, as torch.optim.lr_scheduler. Each sets every parameter group's lr from the
// group's base lr and an epoch counter by PyTorch's closed form, so the lr after N steps does not
// depend on how the run got there and a resumed run continues exactly.
//
//   tg::optim::SGD opt(params, {.lr = 0.1, .momentum = 0.9});
//   tg::optim::StepLR sched(opt, {.step_size = 30, .gamma = 0.1});
//   for (int epoch = 0; epoch < 100; ++epoch) { train_one_epoch(opt); sched.step(); }
//
//   // Linear warm-up for 5 epochs, then cosine decay (each scheduler counts its own epochs):
//   namespace optim = tg::optim;
//   auto warmup = std::make_shared<optim::LinearLR>(opt, optim::LinearLROptions{.start_factor = 0.1});
//   auto cosine = std::make_shared<optim::CosineAnnealingLR>(opt, optim::CosineAnnealingLROptions{.t_max = 95});
//   optim::SequentialLR sched(opt, {.schedulers = {warmup, cosine}, .milestones = {5}});
//
// Constructing a scheduler applies epoch 0 (as PyTorch). The base lr of a group is the lr it had when
// the first scheduler was attached (PyTorch's "initial_lr"). Schedulers only write lr (OneCycleLR also
// the momentum): a manual lr change lasts until the next step(), and two schedulers stepping together
// do not compose (chain them in time with SequentialLR).
#pragma once

#include <tapegrad/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

namespace tg::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Moves to the next epoch (or iteration) and sets every group's lr.
  void step() { go_to(last_epoch_ + 1); }
  // Makes `epoch` the current epoch and sets every group's lr to its value there.
  virtual void go_to(int64_t epoch);
  // Group `group`'s lr at `epoch`, by the closed form (changes nothing).
  virtual double lr_at(size_t group, int64_t epoch) const = 0;

  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }
  const std::string& name() const { return name_; }

  // "last_epoch" (0-d int64), "base_lrs" and "last_lr" (float64, one per group).
  virtual StateDict state_dict() const;
  // Restores the counters only; the optimizer's own state dict restores its lrs (as PyTorch).
  virtual void load_state_dict(const StateDict& dict);

 protected:
  // Takes each group's initial_lr (recording the current lr as such when no scheduler came before).
  LRScheduler(Optimizer& optimizer, std::string name);
  // Derived constructors end with it: applies epoch 0, as PyTorch's constructors do.
  void initial_step() { go_to(0); }
  // Checks epoch >= 0, naming the scheduler.
  void check_epoch(int64_t epoch) const;

  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;

 private:
  Optimizer& optimizer_;
  std::string name_;
};

// lr = base · γ^⌊epoch / step_size⌋
struct StepLROptions {
  int64_t step_size = 0;  // required, >= 1
  double gamma = 0.1;
};
class StepLR final : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, StepLROptions options);
  double lr_at(size_t group, int64_t epoch) const override;

 private:
  StepLROptions options_;
};

// lr = base · γ^(number of milestones <= epoch)
struct MultiStepLROptions {
  std::vector<int64_t> milestones;  // in any order; a repeated milestone applies γ twice
  double gamma = 0.1;
};
class MultiStepLR final : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, MultiStepLROptions options);
  double lr_at(size_t group, int64_t epoch) const override;

 private:
  MultiStepLROptions options_;  // milestones sorted
};

// lr = base · γ^epoch
struct ExponentialLROptions {
  double gamma = 0;  // required, > 0
};
class ExponentialLR final : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, ExponentialLROptions options);
  double lr_at(size_t group, int64_t epoch) const override;

 private:
  ExponentialLROptions options_;
};

// lr = η_min + (base − η_min) · (1 + cos(π · epoch / T_max)) / 2   (SGDR without restarts)
struct CosineAnnealingLROptions {
  int64_t t_max = 0;  // required, >= 1: epochs of the half cosine
  double eta_min = 0;
};
class CosineAnnealingLR final : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options);
  double lr_at(size_t group, int64_t epoch) const override;

 private:
  CosineAnnealingLROptions options_;
};

// lr = base · (s + (e − s) · min(epoch, total_iters) / total_iters): linear warm-up (or decay)
struct LinearLROptions {
  double start_factor = 1.0 / 3;  // s in (0, 1]
  double end_factor = 1.0;        // e in [0, 1]
  int64_t total_iters = 5;        // >= 1
};
class LinearLR final : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, LinearLROptions options = {});
  double lr_at(size_t group, int64_t epoch) const override;

 private:
  LinearLROptions options_;
};

// The 1cycle policy (Smith & Topin 2018), stepped once per batch: lr rises from max_lr/div_factor to
// max_lr over pct_start of the steps, then falls to max_lr/(div_factor·final_div_factor); the
// momentum (or Adam's beta1) moves the opposite way between max_momentum and base_momentum.
// three_phase: up, back down to the start over as many steps, then the final decay.
enum class Anneal { Cos, Linear };
struct OneCycleLROptions {
  double max_lr = 0;            // required, > 0
  int64_t total_steps = 0;      // or epochs · steps_per_epoch
  int64_t epochs = 0;
  int64_t steps_per_epoch = 0;
  double pct_start = 0.3;
  Anneal anneal_strategy = Anneal::Cos;  // cos: end + (start − end)·(1 + cos(π·pct))/2
  bool cycle_momentum = true;   // needs an optimizer with a "momentum" or "beta1" option
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25;
  double final_div_factor = 1e4;
  bool three_phase = false;
};
class OneCycleLR final : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options);
  void go_to(int64_t step) override;
  double lr_at(size_t group, int64_t step) const override;
  // The momentum (or beta1) at `step`.
  double momentum_at(int64_t step) const;
  int64_t total_steps() const { return total_steps_; }

 private:
  struct Phase {
    double end_step;
    double lr_start, lr_end;
    double momentum_start, momentum_end;
  };
  // The phase `step` falls in and the fraction of it done.
  std::pair<const Phase*, double> locate(int64_t step) const;
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  int64_t total_steps_ = 0;
  std::vector<Phase> phases_;
  std::string momentum_option_;  // "momentum", "beta1" or empty (no cycling)
};

// Runs schedulers one after another: schedulers[k] takes over at milestones[k − 1], restarted at its
// epoch 0 (as torch.optim.lr_scheduler.SequentialLR).
struct SequentialLROptions {
  std::vector<std::shared_ptr<LRScheduler>> schedulers;  // on the same optimizer
  std::vector<int64_t> milestones;                        // increasing, one fewer than schedulers
};
class SequentialLR final : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, SequentialLROptions options);
  void go_to(int64_t epoch) override;
  double lr_at(size_t group, int64_t epoch) const override;
  // Adds "schedulers.<k>.<key>" for each scheduler's state.
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& dict) override;

 private:
  // The scheduler in charge at `epoch` and the epoch it started at.
  std::pair<size_t, int64_t> locate(int64_t epoch) const;
  void load_parts(const StateDict& dict);
  SequentialLROptions options_;
};

}  // namespace tg::optim
