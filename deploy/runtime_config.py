#!/usr/bin/env python3
"""The edits of register-runtime.sh: an engine's configuration with nssandbox registered as an OCI runtime.

    runtime_config.py docker FILE NAME PATH [RUNTIME_ARG...]   daemon.json with runtimes.NAME = {path, runtimeArgs}
    runtime_config.py containerd FILE NAME PATH                config.toml with the CRI runtime NAME (runc v2 shim,
                                                               options.BinaryName = PATH)

Prints the new file on stdout and exits 0; exits 3 with nothing printed when FILE already says so; exits 125 with
one message (FILE:LINE:COLUMN where there is one) when FILE cannot be read or the runtime is already registered
differently (the script never overwrites someone's runtime). A missing FILE is an empty configuration.
"""
import json
import os
import re
import sys

UNCHANGED, BAD = 3, 125
RUNC_V2 = "io.containerd.runc.v2"
# containerd's CRI plugin by config version: 1 (no version line), 2 (containerd 1.x), 3 (containerd 2.x).
CRI_PLUGIN = {1: "cri", 2: "io.containerd.grpc.v1.cri", 3: "io.containerd.cri.v1.runtime"}


def die(message):
    print(message, file=sys.stderr)
    sys.exit(BAD)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""
    except OSError as e:
        die(f"{path}: {e.strerror}")


def docker(path, name, binary, args):
    text = read(path)
    try:
        config = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as e:
        die(f"{path}:{e.lineno}:{e.colno}: {e.msg}")
    if not isinstance(config, dict):
        die(f"{path}: the top level is not a JSON object")
    runtimes = config.setdefault("runtimes", {})
    if not isinstance(runtimes, dict):
        die(f"{path}: \"runtimes\" is not a JSON object")
    entry = {"path": binary, **({"runtimeArgs": args} if args else {})}
    if runtimes.get(name) == entry:
        sys.exit(UNCHANGED)
    if name in runtimes:
        die(f"{path}: runtimes.{name} is already {json.dumps(runtimes[name])}; change it by hand or choose another --name")
    if config.get("default-runtime") == name:
        die(f"{path}: default-runtime is {name} but no runtime of that name is defined")
    runtimes[name] = entry
    sys.stdout.write(json.dumps(config, indent=2) + "\n")


def toml_load(path, text, prefix=""):
    try:
        import tomllib
    except ImportError:  # Python before 3.11: the text checks below still hold
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        die(prefix + (f"{path}:{where.group(1)}:{where.group(2)}: {message}" if where else f"{path}: {message}"))


def containerd(path, name, binary):
    text = read(path)
    version_line = re.search(r"^\s*version\s*=\s*(\d+)\s*$", text, re.M)
    version = int(version_line.group(1)) if version_line else (2 if not text.strip() else 1)
    if version not in CRI_PLUGIN:
        die(f"{path}: config version {version} is not one this script knows (1, 2, 3)")
    plugin = CRI_PLUGIN[version]
    table = f'plugins.{plugin if version == 1 else json.dumps(plugin)}.containerd.runtimes.{name}'
    parsed = toml_load(path, text)
    if parsed is not None:
        runtime = parsed.get("plugins", {}).get(plugin, {}).get("containerd", {}).get("runtimes", {}).get(name)
        if runtime is not None:
            if runtime.get("runtime_type") == RUNC_V2 and runtime.get("options", {}).get("BinaryName") == binary:
                sys.exit(UNCHANGED)
            die(f"{path}: [{table}] already exists as {json.dumps(runtime)}; change it by hand or choose another --name")
    elif re.search(r"^\s*\[\s*" + re.escape(table) + r"\s*\]", text, re.M):
        die(f"{path}: [{table}] already exists (no tomllib here to compare it); check it by hand")
    section = (f"# {name}: an OCI runtime for the CRI plugin (deploy/register-runtime.sh, docs/oci.md)\n"
               f"[{table}]\n"
               f"  runtime_type = {json.dumps(RUNC_V2)}\n"
               f"[{table}.options]\n"
               f"  BinaryName = {json.dumps(binary)}\n")
    head = text if text.strip() else "version = 2\n"
    new = head.rstrip("\n") + "\n\n" + section
    # The appended tables must not clash with how the file spells its own tables.
    toml_load(path, new, prefix=f"adding [{table}] would break the file; add it by hand: ")
    sys.stdout.write(new)


def main(argv):
    if len(argv) < 4 or argv[0] not in ("docker", "containerd") or (argv[0] == "containerd" and len(argv) != 4):
        die("usage: runtime_config.py docker FILE NAME PATH [RUNTIME_ARG...] | containerd FILE NAME PATH")
    engine, path, name, binary, *args = argv
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        die(f"--name {name}: only letters, digits, '.', '_' and '-' (it becomes a TOML key and a docker --runtime)")
    if not os.path.isabs(binary):
        die(f"--path {binary}: must be absolute (the engine starts it from its own directory)")
    if engine == "docker":
        docker(path, name, binary, args)
    else:
        containerd(path, name, binary)


if __name__ == "__main__":
    main(sys.argv[1:])
