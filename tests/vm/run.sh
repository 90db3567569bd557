#!/usr/bin/env bash
# tests/vm/run.sh: run a guest test script inside a small qemu VM that has a real cgroup v2 kernel.
#
# Boots Debian's linux-image-amd64 kernel under qemu-system-x86_64 (TCG, no KVM needed) with a busybox
# initramfs assembled on every run, runs the --script as root in the guest, and relays the guest's
# result lines (VMCASE ... / VMDONE) on stdout. Everything else (progress, timings, the summary and, on
# failure, the tail of the console) goes to stderr, prefixed with "vm:". See tests/vm/README.md.
#
# Exit codes (stable):
#   0  the guest printed VMDONE, at least one VMCASE, no FAIL, and the script exited 0
#   1  the tests ran but failed: a VMCASE FAIL, a malformed VMCASE line, no VMCASE at all,
#      no VMDONE, or the guest script exited non-zero
#   2  usage error (bad flags, missing files)
#   3  host setup error (installing qemu, fetching the kernel or busybox, resolving libraries)
#   4  the VM did not boot: the guest never reached the point where it starts the script
#   5  timeout: qemu was killed after --timeout seconds
#   6  the guest died while the script ran (kernel panic, pid 1 killed, poweroff from the script)
#   128+N  run.sh itself was stopped by signal N (qemu is stopped too)
set -euo pipefail
shopt -s lastpipe
umask 022

readonly EX_OK=0 EX_FAIL=1 EX_USAGE=2 EX_SETUP=3 EX_NOBOOT=4 EX_TIMEOUT=5 EX_CRASH=6

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NSVM_CACHE:-$VM_DIR/cache}
T_START=$EPOCHREALTIME

# ---------------------------------------------------------------------------------------------- flags
BINARY=""
SCRIPT=""
ADDS=()
ENVS=()
MODULES=()
TIMEOUT=300
MEMORY=1024
SMP=2
CPU=max
APPEND_EXTRA=""
KERNEL_OVERRIDE=""
PVH=1
SHELL_MODE=0
VERBOSE=0
KEEP=0
SETUP_ONLY=0
REFRESH=0

usage() {
  cat <<'EOF'
usage: tests/vm/run.sh --script FILE [options]

Boots Debian's kernel in qemu with a busybox initramfs and runs FILE (busybox sh, as root) in the guest.
Guest result lines go to stdout; progress, timings and diagnostics go to stderr.

  --script FILE        guest script to run (required unless --shell or --setup-only)
  --binary PATH        put PATH at /usr/local/bin/nssandbox (plus the shared libraries it needs)
  --add SRC:DST        copy SRC (file or directory) to DST (absolute) in the guest; repeatable.
                       ELF files get their shared libraries copied too. DST ending in / keeps the name.
  --env NAME=VALUE     export NAME=VALUE to the guest script; repeatable
  --module NAME        load kernel module NAME (and its dependencies) before the script; repeatable
  --timeout SECS       hard limit on the whole qemu run (default 300)
  --memory MB          guest memory (default 1024)
  --smp N              guest CPUs (default 2)
  --cpu MODEL          qemu CPU model (default max: every feature TCG emulates, e.g. SSE4.2, AVX2)
  --append ARGS        extra kernel command-line arguments
  --kernel PATH        boot this kernel image (bzImage or an ELF vmlinux with a PVH note) instead of
                       the cached Debian one
  --no-pvh             boot the compressed bzImage instead of the extracted vmlinux (slower)
  --shell              interactive debugging: console on this terminal, after the script (optional)
                       drop to a guest shell; exit the shell to power off (Ctrl-A X kills qemu)
  --verbose, -v        copy the whole serial console to stderr as it arrives
  --keep               keep the staged root and initramfs in the run directory
  --refresh            re-resolve the kernel and busybox packages through apt (else the cache is used)
  --setup-only         install/fetch everything the harness needs, then exit (CI pre-warm)
  -h, --help           this help

Exit codes: 0 pass, 1 tests failed, 2 usage, 3 host setup, 4 VM did not boot, 5 timeout,
6 guest died while the script ran. Cache and console logs: tests/vm/cache/ (NSVM_CACHE overrides).
EOF
}

say() { printf 'vm: %s\n' "$*" >&2; }
die() { local code=$1; shift; say "error: $*"; exit "$code"; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die $EX_USAGE "$1 needs a value (see --help)"; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --binary) need_arg "$@"; BINARY=$2; shift 2 ;;
    --script) need_arg "$@"; SCRIPT=$2; shift 2 ;;
    --add) need_arg "$@"; ADDS+=("$2"); shift 2 ;;
    --env) need_arg "$@"; ENVS+=("$2"); shift 2 ;;
    --module) need_arg "$@"; MODULES+=("$2"); shift 2 ;;
    --timeout) need_arg "$@"; TIMEOUT=$2; shift 2 ;;
    --memory) need_arg "$@"; MEMORY=$2; shift 2 ;;
    --smp) need_arg "$@"; SMP=$2; shift 2 ;;
    --cpu) need_arg "$@"; CPU=$2; shift 2 ;;
    --append) need_arg "$@"; APPEND_EXTRA=$2; shift 2 ;;
    --kernel) need_arg "$@"; KERNEL_OVERRIDE=$2; shift 2 ;;
    --no-pvh) PVH=0; shift ;;
    --shell) SHELL_MODE=1; shift ;;
    --verbose|-v) VERBOSE=1; shift ;;
    --keep) KEEP=1; shift ;;
    --refresh) REFRESH=1; shift ;;
    --setup-only) SETUP_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die $EX_USAGE "unknown argument: $1" ;;
  esac
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
if ! is_uint "$TIMEOUT" || ((TIMEOUT == 0)); then
  die $EX_USAGE "--timeout must be a positive integer (seconds), got '$TIMEOUT'"
fi
if ! is_uint "$MEMORY" || ((MEMORY < 128)); then
  die $EX_USAGE "--memory must be an integer >= 128 (MiB), got '$MEMORY'"
fi
if ! is_uint "$SMP" || ((SMP == 0)); then
  die $EX_USAGE "--smp must be a positive integer, got '$SMP'"
fi
if ((SETUP_ONLY == 0)); then
  if [[ -z $SCRIPT ]]; then
    ((SHELL_MODE)) || die $EX_USAGE "--script FILE is required (see --help)"
  else
    [[ -f $SCRIPT ]] || die $EX_USAGE "--script $SCRIPT: no such file"
  fi
fi
[[ -z $BINARY || -f $BINARY ]] || die $EX_USAGE "--binary $BINARY: no such file"
[[ -z $KERNEL_OVERRIDE || -f $KERNEL_OVERRIDE ]] || die $EX_USAGE "--kernel $KERNEL_OVERRIDE: no such file"
for a in "${ADDS[@]}"; do
  [[ $a == *:/* ]] || die $EX_USAGE "--add $a: expected SRC:DST with an absolute DST"
  src=${a%:/*}
  [[ -e $src ]] || die $EX_USAGE "--add $a: $src does not exist"
done
for e in "${ENVS[@]}"; do
  [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die $EX_USAGE "--env $e: expected NAME=VALUE"
done
for m in "${MODULES[@]}"; do
  [[ $m =~ ^[A-Za-z0-9_-]+$ ]] || die $EX_USAGE "--module $m: expected a module name such as veth"
done

# ------------------------------------------------------------------------------------ host setup
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one setup at a time; released before qemu starts

APT_UPDATED=0
apt_update_once() {
  ((APT_UPDATED)) && return 0
  say "apt-get update"
  apt-get update -qq >"$CACHE/apt.log" 2>&1 || { cat "$CACHE/apt.log" >&2; return 1; }
  APT_UPDATED=1
}

# apt_install PKG...: install missing Debian packages (idempotent; only called when something is missing).
apt_install() {
  [[ $(id -u) == 0 ]] || die $EX_SETUP "need root to install $* (apt-get install -y --no-install-recommends $*)"
  say "installing $* with apt-get"
  local i
  for i in 1 2; do
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "$@" >"$CACHE/apt.log" 2>&1; then
      return 0
    fi
    if ((i == 1)); then apt_update_once || break; fi
  done
  tail -20 "$CACHE/apt.log" >&2
  die $EX_SETUP "apt-get install $* failed (log: $CACHE/apt.log)"
}

ensure_host_tools() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v cpio >/dev/null || missing+=(cpio)
  command -v gzip >/dev/null || missing+=(gzip)
  command -v xz >/dev/null || missing+=(xz-utils)
  command -v zstd >/dev/null || missing+=(zstd)
  command -v ldd >/dev/null || missing+=(libc-bin)
  command -v dpkg-deb >/dev/null || missing+=(dpkg)
  if ((${#MODULES[@]})); then
    command -v depmod >/dev/null && command -v modprobe >/dev/null || missing+=(kmod)
  fi
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
}

# apt_fetch PKG DIR: download the .deb of PKG (candidate version) into DIR; sets FETCHED_DEB.
apt_fetch() {
  local pkg=$1 dir=$2 tmp deb
  mkdir -p "$dir"
  if ! apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1; then
    apt_update_once || return 1
  fi
  tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
  # apt-get download runs as _apt where it can; let it write here
  chmod 0777 "$tmp"
  if ! (cd "$tmp" && apt-get download -qq "$pkg" >"$CACHE/apt.log" 2>&1); then
    if ! { apt_update_once && (cd "$tmp" && apt-get download -qq "$pkg" >"$CACHE/apt.log" 2>&1); }; then
      tail -5 "$CACHE/apt.log" >&2
      rm -rf "$tmp"
      return 1
    fi
  fi
  deb=$(find "$tmp" -maxdepth 1 -name '*.deb' -print -quit)
  [[ -n $deb ]] || { rm -rf "$tmp"; return 1; }
  mv -f "$deb" "$dir/"
  rm -rf "$tmp"
  FETCHED_DEB=$dir/$(basename "$deb")
}

# extract_vmlinux BZIMAGE OUT: decompress the ELF kernel out of a bzImage so qemu can boot it through
# the PVH entry point, which skips the in-guest decompression (about 2 s under TCG).
extract_vmlinux() {
  local img=$1 out=$2 i off
  # magic bytes (no NUL: bash strings cannot hold one) and the matching decompressor
  local magics=($'\xfd7zXZ' $'(\xb5/\xfd' $'\x1f\x8b\x08') tools=("xz -dc" "zstd -dcq" "gzip -dc")
  for i in 0 1 2; do
    for off in $(LC_ALL=C grep -abo "${magics[i]}" "$img" 2>/dev/null | cut -d: -f1 | head -3); do
      tail -c +$((off + 1)) "$img" | ${tools[i]} >"$out.tmp" 2>/dev/null || true
      if [[ -s $out.tmp && $(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then
        mv "$out.tmp" "$out"
        return 0
      fi
    done
  done
  rm -f "$out.tmp"
  return 1
}

# Kernel cache: $CACHE/kernel/<package>_<version>/{vmlinuz,vmlinux,config,kver,deb}; "current" names one.
ensure_kernel() {
  local kroot=$CACHE/kernel cur="" pkg ver dir deb kver
  mkdir -p "$kroot"
  [[ -f $kroot/current ]] && cur=$(<"$kroot/current")
  if ((REFRESH == 0)) && [[ -n $cur && -f $kroot/$cur/vmlinuz ]]; then
    KDIR=$kroot/$cur
    KERNEL_STATE=cached
    return 0
  fi
  apt-cache show --no-all-versions linux-image-amd64 >/dev/null 2>&1 || apt_update_once ||
    die $EX_SETUP "apt-get update failed"
  if ((REFRESH)); then apt_update_once || die $EX_SETUP "apt-get update failed"; fi
  # linux-image-amd64 is a metapackage; the kernel is in the linux-image-<abi>-amd64 it depends on.
  pkg=$(apt-cache show --no-all-versions linux-image-amd64 | sed -n 's/^Depends: *\(linux-image-[^ ,]*\).*/\1/p' | head -1)
  [[ -n $pkg ]] || die $EX_SETUP "cannot resolve the package behind linux-image-amd64 (apt-cache show linux-image-amd64)"
  ver=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: *//p' | head -1)
  dir=$kroot/${pkg}_$ver
  if [[ ! -f $dir/vmlinuz ]]; then
    say "fetching kernel $pkg $ver (apt-get download; not installed on the host)"
    apt_fetch "$pkg" "$CACHE/downloads" || die $EX_SETUP "apt-get download $pkg failed (log: $CACHE/apt.log)"
    deb=$FETCHED_DEB
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/x"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.tmp/x" ./boot ||
      die $EX_SETUP "cannot extract /boot from $deb"
    kver=$(cd "$dir.tmp/x/boot" && ls vmlinuz-* | head -1)
    kver=${kver#vmlinuz-}
    [[ -n $kver ]] || die $EX_SETUP "$deb has no /boot/vmlinuz-*"
    mv "$dir.tmp/x/boot/vmlinuz-$kver" "$dir.tmp/vmlinuz"
    mv "$dir.tmp/x/boot/config-$kver" "$dir.tmp/config" 2>/dev/null || true
    rm -rf "$dir.tmp/x"
    printf '%s\n' "$kver" >"$dir.tmp/kver"
    printf '%s\n' "$deb" >"$dir.tmp/deb"
    if grep -q '^CONFIG_PVH=y' "$dir.tmp/config" 2>/dev/null; then
      extract_vmlinux "$dir.tmp/vmlinuz" "$dir.tmp/vmlinux" ||
        say "warning: could not extract an ELF vmlinux from the bzImage; booting the bzImage (slower)"
    fi
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    KERNEL_STATE=downloaded
  else
    KERNEL_STATE=cached
  fi
  printf '%s\n' "${pkg}_$ver" >"$kroot/current"
  KDIR=$dir
  # drop kernels (and their .debs) that are no longer current
  local old
  for old in "$kroot"/*/; do
    old=${old%/}
    [[ $old == "$dir" ]] && continue
    [[ -f $old/deb ]] && rm -f "$(<"$old/deb")"
    rm -rf "$old"
  done
}

# Busybox cache: $CACHE/busybox/<version>/busybox (from busybox-static, never installed on the host).
ensure_busybox() {
  local broot=$CACHE/busybox cur="" ver dir deb
  mkdir -p "$broot"
  [[ -f $broot/current ]] && cur=$(<"$broot/current")
  if ((REFRESH == 0)) && [[ -n $cur && -x $broot/$cur/busybox ]]; then
    BUSYBOX=$broot/$cur/busybox
    return 0
  fi
  apt-cache show --no-all-versions busybox-static >/dev/null 2>&1 || apt_update_once ||
    die $EX_SETUP "apt-get update failed"
  ver=$(apt-cache show --no-all-versions busybox-static | sed -n 's/^Version: *//p' | head -1)
  [[ -n $ver ]] || die $EX_SETUP "apt-cache knows no busybox-static"
  dir=$broot/${ver//:/_}
  if [[ ! -x $dir/busybox ]]; then
    say "fetching busybox-static $ver (apt-get download)"
    apt_fetch busybox-static "$CACHE/downloads" || die $EX_SETUP "apt-get download busybox-static failed"
    deb=$FETCHED_DEB
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/x"
    dpkg-deb -x "$deb" "$dir.tmp/x"
    mv "$dir.tmp/x/bin/busybox" "$dir.tmp/busybox" || die $EX_SETUP "$deb has no /bin/busybox"
    rm -rf "$dir.tmp/x"
    "$dir.tmp/busybox" --list-full >"$dir.tmp/applets"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  printf '%s\n' "${ver//:/_}" >"$broot/current"
  BUSYBOX=$dir/busybox
}

# The busybox part of the initramfs (busybox, its ~400 applet links, the directory skeleton and the
# console node) is the same on every run, so it is archived once per busybox version; each run appends
# a second, small archive (the kernel unpacks concatenated cpio archives in order).
make_skeleton() { # DIR
  mkdir -p "$1"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/local/sbin,etc,proc,sys,dev,tmp,run,root,mnt,newroot,vm}
  chmod 0755 "$1"/{bin,sbin,usr,usr/bin,usr/sbin,usr/local,usr/local/bin,usr/local/sbin,etc,proc,sys,dev,run,mnt,newroot,vm}
  chmod 1777 "$1/tmp"
  chmod 0700 "$1/root"
}
ensure_base_archive() {
  local dir b applet
  dir=$(dirname "$BUSYBOX")
  BASE_ARCHIVE=$dir/base.cpio.gz
  [[ -f $BASE_ARCHIVE ]] && return 0
  b=$dir/base.tmp
  rm -rf "$b" && make_skeleton "$b"
  cp "$BUSYBOX" "$b/bin/busybox"
  while IFS= read -r applet; do
    [[ $applet == bin/busybox ]] || ln -s /bin/busybox "$b/$applet"
  done <"$dir/applets"
  # a console node lets the kernel hand /init its stdio before anything is mounted (mknod needs
  # root; without it Debian's kernel falls back on the /dev/console of its built-in initramfs)
  mknod -m 600 "$b/dev/console" c 5 1 2>/dev/null || true
  mknod -m 666 "$b/dev/null" c 1 3 2>/dev/null || true
  (cd "$b" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$BASE_ARCHIVE.tmp"
  mv "$BASE_ARCHIVE.tmp" "$BASE_ARCHIVE"
  rm -rf "$b"
}

# Kernel modules are extracted from the cached .deb only when --module asks for one.
ensure_modules_tree() {
  local kver deb
  kver=$(<"$KDIR/kver")
  MODROOT=$KDIR/modules
  [[ -f $MODROOT/lib/modules/$kver/modules.dep ]] && return 0
  deb=$(<"$KDIR/deb")
  [[ -f $deb ]] || die $EX_SETUP "the kernel .deb $deb is gone; rerun with --refresh"
  say "extracting kernel modules from $(basename "$deb")"
  rm -rf "$MODROOT.tmp" && mkdir -p "$MODROOT.tmp"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$MODROOT.tmp" ./lib/modules || die $EX_SETUP "cannot extract modules"
  depmod -b "$MODROOT.tmp" "$kver" || die $EX_SETUP "depmod -b $MODROOT.tmp $kver failed"
  rm -rf "$MODROOT" && mv "$MODROOT.tmp" "$MODROOT"
}

ensure_host_tools
KERNEL_STATE=given
if [[ -n $KERNEL_OVERRIDE ]]; then
  ((${#MODULES[@]} == 0)) || die $EX_USAGE "--module needs the cached Debian kernel, not --kernel"
else
  ensure_kernel
fi
ensure_busybox
ensure_base_archive
((${#MODULES[@]} == 0)) || ensure_modules_tree
if ((SETUP_ONLY)); then
  flock -u 9
  say "setup done: kernel $(<"$KDIR/kver") ($KERNEL_STATE), busybox $BUSYBOX, qemu $(command -v qemu-system-x86_64)"
  exit $EX_OK
fi

# ---------------------------------------------------------------------------------- run directory
RUN_ID=$(date +%Y%m%d-%H%M%S)-$$
RUN_DIR=$CACHE/runs/$RUN_ID
ROOT=$RUN_DIR/root
mkdir -p "$ROOT"
ln -sfn "runs/$RUN_ID" "$CACHE/last"
# keep the 20 newest run directories
ls -1dt "$CACHE"/runs/*/ 2>/dev/null | tail -n +21 | xargs -r rm -rf
flock -u 9
CONSOLE_LOG=$RUN_DIR/console.log
RESULT_FILE=$RUN_DIR/result.txt

# ------------------------------------------------------------------------------ stage the guest root
T_BUILD0=$EPOCHREALTIME
make_skeleton "$ROOT"

cat >"$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$ROOT/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
nobody:x:65534:
EOF
echo nssandbox-vm >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost nssandbox-vm\n::1 localhost\n' >"$ROOT/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$ROOT/etc/nsswitch.conf"

# copy_with_libs SRC DST: copy a file into the guest root and, if it is a dynamic ELF, every shared
# library ldd resolves for it (including the dynamic loader), each at the same path as on the host.
declare -A COPIED_LIBS=()
copy_libs_of() {
  local f=$1 line lib out
  [[ $(head -c 4 "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] || return 0
  out=$(ldd "$f" 2>&1) || return 0 # static binaries and non-executables: nothing to copy
  if grep -q 'not found' <<<"$out"; then
    die $EX_SETUP "ldd $f: missing libraries on the host:"$'\n'"$(grep 'not found' <<<"$out")"
  fi
  while IFS= read -r line; do
    lib=""
    if [[ $line =~ =\>\ (/[^ ]+) ]]; then
      lib=${BASH_REMATCH[1]}
    elif [[ $line =~ ^[[:space:]]*(/[^ ]+) ]]; then
      lib=${BASH_REMATCH[1]}
    fi
    [[ -n $lib && -z ${COPIED_LIBS[$lib]:-} ]] || continue
    COPIED_LIBS[$lib]=1
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -L "$lib" "$ROOT$lib"
  done <<<"$out"
}

stage_file() {
  local src=$1 dst=$2 f
  if [[ $dst == */ ]]; then dst=$dst$(basename "$src"); fi
  mkdir -p "$ROOT$(dirname "$dst")"
  rm -rf "${ROOT:?}$dst"
  cp -a "$src" "$ROOT$dst"
  if [[ -d $src ]]; then
    while IFS= read -r -d '' f; do copy_libs_of "$f"; done < <(find "$src" -type f -print0)
  else
    copy_libs_of "$src"
  fi
}

[[ -n $BINARY ]] && stage_file "$BINARY" /usr/local/bin/nssandbox && chmod 0755 "$ROOT/usr/local/bin/nssandbox"
for a in "${ADDS[@]}"; do
  stage_file "${a%:/*}" "/${a##*:/}"
done
if [[ -n $SCRIPT ]]; then
  cp "$SCRIPT" "$ROOT/vm/test.sh"
else
  printf 'echo "no --script given"\n' >"$ROOT/vm/test.sh"
fi
chmod 0755 "$ROOT/vm/test.sh"
cp "$VM_DIR/guest/lib.sh" "$ROOT/vm/lib.sh"
cp "$VM_DIR/guest/init" "$ROOT/init"
cp "$VM_DIR/guest/init2" "$ROOT/sbin/nsvm-init"
chmod 0755 "$ROOT/init" "$ROOT/sbin/nsvm-init"
{
  for e in "${ENVS[@]}"; do
    v=${e#*=}
    printf "export %s='%s'\n" "${e%%=*}" "${v//\'/\'\\\'\'}"
  done
  printf 'NSVM_SHELL=%s\n' "$SHELL_MODE"
} >"$ROOT/vm/env"

# kernel modules: NAME.ko plus its dependencies and soft dependencies, in load order, as kmod's
# modprobe resolves them against the cached module tree (depmod ran once when it was extracted)
if ((${#MODULES[@]})); then
  KVER=$(<"$KDIR/kver")
  declare -A MOD_SEEN=()
  MOD_ORDER=()
  for m in "${MODULES[@]}"; do
    out=$(modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" 2>&1) ||
      die $EX_USAGE "--module $m: $out"
    while read -r kind path _; do
      case $kind in
        builtin) say "module $path is built into the kernel; nothing to load" ;;
        insmod)
          rel=${path#"$MODROOT"} # "/./lib/modules/..." -> "/lib/modules/..."
          rel=${rel#/}
          rel=/${rel#./}
          [[ -n ${MOD_SEEN[$rel]:-} ]] && continue
          MOD_SEEN[$rel]=1
          mkdir -p "$ROOT$(dirname "$rel")"
          cp "$path" "$ROOT$rel"
          MOD_ORDER+=("$rel") ;;
      esac
    done <<<"$out"
  done
  ((${#MOD_ORDER[@]} == 0)) || printf '%s\n' "${MOD_ORDER[@]}" >"$ROOT/vm/modules"
fi

INITRD=$RUN_DIR/initramfs.cpio.gz
cp "$BASE_ARCHIVE" "$INITRD"
(cd "$ROOT" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >>"$INITRD"
INITRD_KB=$(($(stat -c %s "$INITRD") / 1024))
T_BUILD1=$EPOCHREALTIME

# ---------------------------------------------------------------------------------------- boot
if [[ -n $KERNEL_OVERRIDE ]]; then
  KERNEL=$KERNEL_OVERRIDE
  KVER_LABEL=$(basename "$KERNEL_OVERRIDE")
elif ((PVH)) && [[ -f $KDIR/vmlinux ]]; then
  KERNEL=$KDIR/vmlinux
  KVER_LABEL="$(<"$KDIR/kver") (PVH vmlinux)"
else
  KERNEL=$KDIR/vmlinuz
  KVER_LABEL="$(<"$KDIR/kver") (bzImage)"
fi

# quiet + loglevel=3 keep kernel chatter off the console the results share; panic=-1 with -no-reboot
# turns a kernel panic into a prompt qemu exit instead of a hang until the timeout; cryptomgr.notests
# skips crypto self-tests (~0.3 s under TCG). no_timer_check: on a loaded host a TCG guest can miss the
# IO-APIC timer check's deadline and panic at boot ("IO-APIC + timer doesn't work").
CMDLINE="console=ttyS0 quiet loglevel=3 panic=-1 cryptomgr.notests no_timer_check"
[[ -n $APPEND_EXTRA ]] && CMDLINE="$CMDLINE $APPEND_EXTRA"

QEMU=(qemu-system-x86_64 -nographic -nodefaults -no-user-config -no-reboot
  -cpu "$CPU" -m "$MEMORY" -smp "$SMP" -kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE")

setup_s=$(awk -v a="$T_START" -v b="$T_BUILD1" 'BEGIN{printf "%.1f", b-a}')
build_s=$(awk -v a="$T_BUILD0" -v b="$T_BUILD1" 'BEGIN{printf "%.1f", b-a}')
say "kernel $KVER_LABEL [$KERNEL_STATE], initramfs ${INITRD_KB} KiB built in ${build_s}s, setup ${setup_s}s"
say "run dir $RUN_DIR"

if ((SHELL_MODE)); then
  say "interactive: the guest drops to a shell after the script; 'exit' powers off, Ctrl-A X kills qemu"
  QEMU+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$CONSOLE_LOG" -serial chardev:con -mon chardev=con)
  set +e
  "${QEMU[@]}"
  rc=$?
  set -e
  say "qemu exited with $rc; console log: $CONSOLE_LOG"
  exit $rc
fi

QEMU+=(-serial stdio)
SEEN_INIT="" SEEN_BEGIN="" SEEN_END="" SEEN_DONE=0 SCRIPT_RC=""
N_CASES=0 N_PASS=0 N_FAIL=0 N_SKIP=0 N_BAD=0
FAILED_CASES=()
: >"$CONSOLE_LOG"
: >"$RESULT_FILE"

# handle_line LINE: runs for every console line as it arrives (timestamps the markers, relays results).
handle_line() {
  local line=$1
  printf '%s\n' "$line" >>"$CONSOLE_LOG"
  ((VERBOSE)) && printf 'console| %s\n' "$line" >&2
  case $line in
    *@@NSVM:INIT@@*) SEEN_INIT=$EPOCHREALTIME; return ;;
    *@@NSVM:BEGIN@@*) SEEN_BEGIN=$EPOCHREALTIME; return ;;
    *@@NSVM:END\ rc=*@@*)
      SEEN_END=$EPOCHREALTIME
      SCRIPT_RC=${line#*@@NSVM:END rc=}
      SCRIPT_RC=${SCRIPT_RC%%@@*}
      return ;;
  esac
  if [[ -z $SEEN_BEGIN || -n $SEEN_END ]]; then
    # outside the script: surface what the guest's init printed (kernel lines start with "[")
    [[ -n $SEEN_INIT && -n $line && $line != \[* ]] && say "guest init: $line"
    return 0
  fi
  printf '%s\n' "$line" >>"$RESULT_FILE"
  printf '%s\n' "$line"
  if [[ $line == VMCASE* ]]; then
    if [[ $line =~ ^VMCASE\ ([^[:space:]]+)\ (PASS|FAIL|SKIP)(\ .*)?$ ]]; then
      N_CASES=$((N_CASES + 1))
      case ${BASH_REMATCH[2]} in
        PASS) N_PASS=$((N_PASS + 1)) ;;
        FAIL) N_FAIL=$((N_FAIL + 1)); FAILED_CASES+=("${BASH_REMATCH[1]}") ;;
        SKIP) N_SKIP=$((N_SKIP + 1)) ;;
      esac
    else
      N_BAD=$((N_BAD + 1))
    fi
  elif [[ $line =~ ^VMDONE([[:space:]].*)?$ ]]; then
    SEEN_DONE=1
  fi
}

# if run.sh itself is stopped (a test runner's timeout, Ctrl-C), stop qemu too instead of leaving it
# running until --timeout; the read loop below runs in this shell, so the trap fires promptly
QEMU+=(-pidfile "$RUN_DIR/qemu.pid")
# shellcheck disable=SC2317 # invoked through trap
on_signal() {
  local pid
  pid=$(cat "$RUN_DIR/qemu.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
  [[ $KEEP == 1 ]] || rm -rf "$ROOT" "$INITRD"
  say "interrupted by SIG$1: qemu stopped; console log: $CONSOLE_LOG"
  exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

T_QEMU0=$EPOCHREALTIME
set +e
timeout --kill-after=10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1 |
  while IFS= read -r line || [[ -n $line ]]; do
    handle_line "${line//$'\r'/}"
  done
QEMU_RC=${PIPESTATUS[0]}
set -e
T_END=$EPOCHREALTIME
[[ $KEEP == 1 ]] || rm -rf "$ROOT" "$INITRD"

secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
total_s=$(secs "$T_START" "$T_END")
qemu_s=$(secs "$T_QEMU0" "$T_END")
boot_s=NA script_s=NA kernel_s=NA init_s=NA
[[ -n $SEEN_BEGIN ]] && boot_s=$(secs "$T_QEMU0" "$SEEN_BEGIN")
[[ -n $SEEN_INIT ]] && kernel_s=$(secs "$T_QEMU0" "$SEEN_INIT")
[[ -n $SEEN_INIT && -n $SEEN_BEGIN ]] && init_s=$(secs "$SEEN_INIT" "$SEEN_BEGIN")
[[ -n $SEEN_BEGIN && -n $SEEN_END ]] && script_s=$(secs "$SEEN_BEGIN" "$SEEN_END")

show_tail() {
  local notable
  say "last 40 lines of the console ($CONSOLE_LOG):"
  tail -n 40 "$CONSOLE_LOG" | sed 's/^/vm: | /' >&2
  notable=$(grep -a -m 8 -E 'Kernel panic|BUG:|Oops|Call Trace|segfault|qemu-system|qemu:|nsvm-init:|not syncing' "$CONSOLE_LOG" || true)
  [[ -z $notable ]] || { say "notable console lines:"; sed 's/^/vm: ! /' <<<"$notable" >&2; }
}

STATUS="" EXIT=$EX_OK REASON=""
if [[ $QEMU_RC == 124 || $QEMU_RC == 137 ]]; then
  STATUS=timeout EXIT=$EX_TIMEOUT
  if [[ -z $SEEN_INIT ]]; then REASON="during kernel boot"
  elif [[ -z $SEEN_BEGIN ]]; then REASON="during guest init"
  elif [[ -z $SEEN_END ]]; then REASON="while the guest script ran"
  else REASON="after the guest script (poweroff hung)"; fi
  REASON="qemu killed after ${TIMEOUT}s $REASON"
elif [[ -z $SEEN_INIT || -z $SEEN_BEGIN ]]; then
  STATUS=noboot EXIT=$EX_NOBOOT
  if [[ -z $SEEN_INIT ]]; then
    REASON="the kernel never started /init (qemu exit $QEMU_RC)"
  else
    REASON="/init started but never reached the guest script (qemu exit $QEMU_RC)"
  fi
elif [[ -z $SEEN_END ]]; then
  STATUS=crashed EXIT=$EX_CRASH
  REASON="the guest died while the script ran (qemu exit $QEMU_RC): kernel panic, pid 1 killed or poweroff"
else
  STATUS=fail EXIT=$EX_FAIL
  if ((N_FAIL)); then REASON="failed: ${FAILED_CASES[*]}"
  elif ((N_BAD)); then REASON="$N_BAD malformed VMCASE line(s): expected 'VMCASE <name> PASS|FAIL|SKIP <detail>'"
  elif ((SEEN_DONE == 0)); then REASON="the script ended without printing VMDONE (exit $SCRIPT_RC)"
  elif ((N_CASES == 0)); then REASON="the script printed no VMCASE line"
  elif [[ $SCRIPT_RC != 0 ]]; then REASON="the script exited with $SCRIPT_RC"
  else STATUS=pass EXIT=$EX_OK REASON="$N_PASS passed, $N_SKIP skipped"; fi
fi

((EXIT == EX_TIMEOUT || EXIT == EX_NOBOOT || EXIT == EX_CRASH)) && show_tail
fmt_s() { [[ $1 == NA ]] && printf 'n/a' || printf '%ss' "$1"; }
say "timing: boot $(fmt_s "$boot_s") (qemu start to guest script: kernel $(fmt_s "$kernel_s") + init $(fmt_s "$init_s")), script $(fmt_s "$script_s"), qemu $(fmt_s "$qemu_s"), total $(fmt_s "$total_s")"
say "result: ${STATUS^^}: $REASON"
say "console log: $CONSOLE_LOG (latest run: $CACHE/last/console.log)"
say "summary status=$STATUS exit=$EXIT cases=$N_CASES pass=$N_PASS fail=$N_FAIL skip=$N_SKIP malformed=$N_BAD vmdone=$SEEN_DONE script_rc=${SCRIPT_RC:-NA} boot_s=$boot_s script_s=$script_s total_s=$total_s console=$CONSOLE_LOG"
exit $EXIT
