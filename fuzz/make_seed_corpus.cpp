// Writes the seed corpus of the fuzz targets, valid and damaged files of each reader, into
// fuzz/corpus/<target>/. Run after changing a file format, then commit the result:
//   build/<preset>/fuzz/fuzz_make_seed_corpus fuzz/corpus
// Inputs of the idx and csv targets start with one option byte (see fuzz_idx.cpp, fuzz_csv.cpp).
#include <tapegrad/nn.h>

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace tg;

namespace {

fs::path root;

void put(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string gzip(const std::string& bytes) {
  const fs::path tmp = fs::temp_directory_path() / "tg_seed_corpus.gz";
  gzFile f = gzopen(tmp.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  std::string out = slurp(tmp);
  fs::remove(tmp);
  return out;
}

// Damaged variants of a valid file: cut short, a byte changed in the header, the header length
// made too large.
void put_damaged(const std::string& target, const std::string& stem, const std::string& prefix, const std::string& valid) {
  put(target, stem + "-truncated", prefix + valid.substr(0, valid.size() / 2));
  std::string flipped = valid;
  flipped[std::min<size_t>(10, flipped.size() - 1)] ^= 0x5a;
  put(target, stem + "-flipped", prefix + flipped);
  std::string longer = valid;
  longer[3] = '\x7f';
  put(target, stem + "-bad-length", prefix + longer);
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string idx(char type, const std::vector<uint32_t>& dims, int value_bytes) {
  std::string s{0, 0, type, static_cast<char>(dims.size())};
  int64_t n = value_bytes;
  for (uint32_t d : dims) {
    s += be32(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i) s += static_cast<char>(i * 37 % 256);
  return s;
}

std::shared_ptr<nn::Sequential> fuzz_model(int64_t out) {
  manual_seed(0);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(3, out));
  m->push_back(std::make_shared<nn::BatchNorm1d>(out));
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  root = argv[1];

  // safetensors: each dtype, metadata, an empty tensor, several tensors.
  const std::vector<std::pair<std::string, io::TensorDict>> files = {
      {"f32", {{"w", arange(6, kFloat).view({2, 3})}}},
      {"f64-scalar", {{"x", tensor<double>({2.5}).view({})}}},
      {"i64-bool", {{"i", arange(4, kLong)}, {"b", tensor<bool>({true, false, true})}}},
      {"empty", {{"e", zeros({0, 3})}}},
  };
  for (const auto& [name, dict] : files) {
    const std::string bytes = io::serialize_safetensors(dict, name == "f32" ? io::Metadata{{"epoch", "3"}} : io::Metadata{});
    put("safetensors", name, bytes);
    put_damaged("safetensors", name, "", bytes);
  }

  // checkpoints: the model the target loads into, one with other shapes, one with a missing key.
  const fs::path tmp = fs::temp_directory_path() / "tg_seed_ckpt.safetensors";
  save(*fuzz_model(2), tmp.string());
  const std::string good = slurp(tmp);
  put("checkpoint", "valid", good);
  put_damaged("checkpoint", "valid", "", good);
  save(*fuzz_model(4), tmp.string());
  put("checkpoint", "other-shapes", slurp(tmp));
  io::TensorDict partial;
  for (const auto& [k, t] : fuzz_model(2)->state_dict())
    if (k != "1.running_var") partial.emplace_back(k, t.detach());
  put("checkpoint", "missing-key", io::serialize_safetensors(partial));
  fs::remove(tmp);

  // IDX: option byte (bit 0: as float), then the file; each type code, gzip, damage.
  const std::string images = idx(0x08, {2, 3, 3}, 1), labels = idx(0x08, {5}, 1);
  put("idx", "u8-images", std::string(1, '\0') + images);
  put("idx", "u8-labels-float", std::string(1, '\1') + labels);
  put("idx", "i8", std::string(1, '\0') + idx(0x09, {4}, 1));
  put("idx", "i16", std::string(1, '\0') + idx(0x0B, {2, 2}, 2));
  put("idx", "i32", std::string(1, '\1') + idx(0x0C, {3}, 4));
  put("idx", "f32", std::string(1, '\0') + idx(0x0D, {2}, 4));
  put("idx", "f64", std::string(1, '\0') + idx(0x0E, {1, 2}, 8));
  put("idx", "gzip", std::string(1, '\0') + gzip(images));
  put("idx", "gzip-truncated", std::string(1, '\0') + gzip(images).substr(0, 20));
  put("idx", "zero-dims", std::string(1, '\0') + idx(0x08, {}, 1));
  put("idx", "huge-dims", std::string(1, '\0') + std::string{0, 0, 0x0E, 3} + be32(0xffffffff) + be32(0xffffffff) + be32(0xffffffff));
  put_damaged("idx", "u8-images", std::string(1, '\0'), images);

  // CSV: option byte (bit 0 header, bits 1-2 delimiter , ; tab space, bit 3 regression, bit 4
  // target is column 0), then the text.
  put("csv", "header-class", "\x01" "a,b,label\n1,2,0\n3.5,-4e2,1\n");
  put("csv", "no-header-regression", "\x08" "1,2,0.5\n3,4,1.5\n");
  put("csv", "semicolon-quoted", std::string("\x03") + "\"x\";\"y\"\n\"1,5\";2\n\"7\";\"3\"\n");
  put("csv", "tab-crlf-bom", std::string("\x05") + "\xEF\xBB\xBF" "p\tq\r\n1\t2\r\n\r\n3\t4\r\n");
  put("csv", "target-first", "\x11" "y,f1,f2\n2,0.25,0.5\n0,1,1\n");
  put("csv", "bad-number", "\x01" "a,b\n1,abc\n");
  put("csv", "ragged", "\x01" "a,b\n1,2\n3\n");
  put("csv", "unterminated-quote", "\x01" "a,b\n\"1,2\n");
  put("csv", "negative-class", "\x01" "a,b\n1,-1\n");
  put("csv", "overflow", "\x08" "1e39,2\n");
  std::printf("seed corpus written to %s\n", root.c_str());
  return 0;
}
