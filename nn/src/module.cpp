#include <tapegrad/nn/module.h>

#include <algorithm>
#include <atomic>
#include <ostream>
#include <unordered_map>

namespace tg::nn {

namespace {
void check_name(const std::string& name, const std::string& owner) {
  TG_CHECK(!name.empty() && name.find('.') == std::string::npos,
           "{}: invalid name '{}' (must be non-empty and contain no '.')", owner, name);
}
template <typename List> bool has_name(const List& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(), [&](const auto& kv) { return kv.first == name; });
}
}  // namespace

Tensor Module::forward(const Tensor&) {
  TG_FAIL("{}: this module has no single-tensor forward(Tensor)", type_name_);
}

void HookHandle::remove() {
  auto hooks = hooks_.lock();
  if (!hooks) return;
  const auto same = [this](const auto& h) { return h.first == id_; };
  std::erase_if(hooks->forward_pre, same);
  std::erase_if(hooks->forward, same);
  std::erase_if(hooks->backward, same);
}

size_t Module::next_hook_id() {
  static std::atomic<size_t> next{1};
  return next++;
}

Tensor Module::call_with_hooks(const Tensor& input) {
  // Hooks may remove themselves (or add others) while running: iterate over copies.
  const std::shared_ptr<detail::ModuleHooks> hooks = hooks_;
  Tensor x = input;
  for (const auto& [id, hook] : std::vector(hooks->forward_pre))
    if (Tensor r = hook(*this, x); r.defined()) x = std::move(r);

  // Backward hooks: a view of the input and of the output gives each a node of its own, so the
  // tensor hooks on them see exactly this call's grad_input and grad_output (the input may be used
  // elsewhere too). The output's gradient arrives first; the input's comes after forward's backward.
  const bool backward_hooks = !hooks->backward.empty() && GradMode::is_enabled();
  struct Pending {
    Tensor grad_output;
  };
  auto pending = std::make_shared<Pending>();
  auto run_backward = [weak = std::weak_ptr(hooks), self = this](const Tensor& grad_input,
                                                                 const Tensor& grad_output) -> Tensor {
    const auto live = weak.lock();
    if (!live) return {};
    Tensor g = grad_input;
    bool replaced = false;
    for (const auto& [id, hook] : std::vector(live->backward))
      if (Tensor r = hook(*self, g, grad_output); r.defined()) {
        g = std::move(r);
        replaced = true;
      }
    return replaced ? g : Tensor();
  };
  const bool input_tracked = backward_hooks && x.defined() && x.requires_grad();
  if (input_tracked) {
    x = x.view(x.shape());
    x.register_hook([pending, run_backward](const Tensor& grad_input) {
      Tensor out = run_backward(grad_input, pending->grad_output);
      pending->grad_output = Tensor();
      return out;
    });
  }

  Tensor out = forward(x);
  for (const auto& [id, hook] : std::vector(hooks->forward))
    if (Tensor r = hook(*this, x, out); r.defined()) out = std::move(r);

  if (backward_hooks && out.defined() && out.requires_grad()) {
    out = out.view(out.shape());
    out.register_hook([pending, input_tracked, run_backward](const Tensor& grad_output) {
      if (input_tracked) pending->grad_output = grad_output;
      else run_backward(Tensor(), grad_output);  // no gradient will reach the input
      return Tensor();
    });
  }
  return out;
}

Tensor& Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_name(name, type_name_ + ".register_parameter");
  TG_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
           "{}.register_parameter: '{}' is already registered", type_name_, name);
  if (value.defined()) {
    TG_CHECK(value.is_floating_point(), "{}.register_parameter: '{}' must be float32/float64, got {}", type_name_, name,
             value.dtype());
    TG_CHECK(value.is_leaf(), "{}.register_parameter: '{}' must be a leaf tensor (detach() it)", type_name_, name);
    value.requires_grad_(requires_grad);
  }
  parameters_.emplace_back(name, std::move(value));
  return parameters_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name, type_name_ + ".register_buffer");
  TG_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
           "{}.register_buffer: '{}' is already registered", type_name_, name);
  buffers_.emplace_back(name, std::move(value));
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, type_name_ + ".register_module");
  TG_CHECK(module != nullptr, "{}.register_module: '{}' is null", type_name_, name);
  TG_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
           "{}.register_module: '{}' is already registered", type_name_, name);
  children_.emplace_back(name, std::move(module));
}

void Module::collect(const std::string& prefix, bool recurse, bool params, StateDict& out) const {
  for (const auto& [name, t] : params ? parameters_ : buffers_)
    if (t.defined()) out.emplace_back(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", true, params, out);
}

StateDict Module::named_parameters(bool recurse) const {
  StateDict out;
  collect("", recurse, true, out);
  // A parameter shared by two modules is listed once (the first name), as in PyTorch.
  StateDict unique;
  for (auto& kv : out)
    if (std::none_of(unique.begin(), unique.end(), [&](const auto& u) { return u.second.is_same(kv.second); }))
      unique.push_back(std::move(kv));
  return unique;
}

tensor_list Module::parameters(bool recurse) const {
  tensor_list out;
  for (auto& [name, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

StateDict Module::named_buffers(bool recurse) const {
  StateDict out;
  collect("", recurse, false, out);
  return out;
}

tensor_list Module::buffers(bool recurse) const {
  tensor_list out;
  for (auto& [name, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, c] : children_) out.push_back(c);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  out.emplace_back("", shared_from_this());
  // Explicit stack, children pushed in reverse so they come out in registration order.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> todo;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) todo.emplace_back(it->first, it->second);
  while (!todo.empty()) {
    auto [name, m] = std::move(todo.back());
    todo.pop_back();
    out.emplace_back(name, m);
    const auto& kids = m->children_;
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) todo.emplace_back(name + "." + it->first, it->second);
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules() {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [name, m] : named_modules()) out.push_back(m);
  return out;
}

Tensor& Module::parameter(const std::string& name) {
  for (auto& [n, t] : parameters_)
    if (n == name) return t;
  TG_FAIL("{}: no parameter named '{}'", type_name_, name);
}

Tensor& Module::buffer(const std::string& name) {
  for (auto& [n, t] : buffers_)
    if (n == name) return t;
  TG_FAIL("{}: no buffer named '{}'", type_name_, name);
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [n, c] : children_)
    if (n == name) return c;
  TG_FAIL("{}: no child module named '{}'", type_name_, name);
}

bool Module::has_parameter(const std::string& name) const { return has_name(parameters_, name); }

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, c] : children_) c->train(on);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, c] : children_) c->apply(fn);
  fn(*this);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard no_grad;
      p.mutable_grad().zero_();
    }
  }
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& p : parameters()) n += p.numel();
  return n;
}

StateDict Module::state_dict() const {
  StateDict out = named_parameters();
  StateDict bufs = named_buffers();
  out.insert(out.end(), bufs.begin(), bufs.end());
  return out;
}

Module::LoadResult Module::load_state_dict(const StateDict& state, bool strict) {
  LoadResult result;
  StateDict own = state_dict();
  std::unordered_map<std::string, const Tensor*> given;
  for (const auto& [name, t] : state) given[name] = &t;
  for (const auto& [name, t] : own)
    if (!given.count(name)) result.missing_keys.push_back(name);
  for (const auto& entry : state)  // not a structured binding: clang 14 cannot capture those
    if (std::none_of(own.begin(), own.end(), [&](const auto& kv) { return kv.first == entry.first; }))
      result.unexpected_keys.push_back(entry.first);
  if (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty())) {
    TG_FAIL("{}.load_state_dict: missing keys [{}], unexpected keys [{}]", type_name_,
            fmt::join(result.missing_keys, ", "), fmt::join(result.unexpected_keys, ", "));
  }
  // Check every shape before copying anything, so a failed load leaves the model untouched.
  for (auto& [name, t] : own) {
    auto it = given.find(name);
    if (it == given.end()) continue;
    const Tensor& src = *it->second;
    TG_CHECK(src.defined() && src.shape() == t.shape(),
             "{}.load_state_dict: '{}' has shape {} in the module but {} in the state dict", type_name_, name,
             t.shape(), src.defined() ? src.shape() : Shape{});
  }
  NoGradGuard no_grad;
  for (auto& [name, t] : own) {
    auto it = given.find(name);
    if (it != given.end()) t.copy_(*it->second);
  }
  return result;
}

void Module::print_tree(std::string& out, int indent) const {
  out += type_name_ + "(" + extra_repr();
  if (children_.empty()) {
    out += ")";
    return;
  }
  if (!extra_repr().empty()) out += ",";
  out += "\n";
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  for (const auto& [name, c] : children_) {
    out += pad + "(" + name + "): ";
    c->print_tree(out, indent + 2);
    const int64_t n = c->num_parameters();
    if (n > 0) out += fmt::format("  # {} params", n);
    out += "\n";
  }
  out += std::string(static_cast<size_t>(indent), ' ') + ")";
}

std::string Module::to_string() const {
  std::string out;
  print_tree(out, 0);
  out += fmt::format("\n# total: {} parameters", num_parameters());
  return out;
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.to_string(); }

}  // namespace tg::nn
