// Samplers: the order of example indices for each epoch, a pure function of (seed, epoch), so the
// order never depends on the number of loader workers.
#pragma once

#include <tapegrad/autograd.h>

#include <cstdint>
#include <vector>

namespace tg::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::vector<int64_t> indices(int64_t epoch) const = 0;
};

// 0, 1, ..., n-1.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  std::vector<int64_t> indices(int64_t epoch) const override;

 private:
  int64_t n_;
};

// A fresh permutation of 0..n-1 each epoch.
class RandomSampler : public Sampler {
 public:
  RandomSampler(int64_t n, uint64_t seed);
  std::vector<int64_t> indices(int64_t epoch) const override;

 private:
  int64_t n_;
  uint64_t seed_;
};

// A permutation of the given indices each epoch.
class SubsetRandomSampler : public Sampler {
 public:
  SubsetRandomSampler(std::vector<int64_t> subset, uint64_t seed);
  std::vector<int64_t> indices(int64_t epoch) const override;

 private:
  std::vector<int64_t> subset_;
  uint64_t seed_;
};

// num_samples draws with probability proportional to weights (with or without replacement).
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, bool replacement, uint64_t seed);
  std::vector<int64_t> indices(int64_t epoch) const override;

 private:
  std::vector<double> weights_;
  int64_t num_samples_;
  bool replacement_;
  uint64_t seed_;
};

}  // namespace tg::data
