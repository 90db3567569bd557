# Sourced by tests/run.sh after the xunit projects: runs the container suite (run.sh here) and adds its counts to
# passed, failed and skipped; the suite itself starts dockerd when none runs and stops what it started. Without
# docker.io it is one skip with the reason. NSSANDBOX_PLAYGROUND=0 skips it too (it takes minutes).
playground_stage() {
  local reason="" log status line p f s
  if [ "${NSSANDBOX_PLAYGROUND:-1}" = 0 ]; then
    reason="NSSANDBOX_PLAYGROUND=0"
  elif ! command -v docker >/dev/null || { ! command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; }; then
    reason="docker.io is not installed and no Docker engine answers (apt-get install docker.io debootstrap)"
  fi
  if [ -n "$reason" ]; then
    echo "SKIP playground (tests/playground/run.sh): $reason"
    skipped=$((skipped + 1))
    return
  fi
  log=$(mktemp)
  bash tests/playground/run.sh 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  line=$(grep -E '^playground: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "FAIL playground: tests/playground/run.sh ended (status $status) without its counts"
    failed=$((failed + 1))
    return
  fi
  read -r p f s <<<"$(echo "$line" | grep -oE '[0-9]+' | tr '\n' ' ')"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAIL playground: tests/playground/run.sh exited $status with no failed case"
    failed=$((failed + 1))
  fi
}
playground_stage
