// Fashion-MNIST and MNIST from IDX files (plain or gzip), as installed by Debian's
// dataset-fashion-mnist package in /usr/share/datasets/fashion-mnist.
//
//   tg::data::FashionMNIST train(tg::data::FashionMNIST::kDefaultDir, tg::data::Split::Train);
//   auto [image, label] = train.get(0);   // image (1, 28, 28) float32 in [0, 1], label int64
#pragma once

#include <tapegrad/data/dataset.h>

#include <array>
#include <string>
#include <string_view>

namespace tg::data {

enum class Split { Train, Test };

class MNIST : public Dataset {
 public:
  static constexpr const char* kDefaultDir = "/usr/share/datasets/mnist";
  // Reads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
  MNIST(const std::string& dir, Split split);
  int64_t size() const override { return images_.size(0); }
  Example get(int64_t index) const override;
  // All images (N, 1, 28, 28) float32 in [0, 1] and labels (N) int64.
  const Tensor& images() const { return images_; }
  const Tensor& targets() const { return targets_; }
  virtual std::string_view class_name(int64_t label) const;
  static constexpr int64_t kNumClasses = 10;

 protected:
  MNIST(const std::string& dir, Split split, const char* dataset_name);

 private:
  Tensor images_, targets_;
};

class FashionMNIST : public MNIST {
 public:
  static constexpr const char* kDefaultDir = "/usr/share/datasets/fashion-mnist";
  static constexpr std::array<std::string_view, 10> kClassNames = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  FashionMNIST(const std::string& dir, Split split) : MNIST(dir, split, "FashionMNIST") {}
  std::string_view class_name(int64_t label) const override;
};

}  // namespace tg::data
