// The backward engine: dependency counting, then a ready stack. No recursion, so the depth of
// the graph is bounded only by memory.
#include <tapegrad/autograd/engine.h>
#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>

#include "accumulate_grad.h"

namespace tg::autograd {

namespace {

// Node* -> a dense index 0, 1, 2, ... in order of first insertion; open addressing. The engine
// keeps per-node state in vectors by this index: std::unordered_map's per-entry allocations and
// rehashes were about half of the backward of a chain of small ops (bench/ W2).
class NodeIndex {
 public:
  // The node's index, and whether it was just inserted.
  std::pair<uint32_t, bool> insert(Node* n) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    size_t i = probe(n);
    if (slots_[i].node) return {slots_[i].index, false};
    slots_[i] = {n, size_};
    return {size_++, true};
  }
  std::optional<uint32_t> find(Node* n) const {
    if (slots_.empty()) return std::nullopt;
    const Slot& s = slots_[probe(n)];
    return s.node ? std::optional<uint32_t>(s.index) : std::nullopt;
  }
  uint32_t at(Node* n) const {
    auto i = find(n);
    TG_CHECK(i.has_value(), "backward: internal error: node {} was not discovered", n->name());
    return *i;
  }

 private:
  struct Slot {
    Node* node = nullptr;
    uint32_t index = 0;
  };
  // The slot holding n, or the empty slot where it would go (Fibonacci hashing, linear probing).
  size_t probe(Node* n) const {
    const size_t mask = slots_.size() - 1;
    size_t i = static_cast<size_t>((reinterpret_cast<uintptr_t>(n) * 0x9E3779B97F4A7C15ull) >> shift_) & mask;
    while (slots_[i].node && slots_[i].node != n) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, 2 * old.size()), Slot{});
    shift_ = 64 - std::countr_zero(slots_.size());
    for (const Slot& s : old)
      if (s.node) slots_[probe(s.node)] = s;
  }
  std::vector<Slot> slots_;
  int shift_ = 64;
  uint32_t size_ = 0;
};

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
  NodeIndex index;
  std::vector<Node*> order;          // nodes by index, in discovery order
  std::vector<tensor_list> buffers;  // by index: gradient slots of nodes waiting to run (empty: none yet)
  std::vector<int> dependencies;     // by index: edges pointing at the node from the part of the graph we run
  auto add_node = [&](Node* n) {
    auto added = index.insert(n);
    if (added.second) {
      order.push_back(n);
      buffers.emplace_back();
      dependencies.push_back(0);
    }
    return added;
  };

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
    tensor_list& slots = buffers[add_node(edge.fn.get()).first];
    slots.resize(edge.fn->num_outputs() == 0 ? 1 : edge.fn->num_outputs());
    accumulate_into(slots, edge.input_nr, std::move(g));
    root_nodes.push_back(edge.fn.get());
    keep_alive.push_back(std::move(edge.fn));
  }

  // Dependency counts over the graph reachable from the roots.
  {
    std::vector<Node*> stack(order.begin(), order.end());  // the distinct roots
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next_edges()) {
        if (!e.valid()) continue;
        auto [i, fresh] = add_node(e.fn.get());
        ++dependencies[i];
        if (fresh) stack.push_back(e.fn.get());
      }
    }
  }

  const bool capturing = !inputs.empty();
  std::vector<Capture> captures;
  std::vector<char> needed(order.size(), 0);  // by index
  tensor_list results(inputs.size());
  if (capturing) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      Edge e = gradient_edge(inputs[i]);
      TG_CHECK(e.valid(), "grad: input {} (shape {}) does not require grad", i, inputs[i].shape());
      captures.push_back({e.fn.get(), e.input_nr, i});
      if (auto k = index.find(e.fn.get())) needed[*k] = 1;  // absent: not reachable, stays undefined
    }
    // A node is needed when one of its successors is: iterate to a fixed point over the reverse of
    // discovery order (children tend to come after parents, so this converges in few passes).
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t k = order.size(); k-- > 0;) {
        if (needed[k]) continue;
        for (const Edge& e : order[k]->next_edges()) {
          if (e.valid() && needed[index.at(e.fn.get())]) {
            needed[k] = 1;
            changed = true;
            break;
          }
        }
      }
    }
  }

  std::vector<Node*> ready;
  for (Node* r : root_nodes)
    if (dependencies[index.at(r)] == 0 && std::find(ready.begin(), ready.end(), r) == ready.end()) ready.push_back(r);

  GradModeGuard grad_mode(create_graph);
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    const uint32_t k = index.at(node);
    tensor_list grads = buffers[k].empty() ? tensor_list(std::max<uint32_t>(node->num_outputs(), 1))
                                           : std::move(buffers[k]);
    buffers[k] = tensor_list();

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
      if (!needed[k] || dynamic_cast<AccumulateGrad*>(node) != nullptr) continue;
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
      const uint32_t next = index.at(e.fn.get());
      if (i < input_grads.size() && input_grads[i].defined()) {
        Tensor g = validate_gradient(*node, i, std::move(input_grads[i]));
        if (AnomalyMode::is_enabled() && has_non_finite(g))
          TG_FAIL("{}: returned NaN or Inf in its gradient for input {} (shape {})", node->name(), i, g.shape());
        tensor_list& slots = buffers[next];
        if (slots.empty()) slots.resize(std::max<uint32_t>(e.fn->num_outputs(), 1));
        accumulate_into(slots, e.input_nr, std::move(g));
      }
      if (--dependencies[next] == 0) ready.push_back(e.fn.get());
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
