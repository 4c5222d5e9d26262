#!/usr/bin/env bash
# A diverging run stops with an error naming the step (with --detect-anomaly, the module that made
# the first NaN/Inf) and never writes NaN or Inf weights: a checkpoint already at --checkpoint stays
# as it was. Usage: train_divergence.sh path/to/tapegrad-train WORKDIR
set -euo pipefail
train=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
common=(--epochs 2 --train-samples 1024 --test-samples 100 --workers 1 --threads 1 --seed 1 --hidden 64)
one_step=(--epochs 1 --train-samples 128 --batch-size 128 --test-samples 100 --threads 1 --hidden 64)
run() {  # run LOG ARGS...: tapegrad-train ARGS must fail with status 1
  local log=$1
  shift
  set +e
  "$train" "$@" > "$log" 2>&1
  local status=$?
  set -e
  tail -n 1 "$log"
  [[ $status -eq 1 ]] || { echo "FAIL: exit status $status, expected 1"; exit 1; }
}
expect() { grep -Eq "$2" "$1" || { echo "FAIL: expected /$2/ in $1"; exit 1; }; }

# SGD with a huge step: the second step's loss is NaN.
run "$work/nan.log" "${common[@]}" --optimizer sgd --lr 1e30
expect "$work/nan.log" "^tapegrad-train: error: training diverged: the loss is -?nan at epoch 1 step 2; stopped before updating"
run "$work/anomaly.log" "${common[@]}" --optimizer sgd --lr 1e30 --detect-anomaly
expect "$work/anomaly.log" "^tapegrad-train: error: training diverged at epoch 1 step 2: anomaly: module [0-9]+ \(Linear\) turned finite inputs into NaN or Inf"

# Adam with lr 1e38: one step (one batch per epoch) makes weights infinite while the loss was still
# finite. The checkpoint of another run at the same path is not overwritten.
"$train" "${one_step[@]}" --checkpoint "$work/ck.safetensors" > /dev/null
cp "$work/ck.safetensors" "$work/before.safetensors"
run "$work/inf.log" "${one_step[@]}" --lr 1e38 --checkpoint "$work/ck.safetensors"
expect "$work/inf.log" "^tapegrad-train: error: training diverged: '[0-9a-z_.]+' holds NaN or Inf after epoch 1; .*ck.safetensors was not overwritten"
cmp "$work/ck.safetensors" "$work/before.safetensors" || { echo "FAIL: the checkpoint changed"; exit 1; }
echo "diverging runs stop with the step and never write NaN"
