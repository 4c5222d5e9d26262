// Optimizers: parameter groups with their own options, per-parameter state, one update rule.
//
//   tg::optim::Adam opt(params, {.lr = 1e-3, .weight_decay = 0});
//   for (auto& batch : loader) { opt.zero_grad(); loss(batch).backward(); opt.step(); }
//
// An algorithm is an options struct, a state struct and an update rule; everything else (groups,
// zero_grad, skipping parameters without gradient, state_dict, version counters) lives here.
// A complete user-defined optimizer (Lion) is in tests/optim/test_custom_optimizer.cpp:
//
//   struct LionOptions {
//     static constexpr std::string_view optimizer = "Lion";   // names it in error messages
//     double lr = 1e-4, beta1 = 0.9, beta2 = 0.99, weight_decay = 0;
//     void check() const;                                      // throws tg::Error on bad values
//     static void fields(auto& o, auto&& f) { f("lr", o.lr); f("beta1", o.beta1); ... }
//   };
//   struct LionState {
//     tg::Tensor exp_avg;                                      // allocated by the rule
//     static void fields(auto& s, auto&& f) { f("exp_avg", s.exp_avg); }
//   };
//   class Lion : public tg::optim::OptimizerBase<LionOptions, LionState> {
//    public:
//     using OptimizerBase::OptimizerBase;
//    private:
//     void update(const tg::Tensor& param, const tg::Tensor& grad, LionState& state, int64_t step,
//                 const LionOptions& options) override;       // a raw loop over the elements
//   };
//
// `fields` lists the options (double or bool) and state tensors by name: that list is what makes
// state_dict()/load_state_dict() and the schedulers' named options work without further code.
#pragma once

#include <tapegrad/autograd/error.h>
#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/io.h>
#include <tapegrad/autograd/tensor.h>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tg::optim {

// Named tensors in order: what state_dict() returns; tg::io::save_safetensors writes it as is.
using StateDict = io::TensorDict;

// Update loops stay on one thread below this many elements (waking threads costs microseconds):
//   #pragma omp parallel for if (n >= tg::optim::kParallelGrain)
inline constexpr int64_t kParallelGrain = 16384;

// What schedulers, clipping and training loops see of any optimizer.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient; parameters without one are skipped.
  virtual void step() = 0;
  // Drops the gradients (set_to_none) or fills them with zeros.
  virtual void zero_grad(bool set_to_none = true) = 0;

  // The algorithm's name ("Adam"), which starts its error messages.
  const std::string& name() const { return name_; }
  virtual size_t num_param_groups() const = 0;
  virtual const tensor_list& group_params(size_t group) const = 0;
  // Every parameter, group after group.
  tensor_list params() const;

  virtual double lr(size_t group) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;
  // Options by the names their struct's `fields` gives ("momentum", "beta1", ...); bools read as 0/1.
  virtual std::optional<double> option(size_t group, std::string_view name) const = 0;
  virtual void set_option(size_t group, std::string_view name, double value) = 0;
  // The lr a group had when the first scheduler was attached (PyTorch's "initial_lr").
  virtual std::optional<double> initial_lr(size_t group) const = 0;
  virtual void set_initial_lr(size_t group, double lr) = 0;

  // "group.<g>.params" (int64 indices), "group.<g>.<option>" (0-d float64), "group.<g>.initial_lr",
  // "state.<i>.step" (0-d int64), "state.<i>.<buffer>": copies, so the run can go on after saving.
  virtual StateDict state_dict() const = 0;
  // Checks group and parameter counts, option names and buffer shapes; on error nothing changes.
  virtual void load_state_dict(const StateDict& dict) = 0;

 protected:
  explicit Optimizer(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

template <typename Options>
struct ParamGroup {
  tensor_list params;
  Options options{};
  // Set by the first scheduler attached to the optimizer; saved with the state.
  std::optional<double> initial_lr{};
};

// The contract of an options struct: a name, an lr, a check and the named list of its fields.
template <typename O>
concept OptimizerOptions = std::copyable<O> && requires(O& o, const O& c) {
  { O::optimizer } -> std::convertible_to<std::string_view>;
  { o.lr } -> std::convertible_to<double>;
  c.check();
};

template <typename S>
concept OptimizerState = std::copyable<S> && std::default_initializable<S>;

namespace detail {
// Checks of the base class, shared by every optimizer (optimizer.cpp).
void check_param(std::string_view optimizer, const Tensor& param, size_t index);
void check_unique_params(std::string_view optimizer, const std::vector<const tensor_list*>& groups);
// The gradient as the update rule wants it: same shape and dtype as the parameter, contiguous.
Tensor contiguous_grad(std::string_view optimizer, const Tensor& param, size_t index);
void bump_version(const Tensor& param);
void zero_grad(Tensor& param, bool set_to_none);

std::string group_key(size_t group, std::string_view field);
std::string state_key(size_t index, std::string_view field);
Tensor float_scalar(double value);
Tensor int_scalar(int64_t value);
Tensor index_range(size_t begin, size_t count);  // int64 [begin, begin + count)

// Reads a state dict by key and reports, at the end, the keys nobody asked for.
class StateDictReader {
 public:
  // who starts the error messages ("Adam: load_state_dict").
  StateDictReader(std::string who, const StateDict& dict);
  bool contains(const std::string& key) const;
  Tensor take(const std::string& key);  // required
  double take_double(const std::string& key);
  int64_t take_int(const std::string& key);
  std::vector<double> take_doubles(const std::string& key, size_t count);
  std::optional<double> take_optional_double(const std::string& key);
  // A state buffer for `param`: same shape, converted to its dtype, fresh contiguous storage.
  Tensor take_buffer(const std::string& key, const Tensor& param);
  // Throws when a key was never taken.
  void finish() const;
  const std::string& who() const { return who_; }

 private:
  std::string who_;
  std::unordered_map<std::string, Tensor> tensors_;
  std::unordered_map<std::string, bool> taken_;
  std::vector<std::string> order_;
};

// How many "group.<g>.params" keys the dict has.
size_t count_groups(const StateDict& dict);
// Checks "group.<g>.params" holds begin, begin + 1, ..., begin + count - 1.
void take_group_params(StateDictReader& in, size_t group, size_t begin, size_t count);
}  // namespace detail

// The base of every algorithm: Options per group, State per parameter, one virtual update rule.
template <OptimizerOptions Options, OptimizerState State>
class OptimizerBase : public Optimizer {
 public:
  using Group = ParamGroup<Options>;

  // One group holding every parameter, with `defaults` as its options.
  explicit OptimizerBase(tensor_list params, Options defaults = {});
  // Groups with their own options; `defaults` serve add_param_group(params).
  explicit OptimizerBase(std::vector<Group> groups, Options defaults = {});

  void step() final;
  void zero_grad(bool set_to_none = true) final;
  void add_param_group(Group group);
  void add_param_group(tensor_list params) { add_param_group(Group{std::move(params), defaults_}); }

  std::vector<Group>& param_groups() { return groups_; }
  const std::vector<Group>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  // A parameter's state and update count (nullptr / 0 when it is not in this optimizer).
  const State* state(const Tensor& param) const;
  int64_t step_count(const Tensor& param) const;

  size_t num_param_groups() const final { return groups_.size(); }
  const tensor_list& group_params(size_t group) const final { return group_at(group).params; }
  double lr(size_t group) const final { return group_at(group).options.lr; }
  void set_lr(size_t group, double lr) final { group_at(group).options.lr = lr; }
  std::optional<double> option(size_t group, std::string_view name) const final;
  void set_option(size_t group, std::string_view name, double value) final;
  std::optional<double> initial_lr(size_t group) const final { return group_at(group).initial_lr; }
  void set_initial_lr(size_t group, double lr) final { group_at(group).initial_lr = lr; }

  StateDict state_dict() const final;
  void load_state_dict(const StateDict& dict) final;

 protected:
  // The update rule: param ← rule(param, grad, state), in place. param and grad are contiguous,
  // of the same shape and float dtype; step is this parameter's update count (1 on the first).
  // Runs under NoGradGuard; the base bumps param's version counter afterwards.
  virtual void update(const Tensor& param, const Tensor& grad, State& state, int64_t step,
                      const Options& options) = 0;

 private:
  struct Slot {
    int64_t step = 0;
    State state{};
  };
  Group& group_at(size_t group);
  const Group& group_at(size_t group) const;
  std::optional<size_t> index_of(const Tensor& param) const;

  std::vector<Group> groups_;
  Options defaults_;
  std::vector<Slot> slots_;  // one per parameter, in group order
};

// ---- implementation ---------------------------------------------------------------------------

template <OptimizerOptions Options, OptimizerState State>
OptimizerBase<Options, State>::OptimizerBase(tensor_list params, Options defaults)
    : OptimizerBase(std::vector<Group>{Group{std::move(params), defaults}}, defaults) {}

template <OptimizerOptions Options, OptimizerState State>
OptimizerBase<Options, State>::OptimizerBase(std::vector<Group> groups, Options defaults)
    : Optimizer(std::string(Options::optimizer)), defaults_(defaults) {
  defaults_.check();
  TG_CHECK(!groups.empty(), "{}: expected at least one parameter group", name());
  for (Group& group : groups) add_param_group(std::move(group));
}

template <OptimizerOptions Options, OptimizerState State>
void OptimizerBase<Options, State>::add_param_group(Group group) {
  TG_CHECK(!group.params.empty(), "{}: parameter group {} is empty", name(), groups_.size());
  group.options.check();
  for (size_t i = 0; i < group.params.size(); ++i) detail::check_param(name(), group.params[i], slots_.size() + i);
  std::vector<const tensor_list*> all;
  for (const Group& g : groups_) all.push_back(&g.params);
  all.push_back(&group.params);
  detail::check_unique_params(name(), all);
  slots_.resize(slots_.size() + group.params.size());
  groups_.push_back(std::move(group));
}

template <OptimizerOptions Options, OptimizerState State>
void OptimizerBase<Options, State>::step() {
  NoGradGuard no_grad;
  size_t index = 0;
  for (const Group& group : groups_) {
    for (const Tensor& param : group.params) {
      Slot& slot = slots_[index];
      if (param.grad().defined()) {
        const Tensor grad = detail::contiguous_grad(name(), param, index);
        update(param, grad, slot.state, slot.step + 1, group.options);
        ++slot.step;
        detail::bump_version(param);
      }
      ++index;
    }
  }
}

template <OptimizerOptions Options, OptimizerState State>
void OptimizerBase<Options, State>::zero_grad(bool set_to_none) {
  for (Group& group : groups_)
    for (Tensor& param : group.params) detail::zero_grad(param, set_to_none);
}

template <OptimizerOptions Options, OptimizerState State>
auto OptimizerBase<Options, State>::group_at(size_t group) -> Group& {
  TG_CHECK(group < groups_.size(), "{}: parameter group {} out of range (the optimizer has {})", name(), group,
           groups_.size());
  return groups_[group];
}

template <OptimizerOptions Options, OptimizerState State>
auto OptimizerBase<Options, State>::group_at(size_t group) const -> const Group& {
  return const_cast<OptimizerBase*>(this)->group_at(group);
}

template <OptimizerOptions Options, OptimizerState State>
std::optional<size_t> OptimizerBase<Options, State>::index_of(const Tensor& param) const {
  size_t index = 0;
  for (const Group& group : groups_) {
    for (const Tensor& p : group.params) {
      if (p.is_same(param)) return index;
      ++index;
    }
  }
  return std::nullopt;
}

template <OptimizerOptions Options, OptimizerState State>
const State* OptimizerBase<Options, State>::state(const Tensor& param) const {
  const auto index = index_of(param);
  return index ? &slots_[*index].state : nullptr;
}

template <OptimizerOptions Options, OptimizerState State>
int64_t OptimizerBase<Options, State>::step_count(const Tensor& param) const {
  const auto index = index_of(param);
  return index ? slots_[*index].step : 0;
}

template <OptimizerOptions Options, OptimizerState State>
std::optional<double> OptimizerBase<Options, State>::option(size_t group, std::string_view name) const {
  std::optional<double> out;
  Options::fields(group_at(group).options, [&](std::string_view field, const auto& value) {
    if (field == name) out = static_cast<double>(value);
  });
  return out;
}

template <OptimizerOptions Options, OptimizerState State>
void OptimizerBase<Options, State>::set_option(size_t group, std::string_view name, double value) {
  bool found = false;
  Options::fields(group_at(group).options, [&](std::string_view field, auto& option) {
    if (field != name) return;
    option = static_cast<std::remove_cvref_t<decltype(option)>>(value);
    found = true;
  });
  TG_CHECK(found, "{}: set_option: no option named '{}'", this->name(), name);
}

template <OptimizerOptions Options, OptimizerState State>
StateDict OptimizerBase<Options, State>::state_dict() const {
  StateDict out;
  size_t begin = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const Group& group = groups_[g];
    const size_t count = group.params.size();
    out.emplace_back(detail::group_key(g, "params"), detail::index_range(begin, count));
    Options::fields(group.options, [&](std::string_view field, const auto& value) {
      out.emplace_back(detail::group_key(g, field), detail::float_scalar(static_cast<double>(value)));
    });
    if (group.initial_lr) out.emplace_back(detail::group_key(g, "initial_lr"), detail::float_scalar(*group.initial_lr));
    begin += count;
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].step > 0) out.emplace_back(detail::state_key(i, "step"), detail::int_scalar(slots_[i].step));
    State::fields(slots_[i].state, [&](std::string_view field, const Tensor& buffer) {
      if (buffer.defined()) out.emplace_back(detail::state_key(i, field), buffer.detach().clone());
    });
  }
  return out;
}

template <OptimizerOptions Options, OptimizerState State>
void OptimizerBase<Options, State>::load_state_dict(const StateDict& dict) {
  detail::StateDictReader in(name() + ": load_state_dict", dict);
  const size_t saved_groups = detail::count_groups(dict);
  TG_CHECK(saved_groups == groups_.size(), "{}: the state dict has {} parameter groups, the optimizer has {}",
           in.who(), saved_groups, groups_.size());
  std::vector<Group> groups = groups_;
  std::vector<Slot> slots(slots_.size());
  size_t index = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    Group& group = groups[g];
    detail::take_group_params(in, g, index, group.params.size());
    Options::fields(group.options, [&](std::string_view field, auto& value) {
      value = static_cast<std::remove_cvref_t<decltype(value)>>(in.take_double(detail::group_key(g, field)));
    });
    group.options.check();
    group.initial_lr = in.take_optional_double(detail::group_key(g, "initial_lr"));
    for (const Tensor& param : group.params) {
      Slot& slot = slots[index];
      const std::string step_key = detail::state_key(index, "step");
      slot.step = in.contains(step_key) ? in.take_int(step_key) : 0;
      State::fields(slot.state, [&](std::string_view field, Tensor& buffer) {
        const std::string key = detail::state_key(index, field);
        if (in.contains(key)) buffer = in.take_buffer(key, param);
      });
      ++index;
    }
  }
  in.finish();
  groups_ = std::move(groups);
  slots_ = std::move(slots);
}

}  // namespace tg::optim
