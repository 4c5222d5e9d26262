// Quick start: two small models on Fashion-MNIST, a few hundred steps each.
//
//   build/release/examples/quickstart [--data-dir DIR] [--steps N]
//
// An MLP with BatchNorm and Dropout, and a small CNN, each trained with Adam on
// the first 6,000 training images and evaluated on the first 1,000 test images.
// It prints the loss before and after training and the test accuracy, and exits
// non-zero if a model failed to learn (the ctest example_quickstart relies on it).
#include <tapegrad/tapegrad.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <numeric>

namespace nn = tg::nn;
using tg::Tensor;

namespace {

std::shared_ptr<nn::Sequential> make_mlp() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(784, 256), std::make_shared<nn::BatchNorm1d>(256),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Dropout>(0.2),
      std::make_shared<nn::Linear>(256, 10)});
}

std::shared_ptr<nn::Sequential> make_cnn() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 16, .kernel_size = 3, .padding = 1}),
      std::make_shared<nn::BatchNorm2d>(16), std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 16, .out = 32, .kernel_size = 3, .padding = 1}),
      std::make_shared<nn::BatchNorm2d>(32), std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Dropout>(0.2),
      std::make_shared<nn::Linear>(32 * 7 * 7, 10)});
}

std::shared_ptr<const tg::data::Dataset> first_n(std::shared_ptr<const tg::data::Dataset> full, int64_t n) {
  std::vector<int64_t> indices(static_cast<size_t>(std::min(n, full->size())));
  std::iota(indices.begin(), indices.end(), 0);
  return std::make_shared<tg::data::Subset>(std::move(full), std::move(indices));
}

double accuracy(nn::Module& model, tg::data::DataLoader& loader) {
  tg::NoGradGuard no_grad;
  model.eval();
  int64_t correct = 0, seen = 0;
  for (const tg::data::Batch& batch : loader) {
    correct += model.forward(batch.data).argmax(1).eq(batch.target).sum().item<int64_t>();
    seen += batch.target.numel();
  }
  model.train();
  return static_cast<double>(correct) / static_cast<double>(seen);
}

// Trains for `steps` steps (looping over the loader) and reports; true if the model learned.
bool train(const std::string& name, nn::Module& model, tg::data::DataLoader& train_loader,
           tg::data::DataLoader& test_loader, int steps) {
  tg::optim::Adam opt(model.parameters(), {.lr = 1e-3});
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < steps;) {
    for (const tg::data::Batch& batch : train_loader) {
      Tensor loss = tg::cross_entropy(model.forward(batch.data), batch.target);
      opt.zero_grad();
      loss.backward();
      opt.step();
      (step == 0 ? first_loss : last_loss) = loss.item<double>();
      if (++step == steps) break;
    }
  }
  double acc = accuracy(model, test_loader);
  fmt::print("{}: loss {:.3f} -> {:.3f} after {} steps, test accuracy {:.3f}\n", name, first_loss, last_loss,
             steps, acc);
  return last_loss < first_loss && acc > 0.6;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"quickstart: an MLP and a small CNN on Fashion-MNIST"};
  std::string data_dir = tg::data::FashionMNIST::kDefaultDir;
  int steps = 200;
  app.add_option("--data-dir", data_dir, "Fashion-MNIST directory");
  app.add_option("--steps", steps, "training steps per model")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    tg::manual_seed(0);
    auto train_set = first_n(std::make_shared<tg::data::FashionMNIST>(data_dir, tg::data::Split::Train), 6000);
    auto test_set = first_n(std::make_shared<tg::data::FashionMNIST>(data_dir, tg::data::Split::Test), 1000);
    tg::data::DataLoader train_loader(train_set, {.batch_size = 64, .shuffle = true, .seed = 0});
    tg::data::DataLoader test_loader(test_set, {.batch_size = 500});

    auto mlp = make_mlp();
    auto cnn = make_cnn();
    fmt::print("{}\n{}\n", *mlp, *cnn);  // the module trees with parameter counts
    bool ok = train("MLP", *mlp, train_loader, test_loader, steps);
    ok = train("CNN", *cnn, train_loader, test_loader, steps) && ok;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "quickstart: error: {}\n", e.what());
    return 1;
  }
}
