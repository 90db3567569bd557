#!/usr/bin/env bash
# tests/vm/selftest.sh: proves the VM harness end to end. Builds a tiny NativeAOT hello world (in a
# temp dir; the published binary is cached under tests/vm/cache/selftest/), then boots it with
# run.sh and tests/vm/selftest.guest.sh. Exit code and output are run.sh's.
#
# usage: tests/vm/selftest.sh [--rebuild] [run.sh options such as -v, --timeout SECS, --keep]
set -euo pipefail

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NSVM_CACHE:-$VM_DIR/cache}
REBUILD=0
PASS=()
for a in "$@"; do
  case $a in
    --rebuild) REBUILD=1 ;;
    -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) PASS+=("$a") ;;
  esac
done
say() { printf 'selftest: %s\n' "$*" >&2; }

command -v dotnet >/dev/null || { say "error: dotnet SDK not found (needed to build the NativeAOT hello world)"; exit 3; }

PROGRAM_CS='// Tiny NativeAOT program the VM harness selftest boots as its --binary.
using System.Runtime.InteropServices;

Console.WriteLine($"nsvm-hello: hello from NativeAOT pid={Environment.ProcessId} " +
                  $"os={RuntimeInformation.OSDescription} args=[{string.Join(",", args)}]");
if (args.Length > 0 && args[0] == "cgroup")
{
    Console.WriteLine($"nsvm-hello: cgroup={File.ReadAllText("/proc/self/cgroup").Trim()}");
}
return 0;
'
CSPROJ='<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <PublishAot>true</PublishAot>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
</Project>
'
KEY=$( (printf '%s' "$PROGRAM_CS$CSPROJ"; dotnet --version) | sha256sum | cut -c1-16)
HELLO=$CACHE/selftest/$KEY/hello
if ((REBUILD)) || [[ ! -x $HELLO ]]; then
  TMP=$(mktemp -d /tmp/nsvm-hello.XXXXXX)
  trap 'rm -rf "$TMP"' EXIT
  printf '%s' "$PROGRAM_CS" >"$TMP/Program.cs"
  printf '%s' "$CSPROJ" >"$TMP/hello.csproj"
  say "building the NativeAOT hello world in $TMP (dotnet publish -c Release -r linux-x64)"
  t0=$EPOCHREALTIME
  if ! (cd "$TMP" && dotnet publish -c Release -r linux-x64 -o "$TMP/out" -nologo >"$TMP/build.log" 2>&1); then
    tail -30 "$TMP/build.log" >&2
    say "error: dotnet publish failed"
    exit 3
  fi
  mkdir -p "$(dirname "$HELLO")"
  cp "$TMP/out/hello" "$HELLO.tmp" && mv "$HELLO.tmp" "$HELLO"
  say "built in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')s: $HELLO ($(($(stat -c %s "$HELLO") / 1024)) KiB)"
else
  say "using cached $HELLO (--rebuild to rebuild)"
fi

TOKEN=selftest-$$-$RANDOM
DATA=$(mktemp /tmp/nsvm-data.XXXXXX)
printf '%s\n' "$TOKEN" >"$DATA"
set +e
"$VM_DIR/run.sh" --binary "$HELLO" --script "$VM_DIR/selftest.guest.sh" \
  --add "$DATA:/opt/selftest/data.txt" --env "NSVM_SELFTEST_TOKEN=$TOKEN" "${PASS[@]}"
rc=$?
rm -f "$DATA"
exit $rc
