#!/usr/bin/env bash
# A long fuzz run of the policy compiler: the unit tests' fuzz test with more iterations.
# usage: tools/fuzz-policy.sh [ITERATIONS [SEED]]   (defaults: 100000, a random seed)
# A finding prints the seed, the iteration and the input; add it to
# tests/NsSandbox.Policy.Tests/Fuzzing/PolicyFuzzRegressions.cs before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-100000}
seed=${2:-$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')}
dotnet build tests/NsSandbox.Policy.Tests -v quiet --nologo
echo "fuzzing the policy compiler: $iterations inputs, seed $seed"
NSS_POLICY_FUZZ_ITERATIONS=$iterations NSS_POLICY_FUZZ_SEED=$seed \
    artifacts/build/bin/NsSandbox.Policy.Tests/debug/NsSandbox.Policy.Tests \
    -method "*PolicyFuzzTests.MutatedPoliciesCompileAndAgreeOrAreRefusedWithOnePositionedError" -showLiveOutput -noColor
