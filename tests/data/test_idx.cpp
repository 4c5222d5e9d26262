// The IDX reader on the real Fashion-MNIST files and on crafted damaged ones.
#include <tapegrad/data.h>

#include <catch2/catch.hpp>
#include <zlib.h>

#include <filesystem>
#include <fstream>

using namespace tg;
namespace fs = std::filesystem;

namespace {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// An IDX file of unsigned bytes with the given dims and values 0, 1, 2, ...
std::string idx_bytes(const std::vector<uint32_t>& dims, int64_t values_override = -1) {
  std::string s{0, 0, 0x08, static_cast<char>(dims.size())};
  int64_t n = 1;
  for (uint32_t d : dims) {
    s += be32(d);
    n *= d;
  }
  if (values_override >= 0) n = values_override;
  for (int64_t i = 0; i < n; ++i) s += static_cast<char>(i % 251);
  return s;
}

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("tg_idx_" + std::to_string(::getpid()) + "_" + std::to_string(rand()))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
    return (path / name).string();
  }
  std::string write_gz(const std::string& name, const std::string& bytes) const {
    const std::string p = (path / name).string();
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return p;
  }
};

const std::string kFashion = data::FashionMNIST::kDefaultDir;

}  // namespace

TEST_CASE("IDX: a valid file, plain and gzip", "[data][idx]") {
  TempDir dir;
  const std::string bytes = idx_bytes({2, 3});
  for (const std::string& path : {dir.write("a.idx", bytes), dir.write_gz("a.idx.gz", bytes)}) {
    Tensor t = data::read_idx(path);
    REQUIRE(t.shape() == Shape{2, 3});
    REQUIRE(t.dtype() == kLong);
    REQUIRE(equal(t, arange(0, 6, 1, kLong).view({2, 3})));
    REQUIRE(data::read_idx(path, true).dtype() == kFloat);
  }
}

TEST_CASE("IDX: damaged files are rejected with the file name and the problem", "[data][idx]") {
  TempDir dir;
  const std::string good = idx_bytes({2, 3});
  struct Case {
    const char* name;
    std::string bytes;
    const char* message;
  };
  std::vector<Case> cases = {
      {"empty", "", "too short"},
      {"bad-magic", std::string{1, 0, 0x08, 1} + be32(1) + "x", "magic"},
      {"bad-type", std::string{0, 0, 0x07, 1} + be32(1) + "x", "unknown IDX data type"},
      {"zero-dims", std::string{0, 0, 0x08, 0}, "0 dimensions"},
      {"short-header", std::string{0, 0, 0x08, 3} + be32(2), "truncated IDX header"},
      {"truncated-data", good.substr(0, good.size() - 1), "size mismatch"},
      {"trailing-data", good + "zz", "size mismatch"},
      {"huge-dims", std::string{0, 0, 0x08, 3} + be32(0xFFFFFFFF) + be32(0xFFFFFFFF) + be32(0xFFFFFFFF), "overflow"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const std::string path = dir.write(c.name, c.bytes);
      REQUIRE_THROWS_WITH(data::read_idx(path), Catch::Contains(path) && Catch::Contains(c.message));
    }
  }
  SECTION("truncated gzip stream") {
    const std::string full = dir.write_gz("full.gz", idx_bytes({100, 100}));
    std::ifstream in(full, std::ios::binary);
    std::string gz((std::istreambuf_iterator<char>(in)), {});
    const std::string path = dir.write("cut.gz", gz.substr(0, gz.size() / 2));
    REQUIRE_THROWS_WITH(data::read_idx(path), Catch::Contains(path) && Catch::Contains("gzip"));
  }
  SECTION("missing file") {
    REQUIRE_THROWS_WITH(data::read_idx((dir.path / "nope").string()), Catch::Contains("nope") && Catch::Contains("cannot open"));
  }
}

TEST_CASE("Fashion-MNIST from the Debian package", "[data][idx][fashion]") {
  if (!fs::exists(kFashion)) {
    WARN("dataset-fashion-mnist is not installed; skipping");
    return;
  }
  data::FashionMNIST train(kFashion, data::Split::Train);
  data::FashionMNIST test(kFashion, data::Split::Test);
  REQUIRE(train.size() == 60000);
  REQUIRE(test.size() == 10000);
  REQUIRE(train.images().shape() == Shape{60000, 1, 28, 28});
  auto [image, label] = train.get(0);
  REQUIRE(image.shape() == Shape{1, 28, 28});
  REQUIRE(label.dtype() == kLong);
  REQUIRE(train.images().max().item<float>() <= 1.0f);
  REQUIRE(train.images().min().item<float>() >= 0.0f);
  // 6000 of each class in the training set.
  Tensor counts = one_hot(train.targets(), 10).sum(0);
  REQUIRE(equal(counts, full({10}, 6000, kLong)));
  REQUIRE(train.class_name(9) == "Ankle boot");
  REQUIRE_THROWS_WITH(data::FashionMNIST("/no/such/dir", data::Split::Train), Catch::Contains("/no/such/dir"));
}
