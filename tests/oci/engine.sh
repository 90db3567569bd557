# Sourced by run.sh and bench/oci.sh: a private Docker engine that never touches the system's dockerd or containerd.
#
#   its own --data-root   OCI_DATA_ROOT (persistent, default /var/lib/nssandbox-oci-test: the base image is made once)
#   its own --exec-root, socket, pid file and daemon.json in a temp dir (its managed containerd lives there too)
#   its own network namespace (unshare --net): the host's iptables, docker0 and routes are never seen, so a user
#     bridge carries traffic even where the system engine set the host's FORWARD policy to DROP (br_netfilter)
#   --iptables=false --ip6tables=false --bridge=none, and containers' cgroups under /OCI_CGROUP_PARENT
#   runtimes in daemon.json: nssandbox (ARTIFACTS/nssandbox-oci), nssandbox-hardened (the same with --hardened),
#     crun when installed; runc stays the default.
#     daemon.json rather than --add-runtime: dockerd 20.10 drops flag runtimes when SIGHUP reloads the file
#     (the register case reloads it).
# OCI_ENGINE_HIDE_UNIFIED=1 (bench/oci.sh on a hybrid cgroup host) runs the engine in a mount namespace of its own
# without the v2 hierarchy at /sys/fs/cgroup/unified: crun refuses a hybrid layout whose v2 hierarchy has
# controllers. Its mounts are then out of the host's sight, so the suite's leak checks do not use it.
# One engine at a time owns the data root (a lock; another run waits up to 15 minutes). engine_down stops it and
# its containerd and shims, and engine_leaks says what a stopped engine left behind.

OCI_DATA_ROOT=${OCI_DATA_ROOT:-/var/lib/nssandbox-oci-test}
OCI_CGROUP_PARENT=nssandbox-oci-test
OCI_LOCK=/run/lock/nssandbox-oci-test.lock
HIDE_UNIFIED=(sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' hide-unified)   # then COMMAND ARGS...
ENGINE_PID="" ENGINE_DIR="" ENGINE_EXEC="" ENGINE_NETNS=""

# engine_up DIR RUNTIME_BINARY: starts dockerd with its state in DIR (short: unix socket paths are limited) and
# exports DOCKER_HOST and DOCKER_CONFIG for every docker command after it.
engine_up() {
  local dir=$1 runtime=$2 i
  ENGINE_DIR=$dir ENGINE_EXEC=$dir/exec
  exec {ENGINE_LOCK_FD}>"$OCI_LOCK"
  if ! flock -n "$ENGINE_LOCK_FD"; then
    echo "engine: another run holds $OCI_LOCK (the engine's data root); waiting up to 15 minutes"
    flock -w 900 "$ENGINE_LOCK_FD" || { echo "engine: $OCI_LOCK is still held" >&2; return 1; }
  fi
  # A dockerd left running on the data root by a killed run would fight this one for containerd's database.
  local stale="" p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qE -- "--data-root $OCI_DATA_ROOT( |\$)" && stale+="${p#/proc/} "
  done
  if [ -n "$stale" ]; then
    echo "engine: a dockerd from an earlier run still uses $OCI_DATA_ROOT (pid $stale); stop it first" >&2
    return 1
  fi
  # Parents an interrupted earlier run left (the lock is ours, so no engine of another run uses them).
  engine_remove_parents >/dev/null
  mkdir -p "$OCI_DATA_ROOT" "$dir/client"
  engine_write_config "$dir/daemon.json" "$runtime"
  export DOCKER_HOST="unix://$dir/docker.sock" DOCKER_CONFIG="$dir/client"
  unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
  # The lock's descriptor stays here: a dockerd inheriting it would hold the lock after a killed run.
  local launch=(unshare --net --)
  [ "${OCI_ENGINE_HIDE_UNIFIED:-0}" = 1 ] && launch=(unshare --net --mount --propagation private -- "${HIDE_UNIFIED[@]}")
  "${launch[@]}" dockerd --config-file "$dir/daemon.json" --data-root "$OCI_DATA_ROOT" --exec-root "$ENGINE_EXEC" \
    -H "$DOCKER_HOST" --pidfile "$dir/dockerd.pid" --iptables=false --ip6tables=false --bridge=none \
    --cgroup-parent "$OCI_CGROUP_PARENT" >"$dir/dockerd.log" 2>&1 {ENGINE_LOCK_FD}>&- &
  ENGINE_PID=$!
  for i in $(seq 1 120); do
    if timeout 10 docker info >/dev/null 2>&1; then
      # Read once dockerd runs (right after the fork, the child is still in the host's namespace).
      ENGINE_NETNS=$(readlink "/proc/$ENGINE_PID/ns/net" 2>/dev/null)
      if [ -z "$ENGINE_NETNS" ] || [ "$ENGINE_NETNS" = "$(readlink /proc/self/ns/net)" ]; then
        echo "engine: dockerd is not in a network namespace of its own" >&2
        engine_down
        return 1
      fi
      echo "engine: private dockerd $(timeout 10 docker version --format '{{.Server.Version}}') (pid $ENGINE_PID) ready after" \
        "${i}x0.5 s; data root $OCI_DATA_ROOT, exec root $ENGINE_EXEC"
      return 0
    fi
    kill -0 "$ENGINE_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "engine: the private dockerd did not come up; the end of its log:" >&2
  tail -n 20 "$dir/dockerd.log" >&2
  engine_down
  return 1
}

# The key dockerd 20.10 still makes at /etc/docker/key.json goes beside the config, so nothing is made outside.
engine_write_config() { # FILE RUNTIME_BINARY
  local crun=""
  command -v crun >/dev/null && crun=", \"crun\": {\"path\": \"$(command -v crun)\"}"
  printf '{\n  "deprecated-key-path": "%s",\n  "runtimes": {"nssandbox": {"path": "%s"}, %s%s}\n}\n' \
    "$(dirname "$1")/key.json" "$2" "\"nssandbox-hardened\": {\"path\": \"$2\", \"runtimeArgs\": [\"--hardened\"]}" "$crun" >"$1"
}

# Stops the engine (SIGTERM: dockerd stops its containers, then its containerd; SIGKILL after 60 s) and waits for
# everything that ran in its network namespace (containerd's shims outlive dockerd by a moment).
engine_down() {
  [ -n "$ENGINE_PID" ] || return 0
  local pid=$ENGINE_PID i left
  ENGINE_PID=""
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "engine: dockerd ignored SIGTERM for 60 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do
    left=$(engine_processes)
    [ -z "$left" ] && break
    sleep 0.5
  done
  echo "engine: stopped the private dockerd"
}

# Lets the next run have the engine's data root and network namespace: only after this run's last leak check,
# or that check would see the next run's engine as this run's leftovers.
engine_release() {
  [ -z "${ENGINE_LOCK_FD:-}" ] || exec {ENGINE_LOCK_FD}>&-
  ENGINE_LOCK_FD=""
}

# Pids of processes still in the engine's network namespace or naming its exec root (dockerd, containerd, shims,
# containers that share the namespace).
engine_processes() {
  local p
  for p in /proc/[0-9]*; do
    if [ -n "$ENGINE_NETNS" ] && [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ENGINE_NETNS" ]; then
      echo "${p#/proc/}"
    elif [ -n "$ENGINE_EXEC" ] && tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$ENGINE_EXEC"; then
      echo "${p#/proc/}"
    fi
  done
}

# Cgroup directories of containers under the engine's parent, in every hierarchy.
engine_cgroups() {
  find /sys/fs/cgroup/ -mindepth 2 -maxdepth 3 -type d -path "*/$OCI_CGROUP_PARENT/*" 2>/dev/null
}

# Mount points of the host's mount table under the data root or the exec root (overlay roots, /dev/shm, netns).
# Init layers are left out: see engine_init_layers.
engine_mounts() {
  engine_init_layers
  awk -v a="$OCI_DATA_ROOT/" -v b="$ENGINE_DIR/" \
    'index($5, a) == 1 || index($5, b) == 1 { print $5 }' /proc/self/mountinfo
}

# dockerd mounts a container's init layer (overlay2/ID-init/merged) while it creates the container and unmounts it
# before any runtime runs; no runtime is ever given that path (the rootfs is ID/merged, the init layer only one of
# its lower directories). One left mounted was seen once on CI and never here: it is the engine's own, so it is
# said on stderr with what dockerd logged of it, and unmounted so that the checks after it still see the runtime's
# traces.
engine_init_layers() {
  local m id
  for m in $(awk -v a="$OCI_DATA_ROOT/overlay2/" 'index($5, a) == 1 && $5 ~ /-init\/merged$/ { print $5 }' /proc/self/mountinfo); do
    id=$(basename "$(dirname "$m")"); id=${id%-init}
    {
      echo "engine: dockerd left its init layer mounted (not a runtime's trace; unmounted now): $m"
      grep -F "${id:0:12}" "$ENGINE_DIR/dockerd.log" 2>/dev/null | tail -n 20 | sed 's/^/engine:   /'
    } >&2
    umount -l "$m" 2>/dev/null
  done
}

# After engine_down: what it left (one line each); nothing when clean. Empty cgroup parents are removed here.
engine_leaks() {
  local left p
  left=$(engine_processes)
  for p in $left; do echo "process $p: $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-200)"; done
  engine_mounts | sed 's/^/mount /'
  engine_cgroups | sed 's/^/cgroup /'
  engine_remove_parents | sed 's/^/cgroup parent (not empty) /'
  return 0
}

# Removes every empty cgroup parent of the engine and prints those it cannot remove. Ours is at the hierarchy's
# root; runc takes a relative cgroupsPath below its own cgroup, which on a host that runs us in a per-process
# memory cgroup (memory:/process_api/...) is a directory there, so the parent is looked for at any depth.
engine_remove_parents() {
  local p
  find /sys/fs/cgroup/ -mindepth 2 -maxdepth 6 -depth -type d -name "$OCI_CGROUP_PARENT" 2>/dev/null |
    while read -r p; do rmdir "$p" 2>/dev/null || echo "$p"; done
}
