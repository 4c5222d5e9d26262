#!/usr/bin/env bash
# Usage: train_distributed.sh OUT_DIR -- mpirun -np 2 tapegrad-train ARGS...
# Checks a data-parallel run: it succeeds, only rank 0 prints (one summary line, one line per
# epoch), the files rank 0 writes exist, and the model learned something.
set -euo pipefail
out_dir=$1
shift 2
rm -rf "$out_dir"
mkdir -p "$out_dir"
log=$("$@" 2>&1) || { printf '%s\n' "$log"; echo "train_distributed: the job failed" >&2; exit 1; }
printf '%s\n' "$log"
fail() { echo "train_distributed: $*" >&2; exit 1; }
summaries=$(grep -c '^{"' <<<"$log" || true)
epochs=$(grep -c '^epoch 1/1  train loss' <<<"$log" || true)
[[ $summaries -eq 1 ]] || fail "expected one summary line (rank 0 only), got $summaries"
[[ $epochs -eq 1 ]] || fail "expected one epoch line (rank 0 only), got $epochs"
[[ -s $out_dir/checkpoint.safetensors && -s $out_dir/metrics.csv ]] || fail "rank 0 did not write its files"
grep -Eq '"test_accuracy":0\.[6-9]' <<<"$log" || fail "test accuracy below 0.6"
echo "train_distributed: ok"
