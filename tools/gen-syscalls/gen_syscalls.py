#!/usr/bin/env python3
"""Generates src/NsSandbox.Policy/Syscalls/Generated/*.g.cs from the Linux kernel's own sources.

Inputs, all from one kernel source tree (Debian: `apt-get install linux-source-6.12`, which installs
/usr/src/linux-source-6.12.tar.xz; the tarball is read directly, nothing needs unpacking by hand; without
--source the newest installed /usr/src/linux-source-*.tar.xz is read):
  - arch/x86/entry/syscalls/syscall_64.tbl      x86_64 numbers: the "common" and "64" ABI rows only
                                                  (x32 rows, numbered 512 and up, are a different ABI)
  - scripts/syscall.tbl                         aarch64 numbers, from Linux 6.11: the generic table's
    arch/arm64/kernel/Makefile.syscalls           "common" and "64" rows and the ABIs arm64 adds
  - arch/arm64/include/uapi/asm/unistd.h        aarch64 numbers before 6.11: the generic unistd.h
    include/uapi/asm-generic/unistd.h           (expanded with cpp so its #if choices are the kernel's)
  - SYSCALL_DEFINEn(...) in the tree's .c files  argument names and types (arch/x86 or arch/arm64 first,
                                                  then generic code; other architectures are ignored)
  - include/linux/syscalls.h                     prototypes, where no SYSCALL_DEFINEn names the arguments
  - arch/*/Kconfig "select"s, asm/unistd.h        to pick among #if'd alternative definitions (clone's
    __ARCH_WANT_* defines                         argument order follows CONFIG_CLONE_BACKWARDS*)
  - Makefile                                     the kernel version recorded in the output

Names: a syscall's canonical name is its entry point without "sys_" (newuname, newfstat, umount), as kafel
and nsjail policies spell it; the table/unistd.h name (uname, fstat, umount2) is kept as an alias.

Usage: python3 tools/gen-syscalls/gen_syscalls.py [--source /usr/src/linux-source-6.12.tar.xz]
                                                   [--out src/NsSandbox.Policy/Syscalls/Generated]
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE_GLOB = "/usr/src/linux-source-*.tar.xz"
DEFAULT_OUT = os.path.join(ROOT, "src/NsSandbox.Policy/Syscalls/Generated")

ARCH_DIRS = {"x86_64": "arch/x86/", "aarch64": "arch/arm64/"}
ARCH_CONFIG = {"x86_64": ("arch/x86/Kconfig", "arch/x86/include/asm/unistd.h"),
               "aarch64": ("arch/arm64/Kconfig", "arch/arm64/include/asm/unistd.h")}
HEADERS = ("include/uapi/", "arch/arm64/include/uapi/", "arch/x86/entry/syscalls/syscall_64.tbl",
           "include/linux/syscalls.h", "Makefile", "scripts/syscall.tbl",
           "arch/arm64/kernel/Makefile.syscalls") + sum(ARCH_CONFIG.values(), ())

DEFINE_RE = re.compile(r"(?<![A-Za-z0-9_])SYSCALL_DEFINE([0-6])\(\s*(\w+)\s*((?:,[^)]*)?)\)", re.S)
PROTO_RE = re.compile(r"asmlinkage\s+long\s+sys_(\w+)\s*\(([^;]*?)\)\s*;", re.S)

# Argument types the kernel holds in 32 bits on both 64-bit arches: a filter compares their low half only.
# Everything else must be listed as 64-bit below, so a new type fails the generator instead of guessing.
TYPES_32 = {
    "int", "unsigned", "unsigned int", "signed int", "u32", "__u32", "s32", "__s32", "pid_t", "uid_t",
    "gid_t", "old_uid_t", "old_gid_t", "umode_t", "mode_t", "key_serial_t", "clockid_t", "timer_t", "qid_t",
    "rwf_t", "mqd_t", "key_t", "__kernel_old_uid_t", "__kernel_old_gid_t", "short", "unsigned short",
    "u16", "char", "unsigned char", "u8",
}
TYPES_64 = {
    "long", "unsigned long", "long long", "unsigned long long", "size_t", "ssize_t", "off_t", "loff_t",
    "u64", "__u64", "s64", "__s64", "aio_context_t", "cap_user_header_t", "cap_user_data_t", "caddr_t",
    "__sighandler_t", "compat_uptr_t",
}


def read_sources(source):
    """Returns {path: text} for the headers we need and [(path, text)] for every .c file that defines syscalls."""
    headers, defines = {}, []

    def take(path, data):
        if path.startswith(HEADERS) or path in HEADERS:
            headers[path] = data.decode("utf-8", "replace")
        if path.endswith(".c") and b"SYSCALL_DEFINE" in data:
            defines.append((path, data.decode("utf-8", "replace")))

    if os.path.isdir(source):
        for dirpath, _, files in os.walk(source):
            for f in files:
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, source)
                if rel.startswith(HEADERS) or rel in HEADERS or rel.endswith(".c"):
                    with open(full, "rb") as fh:
                        take(rel, fh.read())
    else:
        with tarfile.open(source, "r|*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                path = member.name.split("/", 1)[1] if "/" in member.name else member.name
                if path.startswith(HEADERS) or path in HEADERS or path.endswith(".c"):
                    take(path, tar.extractfile(member).read())
    return headers, defines


def kernel_version(makefile):
    fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)[ \t]*=[ \t]*(\S*)", makefile, re.M))
    return "{}.{}.{}{}".format(fields["VERSION"], fields["PATCHLEVEL"], fields["SUBLEVEL"],
                               fields.get("EXTRAVERSION", ""))


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def normalize_type(t):
    t = re.sub(r"\b(const|volatile|__user|struct|union|enum)\b", " ", t)
    return " ".join(t.split())


def arg_size(t, where):
    if "*" in t or "[" in t:
        return 8
    if re.search(r"\benum\b", t):
        return 4  # enums are int-sized
    n = normalize_type(t)
    if n in TYPES_32:
        return 4
    if n in TYPES_64:
        return 8
    sys.exit(f"gen_syscalls: unknown argument type '{t}' in {where}: add it to TYPES_32 or TYPES_64")


DIRECTIVE_RE = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$", re.M)


ARCH_BASE = {"x86_64": {"X86", "X86_64", "64BIT"}, "aarch64": {"ARM64", "64BIT"}}


def arch_symbols(headers, arch):
    """Macros every kernel of the architecture defines: the Kconfig options its base options select
    unconditionally (config X86_64 selects ..., not config X86_32), and the __ARCH_WANT_* macros its
    asm/unistd.h defines under those options."""
    kconfig, unistd = (headers.get(path, "") for path in ARCH_CONFIG[arch])
    symbols = {"CONFIG_" + name for name in ARCH_BASE[arch]}
    current = None
    for line in kconfig.splitlines():
        block = re.match(r"^(?:menu)?config\s+(\w+)", line)
        if block or re.match(r"^\S", line):
            current = block.group(1) if block else None
            continue
        select = re.match(r"^\s+select\s+(\w+)\s*$", line)
        if select and current in ARCH_BASE[arch]:
            symbols.add("CONFIG_" + select.group(1))
    branches = list(conditions_at(unistd))
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(__ARCH_WANT_\w+)", unistd, re.M):
        active = [c for pos, c in branches if pos < m.start()]
        if all(holds(c, symbols) for c in (active[-1] if active else [])):
            symbols.add(m.group(1))
    return symbols


def conditions_at(text):
    """Yields (position, [conditions]) for each preprocessor branch change, in text order."""
    stack = []  # per #if: (conditions of earlier branches, condition of the current branch)
    for m in DIRECTIVE_RE.finditer(text):
        kind, arg = m.group(1), m.group(2).strip()
        if kind in ("if", "ifdef", "ifndef"):
            cond = arg if kind == "if" else ("defined(%s)" % arg if kind == "ifdef" else "!defined(%s)" % arg)
            stack.append(([], cond))
        elif not stack:
            continue
        elif kind == "elif":
            earlier, current = stack.pop()
            stack.append((earlier + [current], arg))
        elif kind == "else":
            earlier, current = stack.pop()
            stack.append((earlier + [current], "1"))
        else:
            stack.pop()
        yield m.start(), [c for earlier, current in stack for c in ["!(%s)" % e for e in earlier] + [current]]


def holds(condition, symbols):
    """Evaluates a simple #if expression; None when it is too complex to tell."""
    expr = re.sub(r"defined\s*\(?\s*(\w+)\s*\)?", lambda m: " 1 " if m.group(1) in symbols else " 0 ", condition)
    expr = re.sub(r"IS_ENABLED\(\s*(\w+)\s*\)", lambda m: " 1 " if m.group(1) in symbols else " 0 ", expr)
    expr = re.sub(r"[A-Za-z_]\w*", lambda m: " 1 " if m.group(0) in symbols else " 0 ", expr)
    expr = expr.replace("&&", " and ").replace("||", " or ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    if not re.fullmatch(r"[\s()0-9a-z<>=!]*", expr):
        return None
    try:
        return bool(eval(expr))  # only digits, parentheses, comparisons and and/or/not reach here
    except SyntaxError:
        return None


def parse_defines(defines, arch, symbols):
    """{name: (args, path)} from SYSCALL_DEFINEn, the architecture's own directory winning over generic code.
    Where generic code has #if'd alternatives (clone), the one whose conditions hold for the arch is taken."""
    own, generic = {}, {}
    for path, text in sorted(defines):
        if path.startswith("arch/"):
            if not path.startswith(ARCH_DIRS[arch]) or path.startswith("arch/x86/um/"):
                continue  # arch/x86/um is User-mode Linux, not x86_64
            target = own
        else:
            target = generic
        text = strip_comments(text)
        branches = list(conditions_at(text))
        for m in DEFINE_RE.finditer(text):
            count, name, rest = int(m.group(1)), m.group(2), m.group(3)
            parts = [p.strip() for p in rest.split(",")[1:]] if rest else []
            if len(parts) != 2 * count:
                continue  # a macro building SYSCALL_DEFINE from its own parameters: not a declaration
            args = [(" ".join(parts[2 * i].split()), parts[2 * i + 1]) for i in range(count)]
            active = [c for pos, c in branches if pos < m.start()]
            conds = active[-1] if active else []
            target.setdefault(name, []).append((args, path, conds))
    return choose(own, symbols, arch), choose(generic, symbols, arch)


def choose(found, symbols, arch):
    chosen = {}
    for name, candidates in found.items():
        distinct = {tuple((normalize_type(t), a) for t, a in args): (args, path, conds)
                    for args, path, conds in candidates}
        if len(distinct) > 1:
            distinct = {k: v for k, v in distinct.items() if all(holds(c, symbols) is not False for c in v[2])}
        if len(distinct) != 1:
            chosen[name] = f"{arch}: cannot choose among definitions of {name}: {candidates}"
            continue  # an error only if the table needs this syscall
        args, path, _ = next(iter(distinct.values()))
        chosen[name] = (args, path)
    return chosen


def parse_prototypes(syscalls_h):
    protos = {}
    for m in PROTO_RE.finditer(strip_comments(syscalls_h)):
        name, params = m.group(1), " ".join(m.group(2).split())
        if params in ("", "void"):
            protos[name] = []
            continue
        args = []
        for p in params.split(","):
            p = p.strip()
            am = re.match(r"^(.*?[\s*])(\w+)$", p)
            if not am or normalize_type(p) in TYPES_32 | TYPES_64:
                args = None  # unnamed parameters: no names to offer
                break
            args.append((am.group(1).strip(), am.group(2)))
        if args is not None:
            protos.setdefault(name, args)
    return protos


def x86_64_entries(tbl):
    rows = []
    for line in tbl.splitlines():
        line = line.split("#", 1)[0].split()
        if len(line) < 3 or line[1] not in ("common", "64"):
            continue
        number, table_name = int(line[0]), line[2]
        entry = line[3] if len(line) > 3 else ""
        rows.append((number, table_name, entry))
    return rows


def newest_source():
    """The newest installed kernel source tarball, by version, or None."""
    def version(path):
        m = re.search(r"linux-source-(\d+)\.(\d+)", path)
        return (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    found = sorted(glob.glob(SOURCE_GLOB), key=version)
    return found[-1] if found else None


def aarch64_table_entries(headers):
    """From Linux 6.11 arm64 numbers its syscalls with the generic scripts/syscall.tbl: the "common" and "64"
    rows, and those of the ABIs arch/arm64/kernel/Makefile.syscalls adds (renameat, rlimit, ...)."""
    abis = {"common", "64"}
    for m in re.finditer(r"^syscall_abis_64\s*\+?=\s*(.*)$", headers["arch/arm64/kernel/Makefile.syscalls"], re.M):
        abis.update(m.group(1).split())
    rows = []
    for line in headers["scripts/syscall.tbl"].splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 3 or fields[1] not in abis:
            continue
        rows.append((int(fields[0]), fields[2], fields[3] if len(fields) > 3 else ""))
    return rows


def aarch64_entries(headers, workdir):
    """arm64's numbers: (number, name, entry point). Before 6.11, arm64's unistd.h expanded with cpp."""
    if "arch/arm64/kernel/Makefile.syscalls" in headers:
        return aarch64_table_entries(headers)
    for path, text in headers.items():
        if path.startswith(("include/uapi/", "arch/arm64/include/uapi/")):
            dest = os.path.join(workdir, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as fh:
                fh.write(text)
    probe = os.path.join(workdir, "probe.h")
    with open(probe, "w") as fh:
        fh.write("#define __SYSCALL(nr, entry) NSS_SYSCALL nr entry NSS_END\n#include <asm/unistd.h>\n")
    incs = ["-I", os.path.join(workdir, "arch/arm64/include/uapi"), "-I", os.path.join(workdir, "include/uapi")]
    cpp = ["cpp", "-nostdinc", "-undef", "-D__BITS_PER_LONG=64", "-D__aarch64__"] + incs
    expanded = subprocess.run(cpp + ["-P", probe], check=True, capture_output=True, text=True).stdout
    macros = subprocess.run(cpp + ["-dM", probe], check=True, capture_output=True, text=True).stdout
    numbers = {}
    for m in re.finditer(r"^#define __NR(3264)?_(\w+) (.+)$", macros, re.M):
        numbers[("3264_" if m.group(1) else "") + m.group(2)] = m.group(3).strip()
    entries = {}
    for m in re.finditer(r"NSS_SYSCALL\s+(.+?)\s+(\w+)\s+NSS_END", expanded):
        entries[evaluate(m.group(1))] = m.group(2)
    names = {}
    for name, value in numbers.items():
        if name in ("syscalls", "arch_specific_syscall") or name.startswith("3264_"):
            continue
        try:
            nr = evaluate(resolve(value, numbers))
        except ValueError:
            continue
        if nr in entries:
            if nr in names:
                sys.exit(f"gen_syscalls: aarch64 number {nr} named both {names[nr]} and {name}")
            names[nr] = name
    return [(nr, names[nr], entry) for nr, entry in sorted(entries.items()) if nr in names]


def resolve(value, numbers):
    for _ in range(10):
        new = re.sub(r"__NR(3264)?_(\w+)", lambda m: "(" + numbers.get(("3264_" if m.group(1) else "") + m.group(2), "?") + ")", value)
        if new == value:
            break
        value = new
    return value


def evaluate(expr):
    if not re.fullmatch(r"[0-9()+\s]+", expr):
        raise ValueError(expr)
    return int(eval(expr))  # only digits, parentheses and + reach here


def build(arch, rows, own, generic, protos):
    """rows: (number, table name, entry point). Returns (syscalls, aliases)."""
    syscalls, aliases = [], []
    for number, table_name, entry in rows:
        canonical = entry[4:] if entry.startswith("sys_") and entry != "sys_ni_syscall" else table_name
        where = own.get(canonical) or generic.get(canonical)
        if isinstance(where, str):
            sys.exit("gen_syscalls: " + where)
        if where:
            args, origin = where
        elif canonical in protos:
            args, origin = protos[canonical], "include/linux/syscalls.h"
        else:
            args, origin = [], "none"
        sizes = [arg_size(t, f"{origin} ({canonical})") for t, _ in args]
        syscalls.append((number, canonical, [a for _, a in args], sizes))
        if table_name != canonical:
            aliases.append((table_name, canonical))
    names = {s[1] for s in syscalls}
    if len(names) != len(syscalls):
        sys.exit(f"gen_syscalls: {arch}: duplicate canonical names")
    clashing = [a for a in aliases if a[0] in names]
    if clashing:
        sys.exit(f"gen_syscalls: {arch}: aliases clash with canonical names: {clashing}")
    return syscalls, aliases


def emit(path, class_name, arch, version, syscalls, aliases):
    def s(items):
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    lines = [
        "// <auto-generated>",
        f"// {arch} syscalls of Linux {version}, generated by tools/gen-syscalls/gen_syscalls.py from the",
        "// kernel's syscall table, unistd.h and SYSCALL_DEFINEn declarations. Do not edit: regenerate.",
        "// </auto-generated>",
        "namespace NsSandbox.Policy.Syscalls.Generated;",
        "",
        f"internal static class {class_name}",
        "{",
        f'    public const string KernelVersion = "{version}";',
        "",
        "    public static Syscall[] Entries() =>",
        "    [",
    ]
    for number, name, args, sizes in syscalls:
        sizes_text = "[" + ", ".join(str(x) for x in sizes) + "]"
        lines.append(f'        new("{name}", {number}, {s(args)}) {{ ArgumentSizes = {sizes_text} }},')
    lines += ["    ];", "", "    public static (string Alias, string Canonical)[] Aliases() =>", "    ["]
    for alias, canonical in aliases:
        lines.append(f'        ("{alias}", "{canonical}"),')
    lines += ["    ];", "}", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=None, help="kernel source tarball or directory (default: the newest "
                        "installed /usr/src/linux-source-*.tar.xz)")
    parser.add_argument("--out", default=DEFAULT_OUT)
    opts = parser.parse_args()
    opts.source = opts.source or newest_source()
    if not opts.source or not os.path.exists(opts.source):
        sys.exit(f"gen_syscalls: {opts.source or SOURCE_GLOB} not found (apt-get install linux-source-6.12)")
    headers, defines = read_sources(opts.source)
    version = kernel_version(headers["Makefile"])
    protos = parse_prototypes(headers["include/linux/syscalls.h"])
    with tempfile.TemporaryDirectory() as workdir:
        arm_rows = aarch64_entries(headers, workdir)
    x86_rows = x86_64_entries(headers["arch/x86/entry/syscalls/syscall_64.tbl"])
    for arch, rows, cls, fname in (("x86_64", x86_rows, "X86_64Syscalls", "X86_64Syscalls.g.cs"),
                                   ("aarch64", arm_rows, "Aarch64Syscalls", "Aarch64Syscalls.g.cs")):
        own, generic = parse_defines(defines, arch, arch_symbols(headers, arch))
        syscalls, aliases = build(arch, rows, own, generic, protos)
        emit(os.path.join(opts.out, fname), cls, arch, version, syscalls, aliases)
        missing = [name for _, name, args, _ in syscalls if not args]
        print(f"{arch}: {len(syscalls)} syscalls, {len(aliases)} aliases, Linux {version}; "
              f"no declared arguments: {len(missing)}")


if __name__ == "__main__":
    main()
