#!/usr/bin/env bash
# The test command (README, .ci/run): builds the binary, runs every xunit project against it, and ends with
# one line "tests: N passed, N failed, N skipped". Skipped tests print their reason above it. The OCI runtime's
# engine suite (tests/oci) and the container suite (tests/playground) run last, or are skipped with their reason.
set -uo pipefail
cd "$(dirname "$0")/.."
./build.sh || { echo "tests: 0 passed, 1 failed, 0 skipped (the build failed)"; exit 1; }
log=$(mktemp)
reliability=$(mktemp) # one line per load test of tests/reliability: how many launches ran, and in how long
trap 'rm -f "$log" "$reliability"' EXIT
NSSANDBOX_RELIABILITY_SUMMARY="$reliability" dotnet test --solution NsSandbox.sln --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
cat "$reliability"
sum() { grep -E "^\s+$1: [0-9]+" "$log" | awk '{s += $2} END {print s + 0}'; }
passed=$(sum succeeded); failed=$(sum failed); skipped=$(sum skipped)
source tests/oci/stage.sh          # the OCI runtime under a private dockerd and containerd (adds to the counts)
source tests/playground/stage.sh   # last stage: the container images on a real engine (adds to the counts)
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "tests: no test ran"; exit 1; fi
