// The backward engine: dependency counting, then a ready stack. No recursion, so the depth of
// the graph is bounded only by memory.
#include <tapegrad/autograd/engine.h>
#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include <unordered_map>
#include <unordered_set>

#include "accumulate_grad.h"

namespace tg::autograd {

namespace {

// Gradient slots of the nodes that are waiting to run.
using Buffers = std::unordered_map<Node*, tensor_list>;

void accumulate_into(tensor_list& slots, uint32_t index, Tensor grad) {
  Tensor& slot = slots[index];
  slot = slot.defined() ? slot + grad : std::move(grad);
}

bool has_non_finite(const Tensor& t) {
  if (!t.is_floating_point()) return false;
  NoGradGuard no_grad;
  return !tg::all(tg::isfinite(t)).item<bool>();
}

// Checks one gradient against the input it is for: shape (un-broadcasting when the input was
// broadcast), dtype (cast back). This is the one place where that is checked.
Tensor validate_gradient(const Node& node, size_t i, Tensor grad) {
  const InputMeta& meta = node.input_meta()[i];
  if (grad.shape() != meta.shape) {
    TG_CHECK(is_expandable_to(meta.shape, grad.shape()),
             "{}: returned a gradient of shape {} for input {} of shape {}", node.name(), grad.shape(), i, meta.shape);
    grad = sum_to(grad, meta.shape);
  }
  if (grad.dtype() != meta.dtype) grad = grad.to(meta.dtype);
  return grad;
}

struct Capture {
  Node* node;
  uint32_t input_nr;
  size_t result_index;
};

// Runs the graph below `roots`. With captures (autograd::grad), gradients reaching the captured
// slots are returned instead of being accumulated, and only the part of the graph that leads to
// them runs.
tensor_list run(const tensor_list& roots, const tensor_list& root_grads, bool keep_graph, bool create_graph,
                const tensor_list& inputs, bool allow_unused) {
  TG_CHECK(root_grads.empty() || root_grads.size() == roots.size(),
           "backward: got {} tensors but {} gradients", roots.size(), root_grads.size());
  Buffers buffers;
  std::vector<Node*> root_nodes;
  std::vector<std::shared_ptr<Node>> keep_alive;  // roots' nodes, while we run
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    TG_CHECK(r.defined(), "backward: tensor {} is undefined", i);
    Edge edge = gradient_edge(r);
    TG_CHECK(edge.valid(), "backward: tensor {} (shape {}) does not require grad and has no grad_fn", i, r.shape());
    Tensor g = root_grads.empty() ? Tensor() : root_grads[i];
    if (!g.defined()) {
      TG_CHECK(r.numel() == 1,
               "backward: a gradient can be created implicitly only for one-element outputs, got shape {}", r.shape());
      g = ones_like(r);
    } else {
      TG_CHECK(g.shape() == r.shape(), "backward: gradient of shape {} for a tensor of shape {}", g.shape(), r.shape());
    }
    tensor_list& slots = buffers[edge.fn.get()];
    slots.resize(edge.fn->num_outputs() == 0 ? 1 : edge.fn->num_outputs());
    accumulate_into(slots, edge.input_nr, std::move(g));
    root_nodes.push_back(edge.fn.get());
    keep_alive.push_back(std::move(edge.fn));
  }

  // Dependency counts: how many edges point at each node from the part of the graph we run.
  std::unordered_map<Node*, int> dependencies;
  std::vector<Node*> order;  // discovery order, used for pruning
  {
    std::unordered_set<Node*> seen(root_nodes.begin(), root_nodes.end());
    std::vector<Node*> stack(seen.begin(), seen.end());
    order.assign(stack.begin(), stack.end());
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next_edges()) {
        if (!e.valid()) continue;
        ++dependencies[e.fn.get()];
        if (seen.insert(e.fn.get()).second) {
          stack.push_back(e.fn.get());
          order.push_back(e.fn.get());
        }
      }
    }
  }

  const bool capturing = !inputs.empty();
  std::vector<Capture> captures;
  std::unordered_set<Node*> needed;
  tensor_list results(inputs.size());
  if (capturing) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      Edge e = gradient_edge(inputs[i]);
      TG_CHECK(e.valid(), "grad: input {} (shape {}) does not require grad", i, inputs[i].shape());
      captures.push_back({e.fn.get(), e.input_nr, i});
      needed.insert(e.fn.get());
    }
    // A node is needed when one of its successors is: iterate to a fixed point over the reverse of
    // discovery order (children tend to come after parents, so this converges in few passes).
    for (bool changed = true; changed;) {
      changed = false;
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node* n = *it;
        if (needed.count(n)) continue;
        for (const Edge& e : n->next_edges()) {
          if (e.valid() && needed.count(e.fn.get())) {
            needed.insert(n);
            changed = true;
            break;
          }
        }
      }
    }
  }

  std::vector<Node*> ready;
  for (Node* r : root_nodes)
    if (dependencies[r] == 0 && std::find(ready.begin(), ready.end(), r) == ready.end()) ready.push_back(r);

  GradModeGuard grad_mode(create_graph);
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    auto found = buffers.find(node);
    tensor_list grads = found == buffers.end() ? tensor_list(std::max<uint32_t>(node->num_outputs(), 1))
                                               : std::move(found->second);
    if (found != buffers.end()) buffers.erase(found);

    // Hooks registered on non-leaf tensors see (and may replace) their gradient first.
    for (auto& hook : node->pre_hooks()) {
      Tensor& g = grads[hook.output_nr];
      if (!g.defined()) continue;
      Tensor replaced = hook.fn(g);
      if (replaced.defined()) g = std::move(replaced);
    }

    if (capturing) {
      for (const Capture& c : captures)
        if (c.node == node) results[c.result_index] = grads[c.input_nr];
      if (!needed.count(node) || dynamic_cast<AccumulateGrad*>(node) != nullptr) continue;
    }

    bool any_grad = false;
    for (const Tensor& g : grads) any_grad = any_grad || g.defined();
    tensor_list input_grads;
    if (any_grad) {
      input_grads = node->apply(std::move(grads));
      TG_CHECK(input_grads.size() == node->num_inputs() || node->num_inputs() == 0,
               "{}: returned {} gradients, expected {} (one per input)", node->name(), input_grads.size(),
               node->num_inputs());
    }
    if (!keep_graph) node->release_saved();

    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.valid()) continue;
      if (i < input_grads.size() && input_grads[i].defined()) {
        Tensor g = validate_gradient(*node, i, std::move(input_grads[i]));
        if (AnomalyMode::is_enabled() && has_non_finite(g))
          TG_FAIL("{}: returned NaN or Inf in its gradient for input {} (shape {})", node->name(), i, g.shape());
        tensor_list& slots = buffers[e.fn.get()];
        if (slots.empty()) slots.resize(std::max<uint32_t>(e.fn->num_outputs(), 1));
        accumulate_into(slots, e.input_nr, std::move(g));
      }
      if (--dependencies[e.fn.get()] == 0) ready.push_back(e.fn.get());
    }
  }

  if (capturing && !allow_unused) {
    for (size_t i = 0; i < results.size(); ++i)
      TG_CHECK(results[i].defined(),
               "grad: input {} (shape {}) was not used to compute the outputs; pass allow_unused=true", i,
               inputs[i].shape());
  }
  return results;
}

}  // namespace

void backward(const tensor_list& tensors, const tensor_list& grad_tensors, bool retain_graph, bool create_graph) {
  run(tensors, grad_tensors, retain_graph || create_graph, create_graph, {}, false);
}

tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  TG_CHECK(!inputs.empty(), "grad: expected at least one input");
  return run(outputs, grad_outputs, retain_graph.value_or(create_graph), create_graph, inputs, allow_unused);
}

}  // namespace tg::autograd
