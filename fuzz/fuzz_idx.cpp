// Fuzz target: the IDX reader (tg::data::parse_idx; gzip inputs go through read_idx from a file).
// The first byte picks int64 or float32 output; the rest is the file. Any input must either load
// or throw tg::Error, and a loaded tensor must match what its header promises.
#include <tapegrad/data/idx.h>

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "fuzz_temp_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool as_float = (data[0] & 1) != 0;
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool gzipped = bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f && static_cast<uint8_t>(bytes[1]) == 0x8b;
  tg::Tensor t;
  try {
    if (gzipped) {
      static FuzzTempFile file(".idx.gz");
      t = tg::data::read_idx(file.write(bytes), as_float);
    } else {
      t = tg::data::parse_idx(bytes, "fuzz.idx", as_float);
    }
  } catch (const tg::Error&) {
    return 0;
  }
  if (gzipped) return 0;  // the header checks below read the plain bytes
  // Header: 0, 0, type, ndim, then ndim big-endian u32 sizes.
  FUZZ_CHECK(bytes.size() >= 4);
  const auto ndim = static_cast<uint8_t>(bytes[3]);
  FUZZ_CHECK(t.dim() == static_cast<int64_t>(ndim));
  for (int64_t d = 0; d < t.dim(); ++d) {
    uint32_t n = 0;
    for (int k = 0; k < 4; ++k) n = (n << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(4 + 4 * d + k)]);
    FUZZ_CHECK(t.size(d) == static_cast<int64_t>(n));
  }
  if (as_float) FUZZ_CHECK(t.dtype() == tg::kFloat || t.dtype() == tg::kDouble);
  return 0;
}
