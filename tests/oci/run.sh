#!/usr/bin/env bash
# The engine suite of the OCI runtime (issue 15): real `docker` and `ctr` commands against a private dockerd
# (engine.sh; never the system's) with nssandbox registered as a runtime, runc the default for comparison.
# Ends with "oci: N passed, N failed, N skipped" and exits non-zero on any failure. docs/oci.md has the details.
#
#   bash tests/oci/run.sh                      every case file in cases/ (after ./build.sh)
#   NSSANDBOX_OCI_CASES=REGEX bash tests/oci/run.sh    only the case files whose name matches (e.g. 'limits|network')
#   OCI_DATA_ROOT=DIR                          the engine's persistent data root (default /var/lib/nssandbox-oci-test)
#   OCI_BASE_FROM_SYSTEM=0                     make the base image with debootstrap, never copy the system engine's
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
here=$repo/tests/oci
runtime=$repo/artifacts/bin/nssandbox-oci
CTR_NAMESPACE=nssandbox-oci-test
started=$SECONDS
source "$here/lib.sh"
source "$here/engine.sh"
source "$here/image.sh"
source "$here/leaks.sh"

finish() {
  echo "oci: took $((SECONDS - started)) s"
  echo "oci: $passed passed, $failed failed, $skipped skipped"
  if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
  exit 0
}

# --- what the suite needs; without it the suite is one skip with the reason ------------------------------------
reason=""
if [ "$(id -u)" != 0 ]; then reason="needs root (a private dockerd)"
elif ! command -v dockerd >/dev/null || ! command -v docker >/dev/null || ! command -v ctr >/dev/null; then
  reason="docker.io is not installed (apt-get install docker.io: dockerd, containerd, ctr, runc)"
elif ! command -v python3 >/dev/null; then reason="python3 is missing (the cases read JSON with it)"
elif [ ! -x "$runtime" ]; then reason="$runtime is missing: run ./build.sh first"
elif ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
  reason="the kernel has no overlay file system (the engine's storage driver)"
elif ! unshare --net true 2>/dev/null; then reason="cannot make a network namespace for the engine (unshare --net)"
fi
if [ -n "$reason" ]; then skip "oci engine suite" "$reason"; finish; fi

work=$(mktemp -d /tmp/nssoci.XXXXXX)   # short: the engine's unix sockets live under it
cleanup() {
  [ -n "$ENGINE_PID" ] && clean_containers
  engine_down
  rm -rf "$work"
  engine_release
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the engine and the image ------------------------------------------------------------------------------------
t0=$SECONDS
engine_up "$work" "$runtime" || { fail "the private Docker engine" "see above"; finish; }
oci_base_image "$work" || { fail "the base image $OCI_IMAGE in the private engine" "see above"; finish; }
echo "engine and image ready in $((SECONDS - t0)) s; $("$runtime" --version 2>/dev/null | head -n 1)"
clean_leftovers

# --- the cases, one file per concern, each followed by its leak check ---------------------------------------------
for file in lifecycle limits network identity userns terminal exec seccomp ctr register scale; do
  [[ "$file" =~ ${NSSANDBOX_OCI_CASES:-.} ]] || continue
  t0=$SECONDS
  echo "--- $file"
  source "$here/cases/$file.sh"
  leak_case "$file ($((SECONDS - t0)) s)"
done

# --- the engine stops and leaves nothing -------------------------------------------------------------------------
engine_netns=$ENGINE_NETNS
engine_down
left=$(engine_leaks)
for p in /proc/[0-9]*; do
  [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$engine_netns" ] && left+=$'\n'"process ${p#/proc/} in the engine's netns"
done
left=$(echo "$left" | sed '/^$/d')
if [ -z "$left" ]; then pass "the stopped engine left no process, mount, cgroup or network namespace"
else fail "the stopped engine left no process, mount, cgroup or network namespace" "$left"; fi
engine_release
finish
