// A tensor of more than 2^31 elements: sizes, strides, offsets, elementwise kernels and strided
// copies count in int64. Bool elements keep it to 2 GiB (float32 would take 8.6 GB). Not covered:
// a full reduction over 2^31+ elements, because sum() of a bool tensor first converts it to int64
// (16 GiB) and reductions copy a stride-0 (expanded) view to a contiguous one.
#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

using namespace tg;

// Under a sanitizer (the asan-ubsan build, at -O0) one pass over 2^31 elements takes minutes: there
// the test is hidden ([.]), so it runs in the release build only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TG_LARGE_TAGS "[scale][.]"
#else
#define TG_LARGE_TAGS "[scale]"
#endif

namespace {
constexpr int64_t n = (int64_t{1} << 31) + 64;
constexpr int64_t far = (int64_t{1} << 31) + 5;  // past what int32 can index
}  // namespace

TEST_CASE("a bool tensor of more than 2^31 elements indexes, views and copies correctly", TG_LARGE_TAGS) {
  Tensor x = zeros({n}, kBool);
  REQUIRE(x.numel() == n);
  x.narrow(0, far, 1).fill_(1.0);
  x.narrow(0, 7, 1).fill_(1.0);

  REQUIRE(x.narrow(0, far, 1).item<bool>());
  REQUIRE_FALSE(x.narrow(0, far - (int64_t{1} << 31), 1).item<bool>());  // no wrap-around to index 5
  REQUIRE(equal(x.index_select(0, tensor<int64_t>({far, 5, 7})), tensor<bool>({true, false, true})));
  REQUIRE(equal(x.gather(0, tensor<int64_t>({7, far, far + 1})), tensor<bool>({true, true, false})));

  // A 2-D view: row 1 starts at element n / 2, so `far` is column far - n / 2 of row 1.
  const Tensor rows = x.view({2, n / 2});
  REQUIRE(rows.stride(0) == n / 2);
  REQUIRE(rows.select(0, 1).narrow(0, far - n / 2, 1).item<bool>());
  REQUIRE(rows.select(0, 1).narrow(0, far - n / 2 - 4, 8).sum().item<int64_t>() == 1);

  {
    // An elementwise kernel over all 2^31+ elements.
    const Tensor flipped = logical_not(x);
    REQUIRE_FALSE(flipped.narrow(0, far, 1).item<bool>());
    REQUIRE(flipped.narrow(0, far - 1, 1).item<bool>());
    REQUIRE(flipped.narrow(0, n - 1, 1).item<bool>());
  }
  {
    // A strided copy of all of it: the transpose made contiguous.
    const Tensor columns = rows.t().contiguous();  // (n/2, 2)
    REQUIRE(columns.stride(0) == 2);
    REQUIRE(columns.select(0, far - n / 2).select(0, 1).item<bool>());
    REQUIRE(columns.select(0, 7).select(0, 0).item<bool>());
    REQUIRE_FALSE(columns.select(0, far - n / 2).select(0, 0).item<bool>());
  }
}
