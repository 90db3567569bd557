# containerd without docker: `ctr run --runc-binary nssandbox-oci` against the private engine's containerd, in a
# namespace of its own, with the runtime's state (--runc-root) and the IO fifos (--fifo-dir) under the exec root.

ctr_() { timeout 120 ctr --address "$ENGINE_EXEC/containerd/containerd.sock" --namespace "$CTR_NAMESPACE" "$@"; }
ctr_image=docker.io/$OCI_IMAGE
ctr_run=(--runc-binary "$runtime" --runc-root "$ENGINE_EXEC/runtime-ctr" --fifo-dir "$work/fifo")

case_ctr_image() {
  # Imported once into the persistent data root, like the engine's image.
  ctr_ images ls -q | grep -qxF "$ctr_image" && return 0
  capture bash -c "timeout 300 docker save $OCI_IMAGE | timeout 300 ctr --address $ENGINE_EXEC/containerd/containerd.sock --namespace $CTR_NAMESPACE images import -"
  ctr_ images ls -q | grep -qxF "$ctr_image" || { got "docker save | ctr images import did not give $ctr_image"; return; }
}
run_case "ctr images import: the engine's image into containerd (namespace $CTR_NAMESPACE)" case_ctr_image

case_ctr_run() {
  local id=nssoci-ctr-$$-run
  echo "$id" >>"$work/container-ids"
  capture ctr_ run --rm "${ctr_run[@]}" "$ctr_image" "$id" sh -c 'echo hi from ctr; cat /proc/self/cgroup | grep -c '"$CTR_NAMESPACE/$id"'; exit 3'
  [ "$rc" -eq 3 ] && [[ "$out" == $'hi from ctr\n'[1-9]* ]] ||
    { got "ctr run --rm: expected the output, the cgroup /$CTR_NAMESPACE/$id and exit 3"; return; }
  ! ctr_ containers ls -q | grep -qxF "$id" || { why="ctr run --rm left container $id"; return 1; }
}
run_case "ctr run --rm --runc-binary nssandbox-oci: output, its cgroup, exit status 3, nothing left" case_ctr_run

case_ctr_detached() {
  local id=nssoci-ctr-$$-detached status
  echo "$id" >>"$work/container-ids"
  capture ctr_ run -d --null-io "${ctr_run[@]}" "$ctr_image" "$id" sleep 1000
  [ "$rc" -eq 0 ] || { got "ctr run -d"; return; }
  ctr_task_status() { ctr_ tasks ls | awk -v id="$1" '$1 == id {print $3}'; }
  status_is() { [ "$(ctr_task_status "$1")" = "$2" ]; }
  wait_for 20 status_is "$id" RUNNING || { why="the task is $(ctr_task_status "$id"), not RUNNING"; return 1; }
  capture ctr_ tasks ps "$id"
  [ "$rc" -eq 0 ] && [ "$(echo "$out" | tail -n +2 | wc -l)" -eq 1 ] || { got "ctr tasks ps: expected one process"; return; }
  capture ctr_ tasks kill --signal SIGKILL "$id"
  [ "$rc" -eq 0 ] && wait_for 20 status_is "$id" STOPPED || { got "ctr tasks kill: the task did not stop"; return; }
  capture ctr_ tasks delete "$id"
  [ "$rc" -eq 0 ] || { got "ctr tasks delete"; return; }
  capture ctr_ containers delete "$id"
  [ "$rc" -eq 0 ] || { got "ctr containers delete"; return; }
}
run_case "ctr run -d, tasks ps, tasks kill SIGKILL, tasks delete, containers delete" case_ctr_detached

# A case that failed half-way leaves its ctr containers: remove them before the leak check.
for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1; sleep 0.5; ctr_ tasks delete -f "$id" >/dev/null 2>&1; done
for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1; done
