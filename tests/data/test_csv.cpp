// CsvDataset: valid files with and without a header, column selection, quoting, every error
// message (file:line:column and the offending text), and loading through a DataLoader.
#include <tapegrad/data.h>

#include <catch2/catch.hpp>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

using namespace tg;
namespace fs = std::filesystem;

namespace {

// A fresh temporary directory, removed with its files at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / fmt::format("tg_csv_{}_{}", ::getpid(), counter++);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

std::vector<std::string> strings(std::initializer_list<const char*> list) { return {list.begin(), list.end()}; }

}  // namespace

TEST_CASE("CSV with a header: every column but the last are features, the last a class", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.write("iris.csv",
                                     "sepal,petal,species\n"
                                     "5.1,1.4,0\n"
                                     "-3.5e-1,+2,2\n"
                                     "7,.5,1\n");
  data::CsvDataset ds(path);
  REQUIRE(ds.size() == 3);
  REQUIRE(ds.num_features() == 2);
  REQUIRE(ds.feature_names() == strings({"sepal", "petal"}));
  REQUIRE(ds.target_name() == "species");
  REQUIRE(ds.features().dtype() == kFloat);
  REQUIRE(equal(ds.features(), tensor<float>({5.1f, 1.4f, -0.35f, 2.0f, 7.0f, 0.5f}, {3, 2})));
  REQUIRE(equal(ds.targets(), tensor<int64_t>({0, 2, 1})));
  auto [x, y] = ds.get(1);
  REQUIRE(x.shape() == Shape{2});
  REQUIRE(x.dtype() == kFloat);
  REQUIRE(y.dim() == 0);
  REQUIRE(y.dtype() == kLong);
  REQUIRE(y.item<int64_t>() == 2);
  REQUIRE_THROWS_WITH(ds.get(3), Catch::Contains("CsvDataset") && Catch::Contains("out of range"));
}

TEST_CASE("CSV without a header, and a regression target", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.write("plain.csv", "1,2,3.25\n4,5,-6\n");
  data::CsvDataset ds(path, {.header = false, .target_type = data::CsvTarget::Regression});
  REQUIRE(ds.size() == 2);
  REQUIRE(equal(ds.features(), tensor<float>({1, 2, 4, 5}, {2, 2})));
  REQUIRE(ds.targets().dtype() == kFloat);
  REQUIRE(equal(ds.targets(), tensor<float>({3.25f, -6.0f})));
  REQUIRE(ds.feature_names() == strings({"column 1", "column 2"}));
  REQUIRE(ds.target_name() == "column 3");
  auto [x, y] = ds.get(0);
  REQUIRE(y.dim() == 0);
  REQUIRE(y.item<float>() == 3.25f);
  // The first row of a header-less file is data, so a non-number there is an error.
  const std::string named = dir.write("named.csv", "a,b\n1,2\n");
  REQUIRE_THROWS_WITH(data::CsvDataset(named, {.header = false}),
                      Catch::Contains(named + ":1:1: 'a' is not a number"));
}

TEST_CASE("CSV columns chosen by name and by index, in the order given", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.write("cols.csv",
                                     "id,a,b,c,y\n"
                                     "0,1,2,3,1.5\n"
                                     "1,4,5,6,2.5\n");
  const auto regression = data::CsvTarget::Regression;
  data::CsvDataset by_name(path, {.features = {"c", "a"}, .target = "y", .target_type = regression});
  REQUIRE(by_name.feature_names() == strings({"c", "a"}));
  REQUIRE(equal(by_name.features(), tensor<float>({3, 1, 6, 4}, {2, 2})));
  REQUIRE(equal(by_name.targets(), tensor<float>({1.5f, 2.5f})));

  // 0-based indices; negative ones count from the end. Names and indices mix.
  data::CsvDataset by_index(path, {.features = {int64_t{2}, -2, "a"}, .target = int64_t{0}});
  REQUIRE(by_index.feature_names() == strings({"b", "c", "a"}));
  REQUIRE(equal(by_index.features(), tensor<float>({2, 3, 1, 5, 6, 4}, {2, 3})));
  REQUIRE(by_index.target_name() == "id");
  REQUIRE(equal(by_index.targets(), tensor<int64_t>({0, 1})));

  // The target by name, features by default: all the others, in file order.
  data::CsvDataset default_features(path, {.target = "id"});
  REQUIRE(default_features.feature_names() == strings({"a", "b", "c", "y"}));
}

TEST_CASE("CSV dialects: delimiters, quoting, CRLF, BOM, blank lines, spaces, gzip", "[data][csv]") {
  TempDir dir;
  SECTION("semicolons and tabs") {
    data::CsvDataset semi(dir.write("semi.csv", "a;b\n1.5;2\n"), {.delimiter = ';'});
    REQUIRE(equal(semi.features(), tensor<float>({1.5f}, {1, 1})));
    data::CsvDataset tabs(dir.write("tabs.tsv", "a\tb\tt\n 1\t2 \t3\n"), {.delimiter = '\t'});
    REQUIRE(equal(tabs.features(), tensor<float>({1, 2}, {1, 2})));
  }
  SECTION("RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes") {
    const std::string path = dir.write("quoted.csv",
                                       "\"x, first\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
                                       "\"1.5\", 2 ,\"0\"\n"
                                       "3,4,bad\n");
    REQUIRE_THROWS_WITH(data::CsvDataset(path), Catch::Contains(path + ":4:3: 'bad' is not a class index"));
    const std::string good = dir.write("good.csv",
                                       "\"x, first\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
                                       "\"1.5\", 2 ,\"0\"\n");
    data::CsvDataset ds(good);
    REQUIRE(ds.feature_names() == strings({"x, first", "say \"hi\""}));
    REQUIRE(ds.target_name() == "two\nlines");
    REQUIRE(equal(ds.features(), tensor<float>({1.5f, 2.0f}, {1, 2})));
  }
  SECTION("CRLF line ends, a byte order mark, blank lines and no final newline") {
    data::CsvDataset ds(dir.write("windows.csv", "\xEF\xBB\xBF" "a,t\r\n1,0\r\n\r\n\n2,1"));
    REQUIRE(ds.feature_names() == strings({"a"}));
    REQUIRE(equal(ds.features(), tensor<float>({1, 2}, {2, 1})));
    REQUIRE(equal(ds.targets(), tensor<int64_t>({0, 1})));
  }
  SECTION("gzip-compressed files") {
    const std::string path = (dir.path / "data.csv.gz").string();
    const std::string text = "a,b,t\n1,2,1\n3,4,0\n";
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    data::CsvDataset ds(path);
    REQUIRE(equal(ds.features(), tensor<float>({1, 2, 3, 4}, {2, 2})));
  }
  SECTION("text in memory") {
    auto ds = data::CsvDataset::from_text("a,t\n7,3\n", "inline");
    REQUIRE(equal(ds.targets(), tensor<int64_t>({3})));
    REQUIRE_THROWS_WITH(data::CsvDataset::from_text("a,t\nx,3\n", "inline"),
                        Catch::Contains("inline:2:1: 'x' is not a number"));
  }
}

TEST_CASE("CSV errors name the file, the line, the column and the offending text", "[data][csv]") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string text;
    data::CsvOptions options;
    std::string message;  // expected after "<path>"
  };
  const std::vector<Case> cases = {
      {"not-a-number", "a,b,t\n1,2,0\n3,abc,1\n", {}, ":3:2: 'abc' is not a number"},
      {"trailing-text", "a,t\n1.5x,0\n", {}, ":2:1: '1.5x' is not a number"},
      {"two-signs", "a,t\n+-1,0\n", {}, ":2:1: '+-1' is not a number"},
      {"decimal-comma", "a;t\n1,5;0\n", {.delimiter = ';'}, ":2:1: '1,5' is not a number"},
      {"empty-field", "a,b,t\n1,,0\n", {}, ":2:2: empty field (expected a number)"},
      {"nan", "a,t\nnan,0\n", {}, ":2:1: 'nan' is not a finite number"},
      {"infinity", "a,t\n-inf,0\n", {}, ":2:1: '-inf' is not a finite number"},
      {"float32-overflow", "a,t\n1e39,0\n", {}, ":2:1: '1e39' is out of the float32 range"},
      {"float32-underflow", "a,t\n1e-50,0\n", {}, ":2:1: '1e-50' is out of the float32 range"},
      {"double-overflow", "a,t\n1e999,0\n", {}, ":2:1: '1e999' is out of the float32 range"},
      {"fractional-class", "a,t\n1,2.5\n", {}, ":2:2: '2.5' is not a class index (an integer >= 0)"},
      {"negative-class", "a,t\n1,-1\n", {}, ":2:2: '-1' is not a class index"},
      {"word-class", "a,t\n1,setosa\n", {}, ":2:2: 'setosa' is not a class index"},
      {"empty-class", "a,t\n1,\n", {}, ":2:2: empty field (expected a class index)"},
      {"bad-regression-target", "a,y\n1,high\n", {.target_type = data::CsvTarget::Regression},
       ":2:2: 'high' is not a number"},
      {"short-row", "a,b,t\n1,2,0\n\n1,2\n", {}, ":4:3: missing field: the row has 2 fields, expected 3 (as in the header)"},
      {"long-row", "a,b,t\n1,2,0,9\n", {}, ":2:4: unexpected extra field '9': the row has 4 fields, expected 3"},
      {"ragged-no-header", "1,2,0\n1,2,0,5\n", {.header = false}, ":2:4: unexpected extra field '5'"},
      {"empty-file", "", {}, ": empty file (no header)"},
      {"blank-file", "\n \n\r\n", {.header = false}, ": empty file (no rows)"},
      {"header-only", "a,b,t\n", {}, ": no data rows after the header"},
      {"unknown-target", "a,b,t\n1,2,0\n", {.target = "label"}, ":1: no column named 'label' in the header (a, b, t)"},
      {"unknown-feature", "\n\na,b,t\n1,2,0\n", {.features = {"a", "z"}}, ":3: no column named 'z'"},
      {"index-out-of-range", "a,b,t\n1,2,0\n", {.target = int64_t{3}}, ": column index 3 is out of range for 3 columns"},
      {"negative-index-out-of-range", "a,b,t\n1,2,0\n", {.features = {int64_t{-4}}}, ": column index -4 is out of range"},
      {"name-without-header", "1,2,0\n", {.header = false, .target = "t"}, ": column 't' is chosen by name, but the file has no header"},
      {"feature-is-target", "a,b,t\n1,2,0\n", {.features = {"a", "t"}}, ": column 't' is both a feature and the target"},
      {"feature-twice", "a,b,t\n1,2,0\n", {.features = {"a", int64_t{0}}}, ": column 'a' is selected twice"},
      {"ambiguous-name", "a,a,t\n1,2,0\n", {.features = {"a"}}, ":1: the column name 'a' is ambiguous"},
      {"only-a-target", "t\n1\n", {}, ": no feature columns (the file has 1 column, all taken by the target)"},
      {"unterminated-quote", "a,t\n\"1,0\n2,1\n", {}, ":2:1: unterminated quoted field"},
      {"text-after-quote", "a,t\n\"1\"2,0\n", {}, ":2:1: unexpected text after the closing quote of \"1\""},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const std::string path = dir.write(std::string(c.name) + ".csv", c.text);
      REQUIRE_THROWS_WITH(data::CsvDataset(path, c.options), Catch::Contains(path + c.message));
    }
  }
  SECTION("missing file") {
    const std::string path = (dir.path / "nope.csv").string();
    REQUIRE_THROWS_WITH(data::CsvDataset(path), Catch::Contains(path) && Catch::Contains("cannot open"));
  }
  SECTION("bad delimiter") {
    REQUIRE_THROWS_WITH(data::CsvDataset::from_text("a\n", "x.csv", {.delimiter = '"'}),
                        Catch::Contains("x.csv") && Catch::Contains("delimiter"));
  }
}

TEST_CASE("a CsvDataset loads through a DataLoader into batches", "[data][csv][loader]") {
  TempDir dir;
  std::string text = "f1,f2,f3,label\n";
  for (int i = 0; i < 10; ++i) text += fmt::format("{},{},{},{}\n", i, 10 * i, -i, i % 3);
  const std::string path = dir.write("table.csv", text);
  auto ds = std::make_shared<data::CsvDataset>(path);
  for (int workers : {0, 2}) {
    data::DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .num_workers = workers, .seed = 1});
    REQUIRE(loader.num_batches() == 3);
    int64_t seen = 0;
    for (const data::Batch& b : loader) {
      const auto n = static_cast<int64_t>(b.indices.size());
      REQUIRE(b.data.shape() == Shape{n, 3});
      REQUIRE(b.data.dtype() == kFloat);
      REQUIRE(b.target.shape() == Shape{n});
      REQUIRE(b.target.dtype() == kLong);
      for (int64_t k = 0; k < n; ++k) {
        const auto i = static_cast<double>(b.indices[static_cast<size_t>(k)]);
        REQUIRE(equal(b.data[k], tensor<float>({static_cast<float>(i), static_cast<float>(10 * i),
                                                 static_cast<float>(-i)})));
        REQUIRE(b.target[k].item<int64_t>() == static_cast<int64_t>(i) % 3);
      }
      seen += n;
    }
    REQUIRE(seen == 10);
  }
  // A regression target batches as float32 (N).
  auto reg = std::make_shared<data::CsvDataset>(path, data::CsvOptions{.target_type = data::CsvTarget::Regression});
  data::DataLoader loader(reg, {.batch_size = 10});
  for (const data::Batch& b : loader) {
    REQUIRE(b.target.dtype() == kFloat);
    REQUIRE(b.target.shape() == Shape{10});
  }
}
