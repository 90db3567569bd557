# Helpers for guest scripts: `. /vm/lib.sh`. Every result is one line on stdout:
#   VMCASE <name> PASS|FAIL|SKIP <detail>        (name: no spaces; detail: one line)
#   VMDONE                                       (last line: the script finished)

# vm_pass NAME DETAIL... / vm_fail NAME DETAIL... / vm_skip NAME DETAIL...
vm_pass() { _vm_line "$1" PASS "$@"; }
vm_fail() { _vm_line "$1" FAIL "$@"; }
vm_skip() { _vm_line "$1" SKIP "$@"; }
_vm_line() {
  _n=$1 _s=$2
  shift 3
  printf 'VMCASE %s %s %s\n' "$_n" "$_s" "$(printf '%s' "$*" | tr '\n\r' '  ' | cut -c1-400)"
}

# vm_check NAME COMMAND...: PASS when COMMAND exits 0, FAIL otherwise; the detail is the command's
# output (stdout and stderr, flattened to one line). Returns the command's status.
vm_check() {
  _cn=$1
  shift
  _out=$("$@" 2>&1)
  _rc=$?
  if [ $_rc -eq 0 ]; then vm_pass "$_cn" "$_out"; else vm_fail "$_cn" "exit $_rc: $_out"; fi
  return $_rc
}

# vm_done: the last line of every guest script
vm_done() { echo VMDONE; }
