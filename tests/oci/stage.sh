# Sourced by tests/run.sh after the xunit projects, before the playground: the OCI runtime's engine suite (run.sh
# here) on a private dockerd of its own, its counts added to the totals. NSSANDBOX_OCI=0 skips it (it takes
# minutes); without docker.io, or not as root, it is one skip with the reason (run.sh checks the rest).
source tests/suite-stage.sh
oci_reason=""
if [ "${NSSANDBOX_OCI:-1}" = 0 ]; then
  oci_reason="NSSANDBOX_OCI=0"
elif ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
  oci_reason="docker.io is not installed (apt-get install docker.io debootstrap)"
fi
suite_stage oci tests/oci/run.sh "$oci_reason"
