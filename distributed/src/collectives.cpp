#include <tapegrad/distributed/collectives.h>
#include <tapegrad/distributed/environment.h>

#include "mpi_check.h"

namespace tg::distributed {

namespace {

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Average: return MPI_SUM;
    case ReduceOp::Max: return MPI_MAX;
    case ReduceOp::Min: return MPI_MIN;
  }
  return MPI_SUM;
}

// A fingerprint of the shapes and dtypes, equal on all ranks when the modules agree.
uint64_t layout_hash(const nn::StateDict& tensors) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](uint64_t v) { h = (h ^ v) * 1099511628211ULL; };
  mix(tensors.size());
  for (const auto& [name, t] : tensors) {
    mix(static_cast<uint64_t>(t.dtype()));
    for (int64_t s : t.shape()) mix(static_cast<uint64_t>(s));
  }
  return h;
}

void broadcast_all(const nn::StateDict& tensors, int root, const char* op) {
  detail::require_initialized(op);
  // Differently built modules on different ranks would corrupt memory: compare layouts first.
  const auto h = static_cast<int64_t>(layout_hash(tensors) >> 1);
  TG_CHECK(allreduce(h, ReduceOp::Min) == allreduce(h, ReduceOp::Max),
           "{}: the module's parameter/buffer shapes differ between ranks (rank {} has {} tensors)", op, rank(),
           tensors.size());
  for (const auto& [name, t] : tensors) {
    TG_CHECK(t.is_contiguous(), "{}: '{}' (shape {}) is not contiguous", op, name, t.shape());
    Tensor handle = t;
    broadcast_(handle, root);
  }
}

}  // namespace

void allreduce_(Tensor& t, ReduceOp op) {
  detail::require_initialized("allreduce_");
  TG_CHECK(t.defined(), "allreduce_: undefined tensor");
  TG_CHECK(t.is_contiguous(), "allreduce_: tensor of shape {} is not contiguous", t.shape());
  TG_CHECK(op != ReduceOp::Average || t.is_floating_point(), "allreduce_: Average needs a floating-point tensor, got {}",
           t.dtype());
  TG_CHECK(t.numel() <= INT32_MAX, "allreduce_: {} elements exceed MPI's int count", t.numel());
  TG_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, t.raw_data(), static_cast<int>(t.numel()), detail::mpi_type(t.dtype(), "allreduce_"),
                             mpi_op(op), MPI_COMM_WORLD),
               "allreduce_");
  if (op == ReduceOp::Average) {
    NoGradGuard no_grad;
    t.mul_(1.0 / world_size());
  }
}

double allreduce(double value, ReduceOp op) {
  detail::require_initialized("allreduce");
  double out = 0;
  TG_MPI_CHECK(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, mpi_op(op), MPI_COMM_WORLD), "allreduce");
  return op == ReduceOp::Average ? out / world_size() : out;
}

int64_t allreduce(int64_t value, ReduceOp op) {
  detail::require_initialized("allreduce");
  TG_CHECK(op != ReduceOp::Average, "allreduce: Average of an integer; use Sum and divide");
  int64_t out = 0;
  TG_MPI_CHECK(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, mpi_op(op), MPI_COMM_WORLD), "allreduce");
  return out;
}

void broadcast_(Tensor& t, int root) {
  detail::require_initialized("broadcast_");
  TG_CHECK(root >= 0 && root < world_size(), "broadcast_: root {} is not a rank (world size {})", root, world_size());
  TG_CHECK(t.defined() && t.is_contiguous(), "broadcast_: expected a defined, contiguous tensor");
  TG_CHECK(t.numel() <= INT32_MAX, "broadcast_: {} elements exceed MPI's int count", t.numel());
  TG_MPI_CHECK(MPI_Bcast(t.raw_data(), static_cast<int>(t.numel()), detail::mpi_type(t.dtype(), "broadcast_"), root,
                         MPI_COMM_WORLD),
               "broadcast_");
}

void broadcast_parameters(nn::Module& module, int root) {
  broadcast_all(module.named_parameters(), root, "broadcast_parameters");
  broadcast_buffers(module, root);
}

void broadcast_buffers(nn::Module& module, int root) {
  broadcast_all(module.named_buffers(), root, "broadcast_buffers");
}

}  // namespace tg::distributed
