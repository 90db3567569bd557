# Sourced by run.sh: how a case reports, runs docker, and is held to what the runtime's `features` claims.
# Variables from run.sh: repo, work, runtime (the nssandbox-oci link), OCI_IMAGE.

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; local line; for line in "$@"; do echo "     $line"; done; }
skip() { skipped=$((skipped + 1)); echo "SKIP $1: $2"; }
pending() { skipped=$((skipped + 1)); echo "PENDING $1: $2"; }

# Every docker command has a timeout: a hung runtime fails its case instead of hanging the suite.
d() { timeout "${D_TIMEOUT:-120}" docker "$@"; }
# Runs CMD... and keeps stdout in out, stderr in err, the status in rc.
capture() { out=$("$@" 2>"$work/err"); rc=$?; err=$(cat "$work/err"); }
got() { why="$1 (exit $rc) stdout: ${out:0:600} stderr: ${err:0:600}"; return 1; }

# The options every nssandbox case runs with until the runtime compiles Docker's seccomp profile (the seccomp
# cases leave them out).
NSS=(--runtime nssandbox --security-opt seccomp=unconfined)
RUNC=(--runtime runc --security-opt seccomp=unconfined)

# Containers a case starts are named with this prefix; clean_containers removes every one left.
cname() { echo "nssoci-$$-$1"; }
clean_containers() { d ps -aq | xargs -r timeout 120 docker rm -f >/dev/null 2>&1; }
# What an interrupted earlier run left in the persistent data root: its containers, networks (their subnet would
# clash with this run's) and volumes, all named nssoci-*.
clean_leftovers() {
  clean_containers
  d network ls -q --filter name=nssoci- | xargs -r timeout 60 docker network rm >/dev/null 2>&1
  d volume ls -q --filter name=nssoci- | xargs -r timeout 60 docker volume rm >/dev/null 2>&1
  return 0
}
# The ids of every container this run started (the leak checks look for their traces).
record_ids() { d ps -aq --no-trunc >>"$work/container-ids"; }

why=""
run_case() { # NAME FUNCTION [ARGS...]
  local name=$1; shift
  why=""
  if "$@"; then pass "$name"; else fail "$name" "$why"; fi
  record_ids
  clean_containers
}

# What `nssandbox oci features` claims. A capability the runtime does not claim yet (it lands in steps) makes its
# failing case PENDING (counted as skipped, with the reason); once claimed, the case passes or fails.
#   seccomp   linux.seccomp.enabled is true
#   exec      the annotation io.github.nssandbox.supports lists it (docker exec: the runtime's exec command)
#   terminal  the same annotation lists it (docker run -t: --console-socket, process.terminal)
features_json=""
claims() { # CAPABILITY
  [ -n "$features_json" ] || features_json=$("$runtime" features 2>/dev/null)
  FEATURES="$features_json" python3 - "$1" <<'EOF'
import json, os, sys
f = json.loads(os.environ["FEATURES"] or "{}")
cap = sys.argv[1]
if cap == "seccomp":
    ok = bool(f.get("linux", {}).get("seccomp", {}).get("enabled"))
else:
    supports = (f.get("annotations") or {}).get("io.github.nssandbox.supports", "")
    ok = cap in [s.strip() for s in supports.split(",")]
sys.exit(0 if ok else 1)
EOF
}
run_gated_case() { # NAME CAPABILITY... -- FUNCTION [ARGS...]: PENDING while a capability is not claimed and it fails
  local name=$1 caps=() missing=()
  shift
  while [ "$1" != -- ]; do caps+=("$1"); shift; done
  shift
  why=""
  if "$@"; then
    pass "$name"
  else
    local c
    for c in "${caps[@]}"; do claims "$c" || missing+=("$c"); done
    if [ ${#missing[@]} -gt 0 ]; then
      pending "$name" "nssandbox oci features does not claim ${missing[*]} yet; today: $why"
    else
      fail "$name" "$why"
    fi
  fi
  record_ids
  clean_containers
}

# Polls CMD... every 0.2 s until it succeeds or SECONDS pass.
wait_for() { # SECONDS CMD...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
logs_have() { d logs "$1" 2>&1 | grep -qF -- "$2"; }                       # CONTAINER TEXT
logs_count() { [ "$(d logs "$1" 2>&1 | grep -cF -- "$2")" -eq "$3" ]; }  # CONTAINER TEXT N
inspect_is() { [ "$(d inspect -f "$2" "$1" 2>&1)" = "$3" ]; }           # CONTAINER FORMAT VALUE
