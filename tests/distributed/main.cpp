// Catch2 under mpirun: every rank runs every test case in the same order (collectives must match),
// and the job fails when any rank fails.
#define CATCH_CONFIG_RUNNER
#include <tapegrad/distributed.h>

#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  tg::distributed::Environment mpi(&argc, &argv);
  const int failed = Catch::Session().run(argc, argv);
  const int64_t any_failed = tg::distributed::allreduce(static_cast<int64_t>(failed), tg::distributed::ReduceOp::Max);
  return any_failed != 0 ? 1 : 0;
}
