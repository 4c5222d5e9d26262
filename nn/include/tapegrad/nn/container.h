// Containers: Sequential (modules and lambdas in order), ModuleList, ModuleDict.
//
//   auto net = std::make_shared<tg::nn::Sequential>();
//   net->push_back(std::make_shared<tg::nn::Linear>(784, 256));
//   net->push_back([](const tg::Tensor& x) { return tg::relu(x); });
//   tg::Tensor logits = net->forward(x);   // children are named "0", "1", ...
#pragma once

#include <tapegrad/nn/module.h>

#include <functional>
#include <initializer_list>

namespace tg::nn {

// Wraps a function as a parameterless module, so Sequential can hold lambdas.
class Lambda : public Module {
 public:
  explicit Lambda(std::function<Tensor(const Tensor&)> fn, std::string name = "Lambda")
      : Module(std::move(name)), fn_(std::move(fn)) {}
  Tensor forward(const Tensor& x) override { return fn_(x); }

 private:
  std::function<Tensor(const Tensor&)> fn_;
};

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  Sequential& push_back(std::shared_ptr<Module> module);
  Sequential& push_back(std::function<Tensor(const Tensor&)> fn);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return named_children().size(); }
  std::shared_ptr<Module> operator[](size_t i) const;
};

// A list of modules registered as "0", "1", ...; no forward of its own.
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList& push_back(std::shared_ptr<Module> module);
  size_t size() const { return named_children().size(); }
  std::shared_ptr<Module> operator[](size_t i) const;
};

// Modules registered under string keys, in insertion order.
class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}
  ModuleDict& insert(const std::string& key, std::shared_ptr<Module> module);
  std::shared_ptr<Module> operator[](const std::string& key) const { return child(key); }
  bool contains(const std::string& key) const;
  size_t size() const { return named_children().size(); }
};

}  // namespace tg::nn
