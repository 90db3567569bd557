"""A CTF-style challenge served over TCP by nssandbox's mode listen (see README.md): every connection runs this
program in a sandbox of its own, with the socket as its stdin and stdout. Answer five sums to get the flag.
Whatever a player does in here (write to /data, fork, spin) stays in their own sandbox and ends with it."""
import os
import random
import socket
import sys

print(f"Welcome, player. You are uid {os.getuid()} on {socket.gethostname()}; "
      f"your /data holds {len(os.listdir('/data'))} files.")
print("Answer five sums in a row for the flag.")
for _ in range(5):
    a, b = random.randrange(1000), random.randrange(1000)
    print(f"{a} + {b} = ", end="", flush=True)
    answer = sys.stdin.readline()
    if not answer:
        sys.exit(0)
    if answer.strip() != str(a + b):
        print("wrong; bye")
        sys.exit(1)
with open("/data/solved", "w") as mark:  # the player's own /data: gone when the connection ends
    mark.write("yes\n")
with open("/flag") as flag:
    print(flag.read(), end="", flush=True)
