// The tapegrad models of the training workloads (bench/vs_libtorch/ builds the same in LibTorch).
#pragma once

#include <tapegrad/tapegrad.h>

#include <memory>

namespace bench {

// W1: 784-512-256-10, [Linear -> BatchNorm1d -> ReLU -> Dropout(0.2)] per hidden layer, batch 128.
inline std::shared_ptr<tg::nn::Sequential> make_w1_mlp() {
  auto net = std::make_shared<tg::nn::Sequential>();
  int64_t in = 784;
  for (int64_t h : {512, 256}) {
    net->push_back(std::make_shared<tg::nn::Linear>(in, h));
    net->push_back(std::make_shared<tg::nn::BatchNorm1d>(h));
    net->push_back(std::make_shared<tg::nn::ReLU>());
    net->push_back(std::make_shared<tg::nn::Dropout>(0.2));
    in = h;
  }
  net->push_back(std::make_shared<tg::nn::Linear>(in, 10));
  return net;
}

// W4: [Conv3x3 -> ReLU -> MaxPool2] x2 (32, 64 channels), Linear(3136, 128) -> ReLU -> Linear(128, 10).
inline std::shared_ptr<tg::nn::Sequential> make_w4_cnn() {
  auto net = std::make_shared<tg::nn::Sequential>();
  int64_t channels = 1;
  for (int64_t out : {32, 64}) {
    net->push_back(std::make_shared<tg::nn::Conv2d>(
        tg::nn::Conv2dOptions{.in = channels, .out = out, .kernel_size = 3, .padding = 1}));
    net->push_back(std::make_shared<tg::nn::ReLU>());
    net->push_back(std::make_shared<tg::nn::MaxPool2d>(2));
    channels = out;
  }
  net->push_back(std::make_shared<tg::nn::Flatten>());
  net->push_back(std::make_shared<tg::nn::Linear>(64 * 7 * 7, 128));
  net->push_back(std::make_shared<tg::nn::ReLU>());
  net->push_back(std::make_shared<tg::nn::Linear>(128, 10));
  return net;
}

inline void train_step(tg::nn::Module& model, tg::optim::Optimizer& opt, const tg::Tensor& x, const tg::Tensor& y) {
  opt.zero_grad();  // set_to_none, as LibTorch's side does by hand
  tg::Tensor loss = tg::cross_entropy(model.forward(x), y);
  loss.backward();
  opt.step();
}

}  // namespace bench
