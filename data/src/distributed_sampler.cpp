#include <tapegrad/data/distributed_sampler.h>
#include <tapegrad/data/rng.h>

#include <numeric>

namespace tg::data {

DistributedSampler::DistributedSampler(int64_t n, DistributedSamplerOptions options) : n_(n), options_(options) {
  TG_CHECK(n >= 0, "DistributedSampler: negative size {}", n);
  TG_CHECK(options.num_replicas >= 1, "DistributedSampler: num_replicas must be at least 1, got {}",
           options.num_replicas);
  TG_CHECK(options.rank >= 0 && options.rank < options.num_replicas,
           "DistributedSampler: rank {} is outside [0, {})", options.rank, options.num_replicas);
}

int64_t DistributedSampler::shard_size() const {
  const int64_t w = options_.num_replicas;
  if (options_.drop_last) return n_ / w;
  return n_ / w + (options_.rank < n_ % w ? 1 : 0);
}

std::vector<int64_t> DistributedSampler::indices(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(n_));
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffle) {
    Rng rng(stream_seed(options_.seed, static_cast<uint64_t>(epoch), 0xD157));
    shuffle(order, rng);
  }
  const int64_t w = options_.num_replicas;
  const int64_t used = options_.drop_last ? n_ - n_ % w : n_;
  std::vector<int64_t> shard;
  shard.reserve(static_cast<size_t>(shard_size()));
  for (int64_t i = options_.rank; i < used; i += w) shard.push_back(order[static_cast<size_t>(i)]);
  return shard;
}

}  // namespace tg::data
