// Fuzz target: checkpoint loading (tg::load, strict and not) into a small model. Any file must
// either load or throw tg::Error, and a rejected file must leave the model exactly as it was.
#include <tapegrad/nn.h>

#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_temp_file.h"

namespace {

// The same weights every time: the seed is fixed.
std::shared_ptr<tg::nn::Sequential> make_model() {
  tg::manual_seed(0);
  auto m = std::make_shared<tg::nn::Sequential>();
  m->push_back(std::make_shared<tg::nn::Linear>(3, 2));
  m->push_back(std::make_shared<tg::nn::BatchNorm1d>(2));
  return m;
}

bool same_state(const tg::nn::Module& a, const tg::nn::Module& b) {
  const auto sa = a.state_dict(), sb = b.state_dict();
  if (sa.size() != sb.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i)
    if (sa[i].first != sb[i].first || !tg::equal(sa[i].second, sb[i].second)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzTempFile file(".safetensors");
  static const auto reference = make_model();
  const std::string& path = file.write(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const bool strict : {true, false}) {
    auto model = make_model();
    try {
      tg::load(*model, path, strict);
    } catch (const tg::Error&) {
      FUZZ_CHECK(same_state(*model, *reference));
    }
  }
  return 0;
}
