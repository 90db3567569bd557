#!/usr/bin/env bash
# Opens a shell in the playground image with the privileges nssandbox needs (docs/containers.md), e.g.
#   nssandbox --chroot / --config /sandbox.toml -- python3 /examples/hello.py
# Usage: ./run_interactive.sh [COMMAND [ARGS...]]   (no command: bash; stdin not a terminal: commands from stdin)
# PLAYGROUND_IMAGE names the image (default playground: docker build -f Dockerfile.playground . -t playground).
# It prefers --privileged; where the engine refuses that (it cannot grant a capability the host itself lacks), it
# adds every capability the host has and unconfines seccomp, AppArmor and the masked /proc and /sys paths.
# Either way the container gets a cgroup namespace of its own, and the image's entrypoint (writable-cgroups) makes
# its cgroup mounts writable, so that the profile's cgroup memory limit works.

# Docker's names for capability numbers 0-40 (linux/capability.h).
CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
  NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE
  SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL
  SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)

# Capabilities missing from this host's bounding set: the engine, started here, cannot grant them either.
host_missing_caps() {
  local bnd i
  bnd=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
  for i in "${!CAP_NAMES[@]}"; do
    if (( (bnd >> i & 1) == 0 )); then printf '%s\n' "${CAP_NAMES[$i]}"; fi
  done
}

# Sets PRIVILEGES to the docker run options for IMAGE, saying why on stderr when it cannot be --privileged. A
# private cgroup namespace shows the container's cgroup as / (the default on v1 engines is the host's namespace).
playground_privileges() {
  local image=$1 probe=(docker run --rm --privileged --entrypoint /bin/true "$1")
  echo "+ ${probe[*]}" >&2
  if "${probe[@]}" >/dev/null 2>&1; then
    PRIVILEGES=(--privileged --cgroupns=private)
    return 0
  fi
  local missing cap
  missing=$(host_missing_caps)
  PRIVILEGES=(--cgroupns=private --cap-add ALL)
  for cap in $missing; do PRIVILEGES+=(--cap-drop "$cap"); done
  PRIVILEGES+=(--security-opt seccomp=unconfined --security-opt apparmor=unconfined
    --security-opt systempaths=unconfined)
  echo "note: the engine refused --privileged (capabilities this host lacks: ${missing:-none found});" \
    "using every capability the host has, with seccomp, AppArmor and the /proc and /sys masks unconfined" >&2
}

main() {
  local image=${PLAYGROUND_IMAGE:-playground}
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    echo "run_interactive.sh: no image $image; build it first:" >&2
    echo "  docker build . -t nssandbox && docker build -f Dockerfile.playground . -t playground" >&2
    exit 1
  fi
  playground_privileges "$image"
  local terminal=(-i)
  if [ -t 0 ] && [ -t 1 ]; then terminal=(-it); fi
  local cmd=(docker run --rm "${terminal[@]}" --hostname playground "${PRIVILEGES[@]}" "$image")
  if [ "$#" -gt 0 ]; then cmd+=("$@"); else cmd+=(/bin/bash); fi
  echo "+ ${cmd[*]}" >&2
  exec "${cmd[@]}"
}

# Strict mode only when run: tests/playground/run.sh sources this file for playground_privileges.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  main "$@"
fi
