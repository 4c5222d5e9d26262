#include <tapegrad/data/loader.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

namespace tg::data {

Batch stack_collate(std::vector<Example>&& examples, std::vector<int64_t>&& indices) {
  tensor_list data, targets;
  data.reserve(examples.size());
  targets.reserve(examples.size());
  for (Example& e : examples) {
    data.push_back(std::move(e.data));
    targets.push_back(std::move(e.target));
  }
  return {stack(data), stack(targets), std::move(indices)};
}

// One epoch: batch b holds order[b * batch_size, ...). Workers make batches in increasing order
// but may finish out of order; next() hands them out strictly in order.
class DataLoader::Run {
 public:
  Run(const DataLoader& loader, int64_t epoch) : loader_(loader), epoch_(epoch) {
    order_ = loader.sampler_->indices(epoch);
    const int64_t bs = loader.options_.batch_size;
    const auto n = static_cast<int64_t>(order_.size());
    num_batches_ = loader.options_.drop_last ? n / bs : (n + bs - 1) / bs;
    for (int w = 0; w < loader.options_.num_workers; ++w) workers_.emplace_back([this] { work(); });
  }

  ~Run() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  // The next batch in order; false at the end of the epoch. Rethrows a worker's exception.
  bool next(Batch& out) {
    if (consumed_ >= num_batches_) return false;
    if (workers_.empty()) {
      out = make_batch(consumed_++);
      return true;
    }
    std::variant<Batch, std::exception_ptr> result;
    {
      std::unique_lock lock(mutex_);
      ready_cv_.wait(lock, [&] { return ready_.count(consumed_) > 0; });
      auto it = ready_.find(consumed_);
      result = std::move(it->second);
      ready_.erase(it);
      ++consumed_;
    }
    work_cv_.notify_all();
    if (auto* error = std::get_if<std::exception_ptr>(&result)) std::rethrow_exception(*error);
    out = std::move(std::get<Batch>(result));
    return true;
  }

 private:
  Batch make_batch(int64_t b) {
    NoGradGuard no_grad;
    const int64_t bs = loader_.options_.batch_size;
    const int64_t begin = b * bs;
    const int64_t end = std::min<int64_t>(begin + bs, static_cast<int64_t>(order_.size()));
    std::vector<Example> examples;
    std::vector<int64_t> indices(order_.begin() + begin, order_.begin() + end);
    examples.reserve(indices.size());
    for (int64_t index : indices) {
      Example e = loader_.dataset_->get(index);
      if (loader_.transform_) {
        Rng rng(stream_seed(loader_.options_.seed, static_cast<uint64_t>(epoch_), static_cast<uint64_t>(index)));
        e = loader_.transform_(std::move(e), rng);
      }
      examples.push_back(std::move(e));
    }
    return loader_.collate_(std::move(examples), std::move(indices));
  }

  void work() {
    const int64_t window = static_cast<int64_t>(loader_.options_.num_workers) * loader_.options_.prefetch;
    while (true) {
      int64_t b;
      {
        std::unique_lock lock(mutex_);
        work_cv_.wait(lock, [&] { return stop_ || next_to_make_ >= num_batches_ || next_to_make_ < consumed_ + window; });
        if (stop_ || next_to_make_ >= num_batches_) return;
        b = next_to_make_++;
      }
      std::variant<Batch, std::exception_ptr> result;
      try {
        result = make_batch(b);
      } catch (...) {
        result = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        ready_.emplace(b, std::move(result));
      }
      ready_cv_.notify_all();
    }
  }

  const DataLoader& loader_;
  const int64_t epoch_;
  std::vector<int64_t> order_;
  int64_t num_batches_ = 0;
  int64_t consumed_ = 0;  // touched under mutex_ when there are workers
  std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  int64_t next_to_make_ = 0;
  std::map<int64_t, std::variant<Batch, std::exception_ptr>> ready_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options,
                       std::shared_ptr<const Sampler> sampler, ExampleTransform transform, Collate collate)
    : dataset_(std::move(dataset)), options_(options), sampler_(std::move(sampler)), transform_(std::move(transform)),
      collate_(std::move(collate)) {
  TG_CHECK(dataset_ != nullptr, "DataLoader: the dataset is null");
  TG_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be positive, got {}", options_.batch_size);
  TG_CHECK(options_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got {}", options_.num_workers);
  TG_CHECK(options_.prefetch > 0, "DataLoader: prefetch must be positive, got {}", options_.prefetch);
  TG_CHECK(!(sampler_ && options_.shuffle), "DataLoader: give either a sampler or shuffle=true, not both");
  TG_CHECK(collate_ != nullptr, "DataLoader: collate is null");
  if (!sampler_) {
    if (options_.shuffle) sampler_ = std::make_shared<RandomSampler>(dataset_->size(), options_.seed);
    else sampler_ = std::make_shared<SequentialSampler>(dataset_->size());
  }
}

DataLoader::~DataLoader() = default;

int64_t DataLoader::num_batches() const {
  const auto n = static_cast<int64_t>(sampler_->indices(next_epoch_).size());
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

DataLoader::Iterator DataLoader::begin() {
  run_.reset();  // finish (join) any pass still in flight first
  run_ = std::make_unique<Run>(*this, next_epoch_++);
  return Iterator(run_.get(), false);
}

DataLoader::Iterator::Iterator(Run* run, bool done) : run_(run), done_(done) {
  if (!done_) ++*this;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (!run_->next(current_)) {
    done_ = true;
    current_ = Batch();
  }
  return *this;
}

}  // namespace tg::data
