#include <tapegrad/nn/container.h>

namespace tg::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) : Sequential() {
  for (const auto& m : modules) push_back(m);
}

Sequential& Sequential::push_back(std::shared_ptr<Module> module) {
  add_child(std::to_string(size()), std::move(module));
  return *this;
}

Sequential& Sequential::push_back(std::function<Tensor(const Tensor&)> fn) {
  return push_back(std::make_shared<Lambda>(std::move(fn)));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (const auto& [name, m] : named_children()) h = (*m)(h);  // through operator(), so the children's hooks run
  return h;
}

std::shared_ptr<Module> Sequential::operator[](size_t i) const {
  TG_CHECK(i < size(), "Sequential: index {} is out of range for {} modules", i, size());
  return named_children()[i].second;
}

ModuleList& ModuleList::push_back(std::shared_ptr<Module> module) {
  add_child(std::to_string(size()), std::move(module));
  return *this;
}

std::shared_ptr<Module> ModuleList::operator[](size_t i) const {
  TG_CHECK(i < size(), "ModuleList: index {} is out of range for {} modules", i, size());
  return named_children()[i].second;
}

ModuleDict& ModuleDict::insert(const std::string& key, std::shared_ptr<Module> module) {
  add_child(key, std::move(module));
  return *this;
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [name, m] : named_children())
    if (name == key) return true;
  return false;
}

}  // namespace tg::nn
