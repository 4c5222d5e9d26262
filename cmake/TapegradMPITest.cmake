# tapegrad_add_mpi_test(NAME <name> NP <n> [TIMEOUT <s>] [WRAP <checker> [args...]] COMMAND <exe> [args...])
#
# A ctest test run as `[checker args...] mpirun -np <n> <exe> args...` on loopback, set up to work as root and in
# containers (the settings README's "Distributed training" section gives for a manual launch):
#   OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)   CI runs as root
#   OMPI_MCA_btl=self,tcp, *_if_include=lo   loopback TCP only: no shared-memory segment or
#                                      cross-process memory attach, which containers may forbid
#   OMPI_MCA_rmaps_base_oversubscribe  more ranks than cores is allowed (slow but correct)
#   OMP_NUM_THREADS=1                  one thread per rank, so the ranks do not fight for the cores
#   ASAN_OPTIONS=detect_leaks=0        OpenMPI keeps allocations until exit, which LeakSanitizer
#                                      reports; leaks stay checked in every other test
# Always with a TIMEOUT: a dead rank must not leave the others waiting forever.
set(TAPEGRAD_MPI_TEST_ENVIRONMENT
  OMPI_ALLOW_RUN_AS_ROOT=1
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  OMPI_MCA_btl=self,tcp
  OMPI_MCA_btl_tcp_if_include=lo
  OMPI_MCA_oob_tcp_if_include=lo
  OMPI_MCA_rmaps_base_oversubscribe=1
  OMP_NUM_THREADS=1
  ASAN_OPTIONS=detect_leaks=0)

function(tapegrad_add_mpi_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;NP;TIMEOUT" "WRAP;COMMAND")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  add_test(NAME ${arg_NAME}
    COMMAND ${arg_WRAP} ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${arg_NP} ${MPIEXEC_PREFLAGS} ${arg_COMMAND})
  set_tests_properties(${arg_NAME} PROPERTIES
    ENVIRONMENT "${TAPEGRAD_MPI_TEST_ENVIRONMENT}" TIMEOUT ${arg_TIMEOUT} LABELS distributed)
endfunction()
