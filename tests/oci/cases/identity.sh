# Who the container's process is and what it may do: --user, capabilities (--cap-drop/--cap-add), the process
# environment docker sets (hostname, env, working directory), and volumes. Where runc answers the same question,
# nssandbox's answer must be runc's.

# Runs the same command under runc and nssandbox; fails unless both succeed with the same output, kept in out.
same_as_runc() { # DOCKER_RUN_OPTIONS... -- COMMAND...
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  capture d run --rm "${RUNC[@]}" "${opts[@]}" "$OCI_IMAGE" "$@"
  local want=$out want_rc=$rc
  [ "$want_rc" -eq 0 ] || { got "runc itself failed"; return; }
  capture d run --rm "${NSS[@]}" "${opts[@]}" "$OCI_IMAGE" "$@"
  [ "$rc" -eq 0 ] && [ "$out" = "$want" ] || { got "runc says '${want//$'\n'/ | }'"; return; }
}

case_user() {
  same_as_runc --user 1000:1000 -- sh -c 'id -u; id -g; id -G; grep -E "^Cap(Eff|Prm)" /proc/self/status' || return
  [ "$out" = $'1000\n1000\n1000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000' ] ||
    { got "expected uid and gid 1000, no other groups, no capabilities"; return; }
  same_as_runc --user 1000:1000 --group-add 4242 -- id -G || return
  [ "$out" = "1000 4242" ] || { got "--group-add 4242: expected groups 1000 4242"; return; }
}
run_case "docker run --user 1000:1000 (and --group-add): ids, groups, no capabilities, as runc" case_user

caps='grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'
case_caps_default() {
  same_as_runc -- sh -c "$caps" || return
  [[ "$out" == *$'CapEff:\t00000000a80425fb'* ]] || { got "expected docker's default set a80425fb effective"; return; }
}
run_case "docker's default capabilities: the five sets as runc's (CapEff a80425fb)" case_caps_default

case_cap_drop_all() {
  same_as_runc --cap-drop ALL -- sh -c "$caps" || return
  [[ "$out" == *$'CapEff:\t0000000000000000'*$'CapBnd:\t0000000000000000'* ]] || { got "expected no capabilities at all"; return; }
  same_as_runc --cap-drop ALL --cap-add NET_BIND_SERVICE -- sh -c "$caps" || return
  [[ "$out" == *$'CapEff:\t0000000000000400'*$'CapBnd:\t0000000000000400'* ]] ||
    { got "expected CAP_NET_BIND_SERVICE (bit 10) alone"; return; }
  # And it works: root without the capability cannot chown a file it does not own; with CHOWN it can.
  capture d run --rm --cap-drop ALL "${NSS[@]}" "$OCI_IMAGE" sh -c 'touch /f && chown 1000 /f && echo chowned'
  [ "$rc" -ne 0 ] && [[ "$err" == *"Operation not permitted"* ]] || { got "chown without CAP_CHOWN must fail"; return; }
  capture d run --rm --cap-drop ALL --cap-add CHOWN "${NSS[@]}" "$OCI_IMAGE" sh -c 'touch /f && chown 1000 /f && echo chowned'
  [ "$out" = chowned ] || { got "chown with CAP_CHOWN must work"; return; }
}
run_case "docker run --cap-drop ALL [--cap-add NET_BIND_SERVICE|CHOWN]: the sets as runc's, and they bite" case_cap_drop_all

case_process_environment() {
  same_as_runc --hostname box -e GREETING=hi -w /usr/share -- sh -c 'hostname; echo $GREETING; pwd; echo $HOME; echo $PATH' || return
  [ "$out" = $'box\nhi\n/usr/share\n/root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' ] ||
    { got "expected hostname box, GREETING, the working directory, HOME and docker's PATH"; return; }
}
run_case "docker run --hostname -e -w: hostname, environment and working directory as runc's" case_process_environment

case_volumes() {
  local host=$work/volume vol; vol=$(cname vol)
  mkdir -p "$host" && echo from-host >"$host/in"
  capture d run --rm -v "$host:/v" -v "$vol:/named" "${NSS[@]}" "$OCI_IMAGE" sh -c 'cat /v/in; echo back >/v/out; echo kept >/named/f'
  [ "$rc" -eq 0 ] && [ "$out" = from-host ] && [ "$(cat "$host/out" 2>/dev/null)" = back ] ||
    { got "-v HOST:/v: the container must read and write the host directory"; return; }
  capture d run --rm -v "$host:/v:ro" -v "$vol:/named" "${NSS[@]}" "$OCI_IMAGE" sh -c 'cat /named/f; echo x >/v/out'
  [ "$rc" -ne 0 ] && [ "$out" = kept ] && [[ "$err" == *"Read-only file system"* ]] ||
    { got "-v HOST:/v:ro must refuse writes; a named volume keeps its data between containers"; return; }
  d volume rm "$vol" >/dev/null || { why="docker volume rm $vol"; return 1; }
}
run_case "docker run -v: a host directory read-write and :ro, a named volume kept between containers" case_volumes

case_no_new_privs() {
  # docs/oci.md: no_new_privs as config.json says, as with runc: off by default, on with the security option.
  capture d run --rm "${NSS[@]}" "$OCI_IMAGE" grep NoNewPrivs /proc/self/status
  [ "$out" = $'NoNewPrivs:\t0' ] || { got "expected NoNewPrivs 0 by default"; return; }
  capture d run --rm --security-opt no-new-privileges "${NSS[@]}" "$OCI_IMAGE" grep NoNewPrivs /proc/self/status
  [ "$out" = $'NoNewPrivs:\t1' ] || { got "expected NoNewPrivs 1 with --security-opt no-new-privileges"; return; }
  capture d run --rm --user 1000:1000 --security-opt no-new-privileges "${NSS[@]}" "$OCI_IMAGE" su -c true root </dev/null
  [ "$rc" -ne 0 ] || { got "su (setuid root) must not make uid 1000 root under no-new-privileges"; return; }
}
run_case "no_new_privs as config.json says (docs/oci.md): off by default, on with no-new-privileges, then setuid su grants nothing" case_no_new_privs
