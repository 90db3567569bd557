# Sourced by run.sh once both images are built: the end-to-end cases. Each case sets `why` when it fails.
# Variables from run.sh: nss_image, pg_image, run_tag, container, work, PRIVILEGES.

why=""
run_case() { # NAME FUNCTION [ARGS...]
  local name=$1; shift
  why=""
  if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}
# Runs a command in the playground container: stdout in out, stderr in err, status in rc. The host-side timeout
# keeps a hung sandbox from hanging the suite (the container, and what hangs in it, goes at clean-up).
in_pg() { out=$(timeout 300 docker exec -i "$container" "$@" 2>"$work/err"); rc=$?; err=$(cat "$work/err"); }
got() { why="$1 (exit $rc) stdout: ${out:0:600} stderr: ${err:0:600}"; return 1; }

sb=(nssandbox -q --chroot /)
profile=(--config /sandbox.toml)
# A shell that holds 200 MB (for images without python).
shell_hog='x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'

# --- the nssandbox image ------------------------------------------------------------------------------------------
case_entrypoint() {
  out=$(docker run --rm "$nss_image:$run_tag" 2>&1); rc=$?
  [ "$rc" -eq 0 ] && [[ "$out" == *"Usage: nssandbox"* ]] || { got "the default command is not the launcher's --help"; return; }
  out=$(docker image inspect -f '{{json .Config.Entrypoint}}' "$nss_image:$run_tag"; docker run --rm \
    --entrypoint /bin/sh "$nss_image:$run_tag" -c 'command -v nssandbox; test -f /etc/nssandbox/python.toml && echo configs' 2>&1)
  rc=$?
  [ "$out" = $'["/usr/local/sbin/writable-cgroups","/usr/local/bin/nssandbox"]\n/usr/local/bin/nssandbox\nconfigs' ] ||
    { got "expected the entrypoint writable-cgroups + /usr/local/bin/nssandbox and the profiles in /etc/nssandbox"; return; }
}
run_case "nssandbox image: entrypoint writable-cgroups + /usr/local/bin/nssandbox, configs at /etc/nssandbox" case_entrypoint

# The engine's default cgroup namespace here (v1: the host's): the launcher must find its cgroup at the mount's root.
case_image_cgroup_limit() {
  out=$(timeout 300 docker run --rm "${PRIVILEGES[@]/--cgroupns=private/--cgroupns=host}" "$nss_image:$run_tag" \
    -q --chroot / --cgroup_mem_max 64M --report - -- /bin/sh -c "id -u; hostname; $shell_hog" 2>"$work/err")
  rc=$?; err=$(cat "$work/err")
  [ "$rc" -eq 137 ] && [ "$out" = $'65534\nnssandbox' ] && [[ "$err" == *'"reason":"oom"'* ]] ||
    { got "expected uid 65534, hostname nssandbox, then the 64M cgroup limit killing a 200 MB shell (137)"; return; }
}
run_case "nssandbox image: docker run IMAGE FLAGS -- COMMAND, a 64M cgroup limit bites (host cgroup namespace)" \
  case_image_cgroup_limit

case_limit_refused_when_read_only() {
  out=$(docker run --rm "${PRIVILEGES[@]}" --entrypoint /usr/local/bin/nssandbox "$nss_image:$run_tag" \
    -q --chroot / --cgroup_mem_max 64M -- /bin/echo ran 2>"$work/err"); rc=$?; err=$(cat "$work/err")
  [ "$rc" -eq 126 ] && [ -z "$out" ] && [[ "$err" == *"cgroup"* ]] ||
    { got "with the engine's read-only cgroup mounts a limit must be refused (126), never run without"; return; }
}
run_case "nssandbox image: without writable-cgroups a cgroup limit is refused (126), not dropped" \
  case_limit_refused_when_read_only

# --- run_interactive.sh ---------------------------------------------------------------------------------------------
interactive() { # LINES...: runs them in the shell run_interactive.sh opens
  out=$(printf '%s\n' "$@" | PLAYGROUND_IMAGE="$pg_image:$run_tag" timeout 300 "$repo/run_interactive.sh" 2>"$work/err")
  rc=$?; err=$(cat "$work/err")
}
case_interactive_shell() {
  interactive "nssandbox --chroot / -- python3 --version" "hostname" "exit 7"
  # Exit 7 proves the commands ran in the shell it opened.
  [ "$rc" -eq 7 ] && [[ "$out" == "Python 3."*$'\n'"playground" ]] || { got "the shell did not run the commands"; return; }
  [[ "$err" == *"+ docker run --rm -i --hostname playground "* ]] || { got "it did not print the docker command"; return; }
  if [ "${PRIVILEGES[0]}" != --privileged ]; then
    [[ "$err" == *"refused --privileged"* ]] || { got "it did not say why it is not --privileged"; return; }
  fi
  return 0
}
run_case "run_interactive.sh: a shell in the playground, prints what it runs, says why not --privileged" case_interactive_shell

case_interactive_profile() {
  interactive "nssandbox --chroot / --config /sandbox.toml -- python3 --version" \
    "nssandbox --chroot / --config /sandbox.toml -- python3 /examples/hello.py"
  [ "$rc" -eq 0 ] && [[ "$out" == "Python 3."*$'\n'"hello from uid 65534 gid 65534 in /data"* ]] ||
    { got "the issue's two commands should work in the shell"; return; }
}
run_case "run_interactive.sh: the issue's commands (--config /sandbox.toml: python3 --version, hello.py)" \
  case_interactive_profile

# --- inside one playground container --------------------------------------------------------------------------------
docker run -d --name "$container" --hostname playground "${PRIVILEGES[@]}" "$pg_image:$run_tag" sleep infinity \
  >/dev/null || { fail "start the playground container" "docker run failed"; finish; }
container_started=1

case_hello() {
  in_pg "${sb[@]}" -- /bin/echo hello
  [ "$rc" -eq 0 ] && [ "$out" = hello ] || { got "expected hello"; return; }
}
run_case "sandbox: echo hello" case_hello

case_profile_hello() {
  in_pg "${sb[@]}" "${profile[@]}" -- python3 /examples/hello.py
  [ "$rc" -eq 0 ] && [ "$out" = "hello from uid 65534 gid 65534 in /data, HOME=/data, host nssandbox" ] ||
    { got "expected hello.py's line for nobody in /data"; return; }
  in_pg "${sb[@]}" "${profile[@]}" -- python3 --version
  [ "$rc" -eq 0 ] && [[ "$out" == "Python 3."* ]] || { got "expected Python 3.x"; return; }
}
run_case "profile: python3 --version and /examples/hello.py" case_profile_hello

case_nsjail_lines() {
  # The seed project's lines, verbatim, with nsjail linked to the launcher.
  in_pg nsjail --chroot / --config /sandbox.cfg -- python3 --version
  [ "$rc" -eq 0 ] && [[ "$out" == "Python 3."* ]] || { got "expected Python 3.x"; return; }
  in_pg nsjail --chroot / --config /sandbox.cfg -- python3 /examples/hello.py
  [ "$rc" -eq 0 ] && [ "$out" = "hello from uid 65534 gid 65534 in /data, HOME=/data, host nssandbox" ] ||
    { got "expected hello.py's line for nobody in /data"; return; }
  in_pg nsjail -Mo --chroot / -- /bin/echo ABC
  [ "$rc" -eq 0 ] && [ "$out" = ABC ] || { got "expected ABC"; return; }
}
run_case "nsjail's lines: nsjail --chroot / --config /sandbox.cfg -- python3 ..., nsjail -Mo --chroot / -- /bin/echo ABC" \
  case_nsjail_lines

case_nobody() {
  in_pg sh -c "${sb[*]} --keep_data --report /tmp/nobody.json -- /bin/sh -c 'id -u; id -g; id -un; touch /data/made' &&
    d=\$(python3 -c 'import json; print(json.load(open(\"/tmp/nobody.json\"))[\"sandbox\"][\"data_dir\"])') &&
    stat -c %u:%g \"\$d/made\" && rm -rf \"\$(dirname \"\$d\")\""
  [ "$rc" -eq 0 ] && [ "$out" = $'65534\n65534\nnobody\n65534:65534' ] ||
    { got "expected uid/gid 65534 (nobody) inside, and the file it made owned by 65534:65534 outside"; return; }
}
run_case "sandbox: the command runs as nobody; its files are nobody's outside" case_nobody

case_data_isolation() {
  # Run A keeps a file in its /data while run B looks: B's /data is empty and the state directory closed to it.
  # A third run after both sees a fresh /data again.
  in_pg sh -c "
    ${sb[*]} -- /bin/sh -c 'echo mine > /data/a; sleep 5; cat /data/a' > /tmp/a.out &
    for i in \$(seq 1 100); do ls /var/lib/nssandbox/runs/*/data/a >/dev/null 2>&1 && break; sleep 0.2; done
    ${sb[*]} -- /bin/sh -c 'echo B:\$(ls -A /data); ls /var/lib/nssandbox/runs >/dev/null 2>&1 && echo runs-open || echo runs-closed'
    wait; echo A:\$(cat /tmp/a.out)
    ${sb[*]} -- /bin/sh -c 'echo C:\$(ls -A /data)'"
  [ "$rc" -eq 0 ] && [ "$out" = $'B:\nruns-closed\nA:mine\nC:' ] ||
    { got "expected B: empty, runs-closed, A:mine, C: empty"; return; }
}
run_case "sandbox: /data is private to each run (two at once, then a third)" case_data_isolation

# Evaluates a python expression over the report at PATH in the container (r is the report); prints true/false.
report_check() { # PATH EXPRESSION
  in_pg python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(bool(eval("(" + sys.argv[2] + ")")))' "$1" "$2"
  [ "$out" = True ]
}

case_report() {
  in_pg "${sb[@]}" "${profile[@]}" -t 10 --report /tmp/report.json -- /bin/sh -c 'exit 3'
  [ "$rc" -eq 3 ] || { got "expected the command's exit 3"; return; }
  report_check /tmp/report.json "r['version'] == 1 and r['run_id'] and r['reason'] == 'exited'
    and r['exit_code'] == 3 and r['launcher_exit_code'] == 3 and r['wall_seconds'] > 0
    and r['limits']['time_limit_seconds'] == 10 and r['limits']['cgroup_mem_max_bytes'] == 1 << 30
    and r['cgroup']['version'] in (1, 2) and r['oom_killed'] is False
    and r['sandbox']['uid'] == 65534 and r['sandbox']['read_only_root'] is True
    and {'user', 'pid', 'net', 'mount', 'cgroup'} <= set(r['sandbox']['namespaces'])" ||
    { in_pg cat /tmp/report.json; got "the JSON report does not say what happened"; return; }
}
run_case "profile: the JSON report parses (exit 3, the 1 GiB cgroup, identity, namespaces)" case_report

# The examples, each with the limit examples/README.md pairs it with, under the profile: the limit must end it the
# way the README says (exit status, output, the report's reason).
case_example() { # FILE WANT_RC OUTPUT_PATTERN REPORT_EXPRESSION [FLAGS...]
  local file=$1 want_rc=$2 pattern=$3 check=$4; shift 4
  in_pg "${sb[@]}" "${profile[@]}" "$@" --report /tmp/example.json -- python3 "/examples/$file"
  local run_rc=$rc run_out=$out run_err=$err
  [ "$run_rc" -eq "$want_rc" ] && [[ "$run_out" == *$pattern* ]] ||
    { got "expected exit $want_rc and output matching $pattern"; return; }
  report_check /tmp/example.json "$check" ||
    { in_pg cat /tmp/example.json; got "the report should satisfy: $check"; return; }
  out=$run_out err=$run_err rc=$run_rc
}
run_case "example: memory_hog.py is killed by the profile's 1 GiB cgroup limit (oom)" case_example memory_hog.py 137 \
  "holding 64 MiB"*"holding 512 MiB" \
  "r['reason'] == 'oom' and r['oom_killed'] and r['cgroup']['version'] == 1 and r['memory_peak_bytes'] <= 1 << 30"
run_case "example: memory_hog.py --rlimit_as 512 gets MemoryError" case_example memory_hog.py 1 \
  "MemoryError after "*" MiB" "r['reason'] == 'exited' and r['exit_code'] == 1" --rlimit_as 512
run_case "example: fork_bomb.py --rlimit_nproc 50 cannot fork past it" case_example fork_bomb.py 1 \
  "fork failed after "*" children: Resource temporarily unavailable" "r['exit_code'] == 1" --rlimit_nproc 50
run_case "example: fork_bomb.py --cgroup_pids_max 50 cannot fork past it (pids cgroup)" case_example fork_bomb.py 1 \
  "fork failed after "*" children: Resource temporarily unavailable" "r['pids_limit_hit'] is True" --cgroup_pids_max 50
run_case "example: file_filler.py --rlimit_fsize 16 stops at 16 MiB" case_example file_filler.py 1 \
  "write failed after 16 MiB: File too large" "r['exit_code'] == 1" --rlimit_fsize 16
run_case "example: file_filler.py fills the 256M /tmp" case_example file_filler.py 1 \
  "write failed after 256 MiB: No space left on device" "r['exit_code'] == 1"
run_case "example: cpu_spinner.py --rlimit_cpu 2 is killed" case_example cpu_spinner.py 137 \
  "" "r['reason'] == 'signaled' and r['signal_name'] == 'SIGKILL' and r['user_seconds'] >= 1.5" --rlimit_cpu 2
run_case "example: cpu_spinner.py -t 2 reaches the time limit (124)" case_example cpu_spinner.py 124 \
  "" "r['reason'] == 'timeout'" -t 2
run_case "example: net_probe.py under the profile's egress network has tap0 and a route out" case_example net_probe.py 0 \
  $'interfaces: lo tap0\na route out exists' "r['sandbox']['network'] == 'egress'"
run_case "example: net_probe.py --net none sees only lo and no route out" case_example net_probe.py 0 \
  $'interfaces: lo\nno route out: Network is unreachable' "r['exit_code'] == 0" --net none

# --- mode listen: the CTF example, served with one command -----------------------------------------------------------
# A client that answers the challenge's five sums and prints everything it was sent (the flag last).
ctf_solver='
import re, socket
s = socket.create_connection(("127.0.0.1", 1337), timeout=60)
f = s.makefile("rw")
seen = pending = ""
while True:
    c = f.read(1)
    if not c:
        break
    seen += c
    pending += c
    m = re.search(r"(\d+) \+ (\d+) = $", pending)
    if m:
        pending = ""
        f.write("%d\n" % (int(m.group(1)) + int(m.group(2))))
        f.flush()
print(seen)'
ctf_serve=${ctf_serve:-nssandbox --config /examples/ctf/ctf.toml}
case_ctf_listen() {
  # The listener runs in the background of the container (its pid and log in /tmp), two players solve the sums.
  docker exec -d "$container" sh -c "$ctf_serve --log /tmp/ctf.log & echo \$! > /tmp/ctf.pid; wait" ||
    { why="docker exec -d failed"; return 1; }
  in_pg sh -c 'for i in $(seq 1 300); do grep -q "listening on \[::\]:1337" /tmp/ctf.log 2>/dev/null && exit 0; sleep 0.1; done; cat /tmp/ctf.log; exit 1'
  [ "$rc" -eq 0 ] || { got "the listener did not say it listens on [::]:1337"; return; }
  local player
  for player in 1 2; do
    in_pg python3 -c "$ctf_solver"
    [ "$rc" -eq 0 ] && [[ "$out" == "Welcome, player. You are uid 65534 on nssandbox; your /data holds 0 files."* ]] &&
      [[ "$out" == *"CTF{a_fresh_sandbox_for_every_player}" ]] ||
      { got "player $player: expected the welcome (uid 65534, an empty /data of its own) and the flag"; return; }
  done
  # SIGTERM stops it cleanly, with a line per player.
  in_pg sh -c 'pid=$(cat /tmp/ctf.pid); kill -TERM "$pid"; for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null && cat /tmp/ctf.log'
  [ "$rc" -eq 0 ] && [ "$(grep -c "end=exited status=0" <<<"$out")" -eq 2 ] && [[ "$out" == *"stopped after 2 connections"* ]] ||
    { got "expected the listener to stop on SIGTERM after logging two players who exited 0"; return; }
}
run_case "mode listen: examples/ctf served with one command; two players get the flag, SIGTERM stops it" case_ctf_listen

# --- nothing left behind --------------------------------------------------------------------------------------------
case_no_leaks() {
  in_pg sh -c 'ls -A /var/lib/nssandbox/runs; grep -c " /var/lib/nssandbox" /proc/mounts;
    find /sys/fs/cgroup -name "nssandbox-*" 2>/dev/null;
    for p in /proc/[0-9]*; do cat $p/comm 2>/dev/null; done | grep -v -x -e sleep -e sh -e cat -e grep -e find -e sort -e uniq | sort | uniq -c'
  [ "$out" = 0 ] || { got "expected no run directories, mounts, cgroup leaves or processes left in the container"; return; }
}
run_case "nothing left: no run directories, mounts, cgroup leaves or sandbox processes in the container" case_no_leaks
