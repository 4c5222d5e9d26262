// Custom differentiable ops in user code, as in LibTorch:
//
//   struct SmoothRelu : tg::autograd::Function<SmoothRelu> {
//     static tg::Tensor forward(tg::autograd::Context& ctx, const tg::Tensor& x) {
//       ctx.save_for_backward({x});
//       return tg::log(1.0 + tg::exp(x));             // softplus
//     }
//     static tg::tensor_list backward(tg::autograd::Context& ctx, const tg::tensor_list& grads) {
//       const tg::Tensor& x = ctx.saved_tensors()[0];
//       return {grads[0] * tg::sigmoid(x)};
//     }
//   };
//   tg::Tensor y = SmoothRelu::apply(x);
//
// forward runs with the tape off and may return a Tensor or a tensor_list. backward returns one
// gradient per tensor argument of forward (or one per argument, undefined for non-tensors); the
// engine checks their shapes. Non-tensor values go in ctx.saved_data.
#pragma once

#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/node.h>

#include <algorithm>
#include <any>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <vector>

namespace tg::autograd {

class Context {
 public:
  // Tensors backward will need; checked for in-place changes when unpacked.
  void save_for_backward(const tensor_list& tensors) { to_save_.insert(to_save_.end(), tensors.begin(), tensors.end()); }
  // In backward: the tensors given to save_for_backward, in order.
  const tensor_list& saved_tensors() const { return saved_; }
  // Outputs that get no gradient (e.g. indices).
  void mark_non_differentiable(const tensor_list& outputs) {
    for (const Tensor& t : outputs) non_differentiable_.push_back(t.impl());
  }
  // Whether tensor argument i of forward needs a gradient.
  bool needs_input_grad(size_t i) const { return i < needs_.size() && needs_[i]; }
  // Any non-tensor value: ctx.saved_data["alpha"] = 0.5; ctx.get<double>("alpha").
  std::unordered_map<std::string, std::any> saved_data;
  template <typename T> T get(const std::string& key) const {
    auto it = saved_data.find(key);
    TG_CHECK(it != saved_data.end(), "Context::get: no saved value named '{}'", key);
    const T* v = std::any_cast<T>(&it->second);
    TG_CHECK(v != nullptr, "Context::get: saved value '{}' has another type", key);
    return *v;
  }

 private:
  template <typename T> friend struct Function;
  template <typename T> friend class CustomNode;
  tensor_list to_save_;
  tensor_list saved_;
  std::vector<bool> needs_;
  std::vector<const TensorImpl*> non_differentiable_;
};

namespace detail {
std::string demangle(const char* name);

inline void collect_tensor(const Tensor& t, tensor_list& inputs, std::vector<bool>& is_tensor) {
  inputs.push_back(t);
  is_tensor.push_back(true);
}
inline void collect_tensor(const tensor_list& ts, tensor_list& inputs, std::vector<bool>& is_tensor) {
  for (const Tensor& t : ts) collect_tensor(t, inputs, is_tensor);
}
template <typename A> void collect_tensor(const A&, tensor_list&, std::vector<bool>& is_tensor) {
  is_tensor.push_back(false);
}
}  // namespace detail

template <typename T> class CustomNode final : public Node {
 public:
  std::string name() const override {
    if constexpr (requires { T::name; }) return std::string(T::name);
    else return detail::demangle(typeid(T).name());
  }
  tensor_list apply(tensor_list&& grads) override {
    ctx.saved_ = unpack_saved();
    tensor_list out = T::backward(ctx, grads);
    ctx.saved_.clear();
    if (out.size() == num_inputs()) return out;
    // One gradient per forward argument: keep those of tensor arguments.
    TG_CHECK(out.size() == is_tensor_arg.size(),
             "{}: backward returned {} gradients, expected {} (one per tensor input of forward)", name(), out.size(),
             num_inputs());
    tensor_list picked;
    for (size_t i = 0; i < out.size(); ++i)
      if (is_tensor_arg[i]) picked.push_back(std::move(out[i]));
    return picked;
  }
  Context ctx;
  std::vector<bool> is_tensor_arg;
};

template <typename T> struct Function {
  template <typename... Args> static auto apply(Args&&... args) {
    auto node = std::make_shared<CustomNode<T>>();
    tensor_list inputs;
    (detail::collect_tensor(args, inputs, node->is_tensor_arg), ...);
    const bool record = GradMode::is_enabled() &&
                        std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.defined() && t.requires_grad(); });
    Context& ctx = node->ctx;
    for (const Tensor& t : inputs) ctx.needs_.push_back(record && t.defined() && t.requires_grad());

    using Result = decltype(T::forward(ctx, std::forward<Args>(args)...));
    static_assert(std::is_same_v<Result, Tensor> || std::is_same_v<Result, tensor_list>,
                  "Function::forward must return tg::Tensor or tg::tensor_list");
    Result result = [&] {
      NoGradGuard no_grad;
      return T::forward(ctx, std::forward<Args>(args)...);
    }();
    if (!record) return result;

    tensor_list outputs;
    if constexpr (std::is_same_v<Result, Tensor>) outputs.push_back(result);
    else outputs = result;
    for (Tensor& out : outputs) {
      TG_CHECK(out.defined(), "{}: forward returned an undefined tensor", node->name());
      // An input returned as is must not have its own grad_fn replaced: give the output its own handle.
      for (const Tensor& in : inputs)
        if (in.defined() && out.is_same(in)) out = out.detach();
    }
    tensor_list differentiable;
    for (const Tensor& out : outputs) {
      const bool nondiff = std::find(ctx.non_differentiable_.begin(), ctx.non_differentiable_.end(), out.impl()) !=
                           ctx.non_differentiable_.end();
      differentiable.push_back(nondiff || !out.is_floating_point() ? Tensor() : out);
    }
    node->set_inputs(inputs);
    node->set_outputs(differentiable);
    for (const Tensor& t : ctx.to_save_) node->save(t);
    ctx.to_save_.clear();
    if constexpr (std::is_same_v<Result, Tensor>) return outputs[0];
    else return outputs;
  }
};

}  // namespace tg::autograd
