# A container's life through docker with nssandbox as the runtime: run and rm, exit codes, output, logs, stop, kill,
# restart, top; pause and unpause, and the end of a paused container.

case_run_exit_codes() {
  capture d run --rm "${NSS[@]}" "$OCI_IMAGE" sh -c 'echo out; echo err >&2; exit 42'
  [ "$rc" -eq 42 ] && [ "$out" = out ] && [ "$err" = err ] || { got "expected exit 42, out on stdout, err on stderr"; return; }
  capture d run --rm "${NSS[@]}" "$OCI_IMAGE" true
  [ "$rc" -eq 0 ] || { got "true: expected 0"; return; }
  # A command that does not exist (docker's 127) or cannot be executed (126): the status runc's gives.
  local cmd want
  for cmd in /no/such/command /etc/passwd; do
    capture d run --rm "${RUNC[@]}" "$OCI_IMAGE" "$cmd"; want=$rc
    capture d run --rm "${NSS[@]}" "$OCI_IMAGE" "$cmd"
    [ "$rc" -eq "$want" ] && [ "$rc" -ge 126 ] || { got "$cmd: expected $want as with runc"; return; }
  done
  [ -z "$(d ps -aq)" ] || { why="docker run --rm left a container: $(d ps -a)"; return 1; }
}
run_case "docker run --rm: exit status (0, 42; 127 and 126 for a missing and a non-executable command, as runc), stdout and stderr apart" \
  case_run_exit_codes

case_stdin() {
  capture d run -i --rm "${NSS[@]}" "$OCI_IMAGE" sh -c 'read -r line; echo "got $line"' <<<"hello"
  [ "$rc" -eq 0 ] && [ "$out" = "got hello" ] || { got "docker run -i: stdin did not reach the container"; return; }
}
run_case "docker run -i: stdin reaches the container" case_stdin

case_logs() {
  local c; c=$(cname logs)
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" sh -c 'echo one; echo two >&2; echo three'
  [ "$rc" -eq 0 ] || { got "docker run -d"; return; }
  capture d wait "$c"
  [ "$out" = 0 ] || { got "docker wait: expected 0"; return; }
  capture d logs "$c"
  [ "$out" = $'one\nthree' ] && [ "$err" = two ] || { got "docker logs: expected one, three on stdout and two on stderr"; return; }
  capture d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}' "$c"
  [ "$out" = "exited 0 0" ] || { got "docker inspect after exit"; return; }
}
run_case "docker run -d, wait, logs (stdout and stderr kept apart), inspect after exit" case_logs

case_stop_term() {
  local c; c=$(cname stop-term)
  # PID 1 of a pid namespace gets only the signals it handles: the trap makes SIGTERM end it cleanly.
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" bash -c 'trap "echo got TERM; exit 3" TERM; echo up; while :; do sleep 0.1; done'
  wait_for 20 logs_have "$c" up || { got "the container did not start"; return; }
  capture d stop -t 30 "$c"
  [ "$rc" -eq 0 ] || { got "docker stop"; return; }
  capture d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$c"
  [ "$out" = "exited 3" ] || { got "expected the trap's exit 3 after SIGTERM"; return; }
  capture d logs "$c"
  [ "$out" = $'up\ngot TERM' ] || { got "the container did not see SIGTERM"; return; }
}
run_case "docker stop: SIGTERM reaches the container's handler, exit status kept" case_stop_term

case_stop_kill() {
  local c t0; c=$(cname stop-kill)
  # No handler: PID 1 ignores SIGTERM, so docker stop must SIGKILL after its timeout.
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" sleep 1000
  [ "$rc" -eq 0 ] || { got "docker run -d"; return; }
  t0=$(date +%s%N)
  capture d stop -t 2 "$c"
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$rc" -eq 0 ] || { got "docker stop"; return; }
  capture d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$c"
  [ "$out" = "exited 137" ] || { got "expected SIGKILL (137)"; return; }
  [ "$ms" -ge 1900 ] || { why="docker stop -t 2 returned after $ms ms: SIGKILL came before the timeout"; return 1; }
}
run_case "docker stop -t 2: a container ignoring SIGTERM is killed (137) after the timeout" case_stop_kill

case_kill() {
  local c; c=$(cname kill)
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" bash -c 'trap "echo got USR1" USR1; echo up; while :; do sleep 0.1; done'
  wait_for 20 logs_have "$c" up || { got "the container did not start"; return; }
  capture d kill -s USR1 "$c"
  [ "$rc" -eq 0 ] || { got "docker kill -s USR1"; return; }
  wait_for 20 logs_have "$c" 'got USR1' || { got "SIGUSR1 did not reach the container"; return; }
  capture d kill "$c"
  [ "$rc" -eq 0 ] || { got "docker kill"; return; }
  capture d wait "$c"
  [ "$out" = 137 ] || { got "docker kill: expected 137"; return; }
}
run_case "docker kill -s USR1 reaches the handler; docker kill ends it (137)" case_kill

case_restart() {
  local c first second; c=$(cname restart)
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" bash -c 'echo started; trap "exit 0" TERM; while :; do sleep 0.1; done'
  wait_for 20 logs_have "$c" started || { got "the container did not start"; return; }
  first=$(d inspect -f '{{.State.StartedAt}} {{.State.Pid}}' "$c")
  capture d restart -t 10 "$c"
  [ "$rc" -eq 0 ] || { got "docker restart"; return; }
  wait_for 20 logs_count "$c" started 2 || { got "the command did not run again"; return; }
  second=$(d inspect -f '{{.State.StartedAt}} {{.State.Pid}}' "$c")
  [ "$first" != "$second" ] && [ "$(d inspect -f '{{.State.Status}}' "$c")" = running ] ||
    { why="after docker restart: before '$first', after '$second', status $(d inspect -f '{{.State.Status}}' "$c")"; return 1; }
}
run_case "docker restart: the container runs again (a new start time and pid)" case_restart

case_restart_policy() {
  local c; c=$(cname policy)
  capture d run -d --name "$c" --restart on-failure:2 "${NSS[@]}" "$OCI_IMAGE" sh -c 'echo ran; exit 3'
  [ "$rc" -eq 0 ] || { got "docker run -d --restart on-failure:2"; return; }
  wait_for 60 inspect_is "$c" '{{.RestartCount}} {{.State.Status}}' '2 exited' ||
    { why="expected 2 restarts then exited, have $(d inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' "$c")"; return 1; }
  capture d logs "$c"
  [ "$out" = $'ran\nran\nran' ] || { got "expected three runs in the log"; return; }
}
run_case "docker run --restart on-failure:2: the engine restarts a failing container twice" case_restart_policy

case_top() {
  local c; c=$(cname top)
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" sleep 1000
  [ "$rc" -eq 0 ] || { got "docker run -d"; return; }
  capture d top "$c"
  [ "$rc" -eq 0 ] && [[ "$out" == *"sleep 1000"* ]] || { got "docker top does not list the container's process"; return; }
}
run_case "docker top lists the container's processes (the runtime's ps)" case_top

# The container counts on stdout: while paused, its log does not grow; after unpause it does.
counter='i=0; while :; do i=$((i+1)); echo "n $i"; sleep 0.05; done'
log_lines() { d logs "$1" 2>&1 | grep -c '^n '; }
grows() { [ "$(log_lines "$1")" -gt "$2" ]; }   # CONTAINER COUNT

case_pause() {
  local c id n m; c=$(cname pause)
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" sh -c "$counter"
  [ "$rc" -eq 0 ] || { got "docker run -d"; return; }
  wait_for 20 grows "$c" 2 || { got "the container did not start counting"; return; }
  capture d pause "$c"
  [ "$rc" -eq 0 ] || { got "docker pause"; return; }
  [ "$(d inspect -f '{{.State.Status}} {{.State.Paused}}' "$c")" = "paused true" ] || { got "docker inspect after pause"; return; }
  id=$(d inspect -f '{{.Id}}' "$c")
  local freezer=/sys/fs/cgroup/freezer/$OCI_CGROUP_PARENT/$id
  if [ -d "$freezer" ]; then
    [ "$(cat "$freezer/freezer.state")" = FROZEN ] || { why="host side $freezer/freezer.state: $(cat "$freezer/freezer.state")"; return 1; }
  elif [ -f "/sys/fs/cgroup/$OCI_CGROUP_PARENT/$id/cgroup.freeze" ]; then
    [ "$(cat "/sys/fs/cgroup/$OCI_CGROUP_PARENT/$id/cgroup.freeze")" = 1 ] || { why="host side cgroup.freeze is not 1"; return 1; }
  else
    why="no freezer cgroup of the container under $OCI_CGROUP_PARENT"; return 1
  fi
  n=$(log_lines "$c"); sleep 1; m=$(log_lines "$c")
  [ "$n" = "$m" ] || { why="the paused container still counted: $n, then $m lines"; return 1; }
  capture d exec "$c" true
  [ "$rc" -ne 0 ] && [[ "$err" == *paused* ]] || { got "docker exec into a paused container must be refused"; return; }
  capture d unpause "$c"
  [ "$rc" -eq 0 ] || { got "docker unpause"; return; }
  wait_for 20 grows "$c" "$m" || { why="the container did not count on after unpause ($m lines)"; return 1; }
  [ "$(d inspect -f '{{.State.Status}}' "$c")" = running ] || { why="after unpause: $(d inspect -f '{{.State.Status}}' "$c")"; return 1; }
}
run_case "docker pause freezes the container (its log stops, freezer FROZEN, exec refused), unpause lets it go on" case_pause

# A paused container ends as with runc: docker kill (SIGKILL, then dockerd unpauses), docker rm -f, docker stop.
case_paused_ends() {
  local how c want rt result
  for how in kill rm stop; do
    for rt in runc nssandbox; do
      c=$(cname "paused-$how-$rt")
      capture d run -d --name "$c" --runtime "$rt" "$OCI_IMAGE" sleep 1000
      [ "$rc" -eq 0 ] || { got "docker run -d --runtime $rt"; return; }
      d pause "$c" >/dev/null || { got "docker pause ($rt)"; return; }
      case $how in
        kill) capture d kill "$c" ;;
        rm) capture d rm -f "$c" ;;
        stop) capture d stop -t 2 "$c" ;;
      esac
      result="$rc $(d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$c" 2>/dev/null)"
      if [ "$rt" = runc ]; then want=$result; continue; fi
      [ "$result" = "$want" ] || { why="docker $how of a paused container: runc gave '$want', nssandbox '$result' ($err)"; return 1; }
    done
  done
}
run_case "docker kill, rm -f and stop of a paused container end it as with runc" case_paused_ends
