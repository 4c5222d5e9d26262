#include <tapegrad/data/csv.h>
#include <tapegrad/data/idx.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tg::data {

namespace {

struct Field {
  std::string text;
  int64_t line;  // 1-based line where the field starts
  bool quoted;
};

// Splits CSV text into records of fields (RFC 4180 quoting), tracking line numbers for errors.
class CsvReader {
 public:
  CsvReader(const std::string& text, const std::string& name, char delimiter)
      : s_(text), name_(name), delim_(delimiter) {
    if (s_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // UTF-8 byte order mark
  }

  // The next non-blank record; false at the end of the text.
  bool next(std::vector<Field>& fields) {
    while (pos_ < s_.size()) {
      fields.clear();
      bool end_of_record = false;
      while (!end_of_record) {
        fields.push_back(read_field(static_cast<int64_t>(fields.size()) + 1));
        if (pos_ < s_.size() && s_[pos_] == delim_) {
          ++pos_;
        } else {
          if (pos_ < s_.size()) {  // at '\n' (read_field stops only at the delimiter, a newline or the end)
            ++pos_;
            ++line_;
          }
          end_of_record = true;
        }
      }
      const bool blank = fields.size() == 1 && !fields[0].quoted && fields[0].text.empty();
      if (!blank) return true;
    }
    return false;
  }

  int64_t line() const { return line_; }

 private:
  bool is_space(char c) const { return (c == ' ' || c == '\t' || c == '\r') && c != delim_; }
  void skip_spaces() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }

  // Reads one field and stops at the delimiter, a newline or the end (without consuming it).
  Field read_field(int64_t column) {
    skip_spaces();
    Field f{{}, line_, false};
    if (pos_ < s_.size() && s_[pos_] == '"') {
      f.quoted = true;
      ++pos_;
      while (true) {
        TG_CHECK(pos_ < s_.size(), "{}:{}:{}: unterminated quoted field", name_, f.line, column);
        const char c = s_[pos_++];
        if (c == '"') {
          if (pos_ < s_.size() && s_[pos_] == '"') {  // "" is one quote
            f.text += '"';
            ++pos_;
          } else {
            break;
          }
        } else {
          if (c == '\n') ++line_;
          f.text += c;
        }
      }
      skip_spaces();
      TG_CHECK(pos_ >= s_.size() || s_[pos_] == delim_ || s_[pos_] == '\n',
               "{}:{}:{}: unexpected text after the closing quote of \"{}\"", name_, line_, column, f.text);
      return f;
    }
    const size_t begin = pos_;
    while (pos_ < s_.size() && s_[pos_] != delim_ && s_[pos_] != '\n') ++pos_;
    size_t end = pos_;
    while (end > begin && is_space(s_[end - 1])) --end;
    f.text.assign(s_, begin, end - begin);
    return f;
  }

  const std::string& s_;
  const std::string& name_;
  const char delim_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

std::string where(const std::string& name, const Field& f, size_t column) {
  return fmt::format("{}:{}:{}", name, f.line, column + 1);
}

// A finite float32; the whole field must be the number.
float parse_float(const Field& f, const std::string& name, size_t column) {
  const std::string& t = f.text;
  TG_CHECK(!t.empty(), "{}: empty field (expected a number)", where(name, f, column));
  const char* first = t.data() + (t[0] == '+' ? 1 : 0);  // from_chars takes no leading '+'
  const char* last = t.data() + t.size();
  float v = 0;
  // Parsed as float directly: one correct rounding (decimal -> double -> float can round twice).
  const auto [ptr, ec] = std::from_chars(first, last, v);
  TG_CHECK(ec != std::errc::invalid_argument && ptr == last && (first == t.data() || *first != '-'),
           "{}: '{}' is not a number", where(name, f, column), t);
  TG_CHECK(ec != std::errc::result_out_of_range, "{}: '{}' is out of the float32 range", where(name, f, column), t);
  TG_CHECK(std::isfinite(v), "{}: '{}' is not a finite number", where(name, f, column), t);
  return v;
}

// A class index: an integer >= 0.
int64_t parse_class(const Field& f, const std::string& name, size_t column) {
  const std::string& t = f.text;
  TG_CHECK(!t.empty(), "{}: empty field (expected a class index)", where(name, f, column));
  const char* first = t.data() + (t[0] == '+' ? 1 : 0);
  const char* last = t.data() + t.size();
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(first, last, v);
  TG_CHECK(ec == std::errc() && ptr == last && v >= 0 && (first == t.data() || *first != '-'),
           "{}: '{}' is not a class index (an integer >= 0)", where(name, f, column), t);
  return v;
}

// The 0-based index of a selected column among `count`.
// header_line: where the header is, for errors.
size_t resolve(const CsvColumn& column, const std::vector<std::string>& header, bool has_header, int64_t header_line,
               size_t count, const std::string& name) {
  if (const auto* index = std::get_if<int64_t>(&column)) {
    const int64_t n = static_cast<int64_t>(count);
    const int64_t i = *index < 0 ? *index + n : *index;
    TG_CHECK(i >= 0 && i < n, "{}: column index {} is out of range for {} columns", name, *index, n);
    return static_cast<size_t>(i);
  }
  const std::string& wanted = std::get<std::string>(column);
  TG_CHECK(has_header, "{}: column '{}' is chosen by name, but the file has no header (header = false)", name, wanted);
  const auto it = std::find(header.begin(), header.end(), wanted);
  TG_CHECK(it != header.end(), "{}:{}: no column named '{}' in the header ({})", name, header_line, wanted,
           fmt::join(header, ", "));
  const auto i = static_cast<size_t>(it - header.begin());
  TG_CHECK(std::find(it + 1, header.end(), wanted) == header.end(),
           "{}:{}: the column name '{}' is ambiguous: the header has it more than once", name, header_line, wanted);
  return i;
}

}  // namespace

CsvDataset CsvDataset::from_text(const std::string& text, const std::string& name, CsvOptions options) {
  TG_CHECK(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r',
           "{}: the delimiter cannot be a quote or a line break", name);
  CsvReader reader(text, name, options.delimiter);
  std::vector<Field> fields;
  TG_CHECK(reader.next(fields), "{}: empty file (no {})", name, options.header ? "header" : "rows");

  // The columns: named by the header, or counted in the first row.
  const size_t count = fields.size();
  std::vector<std::string> header;
  for (size_t c = 0; c < count; ++c) header.push_back(options.header ? fields[c].text : fmt::format("column {}", c + 1));
  const bool have_row = !options.header;  // without a header, `fields` already holds the first row
  const int64_t header_line = fields[0].line;
  const size_t target = resolve(options.target, header, options.header, header_line, count, name);
  std::vector<size_t> cols;
  if (options.features.empty()) {
    for (size_t c = 0; c < count; ++c)
      if (c != target) cols.push_back(c);
  } else {
    for (const CsvColumn& column : options.features) {
      const size_t c = resolve(column, header, options.header, header_line, count, name);
      TG_CHECK(c != target, "{}: column '{}' is both a feature and the target", name, header[c]);
      TG_CHECK(std::find(cols.begin(), cols.end(), c) == cols.end(), "{}: column '{}' is selected twice as a feature",
               name, header[c]);
      cols.push_back(c);
    }
  }
  TG_CHECK(!cols.empty(), "{}: no feature columns (the file has {} column{}, all taken by the target)", name, count,
           count == 1 ? "" : "s");

  std::vector<float> features;
  std::vector<int64_t> classes;
  std::vector<float> values;
  int64_t rows = 0;
  const bool classify = options.target_type == CsvTarget::Class;
  for (bool more = have_row || reader.next(fields); more; more = reader.next(fields)) {
    // A ragged row names its first missing or first extra field.
    if (fields.size() < count) {
      TG_FAIL("{}:{}:{}: missing field: the row has {} field{}, expected {}{}", name, fields.back().line,
              fields.size() + 1, fields.size(), fields.size() == 1 ? "" : "s", count,
              options.header ? " (as in the header)" : " (as in the first row)");
    }
    TG_CHECK(fields.size() == count, "{}: unexpected extra field '{}': the row has {} fields, expected {}{}",
             where(name, fields[count], count), fields[count].text, fields.size(), count,
             options.header ? " (as in the header)" : " (as in the first row)");
    for (size_t c : cols) features.push_back(parse_float(fields[c], name, c));
    if (classify) classes.push_back(parse_class(fields[target], name, target));
    else values.push_back(parse_float(fields[target], name, target));
    ++rows;
  }
  TG_CHECK(rows > 0, "{}: no data rows after the header", name);

  CsvDataset ds;
  const auto F = static_cast<int64_t>(cols.size());
  ds.features_ = tensor<float>(features, {rows, F});
  ds.targets_ = classify ? tensor<int64_t>(classes) : tensor<float>(values);
  for (size_t c : cols) ds.feature_names_.push_back(header[c]);
  ds.target_name_ = header[target];
  return ds;
}

CsvDataset::CsvDataset(const std::string& path, CsvOptions options)
    : CsvDataset(from_text(read_maybe_gzipped(path), path, std::move(options))) {}

Example CsvDataset::get(int64_t index) const {
  check_index(index, size(), "CsvDataset");
  return {features_.select(0, index), targets_.select(0, index)};
}

}  // namespace tg::data
