// Collectives over all ranks (MPI_COMM_WORLD), on tensors and scalars. Every rank must make the
// same calls in the same order.
//
//   tg::distributed::broadcast_parameters(*model);              // rank 0's weights everywhere
//   tg::distributed::allreduce_(t, tg::distributed::ReduceOp::Average);
//   double total = tg::distributed::allreduce(local_loss_sum);  // sum over ranks
#pragma once

#include <tapegrad/nn/module.h>

namespace tg::distributed {

enum class ReduceOp { Sum, Average, Max, Min };

// In place on every rank: t <- op over ranks of t. t must be contiguous; Average needs a
// floating-point dtype. Not recorded on the tape.
void allreduce_(Tensor& t, ReduceOp op = ReduceOp::Sum);
double allreduce(double value, ReduceOp op = ReduceOp::Sum);
int64_t allreduce(int64_t value, ReduceOp op = ReduceOp::Sum);

// In place on every rank: t <- root's t (same shape and dtype on every rank; contiguous).
void broadcast_(Tensor& t, int root = 0);

// root's parameters and buffers (BatchNorm running statistics) copied to every rank, in
// registration order; the shapes must agree (checked first, with a clear error).
void broadcast_parameters(nn::Module& module, int root = 0);
void broadcast_buffers(nn::Module& module, int root = 0);

}  // namespace tg::distributed
