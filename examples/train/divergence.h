// Stopping a diverged run before it writes NaN, and with --detect-anomaly, naming where the first
// NaN or Inf came from.
//
//   train::DivergenceCheck check(*model, detect_anomaly);
//   check.at(epoch, step);  check.check_loss(loss_value);  check.backward(loss);
//   train::check_finite_state(*model, epoch, path);      // before a checkpoint is written
#pragma once

#include <tapegrad/tapegrad.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace train {

inline bool all_finite(const tg::Tensor& t) {
  if (!t.is_floating_point() || t.numel() == 0) return true;
  tg::NoGradGuard no_grad;
  return tg::isfinite(t).sum().item<int64_t>() == t.numel();
}

// Errors name the step. With detect_anomaly, each top-level module's output is checked in forward
// (the error names the first module that turned finite inputs into NaN or Inf) and backward runs in
// autograd anomaly mode (the error names the backward op). That costs a pass over every
// activation, so it is off by default.
class DivergenceCheck {
 public:
  DivergenceCheck(tg::nn::Sequential& model, bool detect_anomaly) {
    if (!detect_anomaly) return;
    anomaly_mode_.emplace();
    for (size_t i = 0; i < model.size(); ++i) {
      hooks_.push_back(model[i]->register_forward_hook(
          [this, i](tg::nn::Module& m, const tg::Tensor& in, const tg::Tensor& out) {
            TG_CHECK(!all_finite(in) || all_finite(out),
                     "training diverged at {}: anomaly: module {} ({}) turned finite inputs into NaN or Inf", where(),
                     i, m.type_name());
          }));
    }
  }
  DivergenceCheck(const DivergenceCheck&) = delete;
  DivergenceCheck& operator=(const DivergenceCheck&) = delete;

  // The step the following checks report (1-based).
  void at(int64_t epoch, int64_t step) {
    epoch_ = epoch;
    step_ = step;
  }

  // Called before backward, so a NaN loss never reaches the weights.
  void check_loss(double loss) const {
    TG_CHECK(std::isfinite(loss), "training diverged: the loss is {} at {}; stopped before updating the weights ({})",
             loss, where(),
             anomaly_mode_ ? "no module turned finite values into NaN or Inf: the input data or the loss did"
                           : "lower --lr? --detect-anomaly names the module");
  }

  void backward(const tg::Tensor& loss) const {
    try {
      loss.backward();
    } catch (const tg::Error& e) {
      TG_FAIL("training diverged at {}: {}", where(), e.what());
    }
  }

 private:
  std::string where() const { return fmt::format("epoch {} step {}", epoch_, step_); }

  std::optional<tg::autograd::DetectAnomalyGuard> anomaly_mode_;
  std::vector<tg::nn::HookHandle> hooks_;
  int64_t epoch_ = 0, step_ = 0;
};

// A checkpoint never holds NaN or Inf: the previous one stays in place instead.
inline void check_finite_state(const tg::nn::Module& model, int64_t epoch, const std::string& path) {
  for (const auto& [name, t] : model.state_dict())
    TG_CHECK(all_finite(t.detach()),
             "training diverged: '{}' holds NaN or Inf after epoch {}; {} was not overwritten (lower --lr?)", name,
             epoch, path);
}

}  // namespace train
