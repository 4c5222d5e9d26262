// The tape's node: one recorded op, with edges to the nodes of its inputs.
//
// Library ops record themselves with autograd::record (below); users write custom ops with
// autograd::Function (function.h) instead. A node gets one gradient per output and returns one
// gradient (or an undefined tensor) per input; the engine checks and un-broadcasts them.
#pragma once

#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/tensor.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tg::autograd {

struct Edge {
  std::shared_ptr<Node> fn;  // null: this input needs no gradient
  uint32_t input_nr = 0;     // which of fn's outputs this edge feeds
  bool valid() const { return fn != nullptr; }
};

// What an input looked like, so the engine can check (and un-broadcast) its gradient.
struct InputMeta {
  Shape shape;
  DType dtype = kFloat;
};

// A tensor kept for backward, checked against its version counter when unpacked.
struct SavedTensor {
  Tensor data;           // outputs are kept without their grad_fn (no reference cycle)
  bool is_output = false;
  uint32_t output_nr = 0;
  uint64_t version = 0;
};

// Which inputs need a gradient (bit i for input i).
struct Needs {
  uint64_t bits = 0;
  bool operator[](size_t i) const { return i >= 64 || ((bits >> i) & 1U); }  // past 64: assume needed
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual std::string name() const = 0;
  // grads: one per output (undefined when none flowed); returns one per input.
  virtual tensor_list apply(tensor_list&& grads) = 0;

  size_t num_inputs() const { return next_edges_.size(); }
  uint32_t num_outputs() const { return num_outputs_; }
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].valid(); }
  Needs needs() const;
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  const std::vector<InputMeta>& input_meta() const { return input_meta_; }
  uint64_t sequence_nr() const { return sequence_nr_; }

  // Connects this node to its inputs and makes it the grad_fn of its outputs.
  void set_inputs(std::initializer_list<std::reference_wrapper<const Tensor>> inputs);
  void set_inputs(const tensor_list& inputs);
  void set_outputs(std::initializer_list<std::reference_wrapper<const Tensor>> outputs);
  void set_outputs(const tensor_list& outputs);
  // Saving must come after set_outputs, so outputs are recognised and kept without a cycle.
  void save(const Tensor& t);
  tensor_list unpack_saved() const;
  void release_saved();
  bool has_saved() const { return !saved_.empty(); }

  // Hooks on the gradient of output i, run before apply (tensor hooks of non-leaves).
  struct PreHook {
    size_t id;
    uint32_t output_nr;
    GradHook fn;
  };
  std::vector<PreHook>& pre_hooks() { return pre_hooks_; }

 private:
  std::vector<Edge> next_edges_;
  std::vector<InputMeta> input_meta_;
  std::vector<SavedTensor> saved_;
  std::vector<std::weak_ptr<TensorImpl>> outputs_;  // only to recognise saved outputs
  std::vector<PreHook> pre_hooks_;
  uint64_t sequence_nr_;
  uint32_t num_outputs_ = 0;
  bool released_ = false;
};

// The edge a gradient for t flows along: its grad_fn, or its leaf accumulator.
Edge gradient_edge(const Tensor& t);

// True when grad mode is on and any tensor requires grad: the op must be recorded.
inline bool needs_grad(std::initializer_list<std::reference_wrapper<const Tensor>> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

// A node whose backward is a lambda: (grad, saved, needs) -> input grads for single-output ops,
// (grads, saved, needs) -> input grads for several outputs. The formula is written with tensor ops,
// so with create_graph it is itself recorded and higher-order gradients come for free.
template <typename F> class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, F fn) : name_(name), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  tensor_list apply(tensor_list&& grads) override {
    tensor_list saved = unpack_saved();
    if constexpr (std::is_invocable_v<F&, const Tensor&, const tensor_list&, Needs>) {
      return fn_(grads[0], saved, needs());
    } else {
      return fn_(grads, saved, needs());
    }
  }

 private:
  const char* name_;
  F fn_;
};

// Records one op on the tape (call only when needs_grad(inputs) is true):
//   record("MulBackward", {a, b}, {out}, {a, b},
//          [](const Tensor& g, const tensor_list& s, Needs n) -> tensor_list {
//            return {n[0] ? g * s[1] : Tensor(), n[1] ? g * s[0] : Tensor()};
//          });
template <typename F>
void record(const char* name, std::initializer_list<std::reference_wrapper<const Tensor>> inputs,
            std::initializer_list<std::reference_wrapper<const Tensor>> outputs,
            std::initializer_list<std::reference_wrapper<const Tensor>> saved, F fn) {
  auto node = std::make_shared<LambdaNode<F>>(name, std::move(fn));
  node->set_inputs(inputs);
  node->set_outputs(outputs);
  for (const Tensor& t : saved) node->save(t);
}

}  // namespace tg::autograd
