// Tabular data from a CSV file: one example per row, features float32 (F), target a 0-d int64
// class index or a 0-d float32 regression value.
//
//   tg::data::CsvDataset wine("wine.csv", {.target = "class"});           // header row, ','
//   auto [x, y] = wine.get(0);                                            // x (13) float32, y int64
//   tg::data::CsvDataset houses("houses.csv", {.features = {"rooms", "area"}, .target = "price",
//                                              .target_type = tg::data::CsvTarget::Regression});
//
// Columns are chosen by header name or by 0-based index (negative counts from the end, so the
// default target -1 is the last column); the features default to every column but the target.
// Parsing is strict: every field must be a finite number that float32 can hold, nonzero values
// between about 1e-45 and 3.4e38 in magnitude (a class: an integer >= 0, not a name), every row must
// have as many fields as the first, and each problem is a tg::Error
// "file:line:column: ..." with 1-based line and field numbers and the offending text, e.g.
//   data.csv:3:2: 'abc' is not a number
// Fields may be quoted as in RFC 4180 ("1,5" holds a comma, "" is a quote, line breaks allowed);
// spaces around a field, blank lines, a UTF-8 byte order mark and CRLF line ends are ignored.
// Files may be gzip-compressed.
#pragma once

#include <tapegrad/data/dataset.h>

#include <string>
#include <variant>
#include <vector>

namespace tg::data {

// A column by 0-based index (negative: from the end) or by header name.
using CsvColumn = std::variant<int64_t, std::string>;

enum class CsvTarget {
  Class,       // int64 class index (for cross_entropy)
  Regression,  // float32 value
};

struct CsvOptions {
  bool header = true;   // the first row names the columns
  char delimiter = ',';
  std::vector<CsvColumn> features = {};  // empty: every column but the target, in file order
  CsvColumn target = int64_t{-1};        // default: the last column
  CsvTarget target_type = CsvTarget::Class;
};

class CsvDataset : public Dataset {
 public:
  // Reads and parses the whole file (plain or gzip).
  explicit CsvDataset(const std::string& path, CsvOptions options = {});
  // Parses CSV text already in memory; `name` stands for the file name in errors.
  static CsvDataset from_text(const std::string& text, const std::string& name, CsvOptions options = {});

  int64_t size() const override { return features_.size(0); }
  // (features (F) float32, target 0-d int64 or float32)
  Example get(int64_t index) const override;

  const Tensor& features() const { return features_; }  // (N, F) float32
  const Tensor& targets() const { return targets_; }    // (N) int64 or float32
  int64_t num_features() const { return features_.size(1); }
  // Header names of the feature columns and of the target ("column 3" without a header).
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const std::string& target_name() const { return target_name_; }

 private:
  CsvDataset() = default;
  Tensor features_, targets_;
  std::vector<std::string> feature_names_;
  std::string target_name_;
};

}  // namespace tg::data
