# Guest half of tests/vm/selftest.sh: proves the VM gives the launcher what its cgroup v2 tests need.
# Runs as root under busybox sh; every check prints one VMCASE line (see tests/vm/README.md).
. /vm/lib.sh
CG=/sys/fs/cgroup

# 1. the --binary is there and runs (NativeAOT hello world, with the libraries run.sh resolved)
out=$(/usr/local/bin/nssandbox cgroup 2>&1)
case $out in
  *"hello from NativeAOT"*) vm_pass binary-runs "$out" ;;
  *) vm_fail binary-runs "$out" ;;
esac

# 2. --add and --env reach the guest
if [ "$(cat /opt/selftest/data.txt 2>&1)" = "$NSVM_SELFTEST_TOKEN" ] && [ -n "$NSVM_SELFTEST_TOKEN" ]; then
  vm_pass add-and-env "/opt/selftest/data.txt matches NSVM_SELFTEST_TOKEN=$NSVM_SELFTEST_TOKEN"
else
  vm_fail add-and-env "data=$(cat /opt/selftest/data.txt 2>&1) token=$NSVM_SELFTEST_TOKEN"
fi

# 3. /sys/fs/cgroup is cgroup2 and there is no cgroup v1 hierarchy
mnt=$(grep " $CG " /proc/mounts)
if [ "$(echo "$mnt" | cut -d' ' -f3)" = cgroup2 ] && ! grep -q ' cgroup ' /proc/mounts; then
  vm_pass cgroup2-mounted "$mnt"
else
  vm_fail cgroup2-mounted "mounts: $(grep cgroup /proc/mounts)"
fi

# 4. memory, pids and cpu are available and enabled for children of the root cgroup
has_all() { # FILE: does FILE list memory, pids and cpu?
  for c in memory pids cpu; do
    grep -qw "$c" "$1" || return 1
  done
}
if has_all $CG/cgroup.controllers; then
  vm_pass controllers-available "$(cat $CG/cgroup.controllers)"
else
  vm_fail controllers-available "cgroup.controllers: $(cat $CG/cgroup.controllers)"
fi
if has_all $CG/cgroup.subtree_control; then
  vm_pass controllers-enabled "$(cat $CG/cgroup.subtree_control)"
else
  vm_fail controllers-enabled "cgroup.subtree_control: $(cat $CG/cgroup.subtree_control)"
fi

# 5. a leaf with memory.max=64M; a shell placed in it reads its own limit back
LEAF=$CG/nsvm-selftest
mkdir $LEAF
echo 64M > $LEAF/memory.max
got=$(sh -c "echo \$\$ > $LEAF/cgroup.procs && cat /proc/self/cgroup && cat \$(echo $CG\$(sed -n 's/^0:://p' /proc/self/cgroup))/memory.max" 2>&1)
if echo "$got" | grep -qx '0::/nsvm-selftest' && echo "$got" | grep -qx 67108864; then
  vm_pass leaf-memory-max "$got"
else
  vm_fail leaf-memory-max "$got"
fi

# 6. memory.peak, memory.events (oom_kill) and cgroup.kill exist in a leaf
if [ -r $LEAF/memory.peak ]; then
  vm_pass memory-peak-exists "memory.peak=$(cat $LEAF/memory.peak)"
else
  vm_fail memory-peak-exists "no $LEAF/memory.peak: $(ls $LEAF | tr '\n' ' ')"
fi
if grep -q '^oom_kill ' $LEAF/memory.events 2>/dev/null; then
  vm_pass memory-events-oom-kill "$(grep '^oom_kill ' $LEAF/memory.events)"
else
  vm_fail memory-events-oom-kill "memory.events: $(cat $LEAF/memory.events 2>&1)"
fi
if [ -w $LEAF/cgroup.kill ]; then
  vm_pass cgroup-kill-exists "$LEAF/cgroup.kill"
else
  vm_fail cgroup-kill-exists "no writable $LEAF/cgroup.kill"
fi

# 7. the limit really bites: a 100 MiB allocation (dd's buffer) in the 64M leaf is OOM-killed
sh -c "echo \$\$ > $LEAF/cgroup.procs && exec dd if=/dev/zero of=/dev/null bs=100M count=1" >/dev/null 2>&1
rc=$?
ooms=$(sed -n 's/^oom_kill //p' $LEAF/memory.events)
peak=$(cat $LEAF/memory.peak)
if [ "$rc" = 137 ] && [ "${ooms:-0}" -ge 1 ]; then
  vm_pass oom-kill-in-leaf "dd exit=$rc oom_kill=$ooms memory.peak=$peak"
else
  vm_fail oom-kill-in-leaf "dd exit=$rc oom_kill=$ooms memory.peak=$peak"
fi

# 8. cgroup.kill ends every process in the leaf, and the empty leaf can be removed
sh -c "echo \$\$ > $LEAF/cgroup.procs && exec sleep 600" &
sh -c "echo \$\$ > $LEAF/cgroup.procs && exec sleep 600" &
sleep 0.3
before=$(wc -l < $LEAF/cgroup.procs)
echo 1 > $LEAF/cgroup.kill
wait
after=$(wc -l < $LEAF/cgroup.procs)
if [ "$before" = 2 ] && [ "$after" = 0 ]; then
  vm_pass cgroup-kill-works "processes before=$before after=$after"
else
  vm_fail cgroup-kill-works "processes before=$before after=$after"
fi
if rmdir $LEAF && [ ! -e $LEAF ]; then
  vm_pass leaf-removed "rmdir $LEAF"
else
  vm_fail leaf-removed "$LEAF still there: $(cat $LEAF/cgroup.procs 2>&1 | tr '\n' ' ')"
fi

# 9. pids.max and cpu.max are writable in a leaf, and pids.max stops forks
LEAF2=$CG/nsvm-selftest-pids
mkdir $LEAF2
echo 4 > $LEAF2/pids.max
echo "200000 1000000" > $LEAF2/cpu.max
sh -c "echo \$\$ > $LEAF2/cgroup.procs; for i in 1 2 3 4 5 6 7 8; do sleep 60 & done" >/dev/null 2>&1 </dev/null
current=$(cat $LEAF2/pids.current)
events=$(sed -n 's/^max //p' $LEAF2/pids.events)
cpumax=$(cat $LEAF2/cpu.max)
echo 1 > $LEAF2/cgroup.kill
i=0
while grep -q '^populated 1' $LEAF2/cgroup.events && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ "${events:-0}" -ge 1 ] && [ "$current" -le 4 ] && [ "$cpumax" = "200000 1000000" ]; then
  vm_pass pids-and-cpu-max "pids.max=4 pids.current=$current pids.events max=$events cpu.max=$cpumax"
else
  vm_fail pids-and-cpu-max "pids.max=4 pids.current=$current pids.events max=$events cpu.max=$cpumax"
fi
rmdir $LEAF2 || vm_fail pids-leaf-removed "$(cat $LEAF2/cgroup.procs | tr '\n' ' ')"

# 10. user namespaces: as root, and as an unprivileged user (nobody)
max=$(cat /proc/sys/user/max_user_namespaces)
out=$(unshare -U -r id 2>&1)
case $out in
  uid=0*) vm_pass userns-root "unshare -U -r id: $out (max_user_namespaces=$max)" ;;
  *) vm_fail userns-root "unshare -U -r id: $out (max_user_namespaces=$max)" ;;
esac
out=$(su -s /bin/sh nobody -c 'id -u; unshare -U -r id' 2>&1)
case $out in
  65534*uid=0*) vm_pass userns-unprivileged "as nobody: $out" ;;
  *) vm_fail userns-unprivileged "as nobody: $out" ;;
esac

# 11. pivot_root works in a new mount namespace (the guest root is a tmpfs, not the initial rootfs)
out=$(unshare -m sh -c '
  mount --make-rprivate / &&
  mkdir -p /tmp/nr && mount -t tmpfs nr /tmp/nr && mkdir /tmp/nr/old &&
  cp /bin/busybox /tmp/nr/busybox && cd /tmp/nr && pivot_root . old &&
  /busybox echo pivoted-ok' 2>&1)
case $out in
  *pivoted-ok*) vm_pass pivot-root "$out" ;;
  *) vm_fail pivot-root "$out" ;;
esac

vm_done
