// Checkpoints: bit-exact round trip, strictness, damaged files.
#include <tapegrad/nn.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace tg;
namespace fs = std::filesystem;

namespace {
std::shared_ptr<nn::Sequential> make_model() {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(6, 4));
  m->push_back(std::make_shared<nn::BatchNorm1d>(4));
  m->push_back(std::make_shared<nn::Linear>(4, 2));
  return m;
}
}  // namespace

TEST_CASE("save -> load is bit-exact, buffers included", "[nn][checkpoint]") {
  manual_seed(1);
  const std::string path = (fs::temp_directory_path() / "tg_ckpt_roundtrip.safetensors").string();
  auto a = make_model();
  a->forward(randn({8, 6}));  // running statistics move
  save(*a, path, {{"epoch", "3"}});
  auto b = make_model();
  load(*b, path);
  auto sa = a->state_dict(), sb = b->state_dict();
  REQUIRE(sa.size() == sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    REQUIRE(sa[i].first == sb[i].first);
    REQUIRE(equal(sa[i].second, sb[i].second));
  }
  REQUIRE(io::load_safetensors(path).metadata.at("epoch") == "3");
  fs::remove(path);
}

TEST_CASE("loading into a different model lists the key problems", "[nn][checkpoint]") {
  const std::string path = (fs::temp_directory_path() / "tg_ckpt_mismatch.safetensors").string();
  auto a = make_model();
  save(*a, path);
  auto other = std::make_shared<nn::Sequential>();
  other->push_back(std::make_shared<nn::Linear>(6, 4));
  REQUIRE_THROWS_WITH(load(*other, path), Catch::Contains(path) && Catch::Contains("unexpected keys") &&
                                              Catch::Contains("2.weight"));
  auto result = load(*other, path, /*strict=*/false);
  REQUIRE(result.unexpected_keys.size() == 7);
  auto wrong_shape = std::make_shared<nn::Sequential>();
  wrong_shape->push_back(std::make_shared<nn::Linear>(6, 5));
  REQUIRE_THROWS_WITH(load(*wrong_shape, path, false), Catch::Contains("0.weight") && Catch::Contains("[5, 6]"));
  fs::remove(path);
}

TEST_CASE("damaged checkpoints are rejected and leave the model untouched", "[nn][checkpoint]") {
  const std::string path = (fs::temp_directory_path() / "tg_ckpt_damaged.safetensors").string();
  auto a = make_model();
  save(*a, path);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  in.close();
  auto b = make_model();
  auto before = b->state_dict();
  for (size_t cut : {size_t{3}, size_t{20}, bytes.size() - 1}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, cut);
    REQUIRE_THROWS_WITH(load(*b, path), Catch::Contains(path));
  }
  for (size_t i = 0; i < before.size(); ++i) REQUIRE(equal(before[i].second, b->state_dict()[i].second));
  REQUIRE_THROWS_WITH(load(*b, "/no/such/file.safetensors"), Catch::Contains("/no/such/file.safetensors"));
  fs::remove(path);
}
