// Weight averaging: an exponential moving average of parameters (Polyak & Juditsky 1992 averaging,
// in the exponential form used by TensorFlow's ExponentialMovingAverage). After every step,
//   a <- decay * a + (1 - decay) * w
// and the averages a, which are smoother than the last iterate, are swapped in for evaluation.
//
//   tg::optim::ExponentialMovingAverage ema(model->parameters(), {.decay = 0.999});
//   // per batch: opt.step(); ema.update();
//   { tg::optim::ExponentialMovingAverage::Swapped use_averages(ema); evaluate(*model); }
//
// The averages start as copies of the tensors. With warmup, step t uses min(decay, (1+t)/(10+t)),
// so early averages are not dominated by the initial weights.
#pragma once

#include <tapegrad/optim/optimizer.h>

namespace tg::optim {

struct ExponentialMovingAverageOptions {
  double decay = 0.999;
  bool warmup = false;
};

class ExponentialMovingAverage {
 public:
  // tensors: float32/float64 tensors updated in place by training (parameters, BatchNorm's running
  // statistics); the averages are kept apart from them.
  explicit ExponentialMovingAverage(tensor_list tensors, ExponentialMovingAverageOptions options = {});

  // One averaging step; call after every optimizer.step().
  void update();
  // Exchanges the live values and the averages, in place and exactly (calling it twice restores).
  void swap();
  bool swapped() const { return swapped_; }

  // Swaps the averages in for a scope and back out at its end.
  class Swapped {
   public:
    explicit Swapped(ExponentialMovingAverage& ema) : ema_(ema) { ema_.swap(); }
    ~Swapped() { ema_.swap(); }
    Swapped(const Swapped&) = delete;
    Swapped& operator=(const Swapped&) = delete;

   private:
    ExponentialMovingAverage& ema_;
  };

  const tensor_list& averages() const { return averages_; }
  int64_t num_updates() const { return num_updates_; }
  // The decay the next update will use.
  double current_decay() const;
  const ExponentialMovingAverageOptions& options() const { return options_; }

  // "average.<i>" for each tensor, "num_updates", "decay"; loading checks count, shapes and decay.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  tensor_list tensors_, averages_;
  ExponentialMovingAverageOptions options_;
  int64_t num_updates_ = 0;
  bool swapped_ = false;
};

}  // namespace tg::optim
