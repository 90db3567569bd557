# Sourced by tests/run.sh after the xunit projects: runs the container suite (run.sh here) and adds its counts to
# passed, failed and skipped; the suite itself starts dockerd when none runs and stops what it started. Without
# docker.io it is one skip with the reason. NSSANDBOX_PLAYGROUND=0 skips it too (it takes minutes).
source tests/suite-stage.sh
playground_reason=""
if [ "${NSSANDBOX_PLAYGROUND:-1}" = 0 ]; then
  playground_reason="NSSANDBOX_PLAYGROUND=0"
elif ! command -v docker >/dev/null || { ! command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; }; then
  playground_reason="docker.io is not installed and no Docker engine answers (apt-get install docker.io debootstrap)"
fi
suite_stage playground tests/playground/run.sh "$playground_reason"
