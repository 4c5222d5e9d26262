// Everything in distributed/: data-parallel training over MPI (namespace tg::distributed).
// Built only when CMake finds MPI; link tapegrad::distributed. Launch with mpirun (see README).
#pragma once

#include <tapegrad/distributed/collectives.h>
#include <tapegrad/distributed/data_parallel.h>
#include <tapegrad/distributed/environment.h>
