// Post-accumulate hooks: run after a leaf's gradient for one backward pass has been summed into
// leaf.grad(), i.e. once per backward, at the moment that leaf's gradient is final.
//
//   auto handle = tg::autograd::register_post_accumulate_grad_hook(w, [](const tg::Tensor& w) {
//     fmt::print("|dw| = {}\n", w.grad().norm().item<double>());
//   });
//   loss.backward();   // prints once; destroying `handle` removes the hook
//
// Distributed data parallel starts reducing a parameter's gradient from here while backward is
// still running through earlier layers. Tensor::register_hook runs before accumulation instead.
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <functional>
#include <memory>

namespace tg::autograd {

// Called with the leaf itself; its grad() is up to date.
using PostAccumulateGradHook = std::function<void(const Tensor& leaf)>;

// Owns one registered hook: it stays registered while the handle lives (the handle keeps the
// leaf's gradient accumulator, and so the leaf, alive).
class PostAccumulateGradHookHandle {
 public:
  PostAccumulateGradHookHandle() = default;
  PostAccumulateGradHookHandle(std::shared_ptr<Node> accumulator, size_t id)
      : accumulator_(std::move(accumulator)), id_(id) {}
  ~PostAccumulateGradHookHandle() { remove(); }
  PostAccumulateGradHookHandle(PostAccumulateGradHookHandle&& other) noexcept { *this = std::move(other); }
  PostAccumulateGradHookHandle& operator=(PostAccumulateGradHookHandle&& other) noexcept;
  PostAccumulateGradHookHandle(const PostAccumulateGradHookHandle&) = delete;
  PostAccumulateGradHookHandle& operator=(const PostAccumulateGradHookHandle&) = delete;

  void remove() noexcept;

 private:
  std::shared_ptr<Node> accumulator_;
  size_t id_ = 0;
};

// leaf must be a leaf tensor that requires grad.
[[nodiscard]] PostAccumulateGradHookHandle register_post_accumulate_grad_hook(const Tensor& leaf,
                                                                              PostAccumulateGradHook hook);

}  // namespace tg::autograd
