#!/bin/sh
# Usage: check_child_code.sh OBJDIR
# The code the child of clone runs (nss_child.o, nss_stage2.o, nss_target.o) shares the spawning thread's TLS
# (native/nss_sys.h): it must neither read nor write %fs: (a stack protector canary, errno, libc's state) nor
# call into libc, except memset/memcpy, which keep no state. Prints each offence and exits 1 if there is one.
set -eu
dir=$1
objects="$dir/nss_child.o $dir/nss_stage2.o $dir/nss_target.o"
status=0
for o in $objects; do
    # Functions whose disassembly mentions %fs:, as "object: function: instruction".
    objdump -d --no-show-raw-insn "$o" | awk -v o="${o##*/}" '
        /^[0-9a-f]+ <.*>:$/ { fn = $2 }
        /%fs:/ { sub(/^[ \t]+/, ""); print o ": " fn " " $0; bad = 1 }
        END { exit bad }' || status=1
done
defined=$(nm --defined-only $objects | awk 'NF == 3 { print $3 }' | sort -u)
for sym in $(nm -u $objects | awk '$1 == "U" { print $2 }' | sort -u); do
    case $sym in memset | memcpy | memmove | __memset_chk | __memcpy_chk | __memmove_chk) continue ;; esac
    if ! printf '%s\n' "$defined" | grep -qx "$sym"; then
        echo "calls $sym, outside the child's own code"
        status=1
    fi
done
[ $status -eq 0 ] && echo "child code: no %fs: access, no libc call"
exit $status
