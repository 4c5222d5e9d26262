// Collectives: allreduce and broadcast of tensors, scalars and whole modules.
#include <tapegrad/distributed.h>
#include <tapegrad/nn.h>

#include <catch2/catch.hpp>

using namespace tg;
namespace dist = tg::distributed;

namespace {

// The largest difference between this rank's tensor and the same tensor on any other rank.
double spread_over_ranks(const Tensor& t) {
  Tensor hi = t.detach().to(kDouble).contiguous().clone(), lo = hi.clone();
  dist::allreduce_(hi, dist::ReduceOp::Max);
  dist::allreduce_(lo, dist::ReduceOp::Min);
  return (hi - lo).abs().max().item<double>();
}

std::shared_ptr<nn::Sequential> small_model() {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(6, 5));
  m->push_back(std::make_shared<nn::BatchNorm1d>(5));
  m->push_back(std::make_shared<nn::Linear>(5, 2));
  return m;
}

}  // namespace

TEST_CASE("allreduce sums, averages and takes extremes over ranks", "[distributed]") {
  const int w = dist::world_size(), r = dist::rank();
  REQUIRE(w >= 2);  // run under mpirun -np 2 (or more)
  Tensor t = full({5}, static_cast<double>(r + 1));
  dist::allreduce_(t);
  CHECK(t.min().item<double>() == Approx(w * (w + 1) / 2.0));
  Tensor a = full({2, 3}, static_cast<double>(r), kDouble);
  dist::allreduce_(a, dist::ReduceOp::Average);
  CHECK(a.max().item<double>() == Approx((w - 1) / 2.0));
  CHECK(dist::allreduce(static_cast<double>(r), dist::ReduceOp::Max) == w - 1);
  CHECK(dist::allreduce(int64_t{1}) == w);
  Tensor labels = full({3}, static_cast<double>(r), kLong);
  CHECK_THROWS_WITH(dist::allreduce_(labels, dist::ReduceOp::Average),
                    Catch::Contains("allreduce_: Average needs a floating-point tensor"));
}

TEST_CASE("broadcast_parameters gives every rank root's weights and buffers", "[distributed]") {
  manual_seed(100 + static_cast<uint64_t>(dist::rank()));  // different weights on each rank
  auto model = small_model();
  {
    NoGradGuard no_grad;
    model->buffers()[0].fill_(static_cast<double>(dist::rank()));  // BatchNorm running mean
  }
  const Tensor before = model->parameters()[0].detach().clone();
  CHECK(spread_over_ranks(before) > 0);
  dist::broadcast_parameters(*model, 1);
  for (const auto& [name, t] : model->state_dict()) {
    CAPTURE(name);
    CHECK(spread_over_ranks(t) == 0);
  }
  CHECK(model->buffers()[0].max().item<double>() == 1.0);  // rank 1's buffer
}

TEST_CASE("broadcast_parameters refuses modules that differ between ranks", "[distributed]") {
  nn::Linear layer(4, dist::rank() == 0 ? 3 : 2);
  CHECK_THROWS_WITH(dist::broadcast_parameters(layer), Catch::Contains("shapes differ between ranks"));
}
