#!/usr/bin/env bash
# Random search is reproducible: the same seed samples the same trials and ranks them the same way;
# another seed samples others. Usage: train_search.sh path/to/tapegrad-train WORKDIR
set -euo pipefail
train=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
common=(--search 2 --search-epochs 1 --train-samples 600 --threads 1 --workers 1 --search-lr 1e-4,1e-2
        --search-weight-decay 1e-6,1e-3 --search-dropout 0,0.5 --search-batch-size 32,64)

"$train" "${common[@]}" --seed 3 --search-dir "$work/a" > "$work/a.log"
"$train" "${common[@]}" --seed 3 --search-dir "$work/b" > "$work/b.log"
"$train" "${common[@]}" --seed 4 --search-dir "$work/c" > "$work/c.log"
for f in search.csv search.svg trial-1.jsonl trial-2.log; do
  [[ -s "$work/a/$f" ]] || { echo "FAIL: $work/a/$f is missing"; exit 1; }
done
# Trials evaluate on the validation split: 60 of the 600 training images, never the test set.
grep -q '540 training / 60 val images' "$work/a/trial-1.log" || { echo "FAIL: no validation split"; exit 1; }
# All columns but the seconds.
diff <(cut -d, -f1-8 "$work/a/search.csv") <(cut -d, -f1-8 "$work/b/search.csv")
if diff -q <(cut -d, -f5 "$work/a/search.csv") <(cut -d, -f5 "$work/c/search.csv") > /dev/null; then
  echo "FAIL: seeds 3 and 4 sampled the same learning rates"
  exit 1
fi
cat "$work/a/search.csv"
echo "search is reproducible"
