# The hardened runtime (nssandbox-hardened: runtimeArgs ["--hardened"], docs/oci.md): the container gets a user
# namespace whose root is an unprivileged id outside, its image stays the image (root inside, root on disk),
# host directories it writes are owned by the mapped id, and our default seccomp policy applies when Docker sends
# none.

HARD=(--runtime nssandbox-hardened)
MAPPED=1878982656 # 0x6fff0000, HardenedUsers.First

case_userns_ids() {
  local c; c=$(cname hard-ids)
  capture d run -d --name "$c" "${HARD[@]}" "$OCI_IMAGE" sleep 60
  [ "$rc" -eq 0 ] || { got "docker run -d with the hardened runtime"; return; }
  local pid; pid=$(d inspect -f '{{.State.Pid}}' "$c")
  local map uid; map=$(tr -s ' ' <"/proc/$pid/uid_map" 2>/dev/null); uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  capture d exec "$c" id -u
  local exec_out=$out exec_rc=$rc
  d rm -f "$c" >/dev/null
  [ "$map" = " 0 $MAPPED 65536" ] || { got "uid_map of the container's process: '$map', expected 0 $MAPPED 65536"; return; }
  [ "$uid" = "$MAPPED" ] || { got "the container's root is host uid '$uid', expected $MAPPED"; return; }
  [ "$exec_rc" -eq 0 ] && [ "$exec_out" = 0 ] || { out=$exec_out; rc=$exec_rc; got "docker exec id -u must answer 0 inside"; return; }
}
run_case "hardened: container root is host uid $MAPPED (uid_map 0 $MAPPED 65536), and docker exec joins it" case_userns_ids

case_userns_image() {
  # The image's files are root's inside; root writes, chowns and removes in the rootfs as in any container;
  # what it writes is on disk in the container's upper layer as root's (the image format stays Docker's).
  local c; c=$(cname hard-img)
  capture d run --name "$c" "${HARD[@]}" "$OCI_IMAGE" sh -c \
    'id -u; stat -c %u:%g /etc/passwd /usr/bin/env; echo w >/root/new && chown 1000:1000 /root/new && stat -c %u /root/new;
     rm /etc/issue && ! test -e /etc/issue && echo removed; mkdir /srv/d && ls /proc/self/ns/user >/dev/null && echo ok'
  local upper; upper=$(d inspect -f '{{.GraphDriver.Data.UpperDir}}' "$c")
  local owner; owner=$(stat -c %u "$upper/root/new" 2>/dev/null)
  d rm -f "$c" >/dev/null
  [ "$rc" -eq 0 ] && [ "$out" = $'0\n0:0\n0:0\n1000\nremoved\nok' ] ||
    { got "expected root inside owning the image, a chown to 1000, a removal and a mkdir"; return; }
  [ "$owner" = 1000 ] || { got "the file chowned to 1000 is owned by '$owner' in the upper layer $upper, expected 1000"; return; }
}
run_case "hardened: the image is root's inside and on disk; root writes, chowns, removes in it" case_userns_image

case_userns_volume() {
  local host=$work/hard-volume
  mkdir -p "$host" && chown "$MAPPED:$MAPPED" "$host"
  capture d run --rm -v "$host:/v" "${HARD[@]}" "$OCI_IMAGE" sh -c 'echo x >/v/f && stat -c %u /v/f'
  [ "$rc" -eq 0 ] && [ "$out" = 0 ] || { got "root must write a volume owned by the mapped root"; return; }
  [ "$(stat -c %u:%g "$host/f")" = "$MAPPED:$MAPPED" ] || { got "the file is $(stat -c %u:%g "$host/f") on the host, expected $MAPPED:$MAPPED"; return; }
  # A host directory of the host's root stays the host's: container root cannot write it.
  mkdir -p "$host/rootowned" && chown 0:0 "$host/rootowned" && chmod 755 "$host/rootowned"
  capture d run --rm -v "$host/rootowned:/v" "${HARD[@]}" "$OCI_IMAGE" sh -c 'echo x >/v/f'
  [ "$rc" -ne 0 ] && [ ! -e "$host/rootowned/f" ] || { got "container root wrote a directory of the host's root"; return; }
}
run_case "hardened: a volume's files are owned by the mapped id on the host; the host's root's stay out of reach" case_userns_volume

case_userns_seccomp() {
  # Docker sends no profile with seccomp=unconfined: the hardened runtime loads its own; plain nssandbox none.
  capture d run --rm --security-opt seccomp=unconfined "${HARD[@]}" "$OCI_IMAGE" grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
  [ "$out" = $'NoNewPrivs:\t1\nSeccomp:\t2' ] || { got "expected our default policy (Seccomp 2) and no_new_privs"; return; }
  capture d run --rm --security-opt seccomp=unconfined "${NSS[@]}" "$OCI_IMAGE" grep -E '^Seccomp:' /proc/self/status
  [ "$out" = $'Seccomp:\t0' ] || { got "plain nssandbox loads no filter when Docker sends none"; return; }
}
run_case "hardened: our default seccomp policy when Docker sends none (seccomp=unconfined)" case_userns_seccomp
