#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/optim/optimizer.h>

#include "update_check.h"

#include <charconv>
#include <unordered_set>

namespace tg::optim {

tensor_list Optimizer::params() const {
  tensor_list out;
  for (size_t g = 0; g < num_param_groups(); ++g) {
    const tensor_list& group = group_params(g);
    out.insert(out.end(), group.begin(), group.end());
  }
  return out;
}

namespace detail {

void check_param(std::string_view optimizer, const Tensor& param, size_t index) {
  TG_CHECK(param.defined(), "{}: parameter {} is an undefined tensor", optimizer, index);
  TG_CHECK(param.is_floating_point(), "{}: parameter {} has dtype {}, expected float32 or float64", optimizer,
           index, param.dtype());
  TG_CHECK(param.is_leaf(), "{}: parameter {} (shape {}) is not a leaf: optimize the tensors the graph starts from",
           optimizer, index, param.shape());
  // Update rules run flat loops over the elements.
  TG_CHECK(param.is_contiguous(), "{}: parameter {} is not contiguous (shape {}, strides {})", optimizer, index,
           param.shape(), param.strides());
}

void check_unique_params(std::string_view optimizer, const std::vector<const tensor_list*>& groups) {
  std::unordered_set<const TensorImpl*> seen;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const Tensor& p : *groups[g]) {
      TG_CHECK(seen.insert(p.impl()).second,
               "{}: a parameter (shape {}) appears twice (the second time in group {})", optimizer, p.shape(), g);
    }
  }
}

Tensor contiguous_grad(std::string_view optimizer, const Tensor& param, size_t index) {
  const Tensor& grad = param.grad();
  TG_CHECK(grad.shape() == param.shape() && grad.dtype() == param.dtype(),
           "{}: the gradient of parameter {} is {} {}, the parameter {} {}", optimizer, index, grad.dtype(),
           grad.shape(), param.dtype(), param.shape());
  return grad.contiguous();
}

void check_update(std::string_view optimizer, const Tensor& param, const Tensor& grad) {
  TG_CHECK(param.defined() && grad.defined(), "{}: update: param and grad must be defined", optimizer);
  TG_CHECK(param.is_floating_point() && grad.dtype() == param.dtype() && grad.shape() == param.shape(),
           "{}: update: param {} {} and grad {} {} should have the same float dtype and shape", optimizer,
           param.dtype(), param.shape(), grad.dtype(), grad.shape());
  TG_CHECK(param.is_contiguous() && grad.is_contiguous(),
           "{}: update: param (strides {}) and grad (strides {}) should be contiguous", optimizer, param.strides(),
           grad.strides());
}

void check_buffer(std::string_view optimizer, std::string_view name, const Tensor& buffer, const Tensor& param) {
  TG_CHECK(buffer.defined() && buffer.dtype() == param.dtype() && buffer.shape() == param.shape() &&
               buffer.is_contiguous(),
           "{}: update: state '{}' should be a contiguous {} tensor of shape {}", optimizer, name, param.dtype(),
           param.shape());
}

void bump_version(const Tensor& param) { ++param.impl()->storage->version; }

void zero_grad(Tensor& param, bool set_to_none) {
  if (!param.grad().defined()) return;
  if (set_to_none) {
    param.set_grad(Tensor());
    return;
  }
  // A gradient built with create_graph is cut from its graph before being overwritten.
  Tensor grad = param.grad().detach();
  NoGradGuard no_grad;
  grad.zero_();
  param.set_grad(std::move(grad));
}

std::string group_key(size_t group, std::string_view field) { return fmt::format("group.{}.{}", group, field); }
std::string state_key(size_t index, std::string_view field) { return fmt::format("state.{}.{}", index, field); }
Tensor float_scalar(double value) { return scalar_tensor(value, kDouble); }
Tensor int_scalar(int64_t value) { return scalar_tensor(static_cast<double>(value), kLong); }
Tensor index_range(size_t begin, size_t count) {
  return arange(static_cast<double>(begin), static_cast<double>(begin + count), 1.0, kLong);
}

StateDictReader::StateDictReader(std::string who, const StateDict& dict) : who_(std::move(who)) {
  for (const auto& [key, tensor] : dict) {
    TG_CHECK(tensor.defined(), "{}: '{}' is an undefined tensor", who_, key);
    TG_CHECK(tensors_.emplace(key, tensor).second, "{}: key '{}' appears twice", who_, key);
    taken_[key] = false;
    order_.push_back(key);
  }
}

bool StateDictReader::contains(const std::string& key) const { return tensors_.count(key) != 0; }

Tensor StateDictReader::take(const std::string& key) {
  auto it = tensors_.find(key);
  TG_CHECK(it != tensors_.end(), "{}: missing key '{}'", who_, key);
  taken_[key] = true;
  return it->second;
}

double StateDictReader::take_double(const std::string& key) {
  const Tensor t = take(key);
  TG_CHECK(t.numel() == 1, "{}: '{}' should hold one number, got shape {}", who_, key, t.shape());
  return t.item<double>();
}

int64_t StateDictReader::take_int(const std::string& key) {
  const Tensor t = take(key);
  TG_CHECK(t.numel() == 1 && t.dtype() == kLong, "{}: '{}' should be one int64, got {} {}", who_, key, t.dtype(),
           t.shape());
  return t.item<int64_t>();
}

std::vector<double> StateDictReader::take_doubles(const std::string& key, size_t count) {
  const Tensor t = take(key);
  TG_CHECK(t.dim() == 1 && t.numel() == static_cast<int64_t>(count), "{}: '{}' should have shape [{}], got {}",
           who_, key, count, t.shape());
  const Tensor d = t.to(kDouble).contiguous();
  const double* p = d.data_ptr<double>();
  return std::vector<double>(p, p + count);
}

std::optional<double> StateDictReader::take_optional_double(const std::string& key) {
  if (!contains(key)) return std::nullopt;
  return take_double(key);
}

Tensor StateDictReader::take_buffer(const std::string& key, const Tensor& param) {
  const Tensor t = take(key);
  TG_CHECK(t.shape() == param.shape(), "{}: '{}' has shape {}, its parameter has shape {}", who_, key, t.shape(),
           param.shape());
  TG_CHECK(t.is_floating_point(), "{}: '{}' has dtype {}, expected a float tensor", who_, key, t.dtype());
  NoGradGuard no_grad;
  // A fresh copy: the dict stays the caller's and later steps do not write into it.
  Tensor out = empty(param.shape(), param.dtype());
  out.copy_(t.detach());
  return out;
}

void StateDictReader::finish() const {
  for (const std::string& key : order_) {
    TG_CHECK(taken_.at(key), "{}: unexpected key '{}'", who_, key);
  }
}

size_t count_groups(const StateDict& dict) {
  size_t groups = 0;
  for (const auto& [key, tensor] : dict) {
    constexpr std::string_view prefix = "group.";
    constexpr std::string_view suffix = ".params";
    std::string_view k = key;
    if (!k.starts_with(prefix) || !k.ends_with(suffix)) continue;
    const std::string_view number = k.substr(prefix.size(), k.size() - prefix.size() - suffix.size());
    size_t g = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), g);
    if (error == std::errc() && end == number.data() + number.size()) groups = std::max(groups, g + 1);
  }
  return groups;
}

void take_group_params(StateDictReader& in, size_t group, size_t begin, size_t count) {
  const std::string key = group_key(group, "params");
  const Tensor saved = in.take(key);
  TG_CHECK(saved.dim() == 1 && saved.dtype() == kLong, "{}: '{}' should be a 1-d int64 tensor, got {} {}", in.who(),
           key, saved.dtype(), saved.shape());
  TG_CHECK(saved.numel() == static_cast<int64_t>(count),
           "{}: parameter group {} has {} parameters in the state dict, {} in the optimizer", in.who(), group,
           saved.numel(), count);
  const Tensor ids = saved.contiguous();
  const int64_t* p = ids.data_ptr<int64_t>();
  for (size_t i = 0; i < count; ++i) {
    const auto expected = static_cast<int64_t>(begin + i);
    TG_CHECK(p[i] == expected, "{}: '{}' lists parameter {} at position {}, expected {}", in.who(), key, p[i], i,
             expected);
  }
}

}  // namespace detail
}  // namespace tg::optim
