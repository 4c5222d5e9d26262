// The MPI process group: one process per rank, started by mpirun.
//
//   int main(int argc, char** argv) {
//     tg::distributed::Environment mpi(&argc, &argv);   // MPI_Init ... MPI_Finalize
//     fmt::print("rank {} of {}\n", mpi.rank(), mpi.world_size());
//   }
//
// Failure handling: a rank that dies must not leave the others waiting in a collective forever.
// An uncaught exception (std::terminate) prints the error with the rank and calls MPI_Abort, which
// ends the whole job. When an exception is propagating through ~Environment, or one went through
// a DistributedDataParallel, MPI is deliberately not finalized (MPI_Finalize would wait for peers
// blocked in a collective): the process then exits non-zero, and mpirun ends the job. Elsewhere,
// a program that catches an error on one rank should call tg::distributed::abort(message).
#pragma once

#include <string_view>

namespace tg::distributed {

// True when mpirun/mpiexec started this process (OpenMPI or PMI variables are set), so that a
// program can enable MPI only then: plain `./app` runs as a single process without MPI.
bool launched_by_mpirun();

class Environment {
 public:
  // Initializes MPI (thread level SERIALIZED) unless the program already did.
  explicit Environment(int* argc = nullptr, char*** argv = nullptr);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  int rank() const;
  int world_size() const;

 private:
  bool owns_mpi_ = false;
  int uncaught_at_start_ = 0;
};

bool is_initialized();  // MPI is initialized and not finalized
int rank();             // this process's rank; 0 without MPI
int world_size();       // number of processes; 1 without MPI
void barrier();         // no-op without MPI

// Prints "tapegrad: rank R of N: <message>" to stderr and ends the whole job with `code`.
[[noreturn]] void abort(std::string_view message, int code = 1);

}  // namespace tg::distributed
