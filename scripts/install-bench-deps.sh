#!/usr/bin/env bash
# Installs what the side-by-side benchmarks need beyond scripts/install-deps.sh:
# LibTorch (libtorch-dev, ~200 packages, ~1 GB). Optional: bench/ builds and the
# tests run without it; CI and `make test` never call this script.
# Usage: scripts/install-bench-deps.sh   (as root)
set -euo pipefail

packages=(
  libtorch-dev    # bench/vs_libtorch/: the same workloads against LibTorch 1.13
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-bench-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-bench-deps: missing packages: ${missing[*]}" >&2
  echo "install-bench-deps: run as root: sudo $0" >&2
  exit 1
fi
echo "install-bench-deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
