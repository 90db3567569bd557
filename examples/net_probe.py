"""Shows the network the sandbox has: its interfaces, and whether any route leaves the machine. The route
test is a UDP connect to a documentation address (192.0.2.1, RFC 5737): it only asks the kernel for a route
and sends no packet."""
import socket

print("interfaces:", " ".join(name for _, name in socket.if_nameindex()))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("192.0.2.1", 9))
    print("a route out exists (the host's network is shared)")
except OSError as e:
    print(f"no route out: {e.strerror}")
finally:
    s.close()
