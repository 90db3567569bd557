#!/usr/bin/env bash
# The container suite: builds the nssandbox and playground images (Dockerfile, Dockerfile.playground) on a real
# Docker engine and runs end-to-end cases in them. Ends with "playground: N passed, N failed, N skipped" and exits
# non-zero on any failure. No engine running: it starts dockerd and stops it after. It removes its containers and
# image tags; it keeps the local base images (base-images.sh) and the engine's build cache for the next run.
# docs/containers.md has the details.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
here=$repo/tests/playground
source "$here/engine.sh"
source "$here/base-images.sh"
source "$repo/run_interactive.sh"   # playground_privileges: the same options a user gets

run_tag="run-$$-$(date +%s)"
nss_image=nssandbox-playground-test/nssandbox
pg_image=nssandbox-playground-test/playground
container="nssandbox-playground-test-$run_tag"
work=$(mktemp -d /tmp/nssandbox-playground.XXXXXX)
passed=0 failed=0 skipped=0
started=$SECONDS

cleanup() {
  if [ -n "${container_started:-}" ]; then docker rm -f "$container" >/dev/null 2>&1; fi
  docker rmi "$nss_image:$run_tag" "$pg_image:$run_tag" >/dev/null 2>&1
  engine_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; local line; for line in "$@"; do echo "     $line"; done; }
skip() { skipped=$((skipped + 1)); echo "SKIP $1: $2"; }
finish() {
  echo "playground: took $((SECONDS - started)) s"
  echo "playground: $passed passed, $failed failed, $skipped skipped"
  if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
  exit 0
}

# --- engine, base images, the two images ------------------------------------------------------------------------
engine_up "$work" || { fail "a Docker engine" "none answers and none could be started"; finish; }
runtime_base=$(runtime_base_image "$work") || { fail "the runtime base image" "see above"; finish; }
sdk_base=$(sdk_base_image "$work" "$runtime_base" "$repo") || { fail "the SDK base image" "see above"; finish; }
echo "base images: runtime $runtime_base, sdk $sdk_base"

build() { # NAME LOG docker-build-args...
  local name=$1 log=$2; shift 2
  local t0=$SECONDS
  if docker build "$@" >"$log" 2>&1; then
    pass "$name ($((SECONDS - t0)) s)"
  else
    fail "$name" "docker build $*" "$(tail -n 15 "$log")"
    finish
  fi
}
build "docker build . (nssandbox image)" "$work/build-nssandbox.log" \
  --build-arg SDK_IMAGE="$sdk_base" --build-arg RUNTIME_IMAGE="$runtime_base" \
  -t "$nss_image:$run_tag" .
build "docker build -f Dockerfile.playground . (playground image)" "$work/build-playground.log" \
  -f Dockerfile.playground --build-arg NSSANDBOX_IMAGE="$nss_image:$run_tag" \
  -t "$pg_image:$run_tag" .
echo "image sizes: nssandbox $(docker image inspect -f '{{.Size}}' "$nss_image:$run_tag" | numfmt --to=iec)," \
  "playground $(docker image inspect -f '{{.Size}}' "$pg_image:$run_tag" | numfmt --to=iec)"

playground_privileges "$pg_image:$run_tag"
source "$here/cases.sh"
finish
