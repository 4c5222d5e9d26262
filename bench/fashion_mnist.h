// The Fashion-MNIST training set, read once per process (bench/data.cpp, bench/vs_libtorch/).
#pragma once

#include <tapegrad/tapegrad.h>

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

namespace bench {

// The training split, or nullptr after marking `state` skipped when the files cannot be read.
inline std::shared_ptr<const tg::data::FashionMNIST> fashion_mnist_train(benchmark::State& state) {
  static std::string error;
  static const std::shared_ptr<const tg::data::FashionMNIST> train = [] {
    try {
      return std::make_shared<const tg::data::FashionMNIST>(tg::data::FashionMNIST::kDefaultDir,
                                                            tg::data::Split::Train);
    } catch (const std::exception& e) {
      error = e.what();
      return std::shared_ptr<const tg::data::FashionMNIST>();
    }
  }();
  if (!train) state.SkipWithError(("Fashion-MNIST: " + error).c_str());
  return train;
}

}  // namespace bench
