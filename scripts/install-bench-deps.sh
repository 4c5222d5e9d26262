#!/usr/bin/env bash
# Installs what the side-by-side benchmarks need beyond scripts/install-deps.sh: LibTorch
# (libtorch-dev, ~200 packages, ~1 GB), if missing. Optional: bench/ builds and the tests run
# without it; CI and `make test` never call this script. After it, re-run cmake (make release).
# Usage: scripts/install-bench-deps.sh   (as root)
exec "$(dirname "$0")/install-deps.sh" --bench-only
