# Many containers: 20 started at once and running together, 20 short runs at once, then 200 runs in a row; after
# each, nothing of them is left (leaks.sh: cgroups, mounts, runtime state, shims, processes).

scale_label="nssoci-scale=$$"

case_twenty_running() {
  local i pids=() bad=0
  for i in $(seq 1 20); do
    d run -d --label "$scale_label" --name "$(cname "many-$i")" "${NSS[@]}" "$OCI_IMAGE" sleep 1000 >/dev/null 2>"$work/many-$i.err" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || { bad=$((bad + 1)); why+="run $((i + 1)): $(head -c 300 "$work/many-$((i + 1)).err") "; }; done
  [ "$bad" -eq 0 ] || { why="$bad of 20 docker run -d failed: $why"; return 1; }
  local running
  running=$(d ps -q --filter "label=$scale_label" --filter status=running | wc -l)
  [ "$running" -eq 20 ] || { why="$running of 20 running"; return 1; }
  # Each in its own cgroup, with its own pid namespace (each sleep is pid 1 of its own).
  local id dirs=0
  for id in $(d ps -q --no-trunc --filter "label=$scale_label"); do
    [ -d "/sys/fs/cgroup/pids/$OCI_CGROUP_PARENT/$id" ] || [ -d "/sys/fs/cgroup/$OCI_CGROUP_PARENT/$id" ] && dirs=$((dirs + 1))
  done
  [ "$dirs" -eq 20 ] || { why="$dirs of 20 containers have their cgroup"; return 1; }
  record_ids
  d ps -q --filter "label=$scale_label" | xargs -r -P 20 -n 1 timeout 120 docker rm -f >/dev/null 2>&1
  [ -z "$(d ps -aq --filter "label=$scale_label")" ] || { why="docker rm -f left containers"; return 1; }
  local traces; traces=$(container_traces)
  [ -z "$traces" ] || { why="after removing the 20: $traces"; return 1; }
}
run_case "20 containers started at once run together, each in its cgroup; removed at once, nothing left" case_twenty_running

case_twenty_runs_at_once() {
  local i pids=() bad=0
  for i in $(seq 1 20); do
    d run --rm "${NSS[@]}" "$OCI_IMAGE" sh -c "echo run-$i" >"$work/burst-$i.out" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" && [ "$(cat "$work/burst-$((i + 1)).out")" = "run-$((i + 1))" ] ||
      { bad=$((bad + 1)); why+="run $((i + 1)): $(head -c 300 "$work/burst-$((i + 1)).out") "; }
  done
  [ "$bad" -eq 0 ] || { why="$bad of 20 failed: $why"; return 1; }
}
run_case "20 docker run --rm at once: each exits 0 with its own output" case_twenty_runs_at_once

case_two_hundred() {
  local i t0=$SECONDS
  for i in $(seq 1 200); do
    rm -f "$work/cid"
    capture d run --rm --cidfile "$work/cid" "${NSS[@]}" "$OCI_IMAGE" true
    cat "$work/cid" >>"$work/container-ids" 2>/dev/null && echo >>"$work/container-ids"
    [ "$rc" -eq 0 ] || { got "run $i of 200"; return; }
  done
  echo "     (200 runs in $((SECONDS - t0)) s)"
  local traces; traces=$(container_traces)
  [ -z "$traces" ] || { why="after 200 runs: $traces"; return 1; }
}
run_case "200 docker run --rm in a row: every one exits 0, nothing left after them" case_two_hundred
