#!/usr/bin/env bash
# nssandbox as an OCI runtime, plain and --hardened, next to runc and crun (docs/benchmarks.md, "The OCI runtime"):
#
#   sudo bench/oci.sh        build, measure, rewrite the OCI results in docs/benchmarks.md
#
# Two figures, each with the runtimes interleaved (A B C A B C ...; bench/src/launchbench.c):
#   docker run --rm IMAGE true     through a private dockerd (tests/oci/engine.sh: its own data root, exec root,
#                                  socket and network namespace; never the system's engine), --network none
#   RUNTIME run --bundle B ID      the runtime alone on a bundle of the same image running /bin/true
# Needs root and no network unless crun is missing (then it installs it from Debian). Not part of the test suite.
#   BENCH_RUNS=100        runs per runtime and figure
#   BENCH_NO_BUILD=1      use artifacts/bin/nssandbox as it is
#   BENCH_OUT=DIR         keep the raw results there (default: a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
runs=${BENCH_RUNS:-100}
[ "$(id -u)" = 0 ] || { echo "bench/oci.sh: run as root (a private dockerd)" >&2; exit 1; }

need=()
command -v crun >/dev/null || need+=(crun)
command -v dockerd >/dev/null || need+=(docker.io debootstrap)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
/usr/bin/python3 -c "import matplotlib" 2>/dev/null || need+=(python3-matplotlib)   # bench/report.py's helpers
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}"
  apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi
[ -n "${BENCH_NO_BUILD:-}" ] || ./build.sh >/dev/null
runtime=$repo/artifacts/bin/nssandbox-oci

work=$(mktemp -d /tmp/nssoci-bench.XXXXXX)
out=${BENCH_OUT:-$work/results}
mkdir -p "$out"
source tests/oci/engine.sh
source tests/oci/image.sh
cleanup() {
  set +e
  timeout 120 docker ps -aq 2>/dev/null | xargs -r timeout 120 docker rm -f >/dev/null 2>&1
  engine_down >/dev/null
  for dir in /sys/fs/cgroup/*/nssandbox-oci-bench /sys/fs/cgroup/nssandbox-oci-bench; do
    [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
gcc -O2 -Wall -Wextra -Werror -o "$work/launchbench" bench/src/launchbench.c
# A hybrid cgroup host (v1 controllers, and a v2 hierarchy with controllers of its own): crun 1.8 refuses it, so
# the engine and the runtimes alone run in a mount namespace without the v2 hierarchy; every runtime alike.
hybrid=0
[ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ] && hybrid=1 && export OCI_ENGINE_HIDE_UNIFIED=1
in_bench_ns=()
[ "$hybrid" = 1 ] && in_bench_ns=(unshare --mount --propagation private -- "${HIDE_UNIFIED[@]}")
engine_up "$work" "$runtime"
oci_base_image "$work"

# Every runtime runs under the same seccomp setting: Docker's default profile once nssandbox compiles it, until
# then none for all (nssandbox refuses a profile it cannot enforce).
seccomp=default security=""
if ! "$runtime" features | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["linux"]["seccomp"]["enabled"] else 1)'; then
  seccomp=unconfined security=" --security-opt seccomp=unconfined"
fi
docker=$(command -v docker)
names=(nssandbox nssandbox-hardened runc crun)
declare -A binary=([nssandbox]=$runtime [nssandbox-hardened]="$runtime --hardened" [runc]=$(command -v runc) [crun]=$(command -v crun))
# A runtime that cannot run here is left out with its reason (crun 1.8 refuses a hybrid cgroup layout whose v2
# hierarchy has controllers, for one); nssandbox and runc must run.
: >"$out/left-out.tsv"
for n in "${names[@]}"; do
  if ! err=$(timeout 120 docker run --rm --network none --runtime "$n"$security "$OCI_IMAGE" true 2>&1); then
    [ "$n" = crun ] || { echo "bench: $n does not run: $err" >&2; exit 1; }
    reason=$(echo "$err" | grep -m1 -oE 'OCI runtime create failed: .*' | sed 's/: unknown$//')
    echo "bench: $n does not run here; left out ($reason)" >&2
    printf '%s\t%s\n' "$n" "${reason:-$err}" >>"$out/left-out.tsv"
    names=("${names[@]/$n}")
  fi
done
read -r -a names <<<"${names[*]}"

# --- docker run --rm IMAGE true ----------------------------------------------------------------------------------
launchers=()
for n in "${names[@]}"; do launchers+=("$n=$docker run --rm --network none --runtime $n$security $OCI_IMAGE true"); done
echo "bench: docker run, $runs runs of ${#names[@]} runtimes interleaved"
"$work/launchbench" latency "$runs" "${launchers[@]}" >"$out/docker.tsv"

# --- the runtime alone on a bundle -------------------------------------------------------------------------------
bundle=$work/bundle
mkdir -p "$bundle/rootfs"
exported=$(docker create "$OCI_IMAGE" true)
docker export "$exported" | tar -C "$bundle/rootfs" -x
docker rm "$exported" >/dev/null
runc spec --bundle "$bundle"
python3 - "$bundle/config.json" <<'EOF'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["linux"]["cgroupsPath"] = "/nssandbox-oci-bench/bundle"
# Docker's configs have no ambient set (and no inheritable one); runc spec's ambient set without an inheritable one
# is one runc raises with warnings and nssandbox refuses (capset EPERM).
c["process"]["capabilities"].pop("ambient", None)
json.dump(c, open(path, "w"), indent=2)
EOF
launchers=()
for n in "${names[@]}"; do launchers+=("$n=${binary[$n]} --root $work/root-$n run --bundle $bundle bench-$n"); done
echo "bench: the runtimes alone, $runs runs of ${#names[@]} interleaved"
${in_bench_ns[@]+"${in_bench_ns[@]}"} "$work/launchbench" latency "$runs" "${launchers[@]}" >"$out/bundle.tsv"

# --- the report ----------------------------------------------------------------------------------------------
{
  for n in "${names[@]}"; do
    printf 'docker\t%s\t%s\n' "$n" "docker run --rm --network none --runtime $n$security IMAGE true"
    printf 'bundle\t%s\t%s\n' "$n" "$(basename "${binary[$n]}") --root ROOT run --bundle BUNDLE ID"
  done
} >"$out/commands.tsv"
{
  printf 'docker\t%s\n' "$(docker version --format '{{.Server.Version}}')"
  printf 'containerd\t%s\n' "$(containerd --version | awk '{print $3}')"
  printf 'runc\t%s\n' "$(runc --version | awk 'NR == 1 {print $3}')"
  printf 'crun\t%s\n' "$(crun --version | awk 'NR == 1 {print $3}')"
  printf 'nssandbox\t%s\n' "$(git -C "$repo" describe --always --dirty)"
  printf 'seccomp\t%s\n' "$seccomp"
  printf 'hybrid\t%s\n' "$hybrid"
} >"$out/versions.tsv"
/usr/bin/python3 bench/oci_report.py "$out" docs/benchmarks.md
echo "bench: results in docs/benchmarks.md${BENCH_OUT:+ (raw: $out)}"
