#!/usr/bin/env bash
# Data-parallel figures for README "Distributed training": W1 step time with 1 process (1 and 2
# threads) and with 2 processes (1 thread each), and allreduce cost over shared memory and over
# TCP loopback. Prints markdown tables.
# Usage: bench/distributed/run.sh [steps]   Environment: BUILD_DIR (default build/release).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exe=${BUILD_DIR:-build/release}/bench/distributed/ddp_bench
steps=${1:-40}
[[ -x $exe ]] || { echo "run.sh: no $exe (configure with MPI installed and build target bench_ddp)" >&2; exit 1; }
export OMP_WAIT_POLICY=passive OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tcp=(--mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)

echo "## W1 (1 process, 1 thread)";  OMP_NUM_THREADS=1 "$exe" w1 "$steps"
echo "## W1 (1 process, 2 threads)"; OMP_NUM_THREADS=2 "$exe" w1 "$steps"
echo "## W1 (2 processes, 1 thread each, shared memory)"
OMP_NUM_THREADS=1 mpirun -np 2 "$exe" w1 "$steps"
echo "## W1 (2 processes, 1 thread each, TCP loopback)"
OMP_NUM_THREADS=1 mpirun -np 2 "${tcp[@]}" "$exe" w1 "$steps"
echo "## allreduce (shared memory)"; OMP_NUM_THREADS=1 mpirun -np 2 "$exe" allreduce
echo "## allreduce (TCP loopback)";  OMP_NUM_THREADS=1 mpirun -np 2 "${tcp[@]}" "$exe" allreduce
