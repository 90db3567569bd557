# Docker's seccomp profiles: the default one (no --security-opt) and a profile file, each as runc applies them.
# PENDING while `nssandbox oci features` says linux.seccomp.enabled false (lib.sh).

# unshare(CLONE_NEWUSER) is allowed unconfined and refused by Docker's default profile (it needs CAP_SYS_ADMIN there).
probe='grep Seccomp: /proc/self/status; unshare --user true 2>&1 && echo unshare-allowed; ls / >/dev/null && echo works'
case_default_profile() {
  capture d run --rm --runtime runc "$OCI_IMAGE" sh -c "$probe"
  local want=$out
  capture d run --rm --runtime nssandbox "$OCI_IMAGE" sh -c "$probe"
  [ "$rc" -eq 0 ] && [ "$out" = "$want" ] && [[ "$out" == $'Seccomp:\t2\n'*"Operation not permitted"* ]] ||
    { got "expected runc's answer under Docker's default profile: '${want//$'\n'/ | }'"; return; }
  capture d run --rm "${NSS[@]}" "$OCI_IMAGE" sh -c "$probe"
  [[ "$out" == $'Seccomp:\t0\n'*unshare-allowed* ]] || { got "with seccomp=unconfined no filter and unshare allowed"; return; }
}
run_gated_case "Docker's default seccomp profile: a filter in force, unshare refused (EPERM), as runc" seccomp -- case_default_profile

case_profile_file() {
  local profile=$work/seccomp-no-mkdir.json
  cat >"$profile" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": [ "mkdir", "mkdirat" ], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ]
}
JSON
  local cmd='mkdir /tmp/d 2>&1; touch /tmp/f && echo touched'
  capture d run --rm --runtime runc --security-opt "seccomp=$profile" "$OCI_IMAGE" sh -c "$cmd"
  local want=$out
  capture d run --rm --runtime nssandbox --security-opt "seccomp=$profile" "$OCI_IMAGE" sh -c "$cmd"
  [ "$out" = "$want" ] && [[ "$out" == *"Operation not permitted"*touched ]] ||
    { got "a profile refusing mkdir with EPERM: expected runc's '${want//$'\n'/ | }'"; return; }
}
run_gated_case "docker run --security-opt seccomp=FILE: mkdir refused with EPERM, the rest allowed, as runc" seccomp -- case_profile_file
