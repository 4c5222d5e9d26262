// Bad input at every public entry: one test case per row of README's table (section Reliability).
// Each call must throw tg::Error whose message names the op (or the file) and the problem; nothing
// may crash, abort or throw anything else.
#include <tapegrad/tapegrad.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace tg;
namespace fs = std::filesystem;

namespace {

// The call throws tg::Error and its message contains every one of `parts`.
template <typename F>
void rejects(F&& call, std::initializer_list<std::string> parts) {
  std::string message;
  try {
    call();
  } catch (const Error& e) {
    message = e.what();
  }
  INFO("message: " << message);
  REQUIRE_FALSE(message.empty());
  for (const std::string& p : parts) CHECK_THAT(message, Catch::Contains(p));
}

std::string temp_file(const std::string& name, const std::string& bytes) {
  const fs::path p = fs::temp_directory_path() / ("tg_bad_input_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

}  // namespace

TEST_CASE("tensor ops: shape mismatch", "[bad_input]") {
  rejects([] { matmul(ones({2, 3}), ones({4, 5})); }, {"matmul", "[2, 3]", "[4, 5]"});
  rejects([] { ones({2, 3}) + ones({4}); }, {"[2, 3]", "[4]"});
  rejects([] { cat({ones({2, 3}), ones({2, 4})}, 0); }, {"cat"});
  rejects([] { ones({6}).view({4, 2}); }, {"view", "[4, 2]"});
  rejects([] { ones({3}).copy_(ones({4})); }, {"copy_"});
}

TEST_CASE("tensor ops: wrong dtype", "[bad_input]") {
  rejects([] { ones({3}, kLong).mean(); }, {"mean", "int64"});
  rejects([] { cross_entropy(ones({2, 3}), ones({2})); }, {"cross_entropy"});
  rejects([] { ones({3}, kLong).add_(0.5); }, {"add_"});
  rejects([] { index_select(ones({3}), 0, ones({1})); }, {"index_select"});
}

TEST_CASE("tensor ops: out-of-range index or dim", "[bad_input]") {
  rejects([] { index_select(ones({3}), 0, tensor<int64_t>({5})); }, {"index_select", "5"});
  rejects([] { ones({2, 3}).select(0, 2); }, {"select"});
  rejects([] { ones({2, 3}).narrow(1, 2, 2); }, {"narrow"});
  rejects([] { ones({2, 3}).sum({2}); }, {"sum"});
  rejects([] { ones({3}).gather(0, tensor<int64_t>({-1})); }, {"gather"});
  rejects([] { cross_entropy(ones({2, 3}), tensor<int64_t>({0, 3})); }, {"cross_entropy", "out of range"});
}

TEST_CASE("tensor factories: negative, overflowing or unallocatable sizes", "[bad_input]") {
  rejects([] { empty({-1, 2}); }, {"empty", "negative"});
  rejects([] { empty({int64_t{1} << 62, int64_t{1} << 62}); }, {"too large"});
  rejects([] { empty({int64_t{1} << 46}); }, {"out of memory"});
}

TEST_CASE("autograd: backward misuse", "[bad_input]") {
  Tensor x = ones({3}).requires_grad_(true);
  rejects([&] { (x * 2.0).backward(); }, {"backward"});
  rejects([] { ones({3}).sum().backward(); }, {"require"});
  Tensor y = (x * x).sum();
  y.backward();
  rejects([&] { y.backward(); }, {"backward"});
}

TEST_CASE("nn modules: inputs of the wrong shape, bad options, mismatched state", "[bad_input]") {
  nn::Linear linear(4, 2);
  rejects([&] { linear.forward(ones({3, 5})); }, {"[3, 5]"});
  nn::Conv2d conv({.in = 3, .out = 4, .kernel_size = 3});
  rejects([&] { conv.forward(ones({1, 2, 8, 8})); }, {"conv2d"});
  rejects([] { nn::Linear(0, 2); }, {"Linear", "positive"});
  nn::Linear other(5, 2);
  rejects([&] { linear.load_state_dict(other.state_dict()); }, {"weight", "[2, 5]"});
}

TEST_CASE("optimizers: invalid options", "[bad_input]") {
  Tensor w = ones({2}).requires_grad_(true);
  rejects([&] { optim::Adam({w}, {.lr = -1.0}); }, {"Adam", "lr"});
  rejects([&] { optim::SGD({w}, {.lr = 0.1, .momentum = -0.5}); }, {"SGD", "momentum"});
}

TEST_CASE("data: bad loader options and indices", "[bad_input]") {
  auto ds = std::make_shared<data::TensorDataset>(ones({4, 2}), zeros({4}, kLong));
  rejects([&] { data::DataLoader(ds, {.batch_size = 0}); }, {"batch_size"});
  rejects([&] { ds->get(4); }, {"out of range"});
  rejects([] { data::FashionMNIST("/no/such/dir", data::Split::Train); }, {"/no/such/dir"});
}

TEST_CASE("files: corrupt safetensors, checkpoints, IDX and CSV name the file", "[bad_input]") {
  const std::string junk = temp_file("junk.safetensors", std::string("\x10\0\0\0\0\0\0\0{not json}      ", 24));
  rejects([&] { io::load_safetensors(junk); }, {junk});
  nn::Linear model(2, 2);
  rejects([&] { load(model, junk); }, {junk});
  rejects([] { io::load_safetensors("/no/such/file.safetensors"); }, {"/no/such/file.safetensors"});
  const std::string idx = temp_file("short.idx", std::string("\x00\x00\x08\x01\x00\x00\x00\x09xyz", 11));
  rejects([&] { data::read_idx(idx); }, {idx, "size"});
  const std::string csv = temp_file("bad.csv", "a,b\n1,2\n3,x\n");
  rejects([&] { data::CsvDataset(csv, {}); }, {csv + ":3:2", "'x'"});
  fs::remove(junk);
  fs::remove(idx);
  fs::remove(csv);
}
