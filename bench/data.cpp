// Data: reading the Fashion-MNIST training set, the DataLoader with augmentation, and a full
// training epoch of W1 (without and with augmentation: if the loader keeps up, the two match).
#include "bench.h"
#include "fashion_mnist.h"
#include "models.h"

#include <tapegrad/tapegrad.h>

#include <numeric>

namespace {

using namespace tg;

void load_fashion_mnist(benchmark::State& state) {
  set_num_threads(bench::threads(state));
  for (auto _ : state) {
    data::FashionMNIST train(data::FashionMNIST::kDefaultDir, data::Split::Train);
    benchmark::DoNotOptimize(train.images().raw_data());
  }
  bench::rate(state, "samples/s", 60000);
}
BENCH_WORKLOAD("data_load_fashion_mnist_train", "tapegrad", load_fashion_mnist)->Unit(benchmark::kMillisecond);

// One pass over the first 16384 training images, batches of 128, shuffled and augmented, with
// `threads` loader workers (and one OpenMP thread: the loader's work is in its workers).
void loader_throughput(benchmark::State& state, const std::vector<std::string>& augmentations) {
  set_num_threads(1);
  auto train = bench::fashion_mnist_train(state);
  if (!train) return;
  std::vector<int64_t> first(16384);
  std::iota(first.begin(), first.end(), 0);
  auto subset = std::make_shared<data::Subset>(train, first);
  data::DataLoader loader(subset, {.batch_size = 128, .shuffle = true, .num_workers = bench::threads(state)}, nullptr,
                          data::augment_data(data::make_augmentation(augmentations, 28)));
  for (auto _ : state)
    for (const data::Batch& batch : loader) benchmark::DoNotOptimize(batch.data.raw_data());
  bench::rate(state, "samples/s", static_cast<double>(first.size()));
}
void loader_flip_crop(benchmark::State& state) { loader_throughput(state, {"flip", "crop"}); }
void loader_all(benchmark::State& state) {
  loader_throughput(state, {"flip", "crop", "affine", "noise", "erase", "jitter"});
}
BENCH_WORKLOAD("data_loader_flip_crop", "tapegrad", loader_flip_crop)->Unit(benchmark::kMillisecond);
BENCH_WORKLOAD("data_loader_all_augmentations", "tapegrad", loader_all)->Unit(benchmark::kMillisecond);

// A full epoch (60000 images, batch 128, shuffled) of W1 with Adam; one iteration is one epoch.
void epoch(benchmark::State& state, const std::vector<std::string>& augmentations, int workers) {
  set_num_threads(bench::threads(state));
  auto train = bench::fashion_mnist_train(state);
  if (!train) return;
  manual_seed(0);
  auto model = bench::make_w1_mlp();
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  data::ExampleTransform augment;
  if (!augmentations.empty()) augment = data::augment_data(data::make_augmentation(augmentations, 28));
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .num_workers = workers}, nullptr, augment);
  for (auto _ : state)
    for (const data::Batch& batch : loader) bench::train_step(*model, opt, batch.data.flatten(1), batch.target);
  bench::rate(state, "samples/s", static_cast<double>(train->size()));
}
void epoch_plain(benchmark::State& state) { epoch(state, {}, 0); }
void epoch_flip_crop(benchmark::State& state) { epoch(state, {"flip", "crop"}, 1); }
BENCH_WORKLOAD("epoch_fashion_mnist_W1", "tapegrad", epoch_plain)
    ->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);
BENCH_WORKLOAD("epoch_fashion_mnist_W1_flip_crop", "tapegrad", epoch_flip_crop)
    ->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);

}  // namespace
