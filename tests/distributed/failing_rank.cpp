// A rank that fails mid-training must end the whole job, fast, with its error on stderr, while
// its peer is blocked in a gradient reduction.
//   failing_rank uncaught   rank 1 throws out of main: the terminate handler calls MPI_Abort
//   failing_rank caught     rank 1 catches in main and returns 1 without MPI_Finalize: mpirun ends the job
#include <tapegrad/distributed.h>
#include <tapegrad/nn.h>

#include <cstdio>
#include <cstring>

using namespace tg;

namespace {

void train_until_rank_1_fails() {
  auto model = std::make_shared<nn::Linear>(8, 4);
  distributed::DistributedDataParallel ddp(model);
  for (int step = 0; step < 1000; ++step) {
    if (distributed::rank() == 1 && step == 3) TG_FAIL("rank 1 failed on purpose at step {}", step);
    model->zero_grad();
    ddp.forward(ones({2, 8})).sum().backward();  // rank 0 waits here for rank 1's gradients
    ddp.finish();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool caught = argc > 1 && std::strcmp(argv[1], "caught") == 0;
  distributed::Environment mpi(&argc, &argv);
  if (!caught) {
    train_until_rank_1_fails();  // the exception escapes main
    return 0;
  }
  try {
    train_until_rank_1_fails();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "failing_rank: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
