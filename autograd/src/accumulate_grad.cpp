#include "accumulate_grad.h"

#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/ops.h>

#include "kernels/transpose.h"

namespace tg::autograd {

AccumulateGrad::AccumulateGrad(Tensor leaf) : leaf_(std::move(leaf)) {}

Tensor run_hooks(const std::vector<std::pair<size_t, GradHook>>& hooks, Tensor grad) {
  for (const auto& [id, hook] : hooks) {
    Tensor replaced = hook(grad);
    if (replaced.defined()) grad = std::move(replaced);
  }
  return grad;
}

namespace {

// A contiguous copy of g. The weight gradient of x @ W^T comes out as (x^T g)^T, a transposed
// view: a blocked transpose copies it several times faster than the generic strided clone.
Tensor contiguous_copy(const Tensor& g) {
  const bool transposed_2d = g.dim() == 2 && g.stride(0) == 1 && g.stride(1) == g.size(0) && g.size(0) > 1 &&
                             g.size(1) > 1 && g.is_floating_point();
  if (!transposed_2d) return g.clone();
  Tensor out = empty(g.shape(), g.dtype());
  dispatch_floating(g.dtype(), "AccumulateGrad", [&]<typename T>() {
    kernels::transpose_2d<T>(g.data_ptr<T>(), out.data_ptr<T>(), g.size(0), g.size(1));
  });
  return out;
}

}  // namespace

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
    acc = private_buffer ? g.detach() : contiguous_copy(g).detach();
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
