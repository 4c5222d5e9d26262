#!/usr/bin/env bash
# A run interrupted after epoch 1 and resumed ends with the same weights and metrics as an
# uninterrupted run with the same seed. Usage: train_resume.sh path/to/tapegrad-train WORKDIR [OPTION...]
# (extra options are added to every run, e.g. --ema 0.9 to check the averaged weights resume too).
set -euo pipefail
train=$1
work=$2
shift 2
rm -rf "$work" && mkdir -p "$work"
common=(--epochs 2 --train-samples 1500 --test-samples 500 --workers 2 --seed 5 --augment flip,crop
        --preprocess normalize --lr-schedule cosine --dropout 0.3 "$@")

"$train" "${common[@]}" --metrics "$work/full.csv" > "$work/full.log"
# Interrupted: one epoch of a 2-epoch run (the schedule must know the total), then resume.
"$train" "${common[@]}" --checkpoint "$work/ck.safetensors" --metrics "$work/part.csv" > "$work/part1.log" &
pid=$!
# Wait until the first epoch's checkpoint exists, then kill the run mid-way through epoch 2.
for _ in $(seq 600); do
  [[ -f "$work/ck.safetensors" ]] && break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[[ -f "$work/ck.safetensors" ]] || { echo "no checkpoint was written"; exit 1; }
"$train" "${common[@]}" --resume "$work/ck.safetensors" --metrics "$work/part.csv" > "$work/part2.log"

full_sum=$(tail -n 1 "$work/full.log" | grep -o '"parameter_checksum":"[0-9a-f]*"')
part_sum=$(tail -n 1 "$work/part2.log" | grep -o '"parameter_checksum":"[0-9a-f]*"')
echo "uninterrupted: $full_sum"
echo "resumed:       $part_sum"
[[ -n "$full_sum" && "$full_sum" == "$part_sum" ]] || { echo "FAIL: weights differ"; exit 1; }
# Metrics (all but the seconds column) are identical too.
diff <(cut -d, -f1-6 "$work/full.csv") <(cut -d, -f1-6 "$work/part.csv")
echo "resume is exact"
