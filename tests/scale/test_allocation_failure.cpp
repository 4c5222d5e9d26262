// Allocations that cannot succeed are a tg::Error naming the size, never std::bad_alloc escaping or
// an abort; sizes whose element count overflows int64 are refused before anything is allocated.
// (Under AddressSanitizer this needs ASAN_OPTIONS=allocator_may_return_null=1, as the asan-ubsan
// test preset sets: otherwise ASan aborts on purpose instead of returning null.)
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

using namespace tg;

namespace {
constexpr int64_t k2to46 = int64_t{1} << 46;  // float32: 256 TiB, more than any address space
constexpr int64_t k2to62 = int64_t{1} << 62;
}  // namespace

TEST_CASE("allocating more memory than the machine has is a tg::Error naming the size", "[scale]") {
  REQUIRE_THROWS_WITH(empty({k2to46}), Catch::Contains("out of memory"));
  REQUIRE_THROWS_AS(zeros({k2to46 / 1024, 1024}, kDouble), Error);
  // The allocator works on afterwards.
  REQUIRE(ones({1000}).sum().item<float>() == 1000.0f);
}

TEST_CASE("an op whose result would need hundreds of terabytes is a tg::Error", "[scale]") {
  const Tensor col = ones({int64_t{1} << 23, 1}), row = ones({1, int64_t{1} << 23});
  REQUIRE_THROWS_AS(col + row, Error);                                    // broadcast to 2^46 elements
  REQUIRE_THROWS_AS(col.expand({int64_t{1} << 23, int64_t{1} << 23}).contiguous(), Error);
  REQUIRE_THROWS_AS(matmul(col, row), Error);
}

TEST_CASE("shapes whose element count overflows int64 are refused", "[scale]") {
  REQUIRE_THROWS_AS(empty({k2to62, k2to62}), Error);
  REQUIRE_THROWS_AS(empty({k2to62, 8}), Error);  // elements fit int64, bytes do not
  REQUIRE_THROWS_AS(zeros({1}).expand({k2to62, k2to62}), Error);
  REQUIRE_THROWS_AS(zeros({4}).view({k2to62, k2to62, 4}), Error);
  REQUIRE_THROWS_AS(zeros({4}).reshape({k2to62, 4, k2to62}), Error);
  // An empty tensor whose strides would still overflow (found by fuzz_idx).
  REQUIRE_THROWS_WITH(empty({0, int64_t{1} << 40, int64_t{1} << 40}), Catch::Contains("strides overflow"));
  // A zero anywhere makes an empty view, however large the other sizes.
  REQUIRE(zeros({0}).view({k2to62, 0, k2to62}).numel() == 0);
}
