// Classification losses as fused primitives (nn::functional re-exports them).
#pragma once

#include <tapegrad/autograd/tensor.h>

namespace tg {

enum class Reduction { None, Mean, Sum };

struct CrossEntropyOptions {
  Reduction reduction = Reduction::Mean;
  int64_t ignore_index = -100;  // targets equal to it add nothing (and do not count in the mean)
  double label_smoothing = 0.0;  // target = (1 - s) one_hot + s / C
};

// Cross-entropy of logits (N, C) against int64 class indices (N): a fused, numerically stable
// log-softmax + negative log-likelihood. loss_i = logsumexp(x_i) - sum_j target_ij x_ij.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, CrossEntropyOptions options = {});

// Negative log-likelihood of log-probabilities (N, C) at int64 targets (N): -logp[i, t_i].
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = Reduction::Mean,
                int64_t ignore_index = -100);

}  // namespace tg
