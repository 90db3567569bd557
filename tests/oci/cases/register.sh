# deploy/register-runtime.sh: its dry run, its edits of daemon.json and config.toml (on copies in the work dir),
# idempotence, refusals that write nothing, and a live reload of the private engine (SIGHUP, no restart).

register=$repo/deploy/register-runtime.sh
reg_dir=$work/register
# What Debian's containerd package installs as /etc/containerd/config.toml.
debian_toml='version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
'
reg_files() { # fresh copies: a daemon.json with settings of its own, Debian's config.toml
  rm -rf "$reg_dir" && mkdir -p "$reg_dir"
  printf '{\n  "log-level": "warn",\n  "runtimes": {"other": {"path": "/usr/bin/other"}}\n}\n' >"$reg_dir/daemon.json"
  printf '%s' "$debian_toml" >"$reg_dir/config.toml"
}
reg() { # ARGS...: the script on the copies, never signalling a dockerd (the pid file names none)
  capture timeout 60 "$register" --path "$runtime" --docker-config "$reg_dir/daemon.json" \
    --docker-pidfile "$reg_dir/no.pid" --containerd-config "$reg_dir/config.toml" "$@"
}
sums() { sha256sum "$reg_dir/daemon.json" "$reg_dir/config.toml" 2>/dev/null; }

case_register_dry_run() {
  reg_files
  local before; before=$(sums)
  reg --dry-run
  [ "$rc" -eq 0 ] || { got "--dry-run"; return; }
  [ "$(sums)" = "$before" ] || { got "--dry-run changed a file"; return; }
  local want line
  for want in "+++ $reg_dir/daemon.json (with runtime nssandbox)" '+    "nssandbox": {' "+      \"path\": \"$runtime\"" \
    "+++ $reg_dir/config.toml (with runtime nssandbox)" \
    '+[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nssandbox]' '+  runtime_type = "io.containerd.runc.v2"' \
    '+[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nssandbox.options]' "+  BinaryName = \"$runtime\"" \
    "docker: would write $reg_dir/daemon.json and send SIGHUP to a running dockerd (runtimes are reloaded)" \
    "containerd: would write $reg_dir/config.toml; containerd must then be restarted to read it"; do
    line=$(grep -xF -- "$want" <<<"$out") || { got "the dry run does not print the line '$want'"; return; }
  done
}
run_case "register-runtime.sh --dry-run: prints both changes as diffs, writes nothing" case_register_dry_run

case_register_idempotent() {
  reg_files
  reg
  [ "$rc" -eq 0 ] && [[ "$out" == *"docker: registered runtime nssandbox -> $runtime in $reg_dir/daemon.json"* ]] &&
    [[ "$out" == *"containerd: restart containerd to load it"* ]] || { got "the first run must register in both files"; return; }
  out=$(python3 - "$reg_dir" "$runtime" <<'EOF'
import json, sys, tomllib
d, binary = sys.argv[1:]
j = json.load(open(f"{d}/daemon.json"))
t = tomllib.load(open(f"{d}/config.toml", "rb"))
r = t["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["nssandbox"]
ok = (j == {"log-level": "warn", "runtimes": {"other": {"path": "/usr/bin/other"}, "nssandbox": {"path": binary}}}
      and r == {"runtime_type": "io.containerd.runc.v2", "options": {"BinaryName": binary}}
      and t["plugins"]["io.containerd.grpc.v1.cri"]["cni"]["bin_dir"] == "/usr/lib/cni")
print("ok" if ok else f"daemon.json {j}; runtime {r}")
EOF
  )
  [ "$out" = ok ] || { rc=0; got "the written files"; return; }
  local after; after=$(sums)
  reg
  [ "$rc" -eq 0 ] && [ "$(sums)" = "$after" ] &&
    [ "$out" = "docker: $reg_dir/daemon.json already registers runtime nssandbox -> $runtime"$'\n'"containerd: $reg_dir/config.toml already registers runtime nssandbox -> $runtime" ] ||
    { got "the second run must change nothing and say so"; return; }
  # The RuntimeClass's handler is the name the script registers by default.
  grep -qx 'handler: nssandbox' "$repo/deploy/kubernetes/runtimeclass.yaml" ||
    { why="deploy/kubernetes/runtimeclass.yaml: handler is not nssandbox"; return 1; }
}
run_case "register-runtime.sh: registers in daemon.json and config.toml (theirs kept), a second run changes nothing" \
  case_register_idempotent

case_register_refusals() {
  reg_files
  printf '{\n  "log-level": "warn",\n}\n' >"$reg_dir/daemon.json"
  local before; before=$(sums)
  reg
  [ "$rc" -eq 125 ] && [[ "$err" == "$reg_dir/daemon.json:3:1: "* ]] && [ "$(sums)" = "$before" ] ||
    { got "a broken daemon.json: expected 125, FILE:LINE:COLUMN, neither file written"; return; }
  reg_files
  printf '{"runtimes": {"nssandbox": {"path": "/opt/elsewhere"}}}\n' >"$reg_dir/daemon.json"
  before=$(sums)
  reg
  [ "$rc" -eq 125 ] && [[ "$err" == *"runtimes.nssandbox is already"*"/opt/elsewhere"* ]] && [ "$(sums)" = "$before" ] ||
    { got "a runtime of that name elsewhere: expected 125 and nothing overwritten"; return; }
  reg_files
  before=$(sums)
  capture timeout 60 "$register" --path "$repo/artifacts/bin/nssandbox" --docker-config "$reg_dir/daemon.json" \
    --docker-pidfile "$reg_dir/no.pid" --containerd-config "$reg_dir/config.toml"
  [ "$rc" -eq 125 ] && [[ "$err" == *"does not answer"* ]] && [ "$(sums)" = "$before" ] ||
    { got "--path to the nssandbox binary (not the link): expected 125"; return; }
  reg --bogus
  [ "$rc" -eq 125 ] && [[ "$err" == *"unknown option --bogus"* ]] || { got "an unknown option: expected 125"; return; }
}
run_case "register-runtime.sh refuses (125, nothing written): broken JSON at file:line:col, a runtime it would overwrite, not the link" \
  case_register_refusals

case_register_live() {
  local reloads; reloads=$(grep -c "Got signal to reload" "$ENGINE_DIR/dockerd.log")
  capture timeout 60 "$register" --name nssandbox-registered --path "$runtime" --docker-config "$ENGINE_DIR/daemon.json" \
    --docker-pidfile "$ENGINE_DIR/dockerd.pid" --no-containerd
  [ "$rc" -eq 0 ] && [[ "$out" == *"dockerd (pid $(cat "$ENGINE_DIR/dockerd.pid")) reloads its configuration"* ]] ||
    { got "registering with the private engine"; return; }
  runtimes_listed() { d info --format '{{json .Runtimes}}' | python3 -c 'import json, sys; r = json.load(sys.stdin); sys.exit(0 if {"nssandbox", "nssandbox-registered"} <= set(r) else 1)'; }
  wait_for 20 runtimes_listed || { why="docker info lists $(d info --format '{{json .Runtimes}}')"; return 1; }
  [ "$(grep -c "Got signal to reload" "$ENGINE_DIR/dockerd.log")" -eq $((reloads + 1)) ] || { why="dockerd did not reload exactly once"; return 1; }
  capture d run --rm --runtime nssandbox-registered --security-opt seccomp=unconfined "$OCI_IMAGE" echo registered
  [ "$rc" -eq 0 ] && [ "$out" = registered ] || { got "docker run --runtime nssandbox-registered"; return; }
  capture timeout 60 "$register" --name nssandbox-registered --path "$runtime" --docker-config "$ENGINE_DIR/daemon.json" \
    --docker-pidfile "$ENGINE_DIR/dockerd.pid" --no-containerd
  [ "$rc" -eq 0 ] && [[ "$out" == *"already registers"* ]] && [ "$(grep -c "Got signal to reload" "$ENGINE_DIR/dockerd.log")" -eq $((reloads + 1)) ] ||
    { got "the second run must neither write nor signal"; return; }
}
run_case "register-runtime.sh on the private engine: SIGHUP reloads, docker run --runtime NAME works, a rerun signals nothing" \
  case_register_live
