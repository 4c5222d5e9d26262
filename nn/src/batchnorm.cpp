#include <tapegrad/nn/batchnorm.h>

#include <algorithm>

namespace tg::nn {

BatchNormBase::BatchNormBase(std::string type_name, BatchNormOptions o, std::vector<int64_t> allowed_dims)
    : Module(std::move(type_name)),
      options(o),
      weight(register_parameter("weight", o.affine ? ones({std::max<int64_t>(o.num_features, 0)}) : Tensor())),
      bias(register_parameter("bias", o.affine ? zeros({std::max<int64_t>(o.num_features, 0)}) : Tensor())),
      running_mean(register_buffer("running_mean",
                                   o.track_running_stats ? zeros({std::max<int64_t>(o.num_features, 0)}) : Tensor())),
      running_var(register_buffer("running_var",
                                  o.track_running_stats ? ones({std::max<int64_t>(o.num_features, 0)}) : Tensor())),
      num_batches_tracked(register_buffer("num_batches_tracked", o.track_running_stats ? zeros({}, kLong) : Tensor())),
      allowed_dims_(std::move(allowed_dims)) {
  TG_CHECK(o.num_features > 0, "{}: num_features must be positive, got {}", this->type_name(), o.num_features);
  TG_CHECK(o.eps > 0, "{}: eps must be positive, got {}", this->type_name(), o.eps);
  TG_CHECK(!o.momentum || (*o.momentum >= 0 && *o.momentum <= 1), "{}: momentum must be in [0, 1], got {}",
           this->type_name(), o.momentum.value_or(0));
}

void BatchNormBase::reset_running_stats() {
  if (!options.track_running_stats) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

Tensor BatchNormBase::forward(const Tensor& x) {
  TG_CHECK(std::find(allowed_dims_.begin(), allowed_dims_.end(), x.dim()) != allowed_dims_.end(),
           "{}: expected a {}-D input, got shape {}", type_name(), fmt::join(allowed_dims_, "-D or "), x.shape());
  TG_CHECK(x.size(1) == options.num_features, "{}: expected {} channels (dim 1), got shape {}", type_name(),
           options.num_features, x.shape());
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  double momentum = options.momentum.value_or(0.0);
  if (is_training() && options.track_running_stats) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1.0);
    if (!options.momentum) momentum = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  // Running statistics are updated only while training; in eval they are read.
  const bool pass_running = options.track_running_stats && (is_training() || !use_batch_stats);
  return batch_norm(x, pass_running ? running_mean : Tensor(), pass_running ? running_var : Tensor(), weight, bias,
                    use_batch_stats, momentum, options.eps);
}

std::string BatchNormBase::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", options.num_features, options.eps,
                     options.momentum ? fmt::format("{}", *options.momentum) : "None", options.affine,
                     options.track_running_stats);
}

}  // namespace tg::nn
