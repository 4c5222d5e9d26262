// W1, W4 and the Fashion-MNIST epoch of W1 in LibTorch (tapegrad's: bench/training_steps.cpp, bench/data.cpp).
#include "fashion_mnist.h"
#include "libtorch_bench.h"

namespace {

using bench::libtorch::set_threads;

torch::nn::Sequential make_w1_mlp() {
  torch::nn::Sequential net;
  int64_t in = 784;
  for (int64_t h : {512, 256}) {
    net->push_back(torch::nn::Linear(in, h));
    net->push_back(torch::nn::BatchNorm1d(h));
    net->push_back(torch::nn::ReLU());
    net->push_back(torch::nn::Dropout(0.2));
    in = h;
  }
  net->push_back(torch::nn::Linear(in, 10));
  return net;
}

torch::nn::Sequential make_w4_cnn() {
  torch::nn::Sequential net;
  int64_t channels = 1;
  for (int64_t out : {32, 64}) {
    net->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, out, 3).padding(1)));
    net->push_back(torch::nn::ReLU());
    net->push_back(torch::nn::MaxPool2d(2));
    channels = out;
  }
  net->push_back(torch::nn::Flatten());
  net->push_back(torch::nn::Linear(64 * 7 * 7, 128));
  net->push_back(torch::nn::ReLU());
  net->push_back(torch::nn::Linear(128, 10));
  return net;
}

void train_step(torch::nn::Sequential& model, torch::optim::Optimizer& opt, const torch::Tensor& x,
                const torch::Tensor& y) {
  bench::libtorch::zero_grad_to_none(model->parameters());
  torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
  loss.backward();
  opt.step();
}

void w1_mlp_step(benchmark::State& state) {
  set_threads(bench::threads(state));
  torch::manual_seed(0);
  auto model = make_w1_mlp();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  const torch::Tensor x = torch::randn({128, 784});
  const torch::Tensor y = torch::randint(0, 10, {128});
  bench::time_steps(state, [&] { train_step(model, opt, x, y); });
  bench::rate(state, "samples/s", 128);
}
BENCH_WORKLOAD("W1_mlp_step", "libtorch", w1_mlp_step)->Unit(benchmark::kMillisecond);

void w4_cnn_step(benchmark::State& state) {
  set_threads(bench::threads(state));
  torch::manual_seed(0);
  auto model = make_w4_cnn();
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  const torch::Tensor x = torch::randn({64, 1, 28, 28});
  const torch::Tensor y = torch::randint(0, 10, {64});
  bench::time_steps(state, [&] { train_step(model, opt, x, y); });
  bench::rate(state, "samples/s", 64);
}
BENCH_WORKLOAD("W4_cnn_step", "libtorch", w4_cnn_step)->Unit(benchmark::kMillisecond);

// The epoch as a LibTorch user writes it: the whole set in memory, a shuffled permutation,
// index_select per batch (faster than torch::data's loader). The files are read by tapegrad's
// reader (untimed), since LibTorch's MNIST reader does not read the .gz files Debian ships.
void epoch(benchmark::State& state) {
  set_threads(bench::threads(state));
  auto train = bench::fashion_mnist_train(state);
  if (!train) return;
  const int64_t n = train->size();
  const torch::Tensor images =
      torch::from_blob(train->images().data_ptr<float>(), {n, 784}, torch::kFloat32).clone();
  const torch::Tensor targets = torch::from_blob(train->targets().data_ptr<int64_t>(), {n}, torch::kInt64).clone();
  torch::manual_seed(0);
  auto model = make_w1_mlp();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  for (auto _ : state) {
    const torch::Tensor order = torch::randperm(n, torch::kInt64);
    for (int64_t start = 0; start < n; start += 128) {
      const torch::Tensor idx = order.slice(0, start, std::min(start + 128, n));
      train_step(model, opt, images.index_select(0, idx), targets.index_select(0, idx));
    }
  }
  bench::rate(state, "samples/s", static_cast<double>(n));
}
BENCH_WORKLOAD("epoch_fashion_mnist_W1", "libtorch", epoch)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);

}  // namespace
