// The safetensors format: writer, and a reader that trusts nothing in the file.
//
// Validation follows the reference implementation (huggingface/safetensors, tensor.rs): header
// length capped at 100 MB and within the file, a JSON object header, sizes checked for overflow,
// each tensor's byte range matching its dtype and shape, and the ranges tiling the data buffer
// exactly (no gaps, no overlaps). Stricter than the reference: repeated JSON keys and BOOL bytes
// other than 0/1 are errors. Memory is allocated only after the whole header is validated, so it
// never exceeds what the file actually holds.
#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/io.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <tuple>

#include "io/unique_fd.h"

namespace tg::io {

namespace {

// Tensor bytes are copied to and from the file as they are.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

using json = nlohmann::ordered_json;  // keeps the file's tensor order
using detail::errno_text;
using detail::UniqueFd;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's cap
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeName {
  const char* name;
  DType dtype;
};
constexpr DTypeName kDTypeNames[] = {{"F32", kFloat}, {"F64", kDouble}, {"I64", kLong}, {"BOOL", kBool}};
static_assert(std::size(kDTypeNames) == 4, "one safetensors name per tg::DType");

const char* safetensors_name(DType d) {
  for (const auto& [name, dtype] : kDTypeNames) {
    if (dtype == d) return name;
  }
  TG_FAIL("safetensors: dtype {} has no safetensors name", d);
}

// ---- reading --------------------------------------------------------------------------------

// Who reads which file, for error messages: "load_safetensors: 'model.safetensors': <problem>".
struct Source {
  std::string_view op;
  const std::string& file;

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    TG_FAIL("{}: '{}': {}", op, file, fmt::format(format, std::forward<Args>(args)...));
  }
};

// One tensor as the validated header describes it; [begin, end) is its range in the data buffer.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin;
  uint64_t end;
};

struct Header {
  std::vector<Entry> entries;     // in file order
  std::vector<size_t> by_offset;  // indices into entries, front to back through the data buffer
  Metadata metadata;
};

// prefix holds the file's first min(8, file_size) bytes. Returns N, the JSON header's length.
uint64_t header_length(std::string_view prefix, uint64_t file_size, const Source& src) {
  if (file_size < 8) src.fail("the file is {} bytes long, too short for the 8-byte header length", file_size);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(prefix[i]);
  if (n > kMaxHeaderBytes) src.fail("header length {} exceeds the limit of {} bytes", n, kMaxHeaderBytes);
  if (n > file_size - 8) src.fail("header length {} exceeds the {} bytes that follow it in the file", n, file_size - 8);
  return n;
}

// The parser keeps only the last of repeated keys, silently dropping a tensor: repeats are errors.
json parse_json(std::string_view text, const Source& src) {
  std::vector<std::set<std::string>> open_objects;
  std::string repeated;
  json::parser_callback_t track_keys = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && repeated.empty() &&
               !open_objects.back().insert(parsed.get<std::string>()).second) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  json root;
  try {
    root = json::parse(text.begin(), text.end(), track_keys);
  } catch (const json::exception& e) {
    src.fail("the header is not valid JSON: {}", e.what());
  }
  if (!repeated.empty()) src.fail("the header repeats the key '{}'", repeated);
  if (!root.is_object()) src.fail("the header must be a JSON object, got {}", root.type_name());
  return root;
}

Metadata parse_metadata(const json& value, const Source& src) {
  Metadata metadata;
  if (value.is_null()) return metadata;  // the reference reader accepts null as "no metadata"
  if (!value.is_object()) src.fail("\"{}\" must be an object of strings, got {}", kMetadataKey, value.type_name());
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) src.fail("\"{}\" value of '{}' must be a string, got {}", kMetadataKey, key, v.type_name());
    metadata.emplace(key, v.get<std::string>());
  }
  return metadata;
}

const json& field(const json& entry, const char* key, const std::string& name, const Source& src) {
  const auto it = entry.find(key);
  if (it == entry.end()) src.fail("tensor '{}': missing \"{}\"", name, key);
  return *it;
}

DType parse_dtype(const json& value, const std::string& name, const Source& src) {
  if (!value.is_string()) src.fail("tensor '{}': \"dtype\" must be a string, got {}", name, value.type_name());
  const auto& s = value.get_ref<const std::string&>();
  for (const auto& [n, d] : kDTypeNames) {
    if (s == n) return d;
  }
  src.fail("tensor '{}': unsupported dtype '{}' (tapegrad reads F32, F64, I64 and BOOL)", name, s);
}

Shape parse_shape(const json& value, const std::string& name, const Source& src) {
  if (!value.is_array()) src.fail("tensor '{}': \"shape\" must be an array, got {}", name, value.type_name());
  Shape shape;
  shape.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json& d = value[i];
    if (d.is_number_integer() && !d.is_number_unsigned()) {
      src.fail("tensor '{}': shape[{}] = {} is negative", name, i, d.get<int64_t>());
    }
    if (!d.is_number_unsigned()) src.fail("tensor '{}': shape[{}] must be an integer, got {}", name, i, d.dump());
    const uint64_t size = d.get<uint64_t>();
    if (size > uint64_t{std::numeric_limits<int64_t>::max()}) {
      src.fail("tensor '{}': shape[{}] = {} is too large", name, i, size);
    }
    shape.push_back(static_cast<int64_t>(size));
  }
  return shape;
}

// numel * itemsize, or a failure if it (or any stride: zero sizes count as 1) overflows int64.
uint64_t checked_nbytes(const Shape& shape, DType dtype, const std::string& name, const Source& src) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t strided = itemsize(dtype);
  bool empty = false;
  for (int64_t s : shape) {
    if (strided > kMax / std::max<int64_t>(s, 1)) src.fail("tensor '{}': shape {} overflows int64", name, shape);
    strided *= std::max<int64_t>(s, 1);
    empty = empty || s == 0;
  }
  return empty ? 0 : static_cast<uint64_t>(strided);
}

Entry parse_entry(const std::string& name, const json& value, uint64_t buffer_size, const Source& src) {
  if (!value.is_object()) src.fail("tensor '{}': the entry must be a JSON object, got {}", name, value.type_name());
  Entry e{name, parse_dtype(field(value, "dtype", name, src), name, src),
          parse_shape(field(value, "shape", name, src), name, src), 0, 0};
  const uint64_t nbytes = checked_nbytes(e.shape, e.dtype, name, src);
  const json& offsets = field(value, "data_offsets", name, src);
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    src.fail("tensor '{}': \"data_offsets\" must be two non-negative integers [begin, end]", name);
  }
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  if (e.begin > e.end) src.fail("tensor '{}': data_offsets [{}, {}] end before they begin", name, e.begin, e.end);
  if (e.end - e.begin != nbytes) {
    src.fail("tensor '{}': data_offsets [{}, {}] hold {} bytes, but {} {} needs {}", name, e.begin, e.end,
             e.end - e.begin, safetensors_name(e.dtype), e.shape, nbytes);
  }
  if (e.end > buffer_size) {
    src.fail("tensor '{}': data_offsets [{}, {}] reach past the end of the {}-byte data buffer", name, e.begin, e.end,
             buffer_size);
  }
  return e;
}

// As in the reference, the byte ranges must tile the buffer exactly: overlapping tensors would
// alias, and unclaimed bytes could hide another file format inside this one.
std::vector<size_t> check_tiling(const std::vector<Entry>& entries, uint64_t buffer_size, const Source& src) {
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(entries[a].begin, entries[a].end) < std::tie(entries[b].begin, entries[b].end);
  });
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (size_t i : order) {
    const Entry& e = entries[i];
    if (e.begin < pos) {
      src.fail("tensors '{}' and '{}' overlap: data_offsets [{}, {}] and [{}, {}]", prev->name, e.name, prev->begin,
               prev->end, e.begin, e.end);
    }
    if (e.begin > pos) src.fail("data bytes [{}, {}) belong to no tensor (gap before '{}')", pos, e.begin, e.name);
    pos = e.end;
    prev = &e;
  }
  if (pos != buffer_size) src.fail("data bytes [{}, {}) at the end of the file belong to no tensor", pos, buffer_size);
  return order;
}

Header parse_header(std::string_view text, uint64_t buffer_size, const Source& src) {
  const json root = parse_json(text, src);
  Header h;
  for (const auto& [key, value] : root.items()) {
    if (key == kMetadataKey) {
      h.metadata = parse_metadata(value, src);
    } else {
      h.entries.push_back(parse_entry(key, value, buffer_size, src));
    }
  }
  h.by_offset = check_tiling(h.entries, buffer_size, src);
  return h;
}

// A byte other than 0 or 1 read as a C++ bool is undefined behaviour.
void check_bools(const Entry& e, const Tensor& t, const Source& src) {
  if (e.dtype != kBool) return;
  const auto* p = static_cast<const unsigned char*>(t.raw_data());
  const auto* bad = std::find_if(p, p + t.numel(), [](unsigned char b) { return b > 1; });
  if (bad != p + t.numel()) {
    src.fail("tensor '{}': BOOL byte {} at data offset {} is neither 0 nor 1", e.name, *bad, e.begin + (bad - p));
  }
}

// Allocates each tensor and has fill(entry, dst) copy its bytes, front to back through the buffer.
template <typename Fill>
SafetensorsFile make_tensors(Header& h, const Source& src, Fill&& fill) {
  std::vector<Tensor> tensors(h.entries.size());
  for (size_t i : h.by_offset) {
    const Entry& e = h.entries[i];
    tensors[i] = empty(e.shape, e.dtype);
    if (e.end > e.begin) fill(e, static_cast<char*>(tensors[i].raw_data()));
    check_bools(e, tensors[i], src);
  }
  SafetensorsFile out;
  out.tensors.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) out.tensors.emplace_back(std::move(h.entries[i].name), tensors[i]);
  out.metadata = std::move(h.metadata);
  return out;
}

void read_exact(int fd, char* dst, uint64_t n, const Source& src) {
  while (n > 0) {
    const ssize_t got = ::read(fd, dst, std::min<uint64_t>(n, uint64_t{1} << 30));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) src.fail("read error: {}", errno_text(errno));
    if (got == 0) src.fail("the file ended early (did it change while being read?)");
    dst += got;
    n -= static_cast<uint64_t>(got);
  }
}

// ---- writing ----------------------------------------------------------------------------------

std::string serialize(const TensorDict& tensors, const Metadata& metadata, std::string_view op) {
  std::vector<Tensor> data(tensors.size());
  std::set<std::string_view> names;
  {
    NoGradGuard no_grad;  // copies of non-contiguous tensors are not part of any graph
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto& [name, t] = tensors[i];
      TG_CHECK(name != kMetadataKey, "{}: the name '{}' is reserved for metadata", op, name);
      TG_CHECK(names.insert(name).second, "{}: duplicate tensor name '{}'", op, name);
      TG_CHECK(t.defined(), "{}: tensor '{}' is undefined", op, name);
      data[i] = t.contiguous();
    }
  }
  // Larger items first, as the reference writer does: with the header padded to a multiple of 8,
  // every tensor then starts at a multiple of its item size in the file (zero-copy readers need this).
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return data[a].itemsize() > data[b].itemsize(); });
  std::vector<uint64_t> begin(tensors.size());
  uint64_t total = 0;
  for (size_t i : order) {
    begin[i] = total;
    total += static_cast<uint64_t>(data[i].numel() * data[i].itemsize());
  }

  json header = json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t end = begin[i] + static_cast<uint64_t>(data[i].numel() * data[i].itemsize());
    header[tensors[i].first] = {{"dtype", safetensors_name(data[i].dtype())},
                                {"shape", data[i].shape()},
                                {"data_offsets", {begin[i], end}}};
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    TG_FAIL("{}: tensor names and metadata must be valid UTF-8 ({})", op, e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + text.size() + total);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((uint64_t{text.size()} >> (8 * i)) & 0xff));
  out += text;
  for (size_t i : order) {
    const auto nbytes = static_cast<size_t>(data[i].numel() * data[i].itemsize());
    if (nbytes > 0) out.append(static_cast<const char*>(data[i].raw_data()), nbytes);
  }
  return out;
}

}  // namespace

std::string serialize_safetensors(const TensorDict& tensors, const Metadata& metadata) {
  return serialize(tensors, metadata, "serialize_safetensors");
}

void save_safetensors(const std::string& path, const TensorDict& tensors, const Metadata& metadata) {
  atomic_write_file(path, serialize(tensors, metadata, "save_safetensors"));
}

SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& name_for_errors) {
  const Source src{"parse_safetensors", name_for_errors};
  const uint64_t n = header_length(bytes.substr(0, 8), bytes.size(), src);
  const std::string_view data = bytes.substr(8 + n);
  Header h = parse_header(bytes.substr(8, n), data.size(), src);
  return make_tensors(h, src, [&](const Entry& e, char* dst) { std::memcpy(dst, data.data() + e.begin, e.end - e.begin); });
}

SafetensorsFile load_safetensors(const std::string& path) {
  const Source src{"load_safetensors", path};
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) src.fail("cannot open the file: {}", errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) src.fail("cannot stat the file: {}", errno_text(errno));
  if (!S_ISREG(st.st_mode)) src.fail("not a regular file");
  const auto size = static_cast<uint64_t>(st.st_size);

  // Header first, validated against the file size; the data is read straight into the tensors.
  char prefix[8];
  const uint64_t prefix_size = std::min<uint64_t>(size, 8);
  read_exact(fd.get(), prefix, prefix_size, src);
  const uint64_t n = header_length({prefix, prefix_size}, size, src);
  std::string text(n, '\0');
  read_exact(fd.get(), text.data(), n, src);
  Header h = parse_header(text, size - 8 - n, src);
  return make_tensors(h, src, [&](const Entry& e, char* dst) { read_exact(fd.get(), dst, e.end - e.begin, src); });
}

}  // namespace tg::io
