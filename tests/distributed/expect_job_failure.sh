#!/usr/bin/env bash
# Usage: expect_job_failure.sh SECONDS PATTERN -- COMMAND...
# Passes when COMMAND exits non-zero within SECONDS and its output matches PATTERN (grep -E).
# A job that hangs is killed at SECONDS and fails the test.
set -uo pipefail
limit=$1 pattern=$2
shift 3
out=$(timeout --kill-after=5 "$limit" "$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [[ $rc -eq 124 || $rc -eq 137 ]]; then echo "expect_job_failure: the job hung (killed after ${limit}s)" >&2; exit 1; fi
if [[ $rc -eq 0 ]]; then echo "expect_job_failure: the job exited 0, expected a failure" >&2; exit 1; fi
if ! grep -Eq -- "$pattern" <<<"$out"; then echo "expect_job_failure: output does not match '$pattern'" >&2; exit 1; fi
echo "expect_job_failure: exited $rc as expected"
