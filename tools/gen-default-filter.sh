#!/usr/bin/env bash
# Rewrites src/NsSandbox.Core/Plan/DefaultFilter.g.cs: configs/policies/default.policy compiled for x86_64 and
# aarch64, the filter a launch without seccomp flags loads (docs/seccomp.md). Run it after changing
# default.policy, the policy compiler or the syscall tables; DefaultFilterTests fails until then.
# The generator is a test of tests/NsSandbox.Core.Tests, run in its writing mode: the same code checks the file.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/NsSandbox.Core.Tests -v quiet --nologo
NSS_WRITE_DEFAULT_FILTER=1 artifacts/build/bin/NsSandbox.Core.Tests/debug/NsSandbox.Core.Tests \
    -method "*DefaultFilterTests.TheGeneratedFileIsTheGeneratorsOutput" -noColor
git --no-pager diff --stat -- src/NsSandbox.Core/Plan/DefaultFilter.g.cs
echo "wrote src/NsSandbox.Core/Plan/DefaultFilter.g.cs; rebuild (./build.sh) to embed it"
