#include <tapegrad/data/rng.h>
#include <tapegrad/data/sampler.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tg::data {

SequentialSampler::SequentialSampler(int64_t n) : n_(n) {
  TG_CHECK(n >= 0, "SequentialSampler: negative size {}", n);
}

std::vector<int64_t> SequentialSampler::indices(int64_t) const {
  std::vector<int64_t> out(static_cast<size_t>(n_));
  std::iota(out.begin(), out.end(), 0);
  return out;
}

RandomSampler::RandomSampler(int64_t n, uint64_t seed) : n_(n), seed_(seed) {
  TG_CHECK(n >= 0, "RandomSampler: negative size {}", n);
}

std::vector<int64_t> RandomSampler::indices(int64_t epoch) const {
  std::vector<int64_t> out(static_cast<size_t>(n_));
  std::iota(out.begin(), out.end(), 0);
  Rng rng(stream_seed(seed_, static_cast<uint64_t>(epoch), 0x5A3B1E));
  shuffle(out, rng);
  return out;
}

SubsetRandomSampler::SubsetRandomSampler(std::vector<int64_t> subset, uint64_t seed)
    : subset_(std::move(subset)), seed_(seed) {}

std::vector<int64_t> SubsetRandomSampler::indices(int64_t epoch) const {
  std::vector<int64_t> out = subset_;
  Rng rng(stream_seed(seed_, static_cast<uint64_t>(epoch), 0x5B5E7));
  shuffle(out, rng);
  return out;
}

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, bool replacement,
                                             uint64_t seed)
    : weights_(std::move(weights)), num_samples_(num_samples), replacement_(replacement), seed_(seed) {
  TG_CHECK(!weights_.empty(), "WeightedRandomSampler: no weights");
  TG_CHECK(num_samples >= 0, "WeightedRandomSampler: negative num_samples {}", num_samples);
  double total = 0;
  for (double w : weights_) {
    TG_CHECK(std::isfinite(w) && w >= 0, "WeightedRandomSampler: weights must be finite and non-negative, got {}", w);
    total += w;
  }
  TG_CHECK(total > 0, "WeightedRandomSampler: the weights sum to zero");
  const auto positive = std::count_if(weights_.begin(), weights_.end(), [](double w) { return w > 0; });
  TG_CHECK(replacement || num_samples <= positive,
           "WeightedRandomSampler: cannot draw {} samples without replacement from {} with positive weight",
           num_samples, positive);
}

std::vector<int64_t> WeightedRandomSampler::indices(int64_t epoch) const {
  Rng rng(stream_seed(seed_, static_cast<uint64_t>(epoch), 0x3E16));
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(num_samples_));
  if (replacement_) {
    std::vector<double> cdf(weights_.size());
    std::partial_sum(weights_.begin(), weights_.end(), cdf.begin());
    for (int64_t i = 0; i < num_samples_; ++i) {
      const double u = uniform01(rng) * cdf.back();
      auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
      out.push_back(std::min<int64_t>(it - cdf.begin(), static_cast<int64_t>(cdf.size()) - 1));
    }
    return out;
  }
  // Without replacement: Efraimidis-Spirakis keys u^(1/w), take the largest.
  std::vector<std::pair<double, int64_t>> keys;
  for (size_t i = 0; i < weights_.size(); ++i)
    if (weights_[i] > 0) keys.emplace_back(std::log(uniform01(rng) + 1e-300) / weights_[i], static_cast<int64_t>(i));
  std::partial_sort(keys.begin(), keys.begin() + num_samples_, keys.end(), std::greater<>());
  for (int64_t i = 0; i < num_samples_; ++i) out.push_back(keys[static_cast<size_t>(i)].second);
  return out;
}

}  // namespace tg::data
