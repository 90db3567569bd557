# docker run -t and -it: the runtime gets --console-socket and sends the container's pty to the shim. PENDING while
# `nssandbox oci features` does not claim terminal (lib.sh).

case_tty_detached() {
  local c; c=$(cname tty)
  capture d run -d -t --name "$c" "${NSS[@]}" "$OCI_IMAGE" sh -c 'tty; test -t 0 && test -t 1 && echo both-terminals'
  [ "$rc" -eq 0 ] || { got "docker run -d -t"; return; }
  capture d wait "$c"
  [ "$out" = 0 ] || { got "docker wait: expected 0"; return; }
  capture d logs "$c"
  [ "$(echo "$out" | tr -d '\r')" = $'/dev/pts/0\nboth-terminals' ] || { got "expected /dev/pts/0 as stdin and stdout"; return; }
}
run_gated_case "docker run -d -t: the container's stdin and stdout are its pty (/dev/pts/0)" terminal -- case_tty_detached

case_tty_interactive() {
  # script gives the docker client the terminal it needs for -it; -e returns the command's status.
  capture timeout 120 script -qefc "docker run -it --rm ${NSS[*]} $OCI_IMAGE bash -c 'tty; read -r line; echo \"read \$line\"; exit 7'" /dev/null <<<"typed"
  out=$(echo "$out" | tr -d '\r')
  [ "$rc" -eq 7 ] && [[ "$out" == *"/dev/pts/0"*"read typed"* ]] ||
    { got "docker run -it: expected the pty, the typed line read back and exit 7"; return; }
}
run_gated_case "docker run -it (under script): a terminal both ways, input read, exit status 7 kept" terminal -- case_tty_interactive
