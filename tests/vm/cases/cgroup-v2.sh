# Guest script: the launcher's cgroup v2 limits on a real v2 kernel (run by CgroupV2VmTests through
# tests/vm/run.sh). Busybox sh, as root, in the root cgroup. One VMCASE line per claim.
. /vm/lib.sh
CG=/sys/fs/cgroup
R=/tmp/report.json

# field NAME: a scalar of the last report (the reports are one line of JSON; busybox has no jq)
field() { sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|[^,}]*\\).*/\\1/p" $R | tr -d '"'; }
leaves() { find $CG -type d -name 'nssandbox-*' 2>/dev/null; }
leaf_gone() { # NAME: the run's leaf was removed
  if [ -z "$(leaves)" ]; then vm_pass "$1-leaf-gone" "no nssandbox-* cgroup left"; else vm_fail "$1-leaf-gone" "left: $(leaves)"; fi
}

# 1. A 64 MiB limit stops a program allocating 200 MiB, with reason oom.
nssandbox --cgroup_mem_max 64M --report $R -- /bin/dd if=/dev/zero of=/dev/null bs=200M count=1 >/dev/null 2>&1
rc=$?
if [ $rc -eq 137 ] && [ "$(field reason)" = oom ] && [ "$(field oom_killed)" = true ] && [ "$(field version)" = 2 ]; then
  vm_pass mem-oom "exit $rc, reason oom, cgroup $(field path)"
else
  vm_fail mem-oom "exit $rc: $(cat $R)"
fi
leaf_gone mem-oom

# 2. Under the limit the program runs, and memory.peak is reported (at least the 16 MiB it touched).
nssandbox --cgroup_mem_max 64M --report $R -- /bin/dd if=/dev/zero of=/dev/null bs=16M count=1 >/dev/null 2>&1
rc=$?
peak=$(field memory_peak_bytes)
if [ $rc -eq 0 ] && [ "$(field reason)" = exited ] && [ -n "$peak" ] && [ "$peak" -ge 16777216 ] && [ "$peak" -le 67108864 ]; then
  vm_pass mem-peak "exit 0, memory_peak_bytes $peak"
else
  vm_fail mem-peak "exit $rc, peak '$peak': $(cat $R)"
fi

# 3. pids_max 16 stops a fork bomb, and the run still ends (by itself, or at the latest by its time limit).
nssandbox --cgroup_pids_max 16 --time_limit 4 --report $R -- /bin/sh -c 'bomb() { bomb | bomb; }; bomb' >/dev/null 2>&1
rc=$?
if { [ $rc -lt 126 ] || [ $rc -eq 137 ]; } && [ "$(field pids_limit_hit)" = true ]; then
  vm_pass pids-fork-bomb "exit $rc, reason $(field reason), pids_limit_hit true"
else
  vm_fail pids-fork-bomb "exit $rc: $(cat $R)"
fi
leaf_gone pids  # rmdir succeeds only once every process of the bomb is gone
# 4. cpu_ms_per_sec 200 holds a spinning loop to about 20 % of a CPU: 3 s of wall time, about 0.6 s of CPU.
nssandbox --cgroup_cpu_ms_per_sec 200 --time_limit 3 --report $R -- /bin/sh -c 'while :; do :; done' >/dev/null 2>&1
usage=$(field cpu_usage_usec)
if [ -n "$usage" ] && [ "$usage" -ge 200000 ] && [ "$usage" -le 1200000 ]; then
  vm_pass cpu-throttled "cpu_usage_usec $usage over 3 s (unthrottled would be about 3000000)"
else
  vm_fail cpu-throttled "cpu_usage_usec '$usage': $(cat $R)"
fi
leaf_gone cpu

# 5. A parent with processes of its own (a delegated subtree, as in a container): the launcher moves them
#    into a leaf, enables the controllers, says so, and the next run needs nothing.
mkdir $CG/svc
echo $$ > $CG/svc/cgroup.procs
out=$(nssandbox --cgroup_pids_max 50 -- /bin/true 2>&1)
rc=$?
case "$rc $out" in
  "0 "*"into init/"*"enabled pids"*) vm_pass delegate-moves-and-enables "$out" ;;
  *) vm_fail delegate-moves-and-enables "exit $rc: $out" ;;
esac
own=$(cut -d: -f3 /proc/self/cgroup)
out=$(nssandbox --cgroup_pids_max 50 -- /bin/true 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ] && [ "$own" = /svc/init ]; then
  vm_pass delegate-second-run-quiet "the shell is in $own; nothing to change"
else
  vm_fail delegate-second-run-quiet "exit $rc, own $own: $out"
fi
echo $$ > $CG/cgroup.procs
rmdir $CG/svc/init $CG/svc
leaf_gone delegate

# 6. --cgroup_parent: run cgroups under a named parent, created when missing.
out=$(nssandbox --cgroup_parent /sandboxes --cgroup_mem_max 32M --report $R -- /bin/true 2>&1)
rc=$?
case "$rc $(field path)" in
  "0 $CG/sandboxes/nssandbox-"*) vm_pass parent-flag "$(field path)" ;;
  *) vm_fail parent-flag "exit $rc: $out $(cat $R)" ;;
esac
rmdir $CG/sandboxes 2>/dev/null
leaf_gone parent

# 7. A supervisor killed with SIGKILL leaves its leaf; `nssandbox cleanup` removes it.
nssandbox --cgroup_pids_max 50 -- /bin/sleep 60 >/dev/null 2>&1 &
sup=$!
i=0
while [ -z "$(leaves)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -9 $sup
wait $sup 2>/dev/null
left=$(leaves)
out=$(nssandbox cleanup 2>&1)
if [ -n "$left" ] && [ -z "$(leaves)" ]; then
  case $out in *"removed $left"*) vm_pass stale-cleanup "$out" ;; *) vm_fail stale-cleanup "leaf gone but not reported: $out" ;; esac
else
  vm_fail stale-cleanup "before: '$left', after: '$(leaves)': $out"
fi

# 8. The OCI runtime's pause, resume, update and events on cgroup v2 (the host runs them on v1): a container that
#    counts into /out/n, with the guest's busybox as its /bin.
B=/tmp/oci-bundle
OCI="nssandbox oci --root /run/oci-test"
mkdir -p $B/rootfs/bin $B/rootfs/etc $B/rootfs/proc $B/rootfs/dev $B/rootfs/tmp $B/rootfs/out $B/out
cat > $B/config.json <<'JSON'
{
  "ociVersion": "1.0.2",
  "process": { "user": { "uid": 0, "gid": 0 }, "cwd": "/", "env": [ "PATH=/bin" ],
    "args": [ "/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /out/n; sleep 0.05; done" ] },
  "root": { "path": "rootfs" },
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/bin", "type": "bind", "source": "/bin", "options": [ "rbind", "ro" ] },
    { "destination": "/out", "type": "bind", "source": "/tmp/oci-bundle/out", "options": [ "rbind", "rw" ] }
  ],
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" }, { "type": "uts" } ],
    "resources": { "memory": { "limit": 67108864 }, "pids": { "limit": 50 } }
  }
}
JSON
count() { cat $B/out/n 2>/dev/null || echo 0; }
grows() { # FROM: the count passes FROM within 10 s
  i=0
  while [ "$(count)" -le "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ "$(count)" -gt "$1" ]
}
ocg=$CG/nssandbox-oci/c1
# The container keeps create's stdio: files, not a pipe that a command substitution would wait on.
$OCI create --bundle $B c1 </dev/null >$B/create.log 2>&1 && $OCI start c1 >>$B/create.log 2>&1
if [ $? -ne 0 ] || ! grows 2; then
  vm_fail oci-pause "the container did not start: $(cat $B/create.log)"
else
  $OCI pause c1 >/dev/null 2>&1
  rc=$?
  a=$(count); sleep 0.5; b=$(count)
  status=$($OCI state c1 | grep -o '"status": "[a-z]*"')
  if [ $rc -eq 0 ] && [ "$a" = "$b" ] && [ "$(cat $ocg/cgroup.freeze)" = 1 ] && grep -q '^frozen 1' $ocg/cgroup.events &&
    [ "$status" = '"status": "paused"' ]; then
    vm_pass oci-pause "count stayed $a; cgroup.freeze 1, frozen 1, $status"
  else
    vm_fail oci-pause "exit $rc, count $a then $b, $status, freeze $(cat $ocg/cgroup.freeze), events $(cat $ocg/cgroup.events)"
  fi
  $OCI resume c1 >/dev/null 2>&1
  rc=$?
  if [ $rc -eq 0 ] && grows "$b" && grep -q '^frozen 0' $ocg/cgroup.events; then vm_pass oci-resume "count on past $b"
  else vm_fail oci-resume "exit $rc, count $(count), events $(cat $ocg/cgroup.events)"; fi

  out=$($OCI update --memory 32m --memory-swap 48m --pids-limit 5 --cpu-share 512 --cpu-quota 20000 --cpu-period 100000 c1 2>&1)
  rc=$?
  have="$(cat $ocg/memory.max) $(cat $ocg/memory.swap.max) $(cat $ocg/pids.max) $(cat $ocg/cpu.max) $(cat $ocg/cpu.weight)"
  if [ $rc -eq 0 ] && [ "$have" = "33554432 16777216 5 20000 100000 20" ]; then vm_pass oci-update "$have"
  else vm_fail oci-update "exit $rc: $out; have $have"; fi
  out=$($OCI update --cpuset-cpus 0 c1 2>&1)
  rc=$?
  pid=$($OCI state c1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
  if [ $rc -eq 0 ] && [ "$(cat $ocg/cpuset.cpus 2>&1)" = 0 ] && grep -q 'Cpus_allowed_list:.0$' /proc/$pid/status; then
    vm_pass oci-update-cpuset "cpuset enabled down to the container, cpuset.cpus 0, its process on cpu 0"
  else
    vm_fail oci-update-cpuset "exit $rc: $out; cpuset.cpus $(cat $ocg/cpuset.cpus 2>&1)"
  fi

  out=$($OCI events --stats c1 2>&1)
  case $out in
    '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"total":'*'"memory":{'*'"usage":{"limit":33554432,"usage":'*'"pids":{"current":'*'"limit":5}'*)
      vm_pass oci-events "$(echo "$out" | cut -c1-200)" ;;
    *) vm_fail oci-events "$out" ;;
  esac

  $OCI pause c1 >/dev/null 2>&1
  $OCI kill c1 KILL 2>&1
  i=0
  while ! $OCI state c1 2>/dev/null | grep -q '"stopped"' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  out=$($OCI state c1 2>&1 | grep -o '"status": "[a-z]*"'; $OCI delete c1 2>&1)
  if [ "$out" = '"status": "stopped"' ]; then vm_pass oci-kill-paused "SIGKILL ended the paused container"
  else vm_fail oci-kill-paused "$out"; fi
fi
$OCI delete --force c1 >/dev/null 2>&1

# 9. Device rules on cgroup v2 are a BPF program on the container's cgroup: deny all, /dev/kmsg read-only (its
#    reader needs CAP_SYSLOG; mknod of any c device allowed, as Docker does); the default devices (/dev/null) stay allowed; c 1:12, made in the container but not
#    allowed, gives EPERM (allowed, it would give ENXIO: no driver has that minor). /dev is a tmpfs, as Docker's
#    (the guest's /tmp, where the bundle is, is nodev).
D=/tmp/oci-devices
mkdir -p $D/rootfs/bin $D/rootfs/proc $D/rootfs/dev $D/rootfs/tmp $D/rootfs/out $D/out
sed -e 's|/tmp/oci-bundle/out|/tmp/oci-devices/out|' \
    -e 's|"args": \[.*\] },|"args": [ "/bin/sh", "/out/probe.sh" ], "capabilities": { "bounding": [ "CAP_SYSLOG" ], "effective": [ "CAP_SYSLOG" ], "permitted": [ "CAP_SYSLOG" ] } },|' \
    -e 's|{ "destination": "/proc", "type": "proc", "source": "proc" },|& { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "mode=755" ] },|' \
    -e 's|"resources": {|"devices": [ { "path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11 }, { "path": "/dev/denied", "type": "c", "major": 1, "minor": 12 } ], "resources": { "devices": [ { "allow": false, "access": "rwm" }, { "allow": true, "type": "c", "access": "m" }, { "allow": true, "type": "c", "major": 1, "minor": 11, "access": "r" } ],|' \
    $B/config.json > $D/config.json
cat > $D/out/probe.sh <<'PROBE'
try() { if (eval "exec 3$2$1") 2>/out/err; then echo "$1$2 ok"; else echo "$1$2 $(sed 's/.*: //' /out/err)"; fi; }
try /dev/null '<'; try /dev/null '>'; try /dev/kmsg '<'; try /dev/kmsg '>'; try /dev/denied '<'
PROBE
out=$($OCI run --bundle $D c2 </dev/null 2>$D/run.err | tr '\n' ';')
want='/dev/null< ok;/dev/null> ok;/dev/kmsg< ok;/dev/kmsg> Operation not permitted;/dev/denied< Operation not permitted;'
if [ "$out" = "$want" ]; then vm_pass oci-devices "$out"
else vm_fail oci-devices "expected '$want', have '$out', stderr $(cat $D/run.err) (config: $(tr -d '\n ' < $D/config.json | cut -c1-600))"; fi
$OCI delete --force c2 >/dev/null 2>&1

if [ -z "$(find $CG -type d -name 'nssandbox-oci*')" ] && [ -z "$(ls /run/oci-test 2>/dev/null)" ]; then vm_pass oci-leaf-gone "no cgroup, no state"
else vm_fail oci-leaf-gone "left: $(find $CG -type d -name 'nssandbox-oci*') $(ls /run/oci-test 2>/dev/null)"; fi

vm_done
