// Fuzz target: the CSV reader (tg::data::CsvDataset::from_text). The first byte picks the options
// (header or not, delimiter, class or regression target); the rest is the text. Any input must
// either load or throw tg::Error, and a loaded table must hold only finite float32 features and
// valid targets.
#include <tapegrad/data/csv.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr char kDelimiters[] = {',', ';', '\t', ' '};
  tg::data::CsvOptions options;
  options.header = (data[0] & 1) != 0;
  options.delimiter = kDelimiters[(data[0] >> 1) & 3];
  options.target_type = (data[0] & 8) != 0 ? tg::data::CsvTarget::Regression : tg::data::CsvTarget::Class;
  if ((data[0] & 16) != 0) options.target = int64_t{0};
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const auto ds = tg::data::CsvDataset::from_text(text, "fuzz.csv", options);
    const tg::Tensor& x = ds.features();
    const tg::Tensor& y = ds.targets();
    FUZZ_CHECK(x.dim() == 2 && y.dim() == 1 && x.size(0) == y.size(0));
    FUZZ_CHECK(x.dtype() == tg::kFloat);
    const float* f = x.data_ptr<float>();
    for (int64_t i = 0; i < x.numel(); ++i) FUZZ_CHECK(std::isfinite(f[i]));
    if (options.target_type == tg::data::CsvTarget::Class) {
      FUZZ_CHECK(y.dtype() == tg::kLong);
      for (int64_t i = 0; i < y.numel(); ++i) FUZZ_CHECK(y.data_ptr<int64_t>()[i] >= 0);
    }
    if (ds.size() > 0) (void)ds.get(ds.size() - 1);
  } catch (const tg::Error&) {
  }
  return 0;
}
