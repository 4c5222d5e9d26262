// safetensors I/O: bit-exact round trips, the exact byte layout (interoperability with Python's
// safetensors), rejection of damaged files, and atomic writes.
#include <catch2/catch.hpp>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <tapegrad/autograd.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

using namespace tg;
using namespace tg::io;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp folder, removed with its contents.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad_io_XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
  // Names of the entries in the folder, sorted.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f);
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string le64(uint64_t n) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out;
}

// A file as a writer would lay it out, without padding: header length, header, data.
std::string make_file(std::string_view header, std::string_view data) {
  return le64(header.size()) + std::string(header) + std::string(data);
}

// Same dtype, shape and bytes (NaN payloads and -0.0 included).
void require_identical(const Tensor& got, const Tensor& want) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  REQUIRE(got.strides() == contiguous_strides(got.shape()));
  const Tensor w = want.detach().contiguous();
  const auto n = static_cast<size_t>(w.numel() * w.itemsize());
  if (n > 0) REQUIRE(std::memcmp(got.raw_data(), w.raw_data(), n) == 0);
}

// A 3x4 tensor of values that are easy to get wrong: signed zeros, infinities, NaN, denormals, extremes.
Tensor awkward_values(DType dtype) {
  auto floats = [](auto zero) {
    using T = decltype(zero);
    using L = std::numeric_limits<T>;
    return std::vector<T>{T(0),         -T(0),       T(1.5),         T(-2.25),   L::infinity(), -L::infinity(),
                          L::quiet_NaN(), L::denorm_min(), L::max(), L::lowest(), L::epsilon(), T(3.14159)};
  };
  switch (dtype) {
    case kFloat: return tensor(floats(0.0f), {3, 4});
    case kDouble: return tensor(floats(0.0), {3, 4});
    case kLong: {
      using L = std::numeric_limits<int64_t>;
      return tensor(std::vector<int64_t>{0, -1, 1, L::min(), L::max(), 42, -42, 1 << 20, -(int64_t{1} << 40), 7, 8, 9},
                    {3, 4});
    }
    case kBool:
      return tensor(std::vector<bool>{true, false, false, true, true, true, false, false, true, false, true, false},
                    {3, 4});
  }
  FAIL("unknown dtype");
  return {};
}

// The message of the tg::Error that f throws (the test fails if it throws nothing or something else).
template <typename F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected a tg::Error");
  return {};
}

}  // namespace

TEST_CASE("safetensors round trip is bit-exact for each dtype and layout", "[io]") {
  const DType dtype = GENERATE(kFloat, kDouble, kLong, kBool);
  const Tensor base = awkward_values(dtype);
  const TensorDict tensors = {
      {"matrix", base},
      {"scalar", base.select(0, 1).select(0, 3).contiguous()},  // 0-d
      {"empty", empty({0, 3}, dtype)},
      {"empty_0d_rank3", empty({2, 0, 5}, dtype)},
      {"transposed", base.t()},
      {"strided", base.slice(1, 0, 4, 3)},
      {"expanded", base.select(0, 2).unsqueeze(0).expand({2, 4})},
  };
  REQUIRE_FALSE(tensors[4].second.is_contiguous());
  REQUIRE_FALSE(tensors[5].second.is_contiguous());

  TempDir dir;
  const std::string path = dir.file("t.safetensors");
  save_safetensors(path, tensors);
  const SafetensorsFile from_disk = load_safetensors(path);
  const SafetensorsFile from_memory = parse_safetensors(serialize_safetensors(tensors), "memory");
  REQUIRE(read_file(path) == serialize_safetensors(tensors));
  for (const SafetensorsFile* f : {&from_disk, &from_memory}) {
    REQUIRE(f->tensors.size() == tensors.size());
    REQUIRE(f->metadata.empty());
    for (size_t i = 0; i < tensors.size(); ++i) {
      INFO(tensors[i].first);
      REQUIRE(f->tensors[i].first == tensors[i].first);
      require_identical(f->tensors[i].second, tensors[i].second);
      REQUIRE_FALSE(f->tensors[i].second.shares_storage(tensors[i].second));
    }
  }
}

TEST_CASE("safetensors keeps names, their order and metadata", "[io]") {
  // Names in no sorted order, mixed item sizes (so the data order differs from the name order),
  // and strings that JSON must escape.
  const TensorDict tensors = {
      {"z.bias", tensor(std::vector<bool>{true, false, true})},
      {"a \"quoted\"\n\tname", tensor(std::vector<float>{1.0f, 2.0f})},
      {"m.weight", tensor(std::vector<double>{3.0}, {1, 1})},
      {"ünïcødé ✓", tensor(std::vector<int64_t>{-5, 6})},
      {"", empty({0}, kFloat)},
  };
  const Metadata metadata = {{"format", "pt"}, {"epoch", "12"}, {"empty", ""}, {"note ✓", "line\nbreak \"q\""}};
  const SafetensorsFile f = parse_safetensors(serialize_safetensors(tensors, metadata), "memory");
  REQUIRE(f.metadata == metadata);
  REQUIRE(f.tensors.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    REQUIRE(f.tensors[i].first == tensors[i].first);
    require_identical(f.tensors[i].second, tensors[i].second);
  }
}

TEST_CASE("safetensors saves tensors that require grad without recording a graph", "[io]") {
  Tensor w = tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_(true);
  const SafetensorsFile f = parse_safetensors(serialize_safetensors({{"wt", w.t()}}), "memory");
  require_identical(f.tensors[0].second, w.t());
  REQUIRE_FALSE(f.tensors[0].second.requires_grad());
}

TEST_CASE("safetensors writes the reference byte layout", "[io]") {
  SECTION("one F32 tensor, header padded with spaces to a multiple of 8") {
    // The reference implementation's own serialization test case (tensor.rs).
    const std::string want = bytes({72, 0, 0, 0, 0, 0, 0, 0}) +
                             R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})" + "       " +
                             bytes({0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40,  // 0, 1, 2
                                    0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40});  // 3, 4, 5
    const Tensor attn0 = tensor(std::vector<float>{0, 1, 2, 3, 4, 5}, {1, 1, 2, 3});
    REQUIRE(serialize_safetensors({{"attn0", attn0}}) == want);
    require_identical(parse_safetensors(want, "golden").tensors.at(0).second, attn0);
  }
  SECTION("metadata first; larger items first in the data buffer; names in insertion order") {
    const std::string want =
        bytes({0x90, 0, 0, 0, 0, 0, 0, 0}) +
        R"({"__metadata__":{"note":"hi"},"b":{"dtype":"BOOL","shape":[2],"data_offsets":[8,10]},)" +
        R"("x":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})" + "       " +
        bytes({0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 1, 0});  // x = 1.0, then b = {true, false}
    const TensorDict tensors = {{"b", tensor(std::vector<bool>{true, false})}, {"x", scalar_tensor(1.0, kDouble)}};
    REQUIRE(serialize_safetensors(tensors, {{"note", "hi"}}) == want);
    const SafetensorsFile f = parse_safetensors(want, "golden");
    REQUIRE(f.tensors.at(0).first == "b");
    REQUIRE(f.tensors.at(1).first == "x");
    REQUIRE(f.tensors.at(1).second.item<double>() == 1.0);
  }
  SECTION("no tensors") {
    REQUIRE(serialize_safetensors({}) == bytes({8, 0, 0, 0, 0, 0, 0, 0}) + "{}      ");
    REQUIRE(serialize_safetensors({}, {{"framework", "pt"}}) ==
            bytes({40, 0, 0, 0, 0, 0, 0, 0}) + R"({"__metadata__":{"framework":"pt"}})" + "     ");
    const SafetensorsFile f = parse_safetensors(bytes({8, 0, 0, 0, 0, 0, 0, 0}) + "{}      ", "golden");
    REQUIRE(f.tensors.empty());
    REQUIRE(f.metadata.empty());
  }
}

TEST_CASE("safetensors accepts what other writers may produce", "[io]") {
  // Unpadded header, tensors listed out of data order, unknown extra fields, null metadata.
  const std::string file = make_file(
      R"({"__metadata__":null,"b":{"dtype":"I64","shape":[1],"data_offsets":[4,12],"extra":1},)"
      R"("a":{"data_offsets":[0,4],"shape":[],"dtype":"F32"}})",
      bytes({0, 0, 0x80, 0x3f, 7, 0, 0, 0, 0, 0, 0, 0}));
  const SafetensorsFile f = parse_safetensors(file, "other");
  REQUIRE(f.tensors.at(0).first == "b");
  REQUIRE(f.tensors.at(0).second.item<int64_t>() == 7);
  REQUIRE(f.tensors.at(1).first == "a");
  REQUIRE(f.tensors.at(1).second.item<float>() == 1.0f);
  REQUIRE(f.metadata.empty());
}

namespace {

struct Damaged {
  std::string what;
  std::string bytes;
  std::string message;  // a distinctive part of the error
};

std::vector<Damaged> damaged_files() {
  const std::string f32 = bytes({0, 0, 0x80, 0x3f, 0, 0, 0, 0x40});  // {1.0f, 2.0f}
  const std::string entry = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string valid = make_file(R"({"a":)" + entry + "}", f32);
  auto with = [&](const std::string& header, const std::string& data) { return make_file(header, data); };
  return {
      {"empty file", "", "the file is 0 bytes long, too short for the 8-byte header length"},
      {"7 bytes", valid.substr(0, 7), "the file is 7 bytes long"},
      {"header length over the cap", le64(100'000'001) + "{}", "header length 100000001 exceeds the limit"},
      {"header length 2^64-1", le64(~uint64_t{0}) + "{}", "header length 18446744073709551615 exceeds the limit"},
      {"header length past the end", le64(1000) + "{}", "header length 1000 exceeds the 2 bytes that follow"},
      {"truncated in the header", valid.substr(0, 20), "exceeds the 12 bytes that follow"},
      {"truncated in the data", valid.substr(0, valid.size() - 3),
       "tensor 'a': data_offsets [0, 8] reach past the end of the 5-byte data buffer"},
      {"trailing bytes", valid + "junk", "data bytes [8, 12) at the end of the file belong to no tensor"},
      {"empty header", le64(0), "unexpected end of input"},
      {"invalid JSON", with(R"({"a":)", ""), "the header is not valid JSON"},
      {"invalid UTF-8", with("{\"a\xff\":" + entry + "}", f32), "ill-formed UTF-8"},
      {"header is an array", with("[1,2]", ""), "the header must be a JSON object, got array"},
      {"entry is not an object", with(R"({"a":[0,8]})", f32), "tensor 'a': the entry must be a JSON object, got array"},
      {"deeply nested entry", with(R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}", ""),
       "tensor 'a': the entry must be a JSON object"},
      {"missing dtype", with(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", f32), "tensor 'a': missing \"dtype\""},
      {"missing shape", with(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", f32), "tensor 'a': missing \"shape\""},
      {"missing data_offsets", with(R"({"a":{"dtype":"F32","shape":[2]}})", f32),
       "tensor 'a': missing \"data_offsets\""},
      {"dtype not a string", with(R"({"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}})", f32),
       "\"dtype\" must be a string, got number"},
      {"unknown dtype", with(R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", f32),
       "unsupported dtype 'F16'"},
      {"shape not an array", with(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", f32),
       "\"shape\" must be an array, got number"},
      {"negative size", with(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", f32),
       "shape[0] = -2 is negative"},
      {"fractional size", with(R"({"a":{"dtype":"F32","shape":[1,2.0],"data_offsets":[0,8]}})", f32),
       "shape[1] must be an integer, got 2.0"},
      {"string size", with(R"({"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", f32),
       "shape[0] must be an integer, got \"2\""},
      {"size beyond int64", with(R"({"a":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]}})", f32),
       "shape[0] = 9223372036854775808 is too large"},
      {"element count overflow",
       with(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", f32),
       "shape [4294967296, 4294967296] overflows int64"},
      {"byte count overflow", with(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}})", f32),
       "shape [2305843009213693952] overflows int64"},
      {"data_offsets not an array", with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":8}})", f32),
       "\"data_offsets\" must be two non-negative integers"},
      {"three data_offsets", with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}})", f32),
       "\"data_offsets\" must be two non-negative integers"},
      {"negative data_offset", with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", f32),
       "\"data_offsets\" must be two non-negative integers"},
      {"decreasing data_offsets", with(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", f32),
       "data_offsets [8, 0] end before they begin"},
      {"size does not match the shape", with(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f32),
       "tensor 'a': data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12"},
      {"data_offsets outside the buffer", with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", f32),
       "data_offsets [8, 16] reach past the end of the 8-byte data buffer"},
      {"overlapping tensors",
       with(R"({"a":)" + entry + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f32),
       "tensors 'a' and 'b' overlap: data_offsets [0, 8] and [4, 8]"},
      {"gap between tensors",
       with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
            f32 + "pads"),
       "data bytes [4, 8) belong to no tensor (gap before 'b')"},
      {"gap at the start", with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f32),
       "data bytes [0, 4) belong to no tensor (gap before 'a')"},
      {"repeated tensor name", with(R"({"a":)" + entry + R"(,"a":)" + entry + "}", f32),
       "the header repeats the key 'a'"},
      {"repeated field", with(R"({"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}})", f32),
       "the header repeats the key 'dtype'"},
      {"metadata not an object", with(R"({"__metadata__":["x"]})", ""),
       "\"__metadata__\" must be an object of strings, got array"},
      {"metadata value not a string", with(R"({"__metadata__":{"epoch":3}})", ""),
       "\"__metadata__\" value of 'epoch' must be a string, got number"},
      {"BOOL byte not 0 or 1",
       with(R"({"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"m":{"dtype":"BOOL","shape":[3],"data_offsets":[8,11]}})",
            std::string(8, '\0') + bytes({1, 0, 2})),
       "tensor 'm': BOOL byte 2 at data offset 10 is neither 0 nor 1"},
  };
}

}  // namespace

TEST_CASE("safetensors rejects each kind of damaged file with its own message", "[io]") {
  const Damaged c = GENERATE(from_range(damaged_files()));
  INFO(c.what);
  const std::string parsed = error_of([&] { (void)parse_safetensors(c.bytes, "damaged.safetensors"); });
  CHECK_THAT(parsed, Contains("parse_safetensors: 'damaged.safetensors': ") && Contains(c.message));

  TempDir dir;
  const std::string path = dir.file("damaged.safetensors");
  write_file(path, c.bytes);
  const std::string loaded = error_of([&] { (void)load_safetensors(path); });
  CHECK_THAT(loaded, Contains("load_safetensors: '" + path + "': ") && Contains(c.message));
}

TEST_CASE("load_safetensors reports files it cannot read", "[io]") {
  TempDir dir;
  const std::string missing = dir.file("missing.safetensors");
  REQUIRE_THROWS_WITH(load_safetensors(missing),
                      Contains("load_safetensors: '" + missing + "'") && Contains("No such file or directory"));
  REQUIRE_THROWS_WITH(load_safetensors(dir.path.string()), Contains("not a regular file"));
}

TEST_CASE("save_safetensors rejects bad input and leaves the old file alone", "[io]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const Tensor t = tensor(std::vector<float>{1, 2});
  save_safetensors(path, {{"w", t}});
  const std::string old = read_file(path);

  REQUIRE_THROWS_WITH(save_safetensors(path, {{"w", t}, {"w", t}}),
                      Contains("save_safetensors: duplicate tensor name 'w'"));
  REQUIRE_THROWS_WITH(save_safetensors(path, {{"__metadata__", t}}), Contains("reserved for metadata"));
  REQUIRE_THROWS_WITH(save_safetensors(path, {{"w", Tensor()}}), Contains("tensor 'w' is undefined"));
  REQUIRE_THROWS_WITH(save_safetensors(path, {{"bad\xff", t}}), Contains("must be valid UTF-8"));
  REQUIRE_THROWS_WITH(serialize_safetensors({}, {{"k", "bad\xff"}}),
                      Contains("serialize_safetensors: tensor names and metadata must be valid UTF-8"));
  REQUIRE(read_file(path) == old);
  REQUIRE(dir.listing() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("atomic_write_file replaces the whole file and leaves no temporary file", "[io]") {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  atomic_write_file(path, std::string(10000, 'x'));
  REQUIRE(read_file(path) == std::string(10000, 'x'));
  atomic_write_file(path, "short");
  REQUIRE(read_file(path) == "short");
  atomic_write_file(path, "");
  REQUIRE(read_file(path).empty());
  REQUIRE(dir.listing() == std::vector<std::string>{"out.bin"});

  SECTION("a bare file name writes into the working folder") {
    const fs::path previous = fs::current_path();
    fs::current_path(dir.path);
    atomic_write_file("bare.bin", "in cwd");
    fs::current_path(previous);
    REQUIRE(read_file(dir.file("bare.bin")) == "in cwd");
    REQUIRE(dir.listing() == std::vector<std::string>{"bare.bin", "out.bin"});
  }
}

namespace {

// Limits the size of files this process may write (writes past it fail with EFBIG instead of
// raising SIGXFSZ) until the end of the scope.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_) == 0);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = old_;
    lowered.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lowered) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  sighandler_t old_handler_ = SIG_DFL;
};

}  // namespace

TEST_CASE("atomic_write_file failures throw and keep the old file", "[io]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  save_safetensors(path, {{"w", tensor(std::vector<float>{1, 2, 3})}});
  const std::string old = read_file(path);

  SECTION("the parent is a regular file") {
    const std::string inside = path + "/child.safetensors";
    REQUIRE_THROWS_WITH(save_safetensors(inside, {{"w", tensor(std::vector<float>{4})}}),
                        Contains("atomic_write_file: cannot create a temporary file next to '" + inside) &&
                            Contains("Not a directory"));
  }
  SECTION("the parent does not exist") {
    REQUIRE_THROWS_WITH(atomic_write_file(dir.file("no/such/folder/x.bin"), "data"),
                        Contains("No such file or directory"));
  }
  SECTION("the target is a folder: rename fails, the temporary file is removed") {
    fs::create_directory(dir.file("folder"));
    REQUIRE_THROWS_WITH(atomic_write_file(dir.file("folder"), "data"),
                        Contains("atomic_write_file: cannot write '" + dir.file("folder") + "' (renaming"));
    REQUIRE(fs::is_directory(dir.file("folder")));
  }
  SECTION("the write fails halfway (file size limit): the temporary file is removed") {
    const std::string big(4096, 'y');
    std::string message;
    {
      FileSizeLimit limit(100);
      message = error_of([&] { atomic_write_file(path, big); });
    }
    CHECK_THAT(message, Contains("atomic_write_file: cannot write '" + path + "' (writing") &&
                            Contains("File too large"));
  }
  REQUIRE(read_file(path) == old);
  const std::vector<std::string> listing = dir.listing();
  for (const std::string& name : listing) REQUIRE(name.find(".tmp") == std::string::npos);
}
