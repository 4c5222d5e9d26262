// Data-parallel training: every rank holds the same model, trains on its own shard of each batch,
// and the gradients are averaged over ranks before the optimizer step, so all ranks stay equal to
// a single process trained on the combined batch (Li et al. 2020, "PyTorch Distributed").
//
//   tg::distributed::Environment mpi(&argc, &argv);
//   auto model = make_model();
//   tg::distributed::DistributedDataParallel ddp(model);      // broadcasts rank 0's weights
//   tg::optim::Adam opt(model->parameters());
//   for (const auto& batch : loader) {                        // loader over a DistributedSampler
//     tg::Tensor loss = tg::cross_entropy(ddp.forward(batch.data), batch.target);
//     opt.zero_grad();
//     loss.backward();   // buckets of gradients are all-reduced while backward runs
//     ddp.finish();      // waits for the last bucket; .grad() now holds the average over ranks
//     opt.step();
//   }
//
// Overlap: parameters are grouped into buckets of about bucket_cap_bytes, in reverse registration
// order (the order backward produces gradients). A post-accumulate hook on each parameter copies
// its gradient into its bucket; a full bucket starts a nonblocking MPI_Iallreduce at once, while
// backward goes on through earlier layers. Buckets start strictly in index order on every rank, as
// MPI requires collectives in the same order everywhere.
#pragma once

#include <tapegrad/nn/module.h>

#include <memory>
#include <string>
#include <vector>

namespace tg::distributed {

struct DataParallelOptions {
  int64_t bucket_cap_bytes = int64_t{1} << 20;  // 1 MiB: a few buckets for an MLP, so reduction overlaps backward
  bool broadcast_buffers = true;                // before each training forward: root's BatchNorm statistics
  int root = 0;                                 // the rank whose weights and buffers win
};

// Where the time went in the last synchronised step (for benchmarks).
struct DataParallelStats {
  int64_t buckets = 0;
  int64_t buckets_started_in_backward = 0;  // started from a hook, before finish()
  double wait_seconds = 0;                  // blocked waiting for reductions to complete
};

class DistributedDataParallel {
 public:
  // Collective: every rank constructs it with the same model architecture.
  explicit DistributedDataParallel(std::shared_ptr<nn::Module> module, DataParallelOptions options = {});
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  // The module's forward; in training mode first copies root's buffers to every rank.
  Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  // Completes the reduction of this step's gradients: starts buckets whose parameters got no
  // gradient (treated as zero), waits for all, and leaves the average over ranks in every
  // parameter's grad(). Call after each backward, before the optimizer step.
  void finish();

  nn::Module& module() { return *module_; }
  const std::shared_ptr<nn::Module>& module_ptr() const { return module_; }
  // Parameter names of each bucket, in bucket order (the same on every rank).
  std::vector<std::vector<std::string>> bucket_names() const;
  const DataParallelStats& last_stats() const { return stats_; }

 private:
  struct Reducer;
  std::shared_ptr<nn::Module> module_;
  DataParallelOptions options_;
  std::unique_ptr<Reducer> reducer_;
  DataParallelStats stats_;
};

}  // namespace tg::distributed
