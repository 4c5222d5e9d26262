// tapegrad-train: the two models and their initialisation.
#pragma once

#include <tapegrad/tapegrad.h>

#include <string>
#include <vector>

namespace train {

struct ModelConfig {
  std::string kind = "mlp";         // mlp | cnn
  std::vector<int64_t> hidden = {512, 256};
  std::string init = "he";          // xavier | he | lecun | small
  double dropout = 0.2;
  double dropconnect = 0.0;
  bool batchnorm = true;
};

// A hidden linear layer, with DropConnect on its weights when asked.
inline std::shared_ptr<tg::nn::Module> hidden_linear(int64_t in, int64_t out, const ModelConfig& c) {
  if (c.dropconnect > 0)
    return std::make_shared<tg::nn::DropConnectLinear>(
        tg::nn::DropConnectLinearOptions{.in = in, .out = out, .p = c.dropconnect, .bias = !c.batchnorm});
  // A bias before BatchNorm is cancelled by its mean subtraction: leave it out.
  return std::make_shared<tg::nn::Linear>(tg::nn::LinearOptions{.in = in, .out = out, .bias = !c.batchnorm});
}

// MLP: [Linear -> BatchNorm1d -> ReLU -> Dropout] per hidden size, then Linear to 10 classes.
inline std::shared_ptr<tg::nn::Sequential> make_mlp(const ModelConfig& c) {
  auto net = std::make_shared<tg::nn::Sequential>();
  net->push_back(std::make_shared<tg::nn::Flatten>());
  int64_t in = 28 * 28;
  for (int64_t h : c.hidden) {
    net->push_back(hidden_linear(in, h, c));
    if (c.batchnorm) net->push_back(std::make_shared<tg::nn::BatchNorm1d>(h));
    net->push_back(std::make_shared<tg::nn::ReLU>());
    if (c.dropout > 0) net->push_back(std::make_shared<tg::nn::Dropout>(c.dropout));
    in = h;
  }
  net->push_back(std::make_shared<tg::nn::Linear>(in, 10));
  return net;
}

// CNN: two [Conv3x3 -> BatchNorm2d -> ReLU -> MaxPool2] blocks (32, 64 channels), then
// Linear(3136, hidden[0]) -> ReLU -> Dropout -> Linear(hidden[0], 10).
inline std::shared_ptr<tg::nn::Sequential> make_cnn(const ModelConfig& c) {
  auto net = std::make_shared<tg::nn::Sequential>();
  int64_t channels = 1;
  for (int64_t out : {32, 64}) {
    net->push_back(std::make_shared<tg::nn::Conv2d>(
        tg::nn::Conv2dOptions{.in = channels, .out = out, .kernel_size = 3, .padding = 1, .bias = !c.batchnorm}));
    if (c.batchnorm) net->push_back(std::make_shared<tg::nn::BatchNorm2d>(out));
    net->push_back(std::make_shared<tg::nn::ReLU>());
    net->push_back(std::make_shared<tg::nn::MaxPool2d>(2));
    channels = out;
  }
  net->push_back(std::make_shared<tg::nn::Flatten>());
  const int64_t hidden = c.hidden.empty() ? 128 : c.hidden[0];
  net->push_back(hidden_linear(64 * 7 * 7, hidden, c));
  if (c.batchnorm) net->push_back(std::make_shared<tg::nn::BatchNorm1d>(hidden));
  net->push_back(std::make_shared<tg::nn::ReLU>());
  if (c.dropout > 0) net->push_back(std::make_shared<tg::nn::Dropout>(c.dropout));
  net->push_back(std::make_shared<tg::nn::Linear>(hidden, 10));
  return net;
}

// Re-initialises every Linear/Conv2d weight with the chosen scheme and zeroes the biases.
// He's ReLU gain applies to layers that feed a ReLU; the output layer feeds the softmax, so under "he"
// it gets gain 1 (LeCun's scale): with the ReLU gain the first logits are large and the initial loss
// is ~3.1 instead of ln(10) = 2.3 (tapegrad-train --sanity).
inline void initialise(tg::nn::Module& model, const std::string& scheme, const tg::nn::Module* output_layer) {
  namespace init = tg::nn::init;
  model.apply([&](tg::nn::Module& m) {
    if (m.type_name() != "Linear" && m.type_name() != "Conv2d") return;
    tg::Tensor& w = m.parameter("weight");
    if (scheme == "xavier") init::xavier_normal_(w);
    else if (scheme == "he") init::kaiming_normal_(w, {.nonlinearity = &m == output_layer ? "linear" : "relu"});
    else if (scheme == "lecun") init::lecun_normal_(w);
    else if (scheme == "small") init::normal_(w, 0.0, 0.01);
    else TG_FAIL("--init: unknown scheme '{}' (expected xavier, he, lecun or small)", scheme);
    if (tg::Tensor& b = m.parameter("bias"); b.defined()) init::zeros_(b);
  });
}

inline std::shared_ptr<tg::nn::Sequential> make_model(const ModelConfig& c) {
  std::shared_ptr<tg::nn::Sequential> net;
  if (c.kind == "mlp") net = make_mlp(c);
  else if (c.kind == "cnn") net = make_cnn(c);
  else TG_FAIL("--model: unknown model '{}' (expected mlp or cnn)", c.kind);
  initialise(*net, c.init, (*net)[net->size() - 1].get());
  return net;
}

}  // namespace train
