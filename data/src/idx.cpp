#include <tapegrad/data/idx.h>

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

namespace tg::data {

namespace {
uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

template <typename Raw> Raw read_be(const unsigned char* p) {
  // Big-endian bytes of one value into a native value.
  unsigned char buf[sizeof(Raw)];
  for (size_t i = 0; i < sizeof(Raw); ++i) buf[i] = p[sizeof(Raw) - 1 - i];
  Raw v;
  std::memcpy(&v, buf, sizeof(Raw));
  return v;
}

struct TypeInfo {
  int code;
  const char* name;
  int64_t size;
};
constexpr TypeInfo kTypes[] = {{0x08, "unsigned byte", 1}, {0x09, "signed byte", 1}, {0x0B, "short", 2},
                               {0x0C, "int", 4},           {0x0D, "float", 4},       {0x0E, "double", 8}};
}  // namespace

std::string read_maybe_gzipped(const std::string& path) {
  std::ifstream probe(path, std::ios::binary);
  TG_CHECK(probe.good(), "{}: cannot open ({})", path, std::strerror(errno));
  probe.close();
  // gzread reads gzip streams and passes other files through unchanged.
  gzFile f = gzopen(path.c_str(), "rb");
  TG_CHECK(f != nullptr, "{}: cannot open ({})", path, std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  while (true) {
    const int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int errnum = 0;
      std::string msg = gzerror(f, &errnum);
      gzclose(f);
      TG_FAIL("{}: corrupt gzip data after {} bytes ({})", path, out.size(), msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  // A truncated gzip stream ends without an error from gzread but gzclose reports it.
  int errnum = 0;
  const char* msg = gzerror(f, &errnum);
  const std::string err = errnum != Z_OK && errnum != Z_STREAM_END ? msg : "";
  const int rc = gzclose(f);
  TG_CHECK(err.empty() && rc == Z_OK, "{}: truncated or corrupt gzip stream after {} bytes{}", path, out.size(),
           err.empty() ? "" : " (" + err + ")");
  return out;
}

Tensor parse_idx(const std::string& bytes, const std::string& name, bool as_float) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const int64_t len = static_cast<int64_t>(bytes.size());
  TG_CHECK(len >= 4, "{}: too short for an IDX header ({} bytes)", name, len);
  TG_CHECK(p[0] == 0 && p[1] == 0, "{}: bad IDX magic number (first two bytes {:#04x} {:#04x}, expected 0 0)", name,
           p[0], p[1]);
  const TypeInfo* type = nullptr;
  for (const TypeInfo& t : kTypes)
    if (t.code == p[2]) type = &t;
  TG_CHECK(type != nullptr, "{}: unknown IDX data type code {:#04x}", name, p[2]);
  const int ndims = p[3];
  TG_CHECK(ndims >= 1, "{}: IDX file with 0 dimensions", name);
  const int64_t header = 4 + 4 * int64_t{ndims};
  TG_CHECK(len >= header, "{}: truncated IDX header ({} dims need {} bytes, the file has {})", name, ndims, header, len);
  Shape shape;
  int64_t numel = 1;
  for (int d = 0; d < ndims; ++d) {
    const int64_t size = be32(p + 4 + 4 * d);
    shape.push_back(size);
    TG_CHECK(size == 0 || numel <= std::numeric_limits<int64_t>::max() / size / type->size,
             "{}: IDX dimensions {} overflow", name, shape);
    numel *= size;
  }
  const int64_t expected = header + numel * type->size;
  TG_CHECK(len == expected, "{}: IDX size mismatch: header says shape {} of {} ({} bytes in all), the file has {} bytes",
           name, shape, type->name, expected, len);
  const unsigned char* data = p + header;
  const bool integral = type->code <= 0x0C;
  const DType dt = integral ? (as_float ? kFloat : kLong) : (type->code == 0x0D || as_float ? kFloat : kDouble);
  Tensor out = empty(shape, dt);
  dispatch(dt, "read_idx", [&]<typename T>() {
    if constexpr (!std::is_same_v<T, bool>) {
      T* o = out.data_ptr<T>();
      for (int64_t i = 0; i < numel; ++i) {
        const unsigned char* v = data + i * type->size;
        switch (type->code) {
          case 0x08: o[i] = static_cast<T>(v[0]); break;
          case 0x09: o[i] = static_cast<T>(static_cast<int8_t>(v[0])); break;
          case 0x0B: o[i] = static_cast<T>(read_be<int16_t>(v)); break;
          case 0x0C: o[i] = static_cast<T>(read_be<int32_t>(v)); break;
          case 0x0D: o[i] = static_cast<T>(read_be<float>(v)); break;
          default: o[i] = static_cast<T>(read_be<double>(v)); break;
        }
      }
    }
  });
  return out;
}

Tensor read_idx(const std::string& path, bool as_float) { return parse_idx(read_maybe_gzipped(path), path, as_float); }

}  // namespace tg::data
