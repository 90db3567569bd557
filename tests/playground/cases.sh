# Sourced by run.sh once both images are built: the end-to-end cases. Each case sets `why` when it fails.
# Variables from run.sh: nss_image, pg_image, run_tag, container, work, PRIVILEGES.

why=""
run_case() { # NAME FUNCTION
  local name=$1; shift
  why=""
  if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}
# Runs a command in the playground container: stdout in out, stderr in err, status in rc.
in_pg() { out=$(docker exec -i "$container" "$@" 2>"$work/err"); rc=$?; err=$(cat "$work/err"); }
got() { why="$1 (exit $rc) stdout: ${out:0:400} stderr: ${err:0:400}"; return 1; }

sb="nssandbox -q --chroot /"
profile="--config /sandbox.toml"

# --- the nssandbox image ------------------------------------------------------------------------------------------
case_entrypoint() {
  out=$(docker run --rm "$nss_image:$run_tag" 2>&1); rc=$?
  [ "$rc" -eq 0 ] && [[ "$out" == *"Usage: nssandbox"* ]] || { got "the default command is not the launcher's --help"; return; }
  out=$(docker run --rm --entrypoint /bin/sh "$nss_image:$run_tag" -c \
    'command -v nssandbox; test -d /etc/nssandbox && echo configs-installed' 2>&1); rc=$?
  [[ "$out" == "/usr/local/bin/nssandbox"$'\n'"configs-installed"* ]] || { got "nssandbox or /etc/nssandbox missing"; return; }
}
run_case "nssandbox image: the entrypoint is /usr/local/bin/nssandbox, configs at /etc/nssandbox" case_entrypoint

case_image_runs_sandbox() {
  out=$(docker run --rm "${PRIVILEGES[@]}" "$nss_image:$run_tag" -q --chroot / -- /bin/sh -c 'id -u; hostname' 2>"$work/err")
  rc=$?; err=$(cat "$work/err")
  [ "$rc" -eq 0 ] && [ "$out" = $'65534\nnssandbox' ] || { got "expected uid 65534 and hostname nssandbox"; return; }
}
run_case "nssandbox image: docker run IMAGE FLAGS -- COMMAND runs a sandbox" case_image_runs_sandbox

# --- run_interactive.sh ---------------------------------------------------------------------------------------------
case_interactive_shell() {
  out=$(printf '%s\n' "nssandbox --chroot / -- python3 --version" "hostname" "exit 7" |
    PLAYGROUND_IMAGE="$pg_image:$run_tag" "$repo/run_interactive.sh" 2>"$work/err"); rc=$?; err=$(cat "$work/err")
  # Exit 7 proves the commands ran in the shell it opened.
  [ "$rc" -eq 7 ] && [[ "$out" == "Python 3."*$'\n'"playground" ]] || { got "the shell did not run the commands"; return; }
  [[ "$err" == *"+ docker run --rm -i --hostname playground "* ]] || { got "it did not print the docker command"; return; }
  if [ "${PRIVILEGES[0]}" != --privileged ]; then
    [[ "$err" == *"refused --privileged"* ]] || { got "it did not say why it is not --privileged"; return; }
  fi
  return 0
}
run_case "run_interactive.sh: a shell in the playground, nssandbox -- python3 --version (flags)" case_interactive_shell

# --- inside one playground container --------------------------------------------------------------------------------
docker run -d --name "$container" --hostname playground "${PRIVILEGES[@]}" --entrypoint /bin/sleep \
  "$pg_image:$run_tag" infinity >/dev/null || { fail "start the playground container" "docker run failed"; finish; }
container_started=1

in_pg sh -c 'nssandbox --help | grep -q -- "--config"'; has_config=$([ "$rc" -eq 0 ] && echo 1)
in_pg test -f /sandbox.toml; has_profile=$([ "$rc" -eq 0 ] && echo 1)
in_pg test -f /examples/hello.py; has_hello=$([ "$rc" -eq 0 ] && echo 1)
no_config="the launcher has no --config yet (branch config)"
no_profile="configs/python.toml is not in the tree (branch config), so /sandbox.toml dangles"
no_hello="examples/hello.py is not in the tree (branch config)"

case_hello_flags() {
  in_pg $sb -- /bin/echo hello
  [ "$rc" -eq 0 ] && [ "$out" = hello ] || { got "expected hello"; return; }
}
run_case "sandbox: echo hello (flags)" case_hello_flags

case_python_version_flags() {
  in_pg $sb -- python3 --version
  [ "$rc" -eq 0 ] && [[ "$out" == "Python 3."* ]] || { got "expected Python 3.x"; return; }
}
run_case "sandbox: python3 --version (flags)" case_python_version_flags

if [ -n "$has_hello" ]; then
  case_hello_py_flags() {
    in_pg $sb -- python3 /examples/hello.py
    [ "$rc" -eq 0 ] && [ -n "$out" ] || { got "expected exit 0 and some output"; return; }
  }
  run_case "sandbox: python3 /examples/hello.py (flags)" case_hello_py_flags
else
  skip "sandbox: python3 /examples/hello.py (flags)" "$no_hello"
fi

case_nobody() {
  in_pg sh -c "$sb --keep_data --report /tmp/nobody.json -- /bin/sh -c 'id -u; id -g; id -un; touch /data/made' &&
    d=\$(python3 -c 'import json; print(json.load(open(\"/tmp/nobody.json\"))[\"sandbox\"][\"data_dir\"])') &&
    stat -c %u:%g \"\$d/made\" && rm -rf \"\$d\""
  [ "$rc" -eq 0 ] && [ "$out" = $'65534\n65534\nnobody\n65534:65534' ] ||
    { got "expected uid/gid 65534 (nobody) inside, and the file it made owned by 65534:65534 outside"; return; }
}
run_case "sandbox: the command runs as nobody; its files are nobody's outside" case_nobody

case_data_isolation() {
  # Run A keeps a file in its /data while run B looks: B's /data is empty and the state directory closed to it.
  # A third run after both sees a fresh /data again.
  in_pg sh -c "
    $sb -- /bin/sh -c 'echo mine > /data/a; sleep 5; cat /data/a' > /tmp/a.out &
    for i in \$(seq 1 100); do ls /var/lib/nssandbox/runs/*/data/a >/dev/null 2>&1 && break; sleep 0.2; done
    $sb -- /bin/sh -c 'echo B:\$(ls -A /data); ls /var/lib/nssandbox/runs >/dev/null 2>&1 && echo runs-open || echo runs-closed'
    wait; echo A:\$(cat /tmp/a.out)
    $sb -- /bin/sh -c 'echo C:\$(ls -A /data)'"
  [ "$rc" -eq 0 ] && [ "$out" = $'B:\nruns-closed\nA:mine\nC:' ] ||
    { got "expected B: empty, runs-closed, A:mine, C: empty"; return; }
}
run_case "sandbox: /data is private to each run (two at once, then a third)" case_data_isolation

case_report() {
  in_pg sh -c "$sb -t 10 --report /tmp/report.json -- /bin/sh -c 'exit 3'; echo rc=\$?; python3 - <<'PY'
import json
r = json.load(open('/tmp/report.json'))
checks = {
    'version': r['version'] == 1, 'run_id': bool(r['run_id']), 'reason': r['reason'] == 'exited',
    'exit_code': r['exit_code'] == 3, 'launcher_exit_code': r['launcher_exit_code'] == 3,
    'time_limit': r['limits']['time_limit_seconds'] == 10, 'uid': r['sandbox']['uid'] == 65534,
    'namespaces': {'user', 'pid', 'net', 'mount'} <= set(r['sandbox']['namespaces']),
    'read_only_root': r['sandbox']['read_only_root'] is True, 'wall': r['wall_seconds'] > 0,
}
bad = [k for k, ok in checks.items() if not ok]
print('report-ok' if not bad else 'report-bad: ' + ', '.join(bad) + ' in ' + json.dumps(r))
PY"
  [ "$rc" -eq 0 ] && [ "$out" = $'rc=3\nreport-ok' ] || { got "the JSON report does not say what happened"; return; }
}
run_case "sandbox: the JSON report (exit 3, limits, identity, namespaces)" case_report

case_rlimit_as() {
  local alloc='b = bytearray(512 * 1024 * 1024); print("allocated")'
  in_pg $sb --rlimit_as 2048 -- python3 -c "$alloc"
  [ "$rc" -eq 0 ] && [ "$out" = allocated ] || { got "without a tight limit the allocation should succeed"; return; }
  in_pg $sb --rlimit_as 256 -- python3 -c "$alloc"
  [ "$rc" -eq 1 ] && [[ "$err" == *MemoryError* ]] || { got "--rlimit_as 256 should stop a 512 MiB allocation"; return; }
}
run_case "limits: --rlimit_as stops python allocating 512 MiB (2048 lets it)" case_rlimit_as

case_rlimit_fsize() {
  in_pg $sb --rlimit_fsize 1 -- /bin/sh -c 'head -c 3000000 /dev/zero > /data/big; stat -c %s /data/big'
  [ "$out" = 1048576 ] || { got "--rlimit_fsize 1 should cut the file at 1 MiB"; return; }
}
run_case "limits: --rlimit_fsize cuts a file at 1 MiB" case_rlimit_fsize

case_time_limit() {
  in_pg $sb -t 1 -- python3 -c 'while True: pass'
  [ "$rc" -eq 124 ] || { got "a CPU spinner should be ended by --time_limit 1 with status 124"; return; }
}
run_case "limits: --time_limit ends a CPU spinner (124)" case_time_limit

# --- the python profile (/sandbox.toml) and the examples -----------------------------------------------------------
profile_skip_reason() {
  if [ -z "$has_config" ]; then echo "$no_config"; elif [ -z "$has_profile" ]; then echo "$no_profile"; fi
}
reason=$(profile_skip_reason)

case_interactive_profile() {
  out=$(printf '%s\n' "nssandbox --chroot / $profile -- python3 --version" \
    "nssandbox --chroot / $profile -- python3 /examples/hello.py" |
    PLAYGROUND_IMAGE="$pg_image:$run_tag" "$repo/run_interactive.sh" 2>"$work/err"); rc=$?; err=$(cat "$work/err")
  [ "$rc" -eq 0 ] && [[ "$out" == "Python 3."*$'\n'?* ]] || { got "the issue's two commands should work in the shell"; return; }
}
case_profile_version() {
  in_pg $sb $profile -- python3 --version
  [ "$rc" -eq 0 ] && [[ "$out" == "Python 3."* ]] || { got "expected Python 3.x"; return; }
}
if [ -n "$reason" ]; then
  skip "run_interactive.sh: the issue's commands with --config /sandbox.toml" "$reason"
  skip "profile: python3 --version" "$reason"
elif [ -z "$has_hello" ]; then
  skip "run_interactive.sh: the issue's commands with --config /sandbox.toml" "$no_hello"
  run_case "profile: python3 --version" case_profile_version
else
  run_case "run_interactive.sh: the issue's commands with --config /sandbox.toml" case_interactive_profile
  run_case "profile: python3 --version" case_profile_version
fi

# Every example but hello.py exists to hit a limit: under the profile it must end by that limit (a signal, the time
# limit or a non-zero exit), never succeed, and never outlive the outer guard.
case_example_bites() {
  local file=$1 runner=()
  case "$file" in *.py) runner=(python3) ;; *.sh) runner=(/bin/sh) ;; esac
  in_pg sh -c "rm -f /tmp/example.json; timeout -s KILL 300 $sb $profile --report /tmp/example.json -- ${runner[*]} $file;
    echo rc=\$?; python3 -c 'import json; r = json.load(open(\"/tmp/example.json\")); print(r[\"reason\"], r.get(\"exit_code\"), r.get(\"signal_name\"))'"
  local last=${out##*$'\n'}
  [[ "$out" != *"rc=137"* ]] || { got "it outlived the outer 300 s guard"; return; }
  [[ "$last" == "exited 0 "* ]] && { got "it succeeded: no limit of the profile stopped it"; return; }
  [[ "$last" =~ ^(signaled|timeout|exited\ [1-9]) ]] || { got "no report or an unexpected end"; return; }
}
in_pg sh -c 'ls /examples | grep -v -e "^README" -e "^hello.py$"'; examples=$out
if [ -z "$examples" ]; then
  skip "profile: the examples hit their limits" "examples/ has no programs yet (branch config)"
elif [ -n "$reason" ]; then
  for f in $examples; do skip "profile: /examples/$f hits a limit" "$reason"; done
else
  for f in $examples; do run_case "profile: /examples/$f hits a limit" case_example_bites "/examples/$f"; done
fi

# --- nothing left behind --------------------------------------------------------------------------------------------
case_no_leaks() {
  in_pg sh -c 'ls -A /var/lib/nssandbox/runs; grep -c " /var/lib/nssandbox" /proc/mounts;
    for p in /proc/[0-9]*; do cat $p/comm 2>/dev/null; done | grep -v -x -e sleep -e sh -e cat -e grep -e sort -e uniq | sort | uniq -c'
  [ "$out" = 0 ] || { got "expected no run directories, mounts or processes left in the container"; return; }
}
run_case "nothing left: no run directories, mounts or sandbox processes in the container" case_no_leaks
