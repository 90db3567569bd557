#!/usr/bin/env bash
# Captures the config.json that dockerd hands its OCI runtime for `docker run`, so the seccomp profile in it is
# exactly what dockerd sends (Docker's default profile resolved for this machine's architecture, the container's
# capabilities and this kernel), without copying any file of Docker's into the repository.
#
#   tools/capture-docker-seccomp.sh OUTDIR [PROFILE.json...]
#
# writes OUTDIR/default.json (a plain `docker run`) and, for each PROFILE, OUTDIR/<its name> (the same run with
# --security-opt seccomp=PROFILE, a profile in Docker's format, resolved by dockerd). Each is a whole config.json;
# its linux.seccomp is the profile (`nssandbox policy check --oci OUTDIR/default.json`).
#
# How: a dockerd of its own (own data-root, exec-root, pidfile, socket, and its own containerd), so a running engine
# is neither used nor touched; a runtime registered with it (--add-runtime) that copies the bundle's config.json and
# fails `create`; an image imported from a tar of one empty file (nothing runs). Host network and IPC, so dockerd
# makes no network namespace or /dev/shm mount on the host. Everything lives in a temporary directory, removed on
# exit with both daemons stopped.
#
# Exit status: 0 done; 77 dockerd cannot run here (the reason on stderr); anything else: it failed.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [PROFILE.json...]" >&2
  exit 2
fi
for tool in dockerd docker containerd containerd-shim-runc-v2 tar realpath; do
  if ! command -v "$tool" >/dev/null; then
    echo "capture: $tool is not installed (apt-get install docker.io)" >&2
    exit 77
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "capture: dockerd needs root" >&2
  exit 77
fi
mkdir -p "$1"
out=$(realpath "$1")
shift

dir=$(mktemp -d /tmp/nss-docker-capture.XXXXXX)
containerd_pid="" dockerd_pid=""

# Stops a daemon we started: SIGTERM, then SIGKILL after 30 s.
stop() {
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop "$dockerd_pid"
  stop "$containerd_pid"
  # Anything a daemon left mounted under our directory (nothing, normally) goes before the directory.
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

# The runtime: keep config.json, refuse to create. The shim calls it for delete and the like too: those succeed.
cat >"$dir/capture-runtime" <<EOF
#!/bin/sh
bundle="" prev=""
for a in "\$@"; do
  case "\$prev" in --bundle|-b) bundle=\$a ;; esac
  case "\$a" in --bundle=*) bundle=\${a#--bundle=} ;; esac
  prev=\$a
done
if [ -n "\$bundle" ] && [ -f "\$bundle/config.json" ]; then cp "\$bundle/config.json" "$dir/config.json"; fi
for a in "\$@"; do
  if [ "\$a" = create ]; then echo "capture: config.json kept, container not created" >&2; exit 1; fi
done
exit 0
EOF
chmod 755 "$dir/capture-runtime"

mkdir -p "$dir/containerd"
cat >"$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[debug]
  address = ""
[metrics]
  address = ""
EOF
containerd --config "$dir/containerd/config.toml" >"$dir/containerd.log" 2>&1 &
containerd_pid=$!

# dockerd 20.10 makes an identity key; in our directory, not /etc/docker.
echo "{\"deprecated-key-path\": \"$dir/key.json\"}" >"$dir/daemon.json"
dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
  -H "unix://$dir/docker.sock" --containerd "$dir/containerd.sock" --containerd-namespace nss-capture \
  --containerd-plugins-namespace nss-capture-plugins --bridge none --iptables=false --ip-masq=false --ip-forward=false \
  --storage-driver vfs --add-runtime "capture=$dir/capture-runtime" --log-level warn >"$dir/dockerd.log" 2>&1 &
dockerd_pid=$!

export DOCKER_HOST="unix://$dir/docker.sock" DOCKER_CONFIG="$dir/cli"
ready=0
for i in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then ready=1; break; fi
  if ! kill -0 "$dockerd_pid" 2>/dev/null || ! kill -0 "$containerd_pid" 2>/dev/null; then break; fi
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  echo "capture: dockerd did not come up; the end of its log:" >&2
  tail -n 15 "$dir/dockerd.log" "$dir/containerd.log" >&2
  exit 77
fi

mkdir "$dir/rootfs"
: >"$dir/rootfs/empty"
tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
docker import "$dir/rootfs.tar" nss-capture:latest >/dev/null

# One run: the config.json dockerd writes for it, into OUTDIR/NAME.
capture() {
  local name=$1
  shift
  rm -f "$dir/config.json"
  if timeout 120 docker run --rm --runtime capture --network host --ipc host "$@" nss-capture:latest /empty >"$dir/run.log" 2>&1; then
    echo "capture: the container ran, so the runtime was not the capturing one" >&2
    exit 1
  fi
  if [ ! -s "$dir/config.json" ]; then
    echo "capture: dockerd wrote no config.json for $name; docker run said:" >&2
    cat "$dir/run.log" >&2
    exit 1
  fi
  cp "$dir/config.json" "$out/$name"
  echo "capture: $out/$name"
}

capture default.json
for profile in "$@"; do
  capture "$(basename "$profile")" --security-opt "seccomp=$(realpath "$profile")"
done
