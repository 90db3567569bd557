"""Says who and where it runs: the sandbox's user, working directory, HOME and hostname."""
import os
import socket

print(f"hello from uid {os.getuid()} gid {os.getgid()} in {os.getcwd()}, "
      f"HOME={os.environ.get('HOME')}, host {socket.gethostname()}")
