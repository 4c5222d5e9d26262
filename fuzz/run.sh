#!/usr/bin/env bash
# Runs the libFuzzer targets (built by the `fuzz` preset) for a bounded time each.
#   fuzz/run.sh [SECONDS] [TARGET...]      default: 60 s each, all targets
#   make fuzz FUZZ_SECONDS=600              the same through make (builds first)
# New interesting inputs go to build/fuzz/corpus/<target>/ (the seed corpus in fuzz/corpus/ is
# only read). A crash stops that target, leaves its input in build/fuzz/crashes/ and makes the
# script fail: fix the bug, then copy the input to fuzz/regressions/<target>/ so that the ctest
# fuzz_replay_<target> checks it in every build from then on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(safetensors idx csv checkpoint)
build=build/fuzz
failed=()
for t in "${targets[@]}"; do
  exe=$build/fuzz/fuzz_$t
  [[ -x $exe ]] || { echo "fuzz: $exe not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2; exit 2; }
  mkdir -p "$build/corpus/$t" "$build/crashes"
  seeds=(fuzz/corpus/$t)
  [[ -d fuzz/regressions/$t ]] && seeds+=(fuzz/regressions/$t)
  echo "== fuzz_$t for ${seconds}s"
  # -rss_limit_mb: a reader must not need gigabytes for a small file; -timeout: nor hang.
  if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$build/crashes/$t-" "$build/corpus/$t" "${seeds[@]}" 2> "$build/fuzz_$t.log"; then
    failed+=("$t")
    tail -n 40 "$build/fuzz_$t.log" >&2
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ *DONE" "$build/fuzz_$t.log" || true
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashes in: ${failed[*]} (inputs in $build/crashes/)" >&2
  exit 1
fi
echo "fuzz: no crash in ${targets[*]} (${seconds}s each)"
