# Sourced by run.sh and bench/oci.sh after engine_up: the image the cases run, in the private engine, without a pull.
# Made once and kept in the engine's data root. From the first source that has it:
#   1. the private engine itself (an earlier run made it)
#   2. the system's engine, when one answers on the default socket and has it (docker save | docker load; read only;
#      OCI_BASE_FROM_SYSTEM=0 skips this)
#   3. debootstrap --variant=minbase bookworm, as tests/playground/base-images.sh makes it
# The image has bash and perl (a TCP listener for the network cases), no python.

OCI_IMAGE=nssandbox-local/debian:bookworm-slim

oci_base_image() { # WORK_DIR
  local work=$1
  if docker image inspect "$OCI_IMAGE" >/dev/null 2>&1; then return 0; fi
  local system=(docker -H unix:///var/run/docker.sock)
  if [ "${OCI_BASE_FROM_SYSTEM:-1}" != 0 ] && [ -S /var/run/docker.sock ] && timeout 20 "${system[@]}" image inspect "$OCI_IMAGE" >/dev/null 2>&1; then
    echo "image: copying $OCI_IMAGE from the system's engine (docker save | docker load)"
    if timeout 300 "${system[@]}" save "$OCI_IMAGE" | timeout 300 docker load >/dev/null; then return 0; fi
    echo "image: the copy failed; making it with debootstrap instead" >&2
  fi
  # base-images.sh's maker checks the official name first: in the private engine it is never there (no pulls).
  source "$repo/tests/playground/base-images.sh"
  local made
  made=$(runtime_base_image "$work") && [ "$made" = "$OCI_IMAGE" ]
}
