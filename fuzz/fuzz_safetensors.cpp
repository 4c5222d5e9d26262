// Fuzz target: tg::io::parse_safetensors on arbitrary bytes.
// Any input must either parse or throw tg::Error; a file that parses must survive a round trip
// (serialize -> parse gives the same names, dtypes, shapes and bytes).
#include <tapegrad/autograd.h>
#include <tapegrad/autograd/io.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tg::io::SafetensorsFile file;
  try {
    file = tg::io::parse_safetensors(bytes, "fuzz.safetensors");
  } catch (const tg::Error&) {
    return 0;  // rejected with a clear error: fine
  }
  const std::string again = tg::io::serialize_safetensors(file.tensors, file.metadata);
  const tg::io::SafetensorsFile back = tg::io::parse_safetensors(again, "round trip");
  FUZZ_CHECK(back.tensors.size() == file.tensors.size());
  FUZZ_CHECK(back.metadata == file.metadata);
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    const tg::Tensor& a = file.tensors[i].second;
    const tg::Tensor& b = back.tensors[i].second;
    FUZZ_CHECK(back.tensors[i].first == file.tensors[i].first);
    FUZZ_CHECK(a.dtype() == b.dtype() && a.shape() == b.shape());
    FUZZ_CHECK(std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.numel() * a.itemsize())) == 0);
  }
  return 0;
}
