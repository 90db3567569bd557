# What docker asks the runtime to limit: a read-only root, memory, pids, CPU and cpuset (at run and by docker update),
# proven by a process that runs into each limit inside the container, and by the container's cgroup seen from the
# host (after docker update, the same files as runc's).

case_read_only() {
  capture d run --rm --read-only --tmpfs /tmp "${NSS[@]}" "$OCI_IMAGE" bash -c \
    'touch /root-file 2>&1 | grep -o "Read-only file system"; echo data >/tmp/f && cat /tmp/f; grep " /tmp " /proc/mounts | cut -d" " -f3'
  [ "$rc" -eq 0 ] && [ "$out" = $'Read-only file system\ndata\ntmpfs' ] ||
    { got "expected / read-only and /tmp a writable tmpfs"; return; }
  # Without --read-only the root is writable (the image's layer), so the first check is not vacuous.
  capture d run --rm "${NSS[@]}" "$OCI_IMAGE" sh -c 'touch /root-file && echo wrote'
  [ "$out" = wrote ] || { got "without --read-only / must be writable"; return; }
}
run_case "docker run --read-only: / refuses writes, a --tmpfs /tmp takes them" case_read_only

# Holds 256 MiB; a 64 MiB limit must end it.
hog='my $x = "a" x (256 << 20); print "survived\n";'
case_memory() {
  local c; c=$(cname memory)
  capture d run --name "$c" --memory 64m "${NSS[@]}" "$OCI_IMAGE" perl -e "$hog"
  local oom; oom=$(d inspect -f '{{.State.OOMKilled}}' "$c")
  [ "$out" != survived ] && { [ "$rc" -eq 137 ] || [ "$oom" = true ]; } ||
    { got "a 256 MiB allocation under --memory 64m: expected exit 137 or OOMKilled (OOMKilled=$oom)"; return; }
  # perl copies the string once: 1g holds it (as with runc), so the limit, not perl, decided above.
  capture d run --rm --memory 1g "${NSS[@]}" "$OCI_IMAGE" perl -e "$hog"
  [ "$rc" -eq 0 ] && [ "$out" = survived ] || { got "the same allocation under --memory 1g must survive"; return; }
}
run_case "docker run --memory 64m: a process allocating 256 MiB is OOM-killed (137), under 1g it lives" case_memory

case_pids() {
  # Forks children that wait, until fork fails; perl reports the count (bash would retry a failed fork for long).
  capture d run --rm --pids-limit 10 "${NSS[@]}" "$OCI_IMAGE" perl -e '
    my $n = 0;
    for (1 .. 50) { my $p = fork; if (!defined $p) { print "fork failed after $n: $!\n"; last } if (!$p) { sleep 30; exit 0 } $n++ }
    print "forked $n\n" if $n == 50; kill "KILL", -$$; '
  [[ "$out" == "fork failed after "[0-9]*": Resource temporarily unavailable" ]] &&
    [ "$(echo "$out" | grep -oE '[0-9]+' | head -n 1)" -lt 10 ] || { got "--pids-limit 10: fork must fail before 10 processes"; return; }
}
run_case "docker run --pids-limit 10: fork fails (EAGAIN) before the tenth process" case_pids

case_cpus() {
  local c id; c=$(cname cpus)
  capture d run -d --name "$c" --cpus 0.5 --cpu-shares 512 "${NSS[@]}" "$OCI_IMAGE" sleep 1000
  [ "$rc" -eq 0 ] || { got "docker run -d --cpus 0.5"; return; }
  id=$(d inspect -f '{{.Id}}' "$c")
  local dir
  for dir in /sys/fs/cgroup/cpu/$OCI_CGROUP_PARENT/$id /sys/fs/cgroup/cpu,cpuacct/$OCI_CGROUP_PARENT/$id /sys/fs/cgroup/$OCI_CGROUP_PARENT/$id; do
    [ -d "$dir" ] && break
  done
  if [ -f "$dir/cpu.max" ]; then
    out=$(cat "$dir/cpu.max")
    [ "$out" = "50000 100000" ] || { rc=0; got "host side $dir/cpu.max: expected 50000 100000"; return; }
  else
    out="$(cat "$dir/cpu.cfs_quota_us" "$dir/cpu.cfs_period_us" "$dir/cpu.shares" 2>&1)"
    [ "$out" = $'50000\n100000\n512' ] || { rc=0; got "host side $dir: expected quota 50000, period 100000, shares 512"; return; }
    # Inside, the container's own cgroup directory is mounted at /sys/fs/cgroup/cpu (v1).
    capture d run --rm --cpus 0.5 "${NSS[@]}" "$OCI_IMAGE" cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us
    [ "$out" = 50000 ] || { got "inside: /sys/fs/cgroup/cpu/cpu.cfs_quota_us must be the container's (50000)"; return; }
  fi
}
run_case "docker run --cpus 0.5 --cpu-shares 512: the quota and shares are in the container's cgroup, seen inside too" case_cpus

case_stats() {
  local c; c=$(cname stats)
  capture d run -d --name "$c" --memory 100m "${NSS[@]}" "$OCI_IMAGE" sleep 1000
  [ "$rc" -eq 0 ] || { got "docker run -d"; return; }
  # The shim reads the container's cgroup (found from its first process) for the engine's statistics.
  capture d stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' "$c"
  [ "$rc" -eq 0 ] && [[ "$out" == *" / 100MiB 1" ]] || { got "docker stats: expected the 100MiB limit and 1 process"; return; }
}
run_case "docker stats: the container's memory limit and process count, read from its cgroup" case_stats

case_cpuset() {
  capture d run --rm --cpuset-cpus 0 "${NSS[@]}" "$OCI_IMAGE" grep Cpus_allowed_list /proc/self/status
  [ "$rc" -eq 0 ] && [ "$out" = $'Cpus_allowed_list:\t0' ] || { got "--cpuset-cpus 0: the container must run on cpu 0 only"; return; }
}
run_case "docker run --cpuset-cpus 0: the container's processes may run on cpu 0 only" case_cpuset

# The limits of a container's cgroup as the host sees them, one per line, found from its first process (runc may
# place a hierarchy elsewhere than under the engine's cgroup parent). v1 names, or v2's where the engine uses v2.
limits_of() { # CONTAINER
  local pid f dir; pid=$(d inspect -f '{{.State.Pid}}' "$1")
  declare -A at
  while IFS=: read -r _ controllers path; do
    if [ -z "$controllers" ]; then at[unified]=$path; else for f in ${controllers//,/ }; do at[$f]=/sys/fs/cgroup/$controllers$path; done; fi
  done <"/proc/$pid/cgroup"
  if [ -n "${at[memory]:-}" ]; then
    for f in memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us \
      cpu/cpu.shares cpuset/cpuset.cpus; do
      echo "${f#*/} $(cat "${at[${f%%/*}]}/${f#*/}" 2>/dev/null)"
    done
  else
    dir=/sys/fs/cgroup${at[unified]}
    for f in memory.max memory.swap.max pids.max cpu.max cpu.weight cpuset.cpus; do echo "$f $(cat "$dir/$f" 2>/dev/null)"; done
  fi
}

case_update() {
  local c rt want="" have
  for rt in runc nssandbox; do
    c=$(cname "update-$rt")
    capture d run -d --name "$c" --runtime "$rt" --memory 64m --memory-swap 128m --pids-limit 50 "$OCI_IMAGE" sleep 1000
    [ "$rc" -eq 0 ] || { got "docker run -d --runtime $rt"; return; }
    capture d update --memory 96m --memory-swap 192m --pids-limit 8 --cpus 0.5 --cpu-shares 256 --cpuset-cpus 0 "$c"
    [ "$rc" -eq 0 ] || { got "docker update ($rt)"; return; }
    have=$(limits_of "$c")
    if [ "$rt" = runc ]; then want=$have; continue; fi
    [ "$have" = "$want" ] || { why="the cgroup after docker update: runc's $(echo $want), nssandbox's $(echo $have)"; return 1; }
    [[ "$have" == *"pids.max 8"* ]] || { why="pids.max is not 8: $(echo $have)"; return 1; }
  done
  # Enforced inside: fork fails before the eighth process (the container's sleep and perl are two).
  capture d exec "$c" perl -e '$| = 1; my $n = 0;
    for (1 .. 20) { my $p = fork; if (!defined $p) { print "fork failed after $n\n"; last } if (!$p) { sleep 30; exit 0 } $n++ }
    kill "KILL", -$$;'
  [[ "$out" == "fork failed after "[0-9]* ]] && [ "${out##* }" -lt 8 ] || { got "--pids-limit 8 after docker update: fork must fail"; return; }
  capture d stats --no-stream --format '{{.MemUsage}}' "$c"
  [ "$rc" -eq 0 ] && [[ "$out" == *" / 96MiB" ]] || { got "docker stats: expected the new 96MiB limit"; return; }
}
run_case "docker update: memory, swap, pids, cpus, shares and cpuset in the cgroup as runc sets them, enforced, seen by docker stats" case_update
