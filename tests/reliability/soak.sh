#!/usr/bin/env bash
# The reliability suite's load tests at soak size (docs/reliability.md): N launches back to back (default 5000),
# rounds of 64 concurrent launches adding up to N, and the fuzzers with N cases each. Run as root after
# ./build.sh; NSSANDBOX_PLAYGROUND does not matter here (no containers). Prints what ran and how long it took.
#
#   sudo tests/reliability/soak.sh 5000
#   sudo tests/reliability/soak.sh 20000 LoadTests     # only the classes named (xunit's -class filter)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-5000}
shift || true
[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] || { echo "usage: $0 [N] [TEST CLASS...]" >&2; exit 2; }
[ -x artifacts/bin/nssandbox ] || { echo "artifacts/bin/nssandbox is missing: run ./build.sh first" >&2; exit 2; }
filters=()
for class in "$@"; do filters+=(-class "NsSandbox.Reliability.Tests.$class"); done
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
dotnet build tests/reliability/NsSandbox.Reliability.Tests.csproj -v q --nologo
export NSSANDBOX_RELIABILITY_LAUNCHES=$n NSSANDBOX_RELIABILITY_ROUNDS=$(((n + 63) / 64)) NSSANDBOX_RELIABILITY_FUZZ=$n
export NSSANDBOX_RELIABILITY_SUMMARY=$summary
status=0
artifacts/build/bin/NsSandbox.Reliability.Tests/debug/NsSandbox.Reliability.Tests "${filters[@]}" || status=$?
cat "$summary"
exit "$status"
