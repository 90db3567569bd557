# Docker's networks through the runtime: none, a user-defined bridge where one container reaches another, and
# --network container:X (joining another container's namespace by path). The engine runs in a network namespace of
# its own (engine.sh), so the bridge and its subnet never meet the host's.

# A one-shot TCP listener on port 7000 (the image has perl, no netcat): prints what the first connection sends.
listener='use IO::Socket::INET; $| = 1;
  my $s = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => 7000, Listen => 5, ReuseAddr => 1) or die "listen: $!";
  print "listening\n"; my $c = $s->accept; print "got: ", scalar <$c>;'

case_network_none() {
  capture d run --rm --network none "${NSS[@]}" "$OCI_IMAGE" sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
  [ "$rc" -eq 0 ] && [ "$out" = lo ] || { got "--network none: expected only lo"; return; }
  capture d run --rm --network none "${NSS[@]}" "$OCI_IMAGE" bash -c 'echo x >/dev/tcp/10.231.7.1/80'
  [ "$rc" -ne 0 ] && [[ "$err" == *"unreachable"* ]] || { got "--network none: a connection must fail (unreachable)"; return; }
}
run_case "docker run --network none: only lo, nothing reachable" case_network_none

case_bridge() {
  local net server ip; net=$(cname net) server=$(cname server)
  capture d network create --subnet 10.231.7.0/24 "$net"
  [ "$rc" -eq 0 ] || { got "docker network create"; return; }
  capture d run -d --name "$server" --network "$net" "${NSS[@]}" "$OCI_IMAGE" perl -e "$listener"
  if [ "$rc" -eq 0 ] && wait_for 20 logs_have "$server" listening; then
    ip=$(d inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$server")
    capture d run --rm --network "$net" "${NSS[@]}" "$OCI_IMAGE" bash -c \
      "echo hello from \$(hostname) >/dev/tcp/$ip/7000 && ip=\$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\n' ' ') && echo \$ip"
    [ "$rc" -eq 0 ] && [ "$out" = "eth0 lo" ] && wait_for 20 logs_have "$server" "got: hello from" ||
      got "a container on the bridge did not reach $server at $ip:7000 (its log: $(d logs "$server" 2>&1 | tr '\n' ' '))"
  else
    got "the listener did not start (its log: $(d logs "$server" 2>&1 | tr '\n' ' '))"
  fi
  local status=$?
  d rm -f "$server" >/dev/null 2>&1
  d network rm "$net" >/dev/null 2>&1 || { why+=" (docker network rm $net failed)"; return 1; }
  return $status
}
run_case "a user-defined bridge network: one container reaches another's TCP listener by its address" case_bridge

case_container_network() {
  local server; server=$(cname shared)
  capture d run -d --name "$server" --network none "${NSS[@]}" "$OCI_IMAGE" perl -e "$listener"
  [ "$rc" -eq 0 ] && wait_for 20 logs_have "$server" listening || { got "the listener did not start"; return; }
  capture d run --rm --network "container:$server" "${NSS[@]}" "$OCI_IMAGE" bash -c 'echo hello over lo >/dev/tcp/127.0.0.1/7000'
  [ "$rc" -eq 0 ] && wait_for 20 logs_have "$server" "got: hello over lo" ||
    { got "a container joined to $server's network namespace did not reach its 127.0.0.1:7000"; return; }
}
run_case "docker run --network container:X: joins X's network namespace (its loopback listener answers)" \
  case_container_network
