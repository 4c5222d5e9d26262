#include <tapegrad/data/augment.h>

#include <cmath>
#include <numbers>

namespace tg::data {

namespace {

// (C, H, W) float32 contiguous copy of the image, and its sizes.
struct Image {
  Tensor t;
  int64_t C, H, W;
  float* data() const { return t.data_ptr<float>(); }
};

Image image_of(const Tensor& image, const char* who) {
  TG_CHECK(image.defined() && image.dim() == 3, "{}: expected an image (C, H, W), got shape {}", who,
           image.defined() ? image.shape() : Shape{});
  TG_CHECK(image.is_floating_point(), "{}: expected a float image, got {}", who, image.dtype());
  Tensor t = image.detach().to(kFloat).contiguous().clone();
  return {t, image.size(0), image.size(1), image.size(2)};
}

bool happens(double p, Rng& rng) { return p >= 1.0 || uniform01(rng) < p; }
double uniform(Rng& rng, double lo, double hi) { return lo + (hi - lo) * uniform01(rng); }

void check_probability(double p, const char* who) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "{}: probability must be in [0, 1], got {}", who, p);
}

Tensor restore_dtype(const Image& img, const Tensor& original) { return img.t.to(original.dtype()); }

}  // namespace

RandomHorizontalFlip::RandomHorizontalFlip(double prob) : p(prob) { check_probability(p, "RandomHorizontalFlip"); }

Tensor RandomHorizontalFlip::operator()(const Tensor& image, Rng& rng) const {
  Image img = image_of(image, "RandomHorizontalFlip");
  if (!happens(p, rng)) return restore_dtype(img, image);
  float* d = img.data();
  for (int64_t row = 0; row < img.C * img.H; ++row) std::reverse(d + row * img.W, d + (row + 1) * img.W);
  return restore_dtype(img, image);
}

RandomCrop::RandomCrop(int64_t crop_size, int64_t pad, double prob) : size(crop_size), padding(pad), p(prob) {
  TG_CHECK(size > 0 && padding >= 0, "RandomCrop: size must be positive and padding non-negative, got {} and {}", size,
           padding);
  check_probability(p, "RandomCrop");
}

Tensor RandomCrop::operator()(const Tensor& image, Rng& rng) const {
  Image img = image_of(image, "RandomCrop");
  const int64_t PH = img.H + 2 * padding, PW = img.W + 2 * padding;
  TG_CHECK(size <= PH && size <= PW, "RandomCrop: crop {} is larger than the padded image {}x{}", size, PH, PW);
  if (!happens(p, rng)) return restore_dtype(img, image);
  // Window origin in padded coordinates; source pixel = padded - padding.
  const auto top = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(PH - size + 1)));
  const auto left = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(PW - size + 1)));
  Tensor out = zeros({img.C, size, size});
  float* o = out.data_ptr<float>();
  const float* s = img.data();
  for (int64_t c = 0; c < img.C; ++c)
    for (int64_t y = 0; y < size; ++y) {
      const int64_t sy = top + y - padding;
      if (sy < 0 || sy >= img.H) continue;
      for (int64_t x = 0; x < size; ++x) {
        const int64_t sx = left + x - padding;
        if (sx >= 0 && sx < img.W) o[(c * size + y) * size + x] = s[(c * img.H + sy) * img.W + sx];
      }
    }
  return out.to(image.dtype());
}

RandomAffine::RandomAffine(double deg, double trans, double prob) : degrees(deg), translate(trans), p(prob) {
  TG_CHECK(degrees >= 0 && translate >= 0 && translate <= 1,
           "RandomAffine: degrees must be >= 0 and translate in [0, 1], got {} and {}", degrees, translate);
  check_probability(p, "RandomAffine");
}

Tensor RandomAffine::operator()(const Tensor& image, Rng& rng) const {
  Image img = image_of(image, "RandomAffine");
  if (!happens(p, rng)) return restore_dtype(img, image);
  const double angle = uniform(rng, -degrees, degrees) * std::numbers::pi / 180.0;
  const double tx = uniform(rng, -translate, translate) * static_cast<double>(img.W);
  const double ty = uniform(rng, -translate, translate) * static_cast<double>(img.H);
  const double cx = (static_cast<double>(img.W) - 1) / 2, cy = (static_cast<double>(img.H) - 1) / 2;
  const double cs = std::cos(angle), sn = std::sin(angle);
  Tensor out = zeros({img.C, img.H, img.W});
  float* o = out.data_ptr<float>();
  const float* s = img.data();
  // Inverse mapping: for each output pixel, the source point it comes from.
  for (int64_t y = 0; y < img.H; ++y)
    for (int64_t x = 0; x < img.W; ++x) {
      const double dx = static_cast<double>(x) - cx - tx, dy = static_cast<double>(y) - cy - ty;
      const double sx = cs * dx + sn * dy + cx, sy = -sn * dx + cs * dy + cy;
      const auto x0 = static_cast<int64_t>(std::floor(sx)), y0 = static_cast<int64_t>(std::floor(sy));
      const double fx = sx - static_cast<double>(x0), fy = sy - static_cast<double>(y0);
      for (int64_t c = 0; c < img.C; ++c) {
        auto at = [&](int64_t yy, int64_t xx) -> double {
          return (yy < 0 || yy >= img.H || xx < 0 || xx >= img.W) ? 0.0 : s[(c * img.H + yy) * img.W + xx];
        };
        const double v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
                         fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        o[(c * img.H + y) * img.W + x] = static_cast<float>(v);
      }
    }
  return out.to(image.dtype());
}

GaussianNoise::GaussianNoise(double sd, double prob) : std(sd), p(prob) {
  TG_CHECK(std >= 0, "GaussianNoise: std must be non-negative, got {}", std);
  check_probability(p, "GaussianNoise");
}

Tensor GaussianNoise::operator()(const Tensor& image, Rng& rng) const {
  Image img = image_of(image, "GaussianNoise");
  if (!happens(p, rng)) return restore_dtype(img, image);
  float* d = img.data();
  const int64_t n = img.t.numel();
  // Box-Muller, two normals per pair of uniforms.
  for (int64_t i = 0; i < n; i += 2) {
    const double u1 = 1.0 - uniform01(rng), u2 = uniform01(rng);
    const double r = std::sqrt(-2.0 * std::log(u1)) * std;
    d[i] += static_cast<float>(r * std::cos(2 * std::numbers::pi * u2));
    if (i + 1 < n) d[i + 1] += static_cast<float>(r * std::sin(2 * std::numbers::pi * u2));
  }
  return restore_dtype(img, image);
}

RandomErasing::RandomErasing(double prob, double smin, double smax, double rmin, double rmax, double v)
    : p(prob), scale_min(smin), scale_max(smax), ratio_min(rmin), ratio_max(rmax), value(v) {
  check_probability(p, "RandomErasing");
  TG_CHECK(0 < smin && smin <= smax && smax <= 1 && 0 < rmin && rmin <= rmax,
           "RandomErasing: need 0 < scale_min <= scale_max <= 1 and 0 < ratio_min <= ratio_max, got scale [{}, {}], "
           "ratio [{}, {}]",
           smin, smax, rmin, rmax);
}

Tensor RandomErasing::operator()(const Tensor& image, Rng& rng) const {
  Image img = image_of(image, "RandomErasing");
  if (!happens(p, rng)) return restore_dtype(img, image);
  const double area = static_cast<double>(img.H * img.W);
  // Up to 10 tries for a rectangle that fits, as in the paper's reference implementation.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * uniform(rng, scale_min, scale_max);
    const double ratio = std::exp(uniform(rng, std::log(ratio_min), std::log(ratio_max)));
    const auto h = static_cast<int64_t>(std::round(std::sqrt(target * ratio)));
    const auto w = static_cast<int64_t>(std::round(std::sqrt(target / ratio)));
    if (h < 1 || w < 1 || h > img.H || w > img.W) continue;
    const auto top = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(img.H - h + 1)));
    const auto left = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(img.W - w + 1)));
    float* d = img.data();
    for (int64_t c = 0; c < img.C; ++c)
      for (int64_t y = top; y < top + h; ++y)
        for (int64_t x = left; x < left + w; ++x) d[(c * img.H + y) * img.W + x] = static_cast<float>(value);
    break;
  }
  return restore_dtype(img, image);
}

ColorJitter::ColorJitter(double b, double c, double prob) : brightness(b), contrast(c), p(prob) {
  TG_CHECK(b >= 0 && b <= 1 && c >= 0 && c <= 1, "ColorJitter: brightness and contrast must be in [0, 1], got {} and {}",
           b, c);
  check_probability(p, "ColorJitter");
}

Tensor ColorJitter::operator()(const Tensor& image, Rng& rng) const {
  Image img = image_of(image, "ColorJitter");
  if (!happens(p, rng)) return restore_dtype(img, image);
  const double bf = uniform(rng, 1 - brightness, 1 + brightness);
  const double cf = uniform(rng, 1 - contrast, 1 + contrast);
  float* d = img.data();
  const int64_t n = img.t.numel();
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) mean += d[i] * bf;
  mean /= static_cast<double>(std::max<int64_t>(n, 1));
  for (int64_t i = 0; i < n; ++i) d[i] = static_cast<float>(mean + (d[i] * bf - mean) * cf);
  return restore_dtype(img, image);
}

std::string Compose::name() const {
  std::string out;
  for (const auto& s : steps) {
    if (!out.empty()) out += ',';
    out += s->name();
  }
  return out;
}

Tensor Compose::operator()(const Tensor& image, Rng& rng) const {
  Tensor x = image;
  for (const auto& s : steps) x = (*s)(x, rng);
  return x;
}

ExampleTransform augment_data(std::shared_ptr<const Augmentation> augmentation) {
  TG_CHECK(augmentation != nullptr, "augment_data: the augmentation is null");
  return [augmentation](Example e, Rng& rng) {
    e.data = (*augmentation)(e.data, rng);
    return e;
  };
}

std::shared_ptr<Compose> make_augmentation(const std::vector<std::string>& names, int64_t image_size) {
  Compose::List steps;
  for (const std::string& n : names) {
    if (n == "flip") steps.push_back(std::make_shared<RandomHorizontalFlip>(0.5));
    else if (n == "crop") steps.push_back(std::make_shared<RandomCrop>(image_size, 2));
    else if (n == "affine") steps.push_back(std::make_shared<RandomAffine>(10.0, 0.1));
    else if (n == "noise") steps.push_back(std::make_shared<GaussianNoise>(0.1));
    else if (n == "erase") steps.push_back(std::make_shared<RandomErasing>(0.5));
    else if (n == "jitter") steps.push_back(std::make_shared<ColorJitter>(0.2, 0.2));
    else TG_FAIL("augment: unknown augmentation '{}' (expected flip, crop, affine, noise, erase or jitter)", n);
  }
  return std::make_shared<Compose>(std::move(steps));
}

}  // namespace tg::data
