// Node bookkeeping: edges, saved tensors, and graph destruction without recursion.
#include <tapegrad/autograd/node.h>

#include <atomic>

#include "accumulate_grad.h"

namespace tg::autograd {

namespace {
std::atomic<uint64_t> next_sequence_nr{0};

// Destroying a long chain of nodes would recurse node -> saved tensor -> node ... and overflow the
// stack. Every release of a node pointer from a destructor goes through this queue instead, which
// the outermost destructor drains in a loop.
struct DeferredRelease {
  std::vector<std::shared_ptr<Node>> pending;
  bool draining = false;
};
thread_local DeferredRelease deferred;
}  // namespace

void release_node_iteratively(std::shared_ptr<Node>&& node) {
  if (!node) return;
  if (node.use_count() > 1) {  // not the last owner: nothing is destroyed here
    node.reset();
    return;
  }
  deferred.pending.push_back(std::move(node));
  if (deferred.draining) return;
  deferred.draining = true;
  while (!deferred.pending.empty()) {
    std::shared_ptr<Node> last = std::move(deferred.pending.back());
    deferred.pending.pop_back();
    last.reset();  // may push more nodes, never recurses deeper than one level
  }
  deferred.draining = false;
}

Node::Node() : sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

Node::~Node() {
  saved_.clear();
  for (Edge& e : next_edges_) release_node_iteratively(std::move(e.fn));
}

Needs Node::needs() const {
  Needs n;
  for (size_t i = 0; i < next_edges_.size() && i < 64; ++i)
    if (next_edges_[i].valid()) n.bits |= (uint64_t{1} << i);
  return n;
}

Edge gradient_edge(const Tensor& t) {
  AutogradMeta* meta = t.autograd_meta();
  if (!meta) return {};
  if (meta->grad_fn) return {meta->grad_fn, meta->output_nr};
  if (!meta->requires_grad) return {};
  return {grad_accumulator(t), 0};
}

namespace {

// The two overloads of set_inputs/set_outputs (braced list, tensor_list) share these bodies.
template <typename Range, typename Edges, typename Metas>
void append_inputs(const Range& inputs, Edges& edges, Metas& metas) {
  using Meta = typename Metas::value_type;
  edges.reserve(edges.size() + inputs.size());
  metas.reserve(metas.size() + inputs.size());
  for (const Tensor& t : inputs) {
    edges.push_back(t.defined() ? gradient_edge(t) : Edge{});
    metas.push_back(t.defined() ? Meta{t.shape(), t.dtype()} : Meta{});
  }
}

// Makes `node` the grad_fn of each defined output; returns how many output slots there are.
template <typename Range, typename Outputs>
uint32_t attach_outputs(const std::shared_ptr<Node>& node, const Range& outputs, Outputs& kept) {
  uint32_t nr = 0;
  for (const Tensor& t : outputs) {
    if (t.defined()) {
      AutogradMeta& meta = t.ensure_autograd_meta();
      meta.grad_fn = node;
      meta.output_nr = nr;
      kept.push_back(t.impl_ptr());
    }
    ++nr;
  }
  return nr;
}

}  // namespace

void Node::set_inputs(std::initializer_list<std::reference_wrapper<const Tensor>> inputs) {
  append_inputs(inputs, next_edges_, input_meta_);
}

void Node::set_inputs(const tensor_list& inputs) { append_inputs(inputs, next_edges_, input_meta_); }

void Node::set_outputs(std::initializer_list<std::reference_wrapper<const Tensor>> outputs) {
  num_outputs_ = attach_outputs(shared_from_this(), outputs, outputs_);
}

void Node::set_outputs(const tensor_list& outputs) {
  num_outputs_ = attach_outputs(shared_from_this(), outputs, outputs_);
}

void Node::save(const Tensor& t) {
  SavedTensor s;
  if (!t.defined()) {
    saved_.push_back(std::move(s));
    return;
  }
  s.version = t.version();
  AutogradMeta* meta = t.autograd_meta();
  if (meta && meta->grad_fn.get() == this) {
    s.is_output = true;
    s.output_nr = meta->output_nr;
    s.data = t.detach();  // no grad_fn: the node must not own itself
  } else {
    s.data = t;
  }
  saved_.push_back(std::move(s));
}

tensor_list Node::unpack_saved() const {
  tensor_list out;
  out.reserve(saved_.size());
  for (const SavedTensor& s : saved_) {
    if (!s.data.defined()) {
      TG_CHECK(!released_,
               "{}: trying to backward through the graph a second time (or to use saved tensors after they "
               "were freed); pass retain_graph=true to the first backward",
               name());
      out.emplace_back();
      continue;
    }
    TG_CHECK(s.data.version() == s.version,
             "{}: a tensor saved for backward (shape {}, {}) was modified by an in-place operation: it was at "
             "version {}, it is now at version {}",
             name(), s.data.shape(), s.data.dtype(), s.version, s.data.version());
    if (s.is_output && GradMode::is_enabled()) {
      // create_graph: reconnect the saved output to this node so the formula stays differentiable.
      Tensor t = s.data.detach();
      AutogradMeta& meta = t.ensure_autograd_meta();
      meta.grad_fn = std::const_pointer_cast<Node>(shared_from_this());
      meta.output_nr = s.output_nr;
      out.push_back(std::move(t));
    } else {
      out.push_back(s.data);
    }
  }
  return out;
}

void Node::release_saved() {
  for (SavedTensor& s : saved_) s.data = Tensor();
  released_ = true;
}

}  // namespace tg::autograd
