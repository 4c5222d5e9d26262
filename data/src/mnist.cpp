#include <tapegrad/data/idx.h>
#include <tapegrad/data/mnist.h>

#include <filesystem>

namespace tg::data {

namespace {
// The file of that stem in dir, compressed or not.
std::string find_file(const std::string& dir, const std::string& stem, const char* dataset) {
  namespace fs = std::filesystem;
  TG_CHECK(fs::is_directory(dir), "{}: data directory {} does not exist (install the Debian package "
           "dataset-fashion-mnist, or pass another directory)", dataset, dir);
  for (const char* ext : {".gz", ""}) {
    const fs::path p = fs::path(dir) / (stem + ext);
    if (fs::exists(p)) return p.string();
  }
  TG_FAIL("{}: neither {}/{} nor {}/{}.gz exists", dataset, dir, stem, dir, stem);
}
}  // namespace

MNIST::MNIST(const std::string& dir, Split split) : MNIST(dir, split, "MNIST") {}

MNIST::MNIST(const std::string& dir, Split split, const char* dataset) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string image_path = find_file(dir, prefix + "-images-idx3-ubyte", dataset);
  const std::string label_path = find_file(dir, prefix + "-labels-idx1-ubyte", dataset);
  Tensor images = read_idx(image_path, /*as_float=*/true);
  Tensor labels = read_idx(label_path);
  TG_CHECK(images.dim() == 3, "{}: expected 3 dims (N, rows, cols) of images, got shape {}", image_path, images.shape());
  TG_CHECK(labels.dim() == 1, "{}: expected 1 dim of labels, got shape {}", label_path, labels.shape());
  TG_CHECK(images.size(0) == labels.size(0), "{}: {} images but {} has {} labels", image_path, images.size(0),
           label_path, labels.size(0));
  const int64_t* lp = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < labels.numel(); ++i)
    TG_CHECK(lp[i] >= 0 && lp[i] < kNumClasses, "{}: label {} at index {} is not in 0..9", label_path, lp[i], i);
  {
    NoGradGuard no_grad;
    images_ = (images / 255.0).unsqueeze(1).contiguous();
  }
  targets_ = labels;
}

Example MNIST::get(int64_t index) const {
  check_index(index, size(), "MNIST");
  return {images_.select(0, index), targets_.select(0, index)};
}

std::string_view MNIST::class_name(int64_t label) const {
  static constexpr std::array<std::string_view, 10> digits = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  TG_CHECK(label >= 0 && label < kNumClasses, "MNIST: label {} is not in 0..9", label);
  return digits[static_cast<size_t>(label)];
}

std::string_view FashionMNIST::class_name(int64_t label) const {
  TG_CHECK(label >= 0 && label < kNumClasses, "FashionMNIST: label {} is not in 0..9", label);
  return kClassNames[static_cast<size_t>(label)];
}

}  // namespace tg::data
