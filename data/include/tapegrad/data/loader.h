// DataLoader: sampler -> worker threads (get + transform) -> collate -> bounded queue -> range-for.
//
//   tg::data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .num_workers = 2, .seed = 0});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const tg::data::Batch& batch : loader) train_step(batch.data, batch.target);
//
// Each pass over the loader is one epoch (the epoch number advances by itself, or set_epoch).
// The order of samples and any augmentation depend only on (seed, epoch, sample), never on
// num_workers. An exception in a worker is rethrown in the loop with its message; destroying the
// loader (or leaving the loop) mid-epoch stops and joins the workers.
#pragma once

#include <tapegrad/data/dataset.h>
#include <tapegrad/data/rng.h>
#include <tapegrad/data/sampler.h>

#include <functional>
#include <memory>

namespace tg::data {

struct Batch {
  Tensor data;    // examples' data stacked along a new dim 0
  Tensor target;  // examples' targets stacked likewise
  std::vector<int64_t> indices;  // dataset indices, in batch order
};

// Per-example transform run in the workers; rng is seeded from (seed, epoch, dataset index).
using ExampleTransform = std::function<Example(Example, Rng&)>;
// Turns the examples of one batch into a Batch (default: stack data and targets).
using Collate = std::function<Batch(std::vector<Example>&&, std::vector<int64_t>&&)>;

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;
  int num_workers = 0;    // 0: load in the calling thread
  int prefetch = 2;       // batches each worker may run ahead
  uint64_t seed = 0;
};

Batch stack_collate(std::vector<Example>&& examples, std::vector<int64_t>&& indices);

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options,
             std::shared_ptr<const Sampler> sampler = nullptr, ExampleTransform transform = nullptr,
             Collate collate = stack_collate);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t num_batches() const;
  int64_t epoch() const { return next_epoch_; }
  // The epoch the next pass will run (for a resumed run).
  void set_epoch(int64_t epoch) { next_epoch_ = epoch; }
  const DataLoaderOptions& options() const { return options_; }

  class Run;  // one epoch in flight
  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    const Batch& operator*() const { return current_; }
    const Batch* operator->() const { return &current_; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return done_ == other.done_; }

   private:
    friend class DataLoader;
    Iterator(Run* run, bool done);
    Run* run_ = nullptr;
    Batch current_;
    bool done_ = true;
  };
  Iterator begin();
  Iterator end() { return Iterator(nullptr, true); }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::shared_ptr<const Sampler> sampler_;
  ExampleTransform transform_;
  Collate collate_;
  int64_t next_epoch_ = 0;
  std::unique_ptr<Run> run_;
};

}  // namespace tg::data
