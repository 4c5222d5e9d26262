// Datasets: anything with a size and a way to get example i.
//
//   tg::data::TensorDataset ds(images, labels);   // example i = (images[i], labels[i])
//   auto [train, val] = tg::data::random_split(ds, {54000, 6000}, /*seed=*/0);
#pragma once

#include <tapegrad/autograd.h>

#include <memory>
#include <vector>

namespace tg::data {

struct Example {
  Tensor data;
  Tensor target;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Example i, 0 <= i < size(). Must be safe to call from several threads at once.
  virtual Example get(int64_t index) const = 0;
};

// Rows of two tensors sharing their first dim.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor data, Tensor targets);
  int64_t size() const override { return data_.size(0); }
  Example get(int64_t index) const override;
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor data_, targets_;
};

// The examples of `base` at the given indices.
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
};

// Several datasets one after the other.
class ConcatDataset : public Dataset {
 public:
  explicit ConcatDataset(std::vector<std::shared_ptr<const Dataset>> parts);
  int64_t size() const override { return offsets_.empty() ? 0 : offsets_.back(); }
  Example get(int64_t index) const override;

 private:
  std::vector<std::shared_ptr<const Dataset>> parts_;
  std::vector<int64_t> offsets_;  // cumulative sizes
};

// A seeded random partition into subsets of the given lengths (which must sum to the size).
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<int64_t>& lengths, uint64_t seed);

// Checks 0 <= index < size with a message naming the dataset.
void check_index(int64_t index, int64_t size, const char* what);

}  // namespace tg::data
