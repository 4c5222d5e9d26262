#!/usr/bin/env bash
# A checkpoint save that cannot be written (a full disk, an unwritable folder) stops the run with a
# one-line error naming the file and the cause, and the previous checkpoint stays as it was.
# The full disk is a small tmpfs in a user+mount namespace (unshare -rm); where namespaces are not
# allowed, a file-size limit (ulimit -f: EFBIG instead of ENOSPC) stands in for it. The folder is
# made read-only; as root (who may write anyway) the run drops to user nobody (setpriv).
# Usage: train_save_failures.sh path/to/tapegrad-train WORKDIR
set -euo pipefail
train=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
chmod 755 "$work"
common=(--epochs 2 --train-samples 600 --test-samples 200 --workers 1 --threads 1 --seed 4 --hidden 64)

# Epoch 1 of 2: the checkpoint the failing saves must keep.
TAPEGRAD_FAULT_KILL_WRITE=2:0 "$train" "${common[@]}" --checkpoint "$work/ck.safetensors" > /dev/null 2>&1 || true
size=$(stat -c %s "$work/ck.safetensors")
# check NAME DIR STATUS LOG PATTERN SAME LISTING: exit status 1, a one-line error naming the file and
# the cause, the old checkpoint unchanged (SAME is "same"), nothing else left in DIR.
check() {
  local name=$1 dir=$2 status=$3 log=$4 pattern=$5 same=$6 listing=$7
  cat "$log"
  [[ $status -eq 1 ]] || { echo "FAIL ($name): exit status $status, expected 1"; exit 1; }
  grep -Eq "^tapegrad-train: error: .*$dir/ck.safetensors.*$pattern" "$log" || { echo "FAIL ($name): message"; exit 1; }
  [[ $same == same ]] || { echo "FAIL ($name): the old checkpoint changed"; exit 1; }
  [[ $listing == ck.safetensors ]] || { echo "FAIL ($name): files left behind: $listing"; exit 1; }
  echo "ok ($name)"
}

# A full disk: room for the old checkpoint and half of a new one.
full=$work/full
mkdir -p "$full"
args=("$train" "${common[@]}" --resume "$full/ck.safetensors" --checkpoint "$full/ck.safetensors")
if unshare -rm true 2>/dev/null; then
  # The tmpfs lives only in the namespace: the checks on it run there too.
  unshare -rm env SIZE=$((size * 3 / 2 / 4096 * 4096)) FULL="$full" CK="$work/ck.safetensors" bash -c '
    mount -t tmpfs -o size=$SIZE none "$FULL" && cp "$CK" "$FULL/" || exit 3
    "$@" > "$FULL.log" 2>&1
    echo $? > "$FULL.status"
    cmp -s "$CK" "$FULL/ck.safetensors" && echo same > "$FULL.same"
    ls "$FULL" > "$FULL.ls"' _ "${args[@]}"
  pattern="No space left on device"
else
  cp "$work/ck.safetensors" "$full/"
  (trap '' XFSZ; ulimit -f $((size / 2 / 1024)); set +e; "${args[@]}" > "$full.log" 2>&1; echo $? > "$full.status")
  cmp -s "$work/ck.safetensors" "$full/ck.safetensors" && echo same > "$full.same"
  ls "$full" > "$full.ls"
  pattern="File too large"
fi
check "full disk" "$full" "$(cat "$full.status")" "$full.log" "$pattern" "$(cat "$full.same" 2>/dev/null)" "$(cat "$full.ls")"

# An unwritable folder.
ro=$work/readonly
mkdir -p "$ro"
cp "$work/ck.safetensors" "$ro/"
chmod 644 "$ro/ck.safetensors"
chmod 555 "$ro"
as_user=()
[[ $(id -u) -eq 0 ]] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
set +e
"${as_user[@]}" "$train" "${common[@]}" --resume "$ro/ck.safetensors" --checkpoint "$ro/ck.safetensors" \
  > "$work/readonly.log" 2>&1
status=$?
set -e
chmod 755 "$ro"
same=$(cmp -s "$work/ck.safetensors" "$ro/ck.safetensors" && echo same || true)
check "unwritable folder" "$ro" $status "$work/readonly.log" "Permission denied" "$same" "$(ls "$ro")"
