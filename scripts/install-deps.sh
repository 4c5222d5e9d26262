#!/usr/bin/env bash
# Installs the Debian packages tapegrad needs, and only those that are missing.
# Usage: scripts/install-deps.sh [--optional | --bench-only]   (--optional adds gnuplot-nox)
set -euo pipefail

packages=(
  build-essential cmake ninja-build   # ninja-build: the CMake presets use Ninja
  libfmt-dev                # formatting, error messages
  catch2                    # tests (Catch2 v2.13)
  libbenchmark-dev          # bench/
  libopenblas-openmp-dev    # GEMM; the OpenMP build shares our one thread pool
  zlib1g-dev                # gzip'd IDX files
  nlohmann-json3-dev        # safetensors headers, metrics
  libcli11-dev              # command-line options of the examples
  dataset-fashion-mnist     # the real data, /usr/share/datasets/fashion-mnist
  libopenmpi-dev openmpi-bin  # tg::distributed and its mpirun tests (optional for the build)
  clang libclang-rt-14-dev  # CI: libFuzzer + sanitizer runtimes (preset fuzz)
  libomp-dev                # OpenMP for clang (omp.h, libomp)
)
if [[ "${1:-}" == "--optional" ]]; then
  packages+=(gnuplot-nox)
fi
# --bench-only (scripts/install-bench-deps.sh): just LibTorch, for bench/compare.sh; never CI.
if [[ "${1:-}" == "--bench-only" ]]; then
  packages=(libtorch-dev)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root:  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
