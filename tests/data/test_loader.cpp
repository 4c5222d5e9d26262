// DataLoader: every sample once per epoch, deterministic order across worker counts, errors.
#include <tapegrad/data.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>

using namespace tg;

namespace {

std::shared_ptr<data::TensorDataset> numbered(int64_t n) {
  return std::make_shared<data::TensorDataset>(arange(0, static_cast<double>(n)).view({n, 1}),
                                               arange(0, static_cast<double>(n), 1, kLong));
}

std::vector<int64_t> epoch_order(data::DataLoader& loader) {
  std::vector<int64_t> order;
  for (const data::Batch& b : loader) {
    const Tensor t = b.target.contiguous();
    order.insert(order.end(), t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
    REQUIRE(b.indices.size() == static_cast<size_t>(t.numel()));
  }
  return order;
}

// Fails on one example, to check that worker exceptions reach the loop.
class Faulty : public data::Dataset {
 public:
  int64_t size() const override { return 20; }
  data::Example get(int64_t i) const override {
    if (i == 13) TG_FAIL("Faulty: example {} is broken", i);
    return {full({2}, static_cast<double>(i)), scalar_tensor(static_cast<double>(i), kLong)};
  }
};

}  // namespace

TEST_CASE("every sample exactly once per epoch, with and without shuffle, for several worker counts",
          "[data][loader]") {
  auto ds = numbered(103);
  for (bool shuffle : {false, true}) {
    for (int workers : {0, 1, 3}) {
      data::DataLoader loader(ds, {.batch_size = 10, .shuffle = shuffle, .num_workers = workers, .seed = 7});
      REQUIRE(loader.num_batches() == 11);
      for (int epoch = 0; epoch < 2; ++epoch) {
        std::vector<int64_t> order = epoch_order(loader);
        REQUIRE(order.size() == 103);
        std::vector<int64_t> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        for (int64_t i = 0; i < 103; ++i) REQUIRE(sorted[static_cast<size_t>(i)] == i);
        if (!shuffle) REQUIRE(order == sorted);
      }
    }
  }
}

TEST_CASE("the same order for a seed whatever num_workers is", "[data][loader]") {
  auto ds = numbered(257);
  std::vector<std::vector<int64_t>> orders;
  for (int workers : {0, 1, 2, 4}) {
    data::DataLoader loader(ds, {.batch_size = 16, .shuffle = true, .num_workers = workers, .seed = 42});
    std::vector<int64_t> both = epoch_order(loader);
    std::vector<int64_t> second = epoch_order(loader);
    REQUIRE(both != second);  // a new permutation each epoch
    both.insert(both.end(), second.begin(), second.end());
    orders.push_back(both);
  }
  for (const auto& o : orders) REQUIRE(o == orders[0]);
  data::DataLoader other_seed(ds, {.batch_size = 16, .shuffle = true, .seed = 43});
  REQUIRE(epoch_order(other_seed) != std::vector<int64_t>(orders[0].begin(), orders[0].begin() + 257));
}

TEST_CASE("augmentation in workers is deterministic too", "[data][loader]") {
  auto ds = std::make_shared<data::TensorDataset>(rand({40, 1, 8, 8}), zeros({40}, kLong));
  auto aug = data::make_augmentation({"flip", "crop", "noise", "erase"}, 8);
  Tensor first;
  for (int workers : {0, 2}) {
    data::DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .num_workers = workers, .seed = 3}, nullptr,
                            data::augment_data(aug));
    tensor_list batches;
    for (const auto& b : loader) batches.push_back(b.data);
    Tensor all = cat(batches);
    if (!first.defined()) first = all;
    else REQUIRE(equal(all, first));
  }
}

TEST_CASE("drop_last, batch shapes, set_epoch", "[data][loader]") {
  auto ds = numbered(25);
  data::DataLoader loader(ds, {.batch_size = 10, .drop_last = true});
  int n = 0;
  for (const auto& b : loader) {
    REQUIRE(b.data.shape() == Shape{10, 1});
    REQUIRE(b.target.shape() == Shape{10});
    ++n;
  }
  REQUIRE(n == 2);
  data::DataLoader shuffled(ds, {.batch_size = 5, .shuffle = true, .seed = 1});
  shuffled.set_epoch(3);
  std::vector<int64_t> a = epoch_order(shuffled);
  shuffled.set_epoch(3);
  REQUIRE(epoch_order(shuffled) == a);
}

TEST_CASE("a worker's exception reaches the loop and leaving mid-epoch is clean", "[data][loader]") {
  for (int workers : {0, 2}) {
    data::DataLoader loader(std::make_shared<Faulty>(), {.batch_size = 4, .num_workers = workers});
    auto run = [&] {
      for (const auto& b : loader) (void)b;
    };
    REQUIRE_THROWS_WITH(run(), Catch::Contains("example 13 is broken"));
    // The loader still works afterwards: the first batches are fine.
    auto it = loader.begin();
    REQUIRE(it->target.numel() == 4);
  }
  auto ds = numbered(1000);
  {
    data::DataLoader loader(ds, {.batch_size = 1, .num_workers = 3, .prefetch = 4});
    for (const auto& b : loader) {
      if (b.indices[0] == 5) break;  // destroyed with workers mid-epoch
    }
  }
  SUCCEED();
}

TEST_CASE("samplers", "[data][loader]") {
  data::SubsetRandomSampler subset({2, 4, 6, 8}, 1);
  auto s = subset.indices(0);
  REQUIRE(std::set<int64_t>(s.begin(), s.end()) == std::set<int64_t>{2, 4, 6, 8});
  data::WeightedRandomSampler weighted({0.0, 1.0, 3.0}, 4000, true, 5);
  auto w = weighted.indices(0);
  const auto ones = std::count(w.begin(), w.end(), 1), threes = std::count(w.begin(), w.end(), 2);
  REQUIRE(std::count(w.begin(), w.end(), 0) == 0);
  REQUIRE(static_cast<double>(threes) / static_cast<double>(ones) == Approx(3.0).epsilon(0.15));
  data::WeightedRandomSampler without({1.0, 1.0, 0.0, 1.0}, 3, false, 5);
  auto wo = without.indices(0);
  REQUIRE(std::set<int64_t>(wo.begin(), wo.end()) == std::set<int64_t>{0, 1, 3});
  REQUIRE_THROWS_WITH(data::WeightedRandomSampler({1.0}, 2, false, 0), Catch::Contains("without replacement"));
  REQUIRE_THROWS_WITH(data::DataLoader(numbered(3), {.batch_size = 0}), Catch::Contains("batch_size"));
}

TEST_CASE("datasets: Subset, ConcatDataset, random_split", "[data][dataset]") {
  auto ds = numbered(10);
  auto parts = data::random_split(ds, {7, 3}, 0);
  std::set<int64_t> seen;
  for (const auto& p : parts)
    for (int64_t i = 0; i < p->size(); ++i) seen.insert(p->get(i).target.item<int64_t>());
  REQUIRE(seen.size() == 10);
  data::ConcatDataset both({parts[0], parts[1]});
  REQUIRE(both.size() == 10);
  REQUIRE(both.get(7).target.item<int64_t>() == parts[1]->get(0).target.item<int64_t>());
  REQUIRE_THROWS_WITH(both.get(10), Catch::Contains("out of range"));
  REQUIRE_THROWS_WITH(data::random_split(ds, {5, 6}, 0), Catch::Contains("sum to 11"));
}
