// Post-accumulate hooks: once per backward, after grad() holds the summed gradient.
#include <tapegrad/autograd.h>
#include <tapegrad/autograd/accumulate_hook.h>

#include <catch2/catch.hpp>

using namespace tg;

TEST_CASE("post-accumulate hook sees the final gradient once per backward", "[autograd][hooks]") {
  Tensor w = tensor<float>({1, 2, 3}, {3}).requires_grad_(true);
  std::vector<std::vector<float>> seen;
  {
    auto handle = autograd::register_post_accumulate_grad_hook(w, [&](const Tensor& leaf) {
      const Tensor g = leaf.grad().contiguous();
      seen.emplace_back(g.data_ptr<float>(), g.data_ptr<float>() + g.numel());
    });
    // w is used twice: the hook must run once, with both contributions summed.
    ((w * 2.0).sum() + (w * w).sum()).backward();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == std::vector<float>{4, 6, 8});
    // A second backward accumulates; the hook sees the accumulated grad.
    (w * 3.0).sum().backward();
    REQUIRE(seen.size() == 2);
    CHECK(seen[1] == std::vector<float>{7, 9, 11});
    // autograd::grad does not touch grad(), so no hook.
    (void)autograd::grad({(w * w).sum()}, {w});
    CHECK(seen.size() == 2);
  }
  // The handle is gone: the hook is removed.
  (w * 3.0).sum().backward();
  CHECK(seen.size() == 2);
}

TEST_CASE("post-accumulate hook needs a leaf that requires grad", "[autograd][hooks]") {
  Tensor plain = ones({2});
  CHECK_THROWS_WITH(autograd::register_post_accumulate_grad_hook(plain, [](const Tensor&) {}),
                    Catch::Contains("register_post_accumulate_grad_hook: expected a leaf"));
  Tensor w = ones({2}).requires_grad_(true);
  Tensor y = w * 2.0;
  CHECK_THROWS_WITH(autograd::register_post_accumulate_grad_hook(y, [](const Tensor&) {}),
                    Catch::Contains("register_post_accumulate_grad_hook: expected a leaf"));
}
