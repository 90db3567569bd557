#!/usr/bin/env bash
# Registers nssandbox as an OCI runtime with the local dockerd and containerd (docs/oci.md, "Running with Docker,
# containerd and Kubernetes"). Idempotent: a second run changes nothing. Run as root.
#
#   deploy/register-runtime.sh [--dry-run] [--name NAME] [--path BINARY] [--runtime-arg ARG]...
#                              [--docker-config FILE] [--docker-pidfile FILE] [--no-docker]
#                              [--containerd-config FILE] [--no-containerd]
#
#   --dry-run            print the change of each file (a diff) and write nothing, signal nothing
#   --name               the runtime's name: `docker run --runtime NAME`, the CRI handler (default nssandbox)
#   --path               the nssandbox-oci link (not the nssandbox binary: the link's name selects the OCI mode);
#                        default: nssandbox-oci on PATH, else this checkout's artifacts/bin/nssandbox-oci
#   --runtime-arg        an argument dockerd passes the runtime first, e.g. --hardened (docker only: containerd's
#                        runc options have no arguments)
#   --docker-config      daemon.json (default /etc/docker/daemon.json); dockerd reloads its runtimes on SIGHUP,
#                        so a running dockerd (its pid from --docker-pidfile, default /var/run/docker.pid) is
#                        signalled, not restarted
#   --containerd-config  config.toml (default /etc/containerd/config.toml): the CRI plugin's runtime NAME with the
#                        runc v2 shim and options.BinaryName; containerd must be restarted to read it (printed)
#
# Exit: 0 registered (or already), 1 a file could not be written, 125 usage or a configuration it cannot read or
# would have to overwrite. Both files are checked before either is written: nothing is half-done.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dry=0 name=nssandbox path="" args=() docker_on=1 containerd_on=1
docker_config=/etc/docker/daemon.json docker_pidfile=/var/run/docker.pid containerd_config=/etc/containerd/config.toml
containerd_given=0

usage() { echo "register-runtime.sh: $1 (see the top of deploy/register-runtime.sh)" >&2; exit 125; }
value() { [ $# -ge 2 ] && [ -n "$2" ] || usage "$1 needs a value"; }
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry=1 ;;
    --name) value "$@"; name=$2; shift ;;
    --path) value "$@"; path=$2; shift ;;
    --runtime-arg) value "$@"; args+=("$2"); shift ;;
    --docker-config) value "$@"; docker_config=$2; shift ;;
    --docker-pidfile) value "$@"; docker_pidfile=$2; shift ;;
    --no-docker) docker_on=0 ;;
    --containerd-config) value "$@"; containerd_config=$2; containerd_given=1; shift ;;
    --no-containerd) containerd_on=0 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown option $1" ;;
  esac
  shift
done
command -v python3 >/dev/null || { echo "register-runtime.sh: python3 is needed to edit the configuration files" >&2; exit 125; }

if [ -z "$path" ]; then
  if command -v nssandbox-oci >/dev/null; then path=$(command -v nssandbox-oci)
  else path=$(cd "$here/.." && pwd)/artifacts/bin/nssandbox-oci; fi
fi
# The runtime must answer as one before an engine is told to use it.
if ! "$path" features 2>/dev/null | grep -q '"ociVersionMax"'; then
  echo "register-runtime.sh: $path does not answer \`features\` as an OCI runtime (build it: ./build.sh; pass the nssandbox-oci link)" >&2
  exit 125
fi
[ "$containerd_on" = 1 ] && [ "$containerd_given" = 0 ] && [ ! -e "$containerd_config" ] && ! command -v containerd >/dev/null &&
  { echo "containerd: not installed; skipped"; containerd_on=0; }
[ "${#args[@]}" -gt 0 ] && [ "$containerd_on" = 1 ] &&
  echo "containerd: --runtime-arg ${args[*]} is for docker only (runc options take no arguments)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# plan ENGINE FILE: leaves the new file in $work/ENGINE and says whether it changes (0), is already so (3).
plan() {
  local engine=$1 file=$2 status
  if [ "$engine" = docker ]; then
    python3 "$here/runtime_config.py" docker "$file" "$name" "$path" ${args[@]+"${args[@]}"} >"$work/$engine"
  else
    python3 "$here/runtime_config.py" containerd "$file" "$name" "$path" >"$work/$engine"
  fi
  status=$?
  case $status in
    0 | 3) return $status ;;
    *) exit 125 ;;   # runtime_config.py said why
  esac
}
docker_change=0 containerd_change=0
if [ "$docker_on" = 1 ]; then plan docker "$docker_config" && docker_change=1; fi
if [ "$containerd_on" = 1 ]; then plan containerd "$containerd_config" && containerd_change=1; fi

show() { # FILE ENGINE
  local old=/dev/null
  [ -e "$1" ] && old=$1
  diff -u --label "$1" --label "$1 (with runtime $name)" "$old" "$work/$2"
}
write() { # FILE ENGINE
  local dir; dir=$(dirname "$1")
  mkdir -p "$dir" && cp "$work/$2" "$1.register-runtime.tmp" && chmod 0644 "$1.register-runtime.tmp" &&
    mv -f "$1.register-runtime.tmp" "$1" ||
    { rm -f "$1.register-runtime.tmp"; echo "register-runtime.sh: cannot write $1" >&2; exit 1; }
}

# --- docker ------------------------------------------------------------------------------------------------------
if [ "$docker_on" = 1 ]; then
  if [ "$docker_change" = 0 ]; then
    echo "docker: $docker_config already registers runtime $name -> $path"
  elif [ "$dry" = 1 ]; then
    show "$docker_config" docker
    echo "docker: would write $docker_config and send SIGHUP to a running dockerd (runtimes are reloaded)"
  else
    write "$docker_config" docker
    echo "docker: registered runtime $name -> $path in $docker_config"
    pid=$(cat "$docker_pidfile" 2>/dev/null)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
      cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")
      [[ "$cmdline" == *--add-runtime* ]] &&
        echo "docker: warning: dockerd (pid $pid) was started with --add-runtime; a reload forgets those runtimes (put them in daemon.json)"
      kill -HUP "$pid" && echo "docker: dockerd (pid $pid) reloads its configuration; \`docker info\` lists runtime $name"
    else
      echo "docker: no dockerd runs (no live pid in $docker_pidfile); it will read the runtime when it starts"
    fi
  fi
fi

# --- containerd --------------------------------------------------------------------------------------------------
if [ "$containerd_on" = 1 ]; then
  if [ "$containerd_change" = 0 ]; then
    echo "containerd: $containerd_config already registers runtime $name -> $path"
  elif [ "$dry" = 1 ]; then
    show "$containerd_config" containerd
    echo "containerd: would write $containerd_config; containerd must then be restarted to read it"
  else
    write "$containerd_config" containerd
    echo "containerd: registered runtime $name -> $path in $containerd_config"
    echo "containerd: restart containerd to load it (systemctl restart containerd; running containers keep running);"
    echo "            then Kubernetes: kubectl apply -f deploy/kubernetes/runtimeclass.yaml and runtimeClassName: $name"
  fi
fi
