// DistributedDataParallel: training on shards equals one process on the combined batch.
#include <tapegrad/data.h>
#include <tapegrad/distributed.h>
#include <tapegrad/nn.h>
#include <tapegrad/optim.h>

#include <catch2/catch.hpp>

#include <set>

using namespace tg;
namespace dist = tg::distributed;

namespace {

std::shared_ptr<nn::Sequential> mlp() {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(12, 32));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(32, 16));
  m->push_back(std::make_shared<nn::Tanh>());
  m->push_back(std::make_shared<nn::Linear>(16, 4));
  return m;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& kind, const tensor_list& params) {
  if (kind == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = 1e-2});
  return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
}

Tensor rows(const Tensor& t, const std::vector<int64_t>& idx) {
  return t.index_select(0, tensor<int64_t>(idx, {static_cast<int64_t>(idx.size())}));
}

}  // namespace

TEST_CASE("DDP on shards ends equal to one process on the combined batch", "[distributed]") {
  const std::string kind = GENERATE(as<std::string>{}, "momentum", "adam");
  CAPTURE(kind);
  const int w = dist::world_size(), r = dist::rank();
  constexpr int64_t kBatch = 8, kSteps = 6, kN = 128;
  manual_seed(7);  // the same data on every rank
  const Tensor x = randn({kN, 12});
  const Tensor y = randint(0, 4, {kN});

  // Different initial weights per rank: DDP must broadcast rank 0's.
  manual_seed(1000 + static_cast<uint64_t>(r));
  auto model = mlp();
  dist::DistributedDataParallel ddp(model, {.bucket_cap_bytes = 1024});  // several buckets
  auto reference = mlp();
  reference->load_state_dict(model->state_dict());
  auto opt = make_optimizer(kind, model->parameters());
  auto ref_opt = make_optimizer(kind, reference->parameters());

  std::vector<std::vector<int64_t>> shards;
  for (int k = 0; k < w; ++k)
    shards.push_back(data::DistributedSampler(kN, {.num_replicas = w, .rank = k, .seed = 3}).indices(0));
  for (int64_t step = 0; step < kSteps; ++step) {
    auto batch_of = [&](int k) {
      return std::vector<int64_t>(shards[k].begin() + step * kBatch, shards[k].begin() + (step + 1) * kBatch);
    };
    const std::vector<int64_t> mine = batch_of(r);
    opt->zero_grad();
    cross_entropy(ddp.forward(rows(x, mine)), rows(y, mine)).backward();
    ddp.finish();
    opt->step();
    CHECK(ddp.last_stats().buckets_started_in_backward == ddp.last_stats().buckets);  // all overlapped

    std::vector<int64_t> combined;
    for (int k = 0; k < w; ++k) {
      const auto b = batch_of(k);
      combined.insert(combined.end(), b.begin(), b.end());
    }
    ref_opt->zero_grad();
    cross_entropy(reference->forward(rows(x, combined)), rows(y, combined)).backward();
    ref_opt->step();
  }
  const auto got = model->named_parameters(), want = reference->named_parameters();
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(got[i].first);
    CHECK((got[i].second - want[i].second).abs().max().item<double>() < 1e-5);
  }
}

TEST_CASE("DDP buckets run in reverse registration order and hold every parameter once", "[distributed]") {
  auto model = mlp();
  dist::DistributedDataParallel ddp(model, {.bucket_cap_bytes = 1024});
  const auto buckets = ddp.bucket_names();
  CHECK(buckets.size() > 2);
  CHECK(buckets.front().front() == "4.bias");
  CHECK(buckets.back().back() == "0.weight");
  std::set<std::string> names;
  size_t total = 0;
  for (const auto& b : buckets) {
    names.insert(b.begin(), b.end());
    total += b.size();
  }
  CHECK(total == model->named_parameters().size());
  CHECK(names.size() == total);
}

TEST_CASE("DDP counts a parameter without a gradient as zero", "[distributed]") {
  // Rank 0 uses both layers; the other ranks skip the second: finish() must still complete.
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(3, 3));
  model->push_back(std::make_shared<nn::Linear>(3, 3));
  dist::DistributedDataParallel ddp(model, {.bucket_cap_bytes = 1});  // one parameter per bucket
  const Tensor x = ones({2, 3});
  Tensor h = (*model)[0]->forward(x);
  if (dist::rank() == 0) h = (*model)[1]->forward(h);
  model->zero_grad();
  h.sum().backward();
  ddp.finish();
  // The second layer's bias gradient is 2 (batch of 2) on rank 0 and 0 elsewhere.
  const Tensor& bias_grad = (*model)[1]->parameter("bias").grad();
  REQUIRE(bias_grad.defined());
  CHECK(bias_grad.max().item<double>() == Approx(2.0 / dist::world_size()));
  if (dist::rank() != 0) CHECK(ddp.last_stats().buckets_started_in_backward < ddp.last_stats().buckets);
}
