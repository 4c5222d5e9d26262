// Each augmentation's effect on a known image.
#include <tapegrad/data.h>

#include <catch2/catch.hpp>

using namespace tg;

namespace {
// (1, 4, 4) image with pixel value 10*row + col.
Tensor known_image() {
  std::vector<float> v;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) v.push_back(static_cast<float>(10 * r + c));
  return tensor<float>(v, {1, 4, 4});
}
}  // namespace

TEST_CASE("flip mirrors columns, with its probability", "[data][augment]") {
  data::Rng rng(1);
  Tensor img = known_image();
  Tensor flipped = data::RandomHorizontalFlip(1.0)(img, rng);
  REQUIRE(flipped.select(1, 0).select(1, 0).item<float>() == 3.0f);
  REQUIRE(flipped.select(1, 2).select(1, 3).item<float>() == 20.0f);
  REQUIRE(equal(data::RandomHorizontalFlip(0.0)(img, rng), img));
  REQUIRE(equal(img, known_image()));  // input untouched
}

TEST_CASE("crop with padding shifts the image within the padded frame", "[data][augment]") {
  Tensor img = known_image();
  for (int seed = 0; seed < 20; ++seed) {
    data::Rng rng(static_cast<uint64_t>(seed));
    Tensor out = data::RandomCrop(4, 1)(img, rng);
    REQUIRE(out.shape() == Shape{1, 4, 4});
    // Every nonzero output pixel is a source pixel moved by the same (dy, dx) in [-1, 1].
    bool found = false;
    for (int dy = -1; dy <= 1 && !found; ++dy)
      for (int dx = -1; dx <= 1 && !found; ++dx) {
        bool match = true;
        for (int r = 0; r < 4; ++r)
          for (int c = 0; c < 4; ++c) {
            const int sr = r + dy, sc = c + dx;
            const float want = (sr < 0 || sr > 3 || sc < 0 || sc > 3) ? 0.0f : static_cast<float>(10 * sr + sc);
            match = match && out.select(1, r).select(1, c).item<float>() == want;
          }
        found = match;
      }
    REQUIRE(found);
  }
  data::Rng rng(0);
  REQUIRE_THROWS_WITH(data::RandomCrop(9, 2)(img, rng), Catch::Contains("RandomCrop"));
}

TEST_CASE("affine with zero range is the identity, a rotation keeps the frame", "[data][augment]") {
  data::Rng rng(3);
  Tensor img = known_image();
  REQUIRE(allclose(data::RandomAffine(0.0, 0.0)(img, rng), img));
  // degrees range [-90, 90] draws some angle; with translate 0 the centre pixel mass is kept in the frame.
  Tensor rotated = data::RandomAffine(90.0)(img, rng);
  REQUIRE(rotated.shape() == img.shape());
  REQUIRE(rotated.sum().item<float>() > 0.0f);
}

TEST_CASE("noise has the requested spread", "[data][augment]") {
  data::Rng rng(5);
  Tensor img = zeros({1, 64, 64});
  Tensor noisy = data::GaussianNoise(0.5)(img, rng);
  REQUIRE(noisy.mean().item<float>() == Approx(0.0).margin(0.03));
  REQUIRE(noisy.std().item<float>() == Approx(0.5).epsilon(0.05));
}

TEST_CASE("erasing sets one rectangle to the value", "[data][augment]") {
  data::Rng rng(9);
  Tensor img = ones({1, 20, 20});
  Tensor out = data::RandomErasing(1.0, 0.1, 0.1, 1.0, 1.0, 0.0)(img, rng);  // a 6x6 square (area 40 -> 6x6)
  const double erased = 400.0 - out.sum().item<float>();
  REQUIRE(erased == 36.0);
}

TEST_CASE("jitter scales brightness and contrast", "[data][augment]") {
  data::Rng rng(2);
  Tensor img = known_image();
  Tensor out = data::ColorJitter(0.5, 0.0)(img, rng);
  const double ratio = out.sum().item<float>() / img.sum().item<float>();
  REQUIRE(ratio >= 0.5);
  REQUIRE(ratio <= 1.5);
  // The relative pattern is kept (brightness only).
  REQUIRE(allclose(out / ratio, img, 1e-4, 1e-3));
}

TEST_CASE("compose and names", "[data][augment]") {
  auto aug = data::make_augmentation({"flip", "crop", "noise", "erase"}, 4);
  REQUIRE(aug->name() == "flip,crop,noise,erase");
  data::Rng a(7), b(7);
  REQUIRE(equal((*aug)(known_image(), a), (*aug)(known_image(), b)));
  REQUIRE_THROWS_WITH(data::make_augmentation({"mirror"}, 4), Catch::Contains("mirror"));
  data::Rng rng(0);
  REQUIRE_THROWS_WITH(data::RandomHorizontalFlip()(zeros({4, 4}), rng), Catch::Contains("(C, H, W)"));
}
