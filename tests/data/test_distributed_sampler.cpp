// DistributedSampler: disjoint shards that cover the epoch, equal sizes with drop_last, seeded.
#include <tapegrad/data.h>

#include <catch2/catch.hpp>

#include <set>

using namespace tg;

TEST_CASE("DistributedSampler shards are disjoint and cover the epoch", "[data][sampler]") {
  const int64_t n = GENERATE(0, 1, 7, 10, 101);
  const int world = GENERATE(1, 2, 3, 4);
  const bool drop_last = GENERATE(true, false);
  const bool shuffle = GENERATE(true, false);
  CAPTURE(n, world, drop_last, shuffle);
  for (int64_t epoch : {0, 1}) {
    std::set<int64_t> seen;
    size_t total = 0;
    for (int r = 0; r < world; ++r) {
      data::DistributedSampler s(n, {.num_replicas = world, .rank = r, .shuffle = shuffle, .seed = 5,
                                     .drop_last = drop_last});
      const std::vector<int64_t> shard = s.indices(epoch);
      CHECK(static_cast<int64_t>(shard.size()) == s.shard_size());
      if (drop_last) CHECK(s.shard_size() == n / world);
      for (int64_t i : shard) {
        CHECK(i >= 0);
        CHECK(i < n);
        seen.insert(i);
      }
      total += shard.size();
    }
    CHECK(seen.size() == total);  // no sample twice
    CHECK(static_cast<int64_t>(total) == (drop_last ? n - n % world : n));
  }
}

TEST_CASE("DistributedSampler order depends on seed and epoch only", "[data][sampler]") {
  auto shard = [](uint64_t seed, int64_t epoch) {
    return data::DistributedSampler(1000, {.num_replicas = 2, .rank = 1, .seed = seed}).indices(epoch);
  };
  CHECK(shard(3, 0) == shard(3, 0));
  CHECK(shard(3, 0) != shard(3, 1));
  CHECK(shard(3, 0) != shard(4, 0));
  // Without shuffling, rank r takes r, r + world, ...
  CHECK(data::DistributedSampler(7, {.num_replicas = 3, .rank = 1, .shuffle = false, .drop_last = false}).indices(0) ==
        std::vector<int64_t>{1, 4});
  // drop_last leaves out a different tail each epoch: over a few epochs every sample appears.
  std::set<int64_t> ever;
  for (int64_t e = 0; e < 20; ++e)
    for (int r = 0; r < 3; ++r)
      for (int64_t i : data::DistributedSampler(10, {.num_replicas = 3, .rank = r}).indices(e)) ever.insert(i);
  CHECK(ever.size() == 10);
}

TEST_CASE("DistributedSampler rejects a bad rank or world size", "[data][sampler]") {
  CHECK_THROWS_WITH(data::DistributedSampler(10, {.num_replicas = 2, .rank = 2}),
                    Catch::Contains("DistributedSampler: rank 2 is outside [0, 2)"));
  CHECK_THROWS_WITH(data::DistributedSampler(10, {.num_replicas = 0}),
                    Catch::Contains("DistributedSampler: num_replicas must be at least 1"));
}
