// Random augmentations of one image (C, H, W), float, for training only. Each draws from the
// Rng the loader seeds per (seed, epoch, sample), so results do not depend on worker threads.
//
//   auto augment = std::make_shared<tg::data::Compose>(tg::data::Compose::List{
//       std::make_shared<tg::data::RandomHorizontalFlip>(0.5),
//       std::make_shared<tg::data::RandomCrop>(28, 2)});
//   tg::data::DataLoader loader(train, {.batch_size = 128, .shuffle = true}, nullptr,
//                               tg::data::augment_data(augment));
#pragma once

#include <tapegrad/data/loader.h>
#include <tapegrad/data/rng.h>

#include <memory>
#include <string>
#include <vector>

namespace tg::data {

class Augmentation {
 public:
  virtual ~Augmentation() = default;
  virtual std::string name() const = 0;
  // A new image; the input is not modified.
  virtual Tensor operator()(const Tensor& image, Rng& rng) const = 0;
};

// Mirrors left-right with probability p.
class RandomHorizontalFlip : public Augmentation {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  std::string name() const override { return "flip"; }
  Tensor operator()(const Tensor& image, Rng& rng) const override;
  double p;
};

// Zero-pads by `padding` on every side, then crops a random size x size window (with probability p).
class RandomCrop : public Augmentation {
 public:
  RandomCrop(int64_t size, int64_t padding = 0, double p = 1.0);
  std::string name() const override { return "crop"; }
  Tensor operator()(const Tensor& image, Rng& rng) const override;
  int64_t size, padding;
  double p;
};

// Rotation by U(-degrees, degrees) and shift by U(-translate, translate) * size, around the
// centre, bilinear sampling, zeros outside (with probability p).
class RandomAffine : public Augmentation {
 public:
  RandomAffine(double degrees, double translate = 0.0, double p = 1.0);
  std::string name() const override { return "affine"; }
  Tensor operator()(const Tensor& image, Rng& rng) const override;
  double degrees, translate, p;
};

// Adds N(0, std^2) noise to every pixel (with probability p).
class GaussianNoise : public Augmentation {
 public:
  explicit GaussianNoise(double std = 0.1, double p = 1.0);
  std::string name() const override { return "noise"; }
  Tensor operator()(const Tensor& image, Rng& rng) const override;
  double std, p;
};

// Cutout / random erasing (Zhong et al., 2017): a random rectangle of area in [scale_min,
// scale_max] of the image and aspect ratio in [ratio_min, ratio_max] set to value (with probability p).
class RandomErasing : public Augmentation {
 public:
  explicit RandomErasing(double p = 0.5, double scale_min = 0.02, double scale_max = 0.33, double ratio_min = 0.3,
                         double ratio_max = 3.3, double value = 0.0);
  std::string name() const override { return "erase"; }
  Tensor operator()(const Tensor& image, Rng& rng) const override;
  double p, scale_min, scale_max, ratio_min, ratio_max, value;
};

// Brightness: x * U(1-b, 1+b); contrast: mean + (x - mean) * U(1-c, 1+c) (with probability p).
class ColorJitter : public Augmentation {
 public:
  ColorJitter(double brightness, double contrast, double p = 1.0);
  std::string name() const override { return "jitter"; }
  Tensor operator()(const Tensor& image, Rng& rng) const override;
  double brightness, contrast, p;
};

// Applies augmentations in order.
class Compose : public Augmentation {
 public:
  using List = std::vector<std::shared_ptr<const Augmentation>>;
  explicit Compose(List steps) : steps(std::move(steps)) {}
  std::string name() const override;
  Tensor operator()(const Tensor& image, Rng& rng) const override;
  List steps;
};

// A loader transform applying `augmentation` to each example's data.
ExampleTransform augment_data(std::shared_ptr<const Augmentation> augmentation);

// Builds augmentations from names: flip, crop, affine, noise, erase, jitter (for 28x28 images
// the defaults are: flip p=0.5, crop 28 pad 2, affine 10 degrees 0.1, noise 0.1, erase p=0.5,
// jitter 0.2/0.2).
std::shared_ptr<Compose> make_augmentation(const std::vector<std::string>& names, int64_t image_size);

}  // namespace tg::data
