// Private helpers around the MPI C API: error checking and dtype mapping.
#pragma once

#include <tapegrad/autograd/dtype.h>
#include <tapegrad/autograd/error.h>

#include <mpi.h>

#include <string>

namespace tg::distributed::detail {

inline std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(len));
}

// MPI calls return an error code (with MPI_ERRORS_RETURN); turn a failure into tg::Error.
#define TG_MPI_CHECK(call, what)                                                                \
  do {                                                                                         \
    const int tg_mpi_rc_ = (call);                                                             \
    TG_CHECK(tg_mpi_rc_ == MPI_SUCCESS, "{}: {}", what, ::tg::distributed::detail::mpi_error_string(tg_mpi_rc_)); \
  } while (0)

inline MPI_Datatype mpi_type(DType dtype, const char* op) {
  switch (dtype) {
    case kFloat: return MPI_FLOAT;
    case kDouble: return MPI_DOUBLE;
    case kLong: return MPI_INT64_T;
    case kBool: return MPI_C_BOOL;
  }
  TG_FAIL("{}: unsupported dtype {}", op, dtype);
}

// Records that this rank is failing (e.g. a reducer was destroyed by an exception), so that
// ~Environment skips MPI_Finalize, which would wait forever for peers blocked in a collective.
void note_failure();

// Fails with a clear error when MPI is not running (e.g. the program was not started by mpirun).
void require_initialized(const char* op);

}  // namespace tg::distributed::detail
