#include "accumulate_grad.h"

#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/ops.h>

namespace tg::autograd {

AccumulateGrad::AccumulateGrad(Tensor leaf) : leaf_(std::move(leaf)) {}

Tensor run_hooks(const std::vector<std::pair<size_t, GradHook>>& hooks, Tensor grad) {
  for (const auto& [id, hook] : hooks) {
    Tensor replaced = hook(grad);
    if (replaced.defined()) grad = std::move(replaced);
  }
  return grad;
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  AutogradMeta& meta = leaf_.ensure_autograd_meta();
  g = run_hooks(meta.hooks, std::move(g));
  Tensor& acc = meta.grad;
  if (GradMode::is_enabled()) {
    // create_graph: keep the gradient's own graph so it can be differentiated again.
    acc = acc.defined() ? acc + g : g;
  } else if (!acc.defined()) {
    // Take ownership only of a private, contiguous buffer; views (e.g. an expanded scalar) are copied.
    const bool private_buffer = g.is_contiguous() && g.impl_ptr().use_count() == 1 &&
                                g.impl()->storage.use_count() == 1 && !g.requires_grad();
    acc = private_buffer ? g.detach() : g.clone().detach();
  } else if (acc.requires_grad()) {
    acc = acc.detach() + g;  // a grad built with create_graph is never mutated in place
  } else {
    acc.add_(g);
  }
  for (size_t i = 0; i < post_hooks_.size(); ++i) post_hooks_[i].second(leaf_);
  return {};
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  AutogradMeta& meta = leaf.ensure_autograd_meta();
  if (auto existing = meta.grad_accumulator.lock()) return existing;
  auto acc = std::make_shared<AccumulateGrad>(leaf);
  meta.grad_accumulator = acc;
  return acc;
}

}  // namespace tg::autograd
