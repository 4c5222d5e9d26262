// Reference values written once by a script under tests/fixtures/ (PyTorch through /usr/bin/python3)
// and read here, so no test needs Python:
//
//   tg::testing::Fixture f("nn/lstm.safetensors");
//   Tensor expected = f["output"];
#pragma once

#include <tapegrad/autograd.h>

#include <catch2/catch.hpp>

#include <string>

#ifndef TAPEGRAD_FIXTURE_DIR
#error "TAPEGRAD_FIXTURE_DIR is set by tests/CMakeLists.txt"
#endif

namespace tg::testing {

inline std::string fixture_path(const std::string& relative) {
  return std::string(TAPEGRAD_FIXTURE_DIR) + "/" + relative;
}

// One fixture file: its tensors by name (a missing name fails the test, naming it).
class Fixture {
 public:
  explicit Fixture(const std::string& relative)
      : path_(fixture_path(relative)), file_(io::load_safetensors(path_)) {}

  Tensor operator[](const std::string& name) const {
    for (const auto& [key, tensor] : file_.tensors)
      if (key == name) return tensor;
    FAIL("fixture " << path_ << " has no tensor '" << name << "'");
    return {};
  }
  const io::Metadata& metadata() const { return file_.metadata; }

 private:
  std::string path_;
  io::SafetensorsFile file_;
};

}  // namespace tg::testing
