#include <tapegrad/distributed/environment.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "mpi_check.h"

namespace tg::distributed {

namespace detail {
namespace {
std::atomic<bool> failing{false};
}
void note_failure() { failing = true; }

void require_initialized(const char* op) {
  TG_CHECK(is_initialized(), "{}: MPI is not initialized (start the program with mpirun and create a "
                             "tg::distributed::Environment first)", op);
}
}  // namespace detail

namespace {

std::terminate_handler previous_terminate = nullptr;

// An uncaught exception on one rank must end the whole job, not leave the peers waiting.
[[noreturn]] void abort_job_on_terminate() {
  std::string what = "terminate called without an active exception";
  if (std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = std::string("uncaught exception: ") + ex.what();
    } catch (...) {
      what = "uncaught exception of unknown type";
    }
  }
  if (is_initialized()) abort(what);
  std::fprintf(stderr, "tapegrad: %s\n", what.c_str());
  if (previous_terminate) previous_terminate();
  std::abort();
}

}  // namespace

bool launched_by_mpirun() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

Environment::Environment(int* argc, char*** argv) : uncaught_at_start_(std::uncaught_exceptions()) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    TG_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
    owns_mpi_ = true;
  }
  // Errors come back as codes and become tg::Error naming the call.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::terminate_handler old = std::set_terminate(abort_job_on_terminate);
  if (old != abort_job_on_terminate) previous_terminate = old;
}

Environment::~Environment() {
  if (!owns_mpi_ || !is_initialized()) return;
  // Failing (unwinding, or an exception already left a reducer mid-step): leave MPI as it is and
  // let the process exit non-zero; mpirun then ends the job. MPI_Finalize here could wait forever
  // for a peer blocked in a collective.
  if (std::uncaught_exceptions() > uncaught_at_start_ || detail::failing) return;
  MPI_Finalize();
}

int Environment::rank() const { return distributed::rank(); }
int Environment::world_size() const { return distributed::world_size(); }

bool is_initialized() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized != 0 && finalized == 0;
}

int rank() {
  if (!is_initialized()) return 0;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  if (!is_initialized()) return 1;
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void barrier() {
  if (is_initialized()) TG_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD), "barrier");
}

void abort(std::string_view message, int code) {
  std::fprintf(stderr, "tapegrad: rank %d of %d: %.*s\n", rank(), world_size(), static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
  if (is_initialized()) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace tg::distributed
