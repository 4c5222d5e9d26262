// DataLoader worker threads: an exception in any worker reaches the loop and leaves the loader
// usable; leaving the loop or destroying the loader mid-epoch joins the workers; batches and
// augmentations are the same whatever the number of workers.
#include <tapegrad/data.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace tg;

namespace {

// Example i is the value i; `broken` (if >= 0) throws, `slow` sleeps a little per example so that
// workers are still busy when the loop stops.
class Numbers : public data::Dataset {
 public:
  Numbers(int64_t n, int64_t broken, bool slow) : n_(n), broken_(broken), slow_(slow) {}
  int64_t size() const override { return n_; }
  data::Example get(int64_t i) const override {
    ++calls;
    if (slow_) std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (i == broken_) TG_FAIL("Numbers: example {} is broken", i);
    return {full({3}, static_cast<double>(i)), scalar_tensor(static_cast<double>(i), kLong)};
  }
  mutable std::atomic<int64_t> calls{0};

 private:
  int64_t n_, broken_;
  bool slow_;
};

std::vector<int64_t> targets_of_epoch(data::DataLoader& loader) {
  std::vector<int64_t> out;
  for (const data::Batch& b : loader)
    for (int64_t i = 0; i < b.target.numel(); ++i) out.push_back(b.target.contiguous().data_ptr<int64_t>()[i]);
  return out;
}

}  // namespace

TEST_CASE("a worker's exception reaches the loop, whichever worker throws, and the loader goes on", "[threads]") {
  for (int workers : {1, 2, 4}) {
    for (int64_t broken : {0, 17, 99}) {
      INFO("workers " << workers << ", broken example " << broken);
      data::DataLoader loader(std::make_shared<Numbers>(100, broken, false),
                              {.batch_size = 4, .shuffle = true, .num_workers = workers, .prefetch = 3, .seed = 7});
      REQUIRE_THROWS_WITH(targets_of_epoch(loader), Catch::Contains("example " + std::to_string(broken) + " is broken"));
      // The next epoch starts cleanly and fails again at the same example.
      REQUIRE_THROWS_WITH(targets_of_epoch(loader), Catch::Contains("is broken"));
    }
  }
}

TEST_CASE("leaving the loop or destroying the loader mid-epoch joins busy workers", "[threads]") {
  auto ds = std::make_shared<Numbers>(400, -1, true);
  for (int workers : {1, 3, 8}) {
    for (int stop_after : {0, 1, 5}) {
      data::DataLoader loader(ds, {.batch_size = 2, .shuffle = true, .num_workers = workers, .prefetch = 4, .seed = 1});
      int seen = 0;
      for (const data::Batch& b : loader) {
        (void)b;
        if (seen++ == stop_after) break;
      }
      // A new epoch after an abandoned one is complete.
      std::vector<int64_t> all = targets_of_epoch(loader);
      std::sort(all.begin(), all.end());
      REQUIRE(all.size() == 400);
      REQUIRE(all.front() == 0);
      REQUIRE(all.back() == 399);
      // And destroyed while an epoch is in flight: the iterator's run dies with the loader.
      auto it = loader.begin();
      REQUIRE(it->target.numel() == 2);
    }
  }
  const int64_t calls = ds->calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(ds->calls.load() == calls);  // no worker left running after its loader died
}

TEST_CASE("the same batches for a seed whatever the number of workers", "[threads]") {
  auto ds = std::make_shared<Numbers>(97, -1, false);
  auto noise = [](data::Example e, data::Rng& rng) {
    e.data = e.data + data::uniform01(rng);
    return e;
  };
  std::vector<std::vector<float>> per_workers;
  for (int workers : {0, 1, 3}) {
    data::DataLoader loader(ds, {.batch_size = 5, .shuffle = true, .num_workers = workers, .seed = 3}, nullptr, noise);
    std::vector<float> values;
    for (const data::Batch& b : loader) {
      const Tensor d = b.data.contiguous();
      values.insert(values.end(), d.data_ptr<float>(), d.data_ptr<float>() + d.numel());
    }
    per_workers.push_back(values);
  }
  REQUIRE(per_workers[1] == per_workers[0]);
  REQUIRE(per_workers[2] == per_workers[0]);
}
