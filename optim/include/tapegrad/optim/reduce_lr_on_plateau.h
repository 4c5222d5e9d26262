// Cuts the lr when a metric stops improving, as torch.optim.lr_scheduler.ReduceLROnPlateau.
//
//   tg::optim::ReduceLROnPlateau sched(opt, {.factor = 0.5, .patience = 3});
//   for (int epoch = 0; epoch < 50; ++epoch) { train(opt); sched.step(validation_loss()); }
//
// After each step(metric): an improvement (min mode, rel threshold: metric < best·(1 − threshold))
// resets the count of bad epochs; once more than `patience` bad epochs pass, every group's lr becomes
// max(lr·factor, min_lr) (kept when the change is below eps) and `cooldown` epochs follow in which
// bad epochs are not counted.
#pragma once

#include <tapegrad/optim/optimizer.h>

#include <string>
#include <vector>

namespace tg::optim {

struct ReduceLROnPlateauOptions {
  enum class Mode { Min, Max };
  enum class ThresholdMode { Rel, Abs };
  Mode mode = Mode::Min;         // Min: lower is better (a loss); Max: higher is (an accuracy)
  double factor = 0.1;           // in [0, 1)
  int64_t patience = 10;         // bad epochs tolerated
  double threshold = 1e-4;       // what counts as an improvement
  ThresholdMode threshold_mode = ThresholdMode::Rel;
  int64_t cooldown = 0;          // epochs after a cut before bad epochs count again
  double min_lr = 0;             // floor for every group
  double eps = 1e-8;             // smaller lr changes are skipped
};

class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});

  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }

  // "last_epoch", "best", "num_bad_epochs", "cooldown_counter", "last_lr".
  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  bool is_better(double metric) const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace tg::optim
