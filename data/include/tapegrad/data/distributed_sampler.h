// DistributedSampler: rank r's shard of every epoch, for data-parallel training.
//
//   tg::data::DistributedSampler shard(train->size(), {.num_replicas = world, .rank = rank, .seed = 0});
//   tg::data::DataLoader loader(train, {.batch_size = 128}, std::make_shared<tg::data::DistributedSampler>(shard));
//
// Each epoch, every rank computes the same permutation of 0..n-1 from (seed, epoch) and takes
// positions rank, rank + num_replicas, ...: the shards are disjoint, so no sample is seen twice
// in an epoch. With drop_last (the default) the last n % num_replicas positions of the
// permutation are left out, a different few each epoch, so every rank gets the same number of
// samples and so the same number of steps, which data-parallel training needs. Without it,
// the first n % num_replicas ranks get one sample more.
#pragma once

#include <tapegrad/data/sampler.h>

namespace tg::data {

struct DistributedSamplerOptions {
  int num_replicas = 1;  // the number of ranks
  int rank = 0;          // this process's rank, 0 <= rank < num_replicas
  bool shuffle = true;   // false: the shards of 0..n-1 in order
  uint64_t seed = 0;     // must be the same on every rank
  bool drop_last = true;
};

class DistributedSampler : public Sampler {
 public:
  DistributedSampler(int64_t n, DistributedSamplerOptions options);
  std::vector<int64_t> indices(int64_t epoch) const override;
  // The number of indices this rank gets each epoch.
  int64_t shard_size() const;
  const DistributedSamplerOptions& options() const { return options_; }

 private:
  int64_t n_;
  DistributedSamplerOptions options_;
};

}  // namespace tg::data
