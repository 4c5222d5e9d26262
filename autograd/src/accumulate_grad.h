// The node at a leaf: sums incoming gradients into leaf.grad().
#pragma once

#include <tapegrad/autograd/accumulate_hook.h>
#include <tapegrad/autograd/node.h>

namespace tg::autograd {

class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf);
  std::string name() const override { return "AccumulateGrad"; }
  tensor_list apply(tensor_list&& grads) override;
  const Tensor& leaf() const { return leaf_; }

  // Hooks run after each accumulation (accumulate_hook.h).
  void add_post_hook(size_t id, PostAccumulateGradHook hook) { post_hooks_.emplace_back(id, std::move(hook)); }
  void remove_post_hook(size_t id) {
    std::erase_if(post_hooks_, [id](const auto& h) { return h.first == id; });
  }

 private:
  Tensor leaf_;
  std::vector<std::pair<size_t, PostAccumulateGradHook>> post_hooks_;
};

// The leaf's accumulator, created on first use and shared while the graph holds it.
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

// Releases a node pointer from a destructor without recursing down the graph.
void release_node_iteratively(std::shared_ptr<Node>&& node);

// Runs hooks in order; each may replace the gradient.
Tensor run_hooks(const std::vector<std::pair<size_t, GradHook>>& hooks, Tensor grad);

}  // namespace tg::autograd
