#include <tapegrad/data/dataset.h>
#include <tapegrad/data/rng.h>

#include <algorithm>
#include <numeric>

namespace tg::data {

void check_index(int64_t index, int64_t size, const char* what) {
  TG_CHECK(index >= 0 && index < size, "{}: index {} is out of range for {} examples", what, index, size);
}

TensorDataset::TensorDataset(Tensor data, Tensor targets) : data_(std::move(data)), targets_(std::move(targets)) {
  TG_CHECK(data_.defined() && targets_.defined() && data_.dim() >= 1 && targets_.dim() >= 1,
           "TensorDataset: expected two tensors with at least one dim");
  TG_CHECK(data_.size(0) == targets_.size(0), "TensorDataset: data has {} rows (shape {}) but targets have {} (shape {})",
           data_.size(0), data_.shape(), targets_.size(0), targets_.shape());
}

Example TensorDataset::get(int64_t index) const {
  check_index(index, size(), "TensorDataset");
  return {data_.select(0, index), targets_.select(0, index)};
}

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  TG_CHECK(base_ != nullptr, "Subset: the base dataset is null");
  for (int64_t i : indices_) check_index(i, base_->size(), "Subset");
}

Example Subset::get(int64_t index) const {
  check_index(index, size(), "Subset");
  return base_->get(indices_[static_cast<size_t>(index)]);
}

ConcatDataset::ConcatDataset(std::vector<std::shared_ptr<const Dataset>> parts) : parts_(std::move(parts)) {
  int64_t total = 0;
  for (const auto& p : parts_) {
    TG_CHECK(p != nullptr, "ConcatDataset: a part is null");
    total += p->size();
    offsets_.push_back(total);
  }
}

Example ConcatDataset::get(int64_t index) const {
  check_index(index, size(), "ConcatDataset");
  const auto it = std::upper_bound(offsets_.begin(), offsets_.end(), index);
  const size_t part = static_cast<size_t>(it - offsets_.begin());
  const int64_t start = part == 0 ? 0 : offsets_[part - 1];
  return parts_[part]->get(index - start);
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<int64_t>& lengths, uint64_t seed) {
  TG_CHECK(dataset != nullptr, "random_split: the dataset is null");
  int64_t total = 0;
  for (int64_t l : lengths) {
    TG_CHECK(l >= 0, "random_split: negative length {}", l);
    total += l;
  }
  TG_CHECK(total == dataset->size(), "random_split: lengths sum to {} but the dataset has {} examples", total,
           dataset->size());
  std::vector<int64_t> perm(static_cast<size_t>(total));
  std::iota(perm.begin(), perm.end(), 0);
  Rng rng(stream_seed(seed, 0x5311u));
  shuffle(perm, rng);
  std::vector<std::shared_ptr<Subset>> out;
  int64_t start = 0;
  for (int64_t l : lengths) {
    out.push_back(std::make_shared<Subset>(dataset, std::vector<int64_t>(perm.begin() + start, perm.begin() + start + l)));
    start += l;
  }
  return out;
}

}  // namespace tg::data
