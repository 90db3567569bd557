# Sourced by run.sh: a Docker engine for the suite. Uses the one that answers; otherwise starts dockerd (Debian's
# docker.io) itself and stops it again on exit, so a machine without a running engine is left as it was found.

ENGINE_STARTED_PID=""

engine_up() {
  if docker info >/dev/null 2>&1; then
    echo "engine: using the running Docker engine ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    return 0
  fi
  if ! command -v dockerd >/dev/null; then
    echo "engine: no Docker engine answers and dockerd is not installed (apt-get install docker.io)" >&2
    return 1
  fi
  local dir="$1"
  echo "engine: no engine answers; starting dockerd (log $dir/dockerd.log)"
  dockerd --pidfile "$dir/dockerd.pid" >"$dir/dockerd.log" 2>&1 &
  ENGINE_STARTED_PID=$!
  local i
  for i in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then
      echo "engine: dockerd $(docker version --format '{{.Server.Version}}') ready after ${i}x0.5 s"
      return 0
    fi
    if ! kill -0 "$ENGINE_STARTED_PID" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "engine: dockerd did not come up; the end of its log:" >&2
  tail -n 20 "$dir/dockerd.log" >&2
  engine_down
  return 1
}

# Stops only the dockerd this suite started (SIGTERM lets it stop containerd and its shims; SIGKILL after 30 s).
engine_down() {
  [ -n "$ENGINE_STARTED_PID" ] || return 0
  local pid=$ENGINE_STARTED_PID i state
  ENGINE_STARTED_PID=""
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 60); do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
    if [ -z "$state" ] || [ "$state" = Z ]; then break; fi
    sleep 0.5
  done
  if [ -n "$state" ] && [ "$state" != Z ]; then
    echo "engine: dockerd ignored SIGTERM for 30 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null || true   # its status is dockerd's, not the suite's
  echo "engine: stopped the dockerd this suite started"
}
