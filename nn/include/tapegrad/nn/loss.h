// Losses, as functions (tg::nn::functional) and as modules.
//
//   auto loss = tg::nn::functional::cross_entropy(logits, labels, {.label_smoothing = 0.1});
//   tg::nn::CrossEntropyLoss criterion;  auto l = criterion(logits, labels);
#pragma once

#include <tapegrad/nn/module.h>

namespace tg::nn {

using tg::CrossEntropyOptions;
using tg::Reduction;

namespace functional {
using tg::cross_entropy;
using tg::nll_loss;
// mean((x - y)^2)
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// mean(|x - y|)
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// Huber-like: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
// -[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], computed stably as max(x,0) - x y + log(1 + e^-|x|).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = Reduction::Mean);
}  // namespace functional

// A loss module: call it with (input, target).
class Loss : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  using Module::forward;
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(CrossEntropyOptions options = {}) : Loss("CrossEntropyLoss"), options(options) {}
  Tensor forward(const Tensor& logits, const Tensor& target) override {
    return functional::cross_entropy(logits, target, options);
  }
  CrossEntropyOptions options;
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(Reduction reduction = Reduction::Mean, int64_t ignore_index = -100)
      : Loss("NLLLoss"), reduction(reduction), ignore_index(ignore_index) {}
  Tensor forward(const Tensor& log_probs, const Tensor& target) override {
    return functional::nll_loss(log_probs, target, reduction, ignore_index);
  }
  Reduction reduction;
  int64_t ignore_index;
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : Loss("MSELoss"), reduction(reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::mse_loss(input, target, reduction);
  }
  Reduction reduction;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : Loss("L1Loss"), reduction(reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::l1_loss(input, target, reduction);
  }
  Reduction reduction;
};

class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(Reduction reduction = Reduction::Mean, double beta = 1.0)
      : Loss("SmoothL1Loss"), reduction(reduction), beta(beta) {}
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::smooth_l1_loss(input, target, reduction, beta);
  }
  Reduction reduction;
  double beta;
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::Mean) : Loss("BCEWithLogitsLoss"), reduction(reduction) {}
  Tensor forward(const Tensor& logits, const Tensor& target) override {
    return functional::binary_cross_entropy_with_logits(logits, target, reduction);
  }
  Reduction reduction;
};

}  // namespace tg::nn
