# Sourced by the stage.sh of a suite that runs on its own (tests/oci, tests/playground): runs the suite's script and
# adds its counts to tests/run.sh's passed, failed and skipped. The script ends with "NAME: N passed, N failed,
# N skipped"; without that line, or with a failing status and no failed case, the stage counts one failure.
suite_stage() { # NAME SCRIPT SKIP_REASON (empty: run it)
  local name=$1 script=$2 reason=$3 log status line p f s
  if [ -n "$reason" ]; then
    echo "SKIP $name ($script): $reason"
    skipped=$((skipped + 1))
    return
  fi
  log=$(mktemp)
  bash "$script" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped\$" "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "FAIL $name: $script ended (status $status) without its counts"
    failed=$((failed + 1))
    return
  fi
  read -r p f s <<<"$(echo "$line" | grep -oE '[0-9]+' | tr '\n' ' ')"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAIL $name: $script exited $status with no failed case"
    failed=$((failed + 1))
  fi
}
