#include <tapegrad/autograd/accumulate_hook.h>
#include <tapegrad/distributed/collectives.h>
#include <tapegrad/distributed/data_parallel.h>
#include <tapegrad/distributed/environment.h>

#include <chrono>
#include <exception>

#include "mpi_check.h"

namespace tg::distributed {

namespace {

struct Slot {
  std::string name;
  Tensor param;
  size_t bucket = 0;
  int64_t offset = 0;  // in the bucket's flat buffer, in elements
  bool ready = false;  // its gradient for this step is in the bucket
};

struct Bucket {
  Tensor flat;                // the gradients of its parameters, back to back
  std::vector<size_t> slots;  // indices into Reducer::slots
  size_t pending = 0;         // parameters still without their gradient this step
  bool started = false;
  MPI_Request request = MPI_REQUEST_NULL;
};

}  // namespace

struct DistributedDataParallel::Reducer {
  MPI_Comm comm = MPI_COMM_NULL;  // a private copy of MPI_COMM_WORLD: our reductions never
                                  // interleave with the program's own collectives
  int world = 1;
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  size_t next_to_start = 0;         // buckets start in index order only
  bool completed_in_hook = false;   // the last hook already finished this step
  bool in_finish = false;
  int64_t started_by_hooks = 0;
  DataParallelStats* stats = nullptr;
  int uncaught_at_start = std::uncaught_exceptions();
  std::vector<autograd::PostAccumulateGradHookHandle> hooks;  // last member: removed first

  Reducer(nn::Module& module, const DataParallelOptions& options, DataParallelStats* s) : stats(s) {
    TG_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "DistributedDataParallel");
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    MPI_Comm_size(comm, &world);
    for (auto& [name, p] : module.named_parameters())
      if (p.requires_grad()) slots.push_back({name, p});
    // Reverse registration order: the order in which backward finishes gradients.
    int64_t bytes = 0;
    for (size_t k = slots.size(); k-- > 0;) {
      Slot& s = slots[k];
      TG_CHECK(s.param.is_floating_point(), "DistributedDataParallel: parameter '{}' has dtype {}; gradients must be "
               "floating point", s.name, s.param.dtype());
      const int64_t nbytes = s.param.numel() * s.param.itemsize();
      const bool new_bucket = buckets.empty() || bytes + nbytes > options.bucket_cap_bytes ||
                              slots[buckets.back().slots.front()].param.dtype() != s.param.dtype();
      if (new_bucket) {
        buckets.emplace_back();
        bytes = 0;
      }
      Bucket& b = buckets.back();
      s.bucket = buckets.size() - 1;
      s.offset = bytes / s.param.itemsize();
      b.slots.push_back(k);
      bytes += nbytes;
    }
    for (Bucket& b : buckets) {
      int64_t n = 0;
      for (size_t k : b.slots) n += slots[k].param.numel();
      TG_CHECK(n <= INT32_MAX, "DistributedDataParallel: a bucket of {} elements exceeds MPI's int count", n);
      b.flat = zeros({n}, slots[b.slots.front()].param.dtype());
      b.pending = b.slots.size();
    }
    for (size_t k = 0; k < slots.size(); ++k)
      hooks.push_back(autograd::register_post_accumulate_grad_hook(slots[k].param, [this, k](const Tensor&) {
        on_gradient(k);
      }));
  }

  ~Reducer() {
    hooks.clear();
    bool in_flight = false;
    for (Bucket& b : buckets) in_flight = in_flight || b.request != MPI_REQUEST_NULL;
    if (std::uncaught_exceptions() > uncaught_at_start) {
      detail::note_failure();
      // Unwinding after an error: a reduction may still write into the buckets, and MPI forbids
      // freeing a collective's request, so the buffers are deliberately leaked. The process is
      // about to exit non-zero and mpirun ends the job.
      if (in_flight)
        for (Bucket& b : buckets) (void)new Tensor(b.flat);
      return;
    }
    if (!is_initialized()) return;
    for (Bucket& b : buckets) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
    MPI_Comm_free(&comm);
  }

  Tensor slice(const Slot& s) const {
    return buckets[s.bucket].flat.narrow(0, s.offset, s.param.numel()).view(s.param.shape());
  }

  // A parameter's gradient for this step is final: copy it into its bucket.
  void on_gradient(size_t k) {
    Slot& s = slots[k];
    TG_CHECK(!s.ready, "DistributedDataParallel: parameter '{}' got a second gradient before finish(); call "
             "finish() after every backward (one backward per step)", s.name);
    if (completed_in_hook) completed_in_hook = false;  // finish() was skipped after the last step
    {
      NoGradGuard no_grad;
      slice(s).copy_(s.param.grad());
    }
    mark_ready(s);
    if (next_to_start == buckets.size()) {
      complete();
      completed_in_hook = true;
    } else {
      poke();
    }
  }

  void mark_ready(Slot& s) {
    s.ready = true;
    Bucket& b = buckets[s.bucket];
    if (--b.pending == 0) start_ready();
  }

  void start_ready() {
    for (; next_to_start < buckets.size() && buckets[next_to_start].pending == 0; ++next_to_start) {
      Bucket& b = buckets[next_to_start];
      TG_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, b.flat.raw_data(), static_cast<int>(b.flat.numel()),
                                  detail::mpi_type(b.flat.dtype(), "DistributedDataParallel"), MPI_SUM, comm,
                                  &b.request),
                   "DistributedDataParallel: MPI_Iallreduce");
      b.started = true;
      if (!in_finish) ++started_by_hooks;
    }
  }

  // MPI moves nonblocking collectives forward only inside MPI calls: test the started ones.
  void poke() {
    for (Bucket& b : buckets) {
      if (b.request == MPI_REQUEST_NULL) continue;
      int done = 0;
      TG_MPI_CHECK(MPI_Test(&b.request, &done, MPI_STATUS_IGNORE), "DistributedDataParallel: MPI_Test");
    }
  }

  void finish() {
    if (completed_in_hook) {
      completed_in_hook = false;
      return;
    }
    // Parameters without a gradient this step count as zero, so every rank starts every bucket.
    in_finish = true;
    for (Slot& s : slots) {
      if (s.ready) continue;
      NoGradGuard no_grad;
      slice(s).zero_();
      mark_ready(s);
    }
    in_finish = false;
    complete();
  }

  // Waits for every bucket, averages, and writes the result into each parameter's grad().
  void complete() {
    const auto t0 = std::chrono::steady_clock::now();
    for (Bucket& b : buckets)
      TG_MPI_CHECK(MPI_Wait(&b.request, MPI_STATUS_IGNORE), "DistributedDataParallel: MPI_Wait");
    stats->wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    stats->buckets = static_cast<int64_t>(buckets.size());
    stats->buckets_started_in_backward = started_by_hooks;
    started_by_hooks = 0;
    NoGradGuard no_grad;
    for (Bucket& b : buckets) {
      if (world > 1) b.flat.mul_(1.0 / world);
      for (size_t k : b.slots) {
        Slot& s = slots[k];
        if (s.param.grad().defined()) {
          s.param.mutable_grad().copy_(slice(s));
        } else {
          s.param.set_grad(slice(s).clone());
        }
        s.ready = false;
      }
      b.pending = b.slots.size();
      b.started = false;
    }
    next_to_start = 0;
  }
};

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<nn::Module> module, DataParallelOptions options)
    : module_(std::move(module)), options_(options) {
  detail::require_initialized("DistributedDataParallel");
  TG_CHECK(module_ != nullptr, "DistributedDataParallel: null module");
  TG_CHECK(options_.root >= 0 && options_.root < world_size(),
           "DistributedDataParallel: root {} is not a rank (world size {})", options_.root, world_size());
  TG_CHECK(options_.bucket_cap_bytes > 0, "DistributedDataParallel: bucket_cap_bytes must be positive, got {}",
           options_.bucket_cap_bytes);
  broadcast_parameters(*module_, options_.root);  // also checks that the shapes agree across ranks
  reducer_ = std::make_unique<Reducer>(*module_, options_, &stats_);
}

DistributedDataParallel::~DistributedDataParallel() = default;

Tensor DistributedDataParallel::forward(const Tensor& input) {
  if (options_.broadcast_buffers && module_->is_training() && world_size() > 1)
    for (Tensor& b : module_->buffers()) broadcast_(b, options_.root);
  return module_->forward(input);
}

void DistributedDataParallel::finish() {
  reducer_->finish();
}

std::vector<std::vector<std::string>> DistributedDataParallel::bucket_names() const {
  std::vector<std::vector<std::string>> out;
  for (const Bucket& b : reducer_->buckets) {
    out.emplace_back();
    for (size_t k : b.slots) out.back().push_back(reducer_->slots[k].name);
  }
  return out;
}

}  // namespace tg::distributed
