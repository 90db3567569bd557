# docker exec: the runtime's exec joins a running container. PENDING while `nssandbox oci features` does not claim
# exec (and terminal for exec -it; lib.sh).

case_exec() {
  local c; c=$(cname exec)
  capture d run -d --name "$c" --user 1000:1000 "${NSS[@]}" "$OCI_IMAGE" sleep 1000
  [ "$rc" -eq 0 ] || { got "docker run -d"; return; }
  capture d exec "$c" sh -c 'echo in; id -u; tr "\0" " " </proc/1/cmdline; echo; hostname'
  [ "$rc" -eq 0 ] && [ "$out" = $'in\n1000\nsleep 1000 \n'"$(d inspect -f '{{.Config.Hostname}}' "$c")" ] ||
    { got "docker exec: expected to run as the container's user, seeing its pid 1 and hostname"; return; }
  capture d exec "$c" sh -c 'exit 5'
  [ "$rc" -eq 5 ] || { got "docker exec: the status of the command (5)"; return; }
  capture d exec -u 0 -e X=y -w /etc "$c" sh -c 'id -u; echo $X; pwd; grep CapEff /proc/self/status'
  [ "$out" = $'0\ny\n/etc\nCapEff:\t00000000a80425fb' ] || { got "docker exec -u 0 -e -w: user, env, directory, and docker's capabilities (a80425fb, as runc gives root)"; return; }
  capture d exec -i "$c" sh -c 'read -r l; echo "got $l"' <<<"line"
  [ "$out" = "got line" ] || { got "docker exec -i: stdin"; return; }
  capture d exec "$c" /no/such/command
  [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ] || { got "docker exec of a missing command: 126 or 127 as docker says"; return; }
  [ "$(d inspect -f '{{.State.Status}}' "$c")" = running ] || { why="the container stopped during the execs"; return 1; }
}
run_gated_case "docker exec: user, env, workdir, stdin, exit status; the container keeps running" exec -- case_exec

case_exec_tty() {
  local c; c=$(cname exec-tty)
  capture d run -d --name "$c" "${NSS[@]}" "$OCI_IMAGE" sleep 1000
  [ "$rc" -eq 0 ] || { got "docker run -d"; return; }
  capture timeout 120 script -qefc "docker exec -it $c bash -c 'tty; exit 3'" /dev/null </dev/null
  out=$(echo "$out" | tr -d '\r')
  [ "$rc" -eq 3 ] && [[ "$out" == *"/dev/pts/"* ]] || { got "docker exec -it: expected a pty and exit 3"; return; }
}
run_gated_case "docker exec -it (under script): a pty, exit status kept" exec terminal -- case_exec_tty
