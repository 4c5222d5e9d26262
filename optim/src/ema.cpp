#include <tapegrad/optim/ema.h>

#include <utility>

namespace tg::optim {

namespace {

// a <- d*a + (1-d)*w, one fused loop (no temporaries per step).
template <typename T> void ema_update(T* a, const T* w, int64_t n, double decay) {
  const T d = static_cast<T>(decay), rest = static_cast<T>(1.0 - decay);
#pragma omp parallel for if (n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) a[i] = d * a[i] + rest * w[i];
}

template <typename T> void swap_values(T* a, T* b, int64_t n) {
#pragma omp parallel for if (n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) std::swap(a[i], b[i]);
}

}  // namespace

ExponentialMovingAverage::ExponentialMovingAverage(tensor_list tensors, ExponentialMovingAverageOptions options)
    : tensors_(std::move(tensors)), options_(options) {
  TG_CHECK(options_.decay >= 0 && options_.decay <= 1, "ExponentialMovingAverage: decay must be in [0, 1], got {}",
           options_.decay);
  NoGradGuard no_grad;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const Tensor& t = tensors_[i];
    TG_CHECK(t.defined() && t.is_floating_point() && t.is_contiguous(),
             "ExponentialMovingAverage: tensor {} must be a contiguous float32/float64 tensor, got {}", i,
             t.defined() ? fmt::format("{} of shape {}", t.dtype(), t.shape()) : "an undefined tensor");
    averages_.push_back(t.detach().clone());
  }
}

double ExponentialMovingAverage::current_decay() const {
  if (!options_.warmup) return options_.decay;
  const auto t = static_cast<double>(num_updates_);
  return std::min(options_.decay, (1.0 + t) / (10.0 + t));
}

void ExponentialMovingAverage::update() {
  TG_CHECK(!swapped_, "ExponentialMovingAverage.update: the averages are swapped in; swap them back first");
  const double decay = current_decay();
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const Tensor& w = tensors_[i];
    Tensor& a = averages_[i];
    if (w.dtype() == kDouble) ema_update(a.data_ptr<double>(), w.data_ptr<double>(), w.numel(), decay);
    else ema_update(a.data_ptr<float>(), w.data_ptr<float>(), w.numel(), decay);
  }
  ++num_updates_;
}

void ExponentialMovingAverage::swap() {
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const Tensor& w = tensors_[i];
    if (w.dtype() == kDouble) swap_values(averages_[i].data_ptr<double>(), w.data_ptr<double>(), w.numel());
    else swap_values(averages_[i].data_ptr<float>(), w.data_ptr<float>(), w.numel());
    detail::bump_version(w);  // saved copies of w in a graph are now stale
  }
  swapped_ = !swapped_;
}

StateDict ExponentialMovingAverage::state_dict() const {
  StateDict out;
  // Saved as the averages even while they are swapped in (then the live values hold them).
  for (size_t i = 0; i < averages_.size(); ++i)
    out.emplace_back(fmt::format("average.{}", i), (swapped_ ? tensors_[i] : averages_[i]).detach().clone());
  out.emplace_back("num_updates", detail::int_scalar(num_updates_));
  out.emplace_back("decay", detail::float_scalar(options_.decay));
  return out;
}

void ExponentialMovingAverage::load_state_dict(const StateDict& dict) {
  TG_CHECK(!swapped_, "ExponentialMovingAverage.load_state_dict: the averages are swapped in; swap them back first");
  detail::StateDictReader in("ExponentialMovingAverage: load_state_dict", dict);
  const double decay = in.take_double("decay");
  TG_CHECK(decay == options_.decay, "{}: saved with decay {}, this average has decay {}", in.who(), decay,
           options_.decay);
  const int64_t updates = in.take_int("num_updates");
  tensor_list loaded;
  for (size_t i = 0; i < tensors_.size(); ++i) loaded.push_back(in.take_buffer(fmt::format("average.{}", i), tensors_[i]));
  in.finish();  // an extra "average.<n>" means the saved run averaged more tensors
  averages_ = std::move(loaded);
  num_updates_ = updates;
}

}  // namespace tg::optim
