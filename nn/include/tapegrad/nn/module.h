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
//
// Hooks run whenever a module is called as `(*module)(x)` (Sequential calls its children that way);
// calling forward() directly skips them, as in PyTorch:
//
//   auto h = model->register_forward_hook([](tg::nn::Module& m, const tg::Tensor& in, const tg::Tensor& out) {
//     fmt::print("{}: {}\n", m.type_name(), out.shape());
//   });
//   h.remove();
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

class Module;

// Hook signatures. Each may return a tensor that replaces the one it was given (the input, the
// output, or the gradient with respect to the input), or an undefined Tensor to keep it; hooks that
// return nothing may also be registered.
using ForwardPreHook = std::function<Tensor(Module& module, const Tensor& input)>;
using ForwardHook = std::function<Tensor(Module& module, const Tensor& input, const Tensor& output)>;
// grad_input is undefined when the module's input does not require grad.
using BackwardHook = std::function<Tensor(Module& module, const Tensor& grad_input, const Tensor& grad_output)>;

namespace detail {
struct ModuleHooks {
  std::vector<std::pair<size_t, ForwardPreHook>> forward_pre;
  std::vector<std::pair<size_t, ForwardHook>> forward;
  std::vector<std::pair<size_t, BackwardHook>> backward;
  bool empty() const { return forward_pre.empty() && forward.empty() && backward.empty(); }
};
// Wraps a hook that returns void into one that returns an undefined Tensor ("keep").
template <typename F, typename... Args> auto keep_if_void(F fn) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&, Args...>>)
    return [fn = std::move(fn)](Args... args) mutable { fn(std::forward<Args>(args)...); return Tensor(); };
  else
    return fn;
}
}  // namespace detail

// Returned by register_*_hook; remove() detaches the hook (it does nothing once the module is gone).
// Dropping the handle leaves the hook in place, as in PyTorch.
class HookHandle {
 public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<detail::ModuleHooks> hooks, size_t id) : hooks_(std::move(hooks)), id_(id) {}
  void remove();

 private:
  std::weak_ptr<detail::ModuleHooks> hooks_;
  size_t id_ = 0;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module") : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The single-tensor forward that Sequential and operator() call. Modules with another
  // signature add their own overloads; calling this one on them is an error.
  virtual Tensor forward(const Tensor& input);
  // forward with the hooks around it (pre-hooks, forward, forward hooks; backward hooks fire
  // when the gradient reaches this call's input). Without hooks it is forward.
  Tensor operator()(const Tensor& input) { return hooks_ && !hooks_->empty() ? call_with_hooks(input) : forward(input); }

  // Hooks run in registration order. Backward hooks see the gradients of the call that recorded
  // them; the module must outlive that backward pass.
  template <typename F> HookHandle register_forward_pre_hook(F fn) {
    return add_hook(&detail::ModuleHooks::forward_pre,
                    ForwardPreHook(detail::keep_if_void<F, Module&, const Tensor&>(std::move(fn))));
  }
  template <typename F> HookHandle register_forward_hook(F fn) {
    return add_hook(&detail::ModuleHooks::forward,
                    ForwardHook(detail::keep_if_void<F, Module&, const Tensor&, const Tensor&>(std::move(fn))));
  }
  template <typename F> HookHandle register_full_backward_hook(F fn) {
    return add_hook(&detail::ModuleHooks::backward,
                    BackwardHook(detail::keep_if_void<F, Module&, const Tensor&, const Tensor&>(std::move(fn))));
  }

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
  template <typename Hook>
  HookHandle add_hook(std::vector<std::pair<size_t, Hook>> detail::ModuleHooks::*list, Hook hook) {
    if (!hooks_) hooks_ = std::make_shared<detail::ModuleHooks>();
    const size_t id = next_hook_id();
    ((*hooks_).*list).emplace_back(id, std::move(hook));
    return HookHandle(hooks_, id);
  }
  static size_t next_hook_id();
  Tensor call_with_hooks(const Tensor& input);
  void collect(const std::string& prefix, bool recurse, bool params, StateDict& out) const;
  void print_tree(std::string& out, int indent) const;

  std::string type_name_;
  std::deque<std::pair<std::string, Tensor>> parameters_;  // deque: references to slots stay valid
  std::deque<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::shared_ptr<detail::ModuleHooks> hooks_;  // null until a hook is registered
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
