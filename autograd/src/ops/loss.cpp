// cross_entropy and nll_loss: fused forward kernels; the backward is a fused kernel too, or,
// under create_graph, the same formula written with tensor ops.
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include <cmath>

#include "kernels/loop.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

void check_targets(const Tensor& input, const Tensor& target, int64_t ignore_index, const char* op) {
  TG_CHECK(input.dim() == 2, "{}: expected input of shape (N, C), got {}", op, input.shape());
  TG_CHECK(input.is_floating_point(), "{}: expected a float32/float64 input, got {}", op, input.dtype());
  TG_CHECK(target.dtype() == kLong, "{}: expected int64 class indices as target, got {}", op, target.dtype());
  TG_CHECK(target.dim() == 1 && target.size(0) == input.size(0),
           "{}: target of shape {} does not match input of shape {} (expected [{}])", op, target.shape(),
           input.shape(), input.size(0));
  Tensor t = target.contiguous();
  const int64_t* p = t.data_ptr<int64_t>();
  const int64_t C = input.size(1);
  for (int64_t i = 0; i < t.numel(); ++i)
    TG_CHECK(p[i] == ignore_index || (p[i] >= 0 && p[i] < C),
             "{}: target {} at position {} is out of range for {} classes", op, p[i], i, C);
}

// Applies the reduction to per-sample losses, given how many samples count for the mean.
Tensor reduce_loss(const Tensor& per_sample, Reduction reduction, int64_t count) {
  switch (reduction) {
    case Reduction::None: return per_sample;
    case Reduction::Sum: return per_sample.sum();
    case Reduction::Mean: return per_sample.sum() / static_cast<double>(std::max<int64_t>(count, 1));
  }
  return per_sample;
}

// The target distribution (1 - s) one_hot + s / C, zero on ignored rows, as a constant tensor.
Tensor target_distribution(const Tensor& target, int64_t C, double smoothing, int64_t ignore_index, DType dtype) {
  Tensor mask = target.ne(static_cast<double>(ignore_index));
  Tensor safe = where(mask, target, 0.0).to(kLong);
  Tensor dist = one_hot(safe, C).to(dtype) * (1.0 - smoothing) + smoothing / static_cast<double>(C);
  return dist * mask.to(dtype).unsqueeze(1);
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& target, CrossEntropyOptions o) {
  check_targets(logits, target, o.ignore_index, "cross_entropy");
  TG_CHECK(o.label_smoothing >= 0.0 && o.label_smoothing <= 1.0,
           "cross_entropy: label_smoothing must be in [0, 1], got {}", o.label_smoothing);
  const int64_t N = logits.size(0), C = logits.size(1);
  Tensor x = logits.contiguous();
  Tensor t = target.contiguous();
  Tensor losses = empty({N}, x.dtype());
  Tensor lse = empty({N}, x.dtype());
  int64_t count = 0;
  const double s = o.label_smoothing;
  dispatch_floating(x.dtype(), "cross_entropy", [&]<typename T>() {
    const T* xp = x.data_ptr<T>();
    const int64_t* tp = t.data_ptr<int64_t>();
    T* lp = losses.data_ptr<T>();
    T* lsep = lse.data_ptr<T>();
    kernels::parallel_for(N, std::max<int64_t>(1, kernels::kGrainSizeTranscendental / std::max<int64_t>(C, 1)),
                          [&](int64_t b, int64_t e) {
                            for (int64_t i = b; i < e; ++i) {
                              const T* row = xp + i * C;
                              T m = row[0];
                              for (int64_t j = 1; j < C; ++j) m = std::max(m, row[j]);
                              double sum = 0, total = 0;
                              for (int64_t j = 0; j < C; ++j) {
                                sum += std::exp(static_cast<double>(row[j] - m));
                                total += row[j];
                              }
                              const double l = static_cast<double>(m) + std::log(sum);
                              lsep[i] = static_cast<T>(l);
                              if (tp[i] == o.ignore_index) {
                                lp[i] = T(0);
                                continue;
                              }
                              // (1 - s)(lse - x_t) + s (lse - mean_j x_j)
                              lp[i] = static_cast<T>((1.0 - s) * (l - row[tp[i]]) + s * (l - total / static_cast<double>(C)));
                            }
                          });
    for (int64_t i = 0; i < N; ++i) count += tp[i] != o.ignore_index;
  });
  if (needs_grad({logits})) {
    // The node covers the per-sample losses; the reduction after it is recorded by its own ops.
    record("CrossEntropyBackward", {logits}, {losses}, {x, t, lse},
           [o, C](const Tensor& g, const tensor_list& sv, Needs) -> tensor_list {
             const Tensor& x = sv[0];
             const Tensor& t = sv[1];
             if (GradMode::is_enabled()) {
               // d loss_i / d x_ij = softmax_ij - target_ij, written with tensor ops.
               Tensor dist = target_distribution(t, C, o.label_smoothing, o.ignore_index, x.dtype());
               Tensor rows = t.ne(static_cast<double>(o.ignore_index)).to(x.dtype()).unsqueeze(1);
               return {(softmax(x, 1) * rows - dist) * g.unsqueeze(1)};
             }
             const int64_t N = x.size(0);
             Tensor gc = g.contiguous();
             Tensor dx = empty(x.shape(), x.dtype());
             dispatch_floating(x.dtype(), "cross_entropy_backward", [&]<typename T>() {
               const T* xp = x.data_ptr<T>();
               const T* lsep = sv[2].data_ptr<T>();
               const int64_t* tp = t.data_ptr<int64_t>();
               const T* gp = gc.data_ptr<T>();
               T* dp = dx.data_ptr<T>();
               const double s = o.label_smoothing, uniform = s / static_cast<double>(C);
               kernels::parallel_for(N, std::max<int64_t>(1, kernels::kGrainSize / std::max<int64_t>(C, 1)),
                                     [&](int64_t b, int64_t e) {
                                       for (int64_t i = b; i < e; ++i) {
                                         T* drow = dp + i * C;
                                         if (tp[i] == o.ignore_index) {
                                           std::fill(drow, drow + C, T(0));
                                           continue;
                                         }
                                         const T* row = xp + i * C;
                                         const double gi = gp[i], l = lsep[i];
                                         for (int64_t j = 0; j < C; ++j)
                                           drow[j] = static_cast<T>(gi * (std::exp(row[j] - l) - uniform));
                                         drow[tp[i]] = static_cast<T>(drow[tp[i]] - gi * (1.0 - s));
                                       }
                                     });
             });
             return {dx};
           });
  }
  return reduce_loss(losses, o.reduction, count);
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction, int64_t ignore_index) {
  check_targets(log_probs, target, ignore_index, "nll_loss");
  // A gather of the target column: differentiable through gather's own backward.
  Tensor mask = target.ne(static_cast<double>(ignore_index));
  Tensor safe = where(mask, target, 0.0).to(kLong);
  Tensor picked = log_probs.gather(1, safe.unsqueeze(1)).squeeze(1);
  Tensor per_sample = -picked * mask.to(log_probs.dtype());
  return reduce_loss(per_sample, reduction, mask.sum().item<int64_t>());
}

}  // namespace tg
