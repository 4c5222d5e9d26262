// tg::nn::Module: the base of every layer and model. Parameters, buffers and child modules are
// registered by name, so named_parameters() gives dotted names ("features.0.weight") and
// state_dict()/load_state_dict() work for any model.
//
//   struct Mlp : tg::nn::Module {
//     std::shared_ptr<tg::nn::Linear> fc1, fc2;
//     Mlp() : Module("Mlp") {
//       fc1 = register_module("fc1", std::make_shared<tg::nn::Linear>(784, 256));
//       fc2 = register_module("fc2", std::make_shared<tg::nn::Linear>(256, 10));
//     }
//     tg::Tensor forward(const tg::Tensor& x) override { return fc2->forward(tg::relu(fc1->forward(x))); }
//   };
//
// Modules are plain classes held by std::shared_ptr; there is no macro machinery.
#pragma once

#include <tapegrad/autograd.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tg::nn {

// Ordered name -> tensor pairs (parameters, then buffers).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module") : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The single-tensor forward that Sequential and operator() call. Modules with another
  // signature add their own overloads; calling this one on them is an error.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  // Type name shown when printing ("Linear"), and the details after it ("in=784, out=256").
  const std::string& type_name() const { return type_name_; }
  virtual std::string extra_repr() const { return {}; }

  // Registration returns a reference to the registered slot; it stays valid for the module's life
  // (layers keep `Tensor& weight` members bound to it, so swapping the slot, as DropConnect does,
  // changes what forward uses).
  Tensor& register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor value);
  template <typename M> std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  tensor_list parameters(bool recurse = true) const;
  StateDict named_parameters(bool recurse = true) const;
  tensor_list buffers(bool recurse = true) const;
  StateDict named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // This module and all below it, depth first, self first (names dotted; self is "").
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();
  std::vector<std::shared_ptr<Module>> modules();
  // A registered parameter/buffer/child by (non-dotted) name; tg::Error when missing.
  Tensor& parameter(const std::string& name);
  Tensor& buffer(const std::string& name);
  std::shared_ptr<Module> child(const std::string& name) const;
  bool has_parameter(const std::string& name) const;

  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Calls fn on this module and every descendant (depth first, children first, as PyTorch).
  void apply(const std::function<void(Module&)>& fn);
  // Clears the gradients of all parameters (to undefined by default, else to zeros).
  void zero_grad(bool set_to_none = true);
  int64_t num_parameters() const;

  // Parameters and buffers by dotted name.
  StateDict state_dict() const;
  // Copies values in (shapes and dtypes must match). strict: missing or unexpected keys are an
  // error listing them all; not strict: they are skipped and returned in the result.
  struct LoadResult {
    std::vector<std::string> missing_keys;
    std::vector<std::string> unexpected_keys;
  };
  LoadResult load_state_dict(const StateDict& state, bool strict = true);

  // The module tree with shapes and parameter counts, like PyTorch's repr.
  std::string to_string() const;

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  bool training_ = true;

 private:
  void collect(const std::string& prefix, bool recurse, bool params, StateDict& out) const;
  void print_tree(std::string& out, int indent) const;

  std::string type_name_;
  std::deque<std::pair<std::string, Tensor>> parameters_;  // deque: references to slots stay valid
  std::deque<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace tg::nn

// Any module type (Sequential, a user's model, ...), not only Module itself.
template <typename M>
struct fmt::formatter<M, char, std::enable_if_t<std::is_base_of_v<tg::nn::Module, M>>>
    : fmt::formatter<std::string_view> {
  auto format(const tg::nn::Module& m, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(m.to_string(), ctx);
  }
};
