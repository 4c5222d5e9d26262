// Data-parallel scaling of W1 and the cost of allreduce, under mpirun (or as one process).
//
//   ddp_bench w1 [steps]        median time of one W1 training step (batch 128 per rank, Adam):
//                               one process without DDP, or N ranks with DDP (overlapped buckets,
//                               and one bucket started after backward, for comparison)
//   ddp_bench allreduce         median time of MPI_Allreduce (sum, float32) from 4 KiB to 16 MiB
//
// Not a Google Benchmark suite: every rank must run the same number of iterations in lockstep
// (a collective per step), so the loop counts are fixed and rank 0 reports medians of repetitions.
// bench/distributed/run.sh runs the whole set; README "Distributed training" has the figures.
#include <tapegrad/distributed.h>
#include <tapegrad/tapegrad.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../models.h"

namespace {

using namespace tg;
namespace dist = tg::distributed;
using Clock = std::chrono::steady_clock;

constexpr int kRepetitions = 5;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The slowest rank's time: a step is done when every rank is done.
double slowest(double s) { return dist::is_initialized() ? dist::allreduce(s, dist::ReduceOp::Max) : s; }

struct StepTimes {
  double step_ms = 0;  // median over repetitions of the mean step time
  double wait_ms = 0;  // DDP: median time blocked on reductions after backward
};

// kind: "local" (no DDP), "overlap" (1 MiB buckets), "after" (one bucket: starts when backward ends),
// "nobuf" (as overlap, without broadcasting BatchNorm's running statistics before each forward).
StepTimes w1_steps(const std::string& kind, int steps) {
  manual_seed(0);
  auto model = bench::make_w1_mlp();
  std::unique_ptr<dist::DistributedDataParallel> ddp;
  if (kind != "local")
    ddp = std::make_unique<dist::DistributedDataParallel>(
        model, dist::DataParallelOptions{.bucket_cap_bytes = kind == "after" ? int64_t{1} << 30 : int64_t{1} << 20,
                                         .broadcast_buffers = kind != "nobuf"});
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  const Tensor x = randn({128, 784});
  const Tensor y = randint(0, 10, {128});
  std::vector<double> step_ms, wait_ms;
  for (int rep = -1; rep < kRepetitions; ++rep) {  // rep -1: warm-up
    double waited = 0;
    const auto t0 = Clock::now();
    for (int s = 0; s < steps; ++s) {
      opt.zero_grad();
      Tensor loss = cross_entropy(ddp ? ddp->forward(x) : model->forward(x), y);
      loss.backward();
      if (ddp) {
        ddp->finish();
        waited += ddp->last_stats().wait_seconds;
      }
      opt.step();
    }
    const double elapsed = slowest(seconds_since(t0));
    if (rep >= 0) {
      step_ms.push_back(1e3 * elapsed / steps);
      wait_ms.push_back(1e3 * slowest(waited) / steps);
    }
  }
  return {median(step_ms), median(wait_ms)};
}

void run_w1(int steps) {
  const int world = dist::world_size();
  if (dist::rank() == 0)
    std::printf("| W1 step, batch 128 per process | processes | threads each | step ms (median) | samples/s | "
                "waiting for allreduce, ms |\n|---|---|---|---|---|---|\n");
  // With N ranks, "local" is each rank stepping alone, with no communication: the compute ceiling.
  const std::vector<std::string> kinds = world == 1 ? std::vector<std::string>{"local"}
                                                    : std::vector<std::string>{"local", "overlap", "after", "nobuf"};
  for (const std::string& kind : kinds) {
    const StepTimes t = w1_steps(kind, steps);
    const char* label = kind == "local" ? (world == 1 ? "one process, no DDP" : "no DDP (ranks step alone, no communication)")
                        : kind == "overlap" ? "DDP, 1 MiB buckets started during backward"
                        : kind == "after"   ? "DDP, one bucket started after backward"
                                            : "DDP, 1 MiB buckets, no buffer broadcast before forward";
    if (dist::rank() == 0)
      std::printf("| %s | %d | %d | %.2f | %.0f | %s |\n", label, world, get_num_threads(), t.step_ms,
                  128.0 * world / (t.step_ms / 1e3), kind == "local" ? "-" : fmt::format("{:.2f}", t.wait_ms).c_str());
  }
}

void run_allreduce() {
  const int world = dist::world_size();
  if (dist::rank() == 0)
    std::printf("| allreduce, float32 sum | bytes | µs (median) | algorithm bandwidth GB/s | bus bandwidth GB/s |\n"
                "|---|---|---|---|---|\n");
  for (int64_t bytes = 4096; bytes <= (int64_t{16} << 20); bytes *= 4) {
    Tensor t = ones({bytes / 4});
    const int iters = static_cast<int>(std::clamp<int64_t>((int64_t{64} << 20) / bytes, 10, 2000));
    std::vector<double> us;
    for (int rep = -1; rep < kRepetitions; ++rep) {
      dist::barrier();
      const auto t0 = Clock::now();
      for (int i = 0; i < iters; ++i) dist::allreduce_(t);
      const double s = slowest(seconds_since(t0)) / iters;
      if (rep >= 0) us.push_back(1e6 * s);
    }
    const double m = median(us);
    const double algo = static_cast<double>(bytes) / (m * 1e-6) / 1e9;
    // Ring allreduce moves 2 (p - 1) / p of the buffer through each link.
    const double bus = algo * 2.0 * (world - 1) / world;
    if (dist::rank() == 0)
      std::printf("| %d processes | %lld | %.1f | %.2f | %.2f |\n", world, static_cast<long long>(bytes), m, algo, bus);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "w1";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 40;
  std::unique_ptr<dist::Environment> mpi;
  if (dist::launched_by_mpirun()) mpi = std::make_unique<dist::Environment>(&argc, &argv);
  if (mode == "w1") {
    run_w1(steps);
  } else if (mode == "allreduce") {
    TG_CHECK(dist::world_size() > 1, "ddp_bench allreduce: run under mpirun -np 2 (or more)");
    run_allreduce();
  } else {
    std::fprintf(stderr, "usage: ddp_bench w1 [steps] | allreduce\n");
    return 2;
  }
  return 0;
}
