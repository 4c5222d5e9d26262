#include <tapegrad/autograd/accumulate_hook.h>

#include <atomic>

#include "accumulate_grad.h"

namespace tg::autograd {

namespace {
std::atomic<size_t> next_post_hook_id{1};
}

PostAccumulateGradHookHandle& PostAccumulateGradHookHandle::operator=(PostAccumulateGradHookHandle&& other) noexcept {
  if (this != &other) {
    remove();
    accumulator_ = std::move(other.accumulator_);
    id_ = other.id_;
  }
  return *this;
}

void PostAccumulateGradHookHandle::remove() noexcept {
  if (!accumulator_) return;
  static_cast<AccumulateGrad&>(*accumulator_).remove_post_hook(id_);
  accumulator_.reset();
}

PostAccumulateGradHookHandle register_post_accumulate_grad_hook(const Tensor& leaf, PostAccumulateGradHook hook) {
  TG_CHECK(leaf.defined() && leaf.requires_grad() && leaf.is_leaf(),
           "register_post_accumulate_grad_hook: expected a leaf tensor that requires grad");
  TG_CHECK(static_cast<bool>(hook), "register_post_accumulate_grad_hook: empty hook");
  std::shared_ptr<Node> node = grad_accumulator(leaf);
  const size_t id = next_post_hook_id++;
  static_cast<AccumulateGrad&>(*node).add_post_hook(id, std::move(hook));
  return {std::move(node), id};
}

}  // namespace tg::autograd
