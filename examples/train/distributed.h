// tapegrad-train under mpirun: data-parallel training with tg::distributed.
//
//   mpirun -np 2 tapegrad-train --epochs 10      # each rank trains on its shard of every epoch
//
// Without mpirun (or when built without MPI) this is a single process and every call is a no-op
// or the identity. Under mpirun: rank 0's weights are broadcast, gradients are averaged over
// ranks during backward, --batch-size is per rank (the effective batch is N times larger), train
// loss/accuracy are summed over ranks and the test set is split between them, and only rank 0
// prints (the others' stdout goes to /dev/null; errors still reach stderr) and writes files.
#pragma once

#include <tapegrad/tapegrad.h>
#ifdef TAPEGRAD_HAS_MPI
#include <tapegrad/distributed.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace train {

class Distributed {
 public:
  Distributed() {
#ifdef TAPEGRAD_HAS_MPI
    if (!tg::distributed::launched_by_mpirun()) return;
    env_ = std::make_unique<tg::distributed::Environment>();
    rank_ = env_->rank();
    world_ = env_->world_size();
    if (rank_ != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) std::perror("tapegrad-train: /dev/null");
#else
    TG_CHECK(std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr && std::getenv("PMI_SIZE") == nullptr,
             "started by mpirun, but this tapegrad-train was built without MPI (install libopenmpi-dev and rebuild)");
#endif
  }

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  bool is_root() const { return rank_ == 0; }

  // Files (checkpoint, metrics, plot) are written by rank 0 only.
  void keep_files_on_root(std::string& checkpoint, std::string& metrics, std::string& plot) const {
    if (is_root()) return;
    checkpoint.clear();
    metrics.clear();
    plot.clear();
  }

  // The training loader's sampler: this rank's shard of every epoch (equal sizes on all ranks, so
  // all take the same number of steps); nullptr for one process (the loader shuffles itself).
  std::shared_ptr<const tg::data::Sampler> sampler(int64_t n, uint64_t seed) const {
    if (world_ == 1) return nullptr;
    return std::make_shared<tg::data::DistributedSampler>(
        n, tg::data::DistributedSamplerOptions{.num_replicas = world_, .rank = rank_, .seed = seed});
  }

  // Call once the model is built (and resumed): every rank gets rank 0's weights, and gradients
  // are averaged from now on. Each rank then draws its own dropout masks.
  void wrap(const std::shared_ptr<tg::nn::Module>& model) {
#ifdef TAPEGRAD_HAS_MPI
    if (world_ == 1) return;
    ddp_ = std::make_unique<tg::distributed::DistributedDataParallel>(model);
    // A rank-specific random stream with the same offset as rank 0's, so a resumed run (which
    // loads rank 0's state) continues every rank's stream exactly.
    const tg::GeneratorState s = tg::get_rng_state();
    tg::set_rng_state({s.seed ^ tg::data::mix64(static_cast<uint64_t>(rank_)) ^ tg::data::mix64(0), s.offset});
#else
    (void)model;
#endif
  }

  tg::Tensor forward(tg::nn::Module& model, const tg::Tensor& x) {
#ifdef TAPEGRAD_HAS_MPI
    if (ddp_) return ddp_->forward(x);
#endif
    return model.forward(x);
  }

  // After backward, before the optimizer step: waits for the averaged gradients.
  void finish_gradients() {
#ifdef TAPEGRAD_HAS_MPI
    if (ddp_) ddp_->finish();
#endif
  }

  // Epoch totals over all ranks.
  void sum(double& loss_sum, int64_t& correct, int64_t& seen) const {
#ifdef TAPEGRAD_HAS_MPI
    if (world_ == 1) return;
    loss_sum = tg::distributed::allreduce(loss_sum);
    correct = tg::distributed::allreduce(correct);
    seen = tg::distributed::allreduce(seen);
#else
    (void)loss_sum, (void)correct, (void)seen;
#endif
  }

  // (loss, accuracy) over all of (images, targets): each rank evaluates its slice with rank 0's
  // BatchNorm statistics and the results are combined, weighted by slice size.
  std::pair<double, double> evaluate(
      tg::nn::Module& model, const tg::Tensor& images, const tg::Tensor& targets,
      const std::function<std::pair<double, double>(const tg::Tensor&, const tg::Tensor&)>& eval) const {
#ifdef TAPEGRAD_HAS_MPI
    if (world_ > 1) {
      tg::distributed::broadcast_buffers(model);
      const int64_t n = images.size(0), begin = n * rank_ / world_, len = n * (rank_ + 1) / world_ - begin;
      std::pair<double, double> part{0.0, 0.0};
      if (len > 0) part = eval(images.narrow(0, begin, len), targets.narrow(0, begin, len));
      const double loss = tg::distributed::allreduce(part.first * static_cast<double>(len));
      const double acc = tg::distributed::allreduce(part.second * static_cast<double>(len));
      return {loss / static_cast<double>(n), acc / static_cast<double>(n)};
    }
#endif
    (void)model;
    return eval(images, targets);
  }

 private:
  int rank_ = 0, world_ = 1;
#ifdef TAPEGRAD_HAS_MPI
  std::unique_ptr<tg::distributed::Environment> env_;
  std::unique_ptr<tg::distributed::DistributedDataParallel> ddp_;  // destroyed before env_
#endif
};

}  // namespace train
