#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/optim/reduce_lr_on_plateau.h>

#include <algorithm>
#include <limits>

namespace tg::optim {

using Mode = ReduceLROnPlateauOptions::Mode;
using ThresholdMode = ReduceLROnPlateauOptions::ThresholdMode;

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(optimizer), options_(options) {
  const auto& o = options_;
  TG_CHECK(o.factor >= 0 && o.factor < 1, "ReduceLROnPlateau: factor {} should be in [0, 1)", o.factor);
  TG_CHECK(o.patience >= 0, "ReduceLROnPlateau: patience {} should be >= 0", o.patience);
  TG_CHECK(o.threshold >= 0, "ReduceLROnPlateau: threshold {} should be >= 0", o.threshold);
  TG_CHECK(o.cooldown >= 0, "ReduceLROnPlateau: cooldown {} should be >= 0", o.cooldown);
  TG_CHECK(o.min_lr >= 0, "ReduceLROnPlateau: min_lr {} should be >= 0", o.min_lr);
  TG_CHECK(o.eps >= 0, "ReduceLROnPlateau: eps {} should be >= 0", o.eps);
  constexpr double inf = std::numeric_limits<double>::infinity();
  best_ = o.mode == Mode::Min ? inf : -inf;
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) last_lr_.push_back(optimizer.lr(g));
}

bool ReduceLROnPlateau::is_better(double metric) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::Rel;
  if (options_.mode == Mode::Min) return metric < (rel ? best_ * (1 - t) : best_ - t);
  return metric > (rel ? best_ * (1 + t) : best_ + t);
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs in cooldown are ignored
  }
  if (num_bad_epochs_ > options_.patience) {
    for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
      if (old_lr - new_lr > options_.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) last_lr_.push_back(optimizer_.lr(g));
}

StateDict ReduceLROnPlateau::state_dict() const {
  return {{"last_epoch", detail::int_scalar(last_epoch_)},
          {"best", detail::float_scalar(best_)},
          {"num_bad_epochs", detail::int_scalar(num_bad_epochs_)},
          {"cooldown_counter", detail::int_scalar(cooldown_counter_)},
          {"last_lr", tensor(last_lr_, Shape{static_cast<int64_t>(last_lr_.size())})}};
}

void ReduceLROnPlateau::load_state_dict(const StateDict& dict) {
  detail::StateDictReader in("ReduceLROnPlateau: load_state_dict", dict);
  const int64_t epoch = in.take_int("last_epoch");
  const double best = in.take_double("best");
  const int64_t bad = in.take_int("num_bad_epochs");
  const int64_t cooldown = in.take_int("cooldown_counter");
  std::vector<double> last = in.take_doubles("last_lr", last_lr_.size());
  in.finish();
  last_epoch_ = epoch;
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
  last_lr_ = std::move(last);
}

}  // namespace tg::optim
