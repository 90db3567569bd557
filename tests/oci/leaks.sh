# Sourced by run.sh: what containers leave behind while the engine runs, tied to this run (its private engine, its
# container ids, its runtime binary). Every line printed is a leak. Docker's own network namespace files
# (EXEC_ROOT/netns) are left out here: dockerd unmounts them up to a minute after a container goes; the check
# after engine_down covers them with everything else under the exec root.

# Roots of the runtime's state: dockerd's (it gives every runc-v2 runtime --root EXEC_ROOT/runtime-runc/moby) and
# the one the ctr case passes with --runc-root.
runtime_roots() { echo "$ENGINE_EXEC/runtime-runc/moby" "$ENGINE_EXEC/runtime-ctr/$CTR_NAMESPACE"; }

container_traces() {
  local left id root p sock exe
  left=$(timeout 60 docker ps -aq 2>&1)
  [ -z "$left" ] || echo "containers still listed: $(echo "$left" | tr '\n' ' ')"
  engine_cgroups | sed 's/^/cgroup /'
  engine_mounts | grep -v "^$ENGINE_EXEC/netns/" | sed 's/^/mount /'
  for root in $(runtime_roots); do
    [ -d "$root" ] && find "$root" -mindepth 1 -maxdepth 1 | sed 's/^/runtime state /'
  done
  find "$ENGINE_EXEC/containerd/daemon/io.containerd.runtime.v2.task" -mindepth 2 -maxdepth 2 2>/dev/null |
    sed 's/^/containerd task dir /'
  # The container's first process runs the runtime's binary until its exec: one still doing so never started.
  exe=$(readlink -f "$runtime")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ] && echo "process ${p#/proc/} still runs $exe"
  done
  # containerd's shims listen on /run/containerd/s/sha256(ADDRESS/NAMESPACE/ID) whatever containerd's state dir.
  sock="$ENGINE_EXEC/containerd/containerd.sock"
  if [ -f "$work/container-ids" ]; then
    sort -u "$work/container-ids" | while read -r id; do
      [ -n "$id" ] || continue
      for ns in moby "$CTR_NAMESPACE"; do
        p=/run/containerd/s/$(printf '%s' "$sock/$ns/$id" | sha256sum | cut -d' ' -f1)
        [ -e "$p" ] && echo "shim socket $p (container $id)"
      done
    done
  fi
}

# Asserts no traces, as a case of its own: "no leaks after LABEL".
leak_case() { # LABEL
  local traces
  traces=$(container_traces)
  if [ -z "$traces" ]; then pass "no leaks after $1"; else fail "no leaks after $1" "$traces"; fi
}
