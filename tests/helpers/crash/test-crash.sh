#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# "Every change to the host is recorded before it is made": each root helper is SIGKILLed right after its first
# change to the (fake) host, by kill-after.so, and then its undo step must put the host back exactly. A helper that
# wrote its record after the change would leave the change behind here (tests/README.md lists the mutations).
# Usage: test-crash.sh KILL-AFTER.SO VXM-HUGEPAGES VXM-INPUT VXM-LOOKINGGLASS   (TAP; environment PRELOAD_FIRST: the
# ASan runtime when the helpers are built with it)
set -uo pipefail

shim=$1 hp=$2 inp=$3 lg=$4
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
check() { local what=$1; shift; "$@"; ok $? "$what"; }

if [ "$(id -u)" != 0 ]; then
	# device nodes (mknod) and ownership (chown) in the fake root
	[ -z "${VXM_TEST_NO_SKIP:-}" ] || { echo "not ok 1 - needs root (skipping is not allowed)"; echo "1..1"; exit 1; }
	echo "1..0 # SKIP needs root"
	exit 0
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/vxm-crash-XXXXXX")
trap 'rm -rf "$root"' EXIT
export VXM_ROOT=$root SYSTEMD_LOG_LEVEL=info
unset JOURNAL_STREAM
log=$root/.killed out=$root/.out

# killed_after PATH-PART HELPER ARGS...: runs the helper, which must die by SIGKILL right after changing PATH-PART
killed_after() {
	local what=$1
	shift
	rm -f "$log"
	VXM_KILL_AFTER=$what VXM_KILL_AFTER_LOG=$log LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$shim" "$@" >"$out" 2>&1
	local rc=$?
	check "$(basename "$1") $2 was killed (SIGKILL) right after changing $what" [ "$rc" = 137 ] && [ -s "$log" ]
	[ -s "$log" ] && echo "# $(cat "$log")"
	[ "$rc" = 137 ] || sed 's/^/#   /' "$out"
}
undo() { "$@" >"$out" 2>&1 || { echo "# $*: exit $?"; sed 's/^/#   /' "$out"; return 1; }; }

mkdir -p "$root/etc/vxm" "$root/proc/sys/vm"

# --- vxm-hugepages: killed after writing nr_hugepages; release must give the pages back
g2=$root/sys/kernel/mm/hugepages/hugepages-2048kB
mkdir -p "$g2"
echo 3 >"$g2/nr_hugepages"; echo 0 >"$g2/free_hugepages"; echo 0 >"$root/proc/sys/vm/compact_memory"
printf '[Guest]\nMemory=1G\n[Memory]\nHugepages=2M\n' >"$root/etc/vxm/hp.conf"
killed_after nr_hugepages "$hp" reserve hp
check "the kernel had been asked for the pages (nr_hugepages 515)" [ "$(cat "$g2/nr_hugepages")" = 515 ]
check "the record was there before" [ -f "$root/run/vxm/.state/hugepages/hp" ]
echo 512 >"$g2/free_hugepages" # nobody uses them
check "release exits 0" undo "$hp" release hp
check "nr_hugepages back to 3" [ "$(cat "$g2/nr_hugepages")" = 3 ]
check "no record left" [ ! -e "$root/run/vxm/.state/hugepages/hp" ]

# --- vxm-input: killed after the first ACL change; revoke must remove it
mkdir -p "$root/dev/input/by-id"
mknod "$root/dev/input/event5" c 13 69 && chmod 0660 "$root/dev/input/event5"
mknod "$root/dev/input/event6" c 13 70 && chmod 0660 "$root/dev/input/event6"
ln -s ../event5 "$root/dev/input/by-id/usb-K-event-kbd"
ln -s ../event6 "$root/dev/input/by-id/usb-M-event-mouse"
acl_of() { getfacl -n -p "$1" 2>/dev/null | grep -v '^#'; }
before5=$(acl_of "$root/dev/input/event5") before6=$(acl_of "$root/dev/input/event6")
printf '[Guest]\nUser=nobody\n[Input]\nKeyboard=auto\nMouse=auto\n' >"$root/etc/vxm/in.conf"
killed_after /dev/input/event "$inp" grant in
check "the ACL had been changed (an entry for nobody)" \
	bash -c "getfacl -n -p '$root/dev/input/event5' '$root/dev/input/event6' 2>/dev/null | grep -q '^user:65534:'"
check "the record was there before" [ -f "$root/run/vxm/.state/input/in" ]
check "revoke exits 0" undo "$inp" revoke in
check "event5's ACL exactly as before" [ "$(acl_of "$root/dev/input/event5")" = "$before5" ]
check "event6's ACL exactly as before" [ "$(acl_of "$root/dev/input/event6")" = "$before6" ]
check "no record left" [ ! -e "$root/run/vxm/.state/input/in" ]

# --- vxm-lookingglass: killed after handing the new file to the guest's user; remove must delete it
mkdir -p "$root/dev/shm"
printf '[Guest]\nUser=nobody\n[LookingGlass]\nResolution=1920x1080\n' >"$root/etc/vxm/lg.conf"
killed_after /dev/shm/looking-glass "$lg" create lg
check "the file exists (the kill came after the change)" [ -e "$root/dev/shm/looking-glass" ]
check "the record was there before" [ -f "$root/run/vxm/.state/lookingglass/lg" ]
check "remove exits 0" undo "$lg" remove lg
check "the file is gone" [ ! -e "$root/dev/shm/looking-glass" ]
check "no record left" [ ! -e "$root/run/vxm/.state/lookingglass/lg" ]

echo "1..$n"
[ "$failed" = 0 ]
