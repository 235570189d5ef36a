#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# kill -9 of vxm-hugepages, vxm-input and vxm-lookingglass at every stop-point of both directions, on a fake root:
# the kill lands where it should (the hook's mark, and the state that point leaves), and the undo that the unit runs
# (ExecStopPost=: release, revoke, remove) then leaves the fake host exactly as it was before the start: every path,
# mode, owner, content and ACL, and no record. (vxm-vfio's points: tests/helpers/vfio, case killed_at_stop_points.)
# Usage: test-kill.sh VXM-HUGEPAGES VXM-LOOKINGGLASS VXM-INPUT   (TAP output)
set -uo pipefail
umask 022
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/stop-point.sh
. "$here/../stop-point.sh"

hp=$1 lg=$2 inp=$3
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
check() { local what=$1; shift; "$@"; ok $? "$what"; }
# CI (VXM_TEST_NO_SKIP=1, as root) must not count a case that did not run as passed
skip() {
	n=$((n + 1))
	if [ -n "${VXM_TEST_NO_SKIP:-}" ]; then echo "not ok $n - $1 (skipping is not allowed)"; failed=$((failed + 1)); else echo "ok $n # SKIP $1"; fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/vxm-faults-XXXXXX")
trap 'rm -rf "$T"' EXIT
root=$T/root
mkdir -p "$root"
export VXM_ROOT=$root SYSTEMD_LOG_LEVEL=info
unset JOURNAL_STREAM VXM_TEST_STOP_AT VXM_TEST_STOP_MARK
out=$T/out mark=$T/mark

# run CMD...: output in $out, status in $rc
run() { "$@" >"$out" 2>&1; rc=$?; }
has() { grep -qF -- "$1" "$out" || { echo "# expected '$1' in:"; sed 's/^/#   /' "$out"; return 1; }; }

# snapshot FILE: every path with its type, mode, owner and link target, every file's content, and every ACL. The
# record directories under /run/vxm/.state (empty ones stay, as on a real host) are not host state; records are.
snapshot() {
	(cd "$root" && find . ! \( -path './run/vxm/.state*' -type d \) -printf '%p %y %m %u:%g %l\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 sha256sum &&
		getfacl -Rnsp . 2>/dev/null) >"$1"
}
# same_as FILE: the fake host is exactly as in snapshot FILE
same_as() {
	snapshot "$T/now"
	diff -u "$1" "$T/now" | sed 's/^/# /'
	cmp -s "$1" "$T/now"
}
# no_records KIND: no record of KIND (its lock, a dot file, is none)
no_records() {
	local left
	left=$(find "$root/run/vxm/.state/$1" -mindepth 1 ! -name '.*' 2>/dev/null)
	[ -z "$left" ] || { echo "# left: $left"; return 1; }
}
rec() { cat "$root/run/vxm/.state/$1" 2>/dev/null; }
# killed POINT CMD...: kill -9 CMD at POINT (stop-point.sh), as a TAP check
killed() { local p=$1; shift; check "$(basename "$1") $2 killed at $p (it stopped there and marked it)" kill_at "$p" "$mark" "$out" "$@"; }

# --- vxm-hugepages. The fake kernel is the files: nr_hugepages moves only by the helper's writes; free_hugepages is
# set by the test to what the kernel would show (3 pages in use by someone else, none free, before).
pool=$root/sys/kernel/mm/hugepages/hugepages-2048kB
mkdir -p "$pool" "$root/etc/vxm" "$root/proc/sys/vm"
echo 3 >"$pool/nr_hugepages"; echo 0 >"$pool/free_hugepages"; echo 0 >"$root/proc/sys/vm/compact_memory"
printf '[Guest]\nMemory=1G\n[Memory]\nHugepages=2M\n' >"$root/etc/vxm/hp.conf"
printf '[Guest]\nMemory=1G\n[Memory]\nHugepages=2M\n' >"$root/etc/vxm/hp2.conf"
nr() { cat "$pool/nr_hugepages"; }
free() { echo "$1" >"$pool/free_hugepages"; }
run "$hp" release hp # creates the lock file and the record directory: part of "before"
snapshot "$T/before"

killed reserve:recorded "$hp" reserve hp
check "reserve:recorded: nr_hugepages not written yet (3)" [ "$(nr)" = 3 ]
check "reserve:recorded: the record says adding" grep -qx STATE=adding "$root/run/vxm/.state/hugepages/hp"
run "$hp" release hp; check "release after reserve:recorded exits 0" [ "$rc" = 0 ]
check "release after reserve:recorded: the host is exactly as before" same_as "$T/before"

killed reserve:written "$hp" reserve hp
check "reserve:written: nr_hugepages 3 -> 515" [ "$(nr)" = 515 ]
check "reserve:written: the record still says adding" grep -qx STATE=adding "$root/run/vxm/.state/hugepages/hp"
free 512
run "$hp" release hp; check "release after reserve:written exits 0" [ "$rc" = 0 ]
check "release after reserve:written: settles what the dead helper got" has "it had added 512 of the 512 pages"
free 0
check "release after reserve:written: the host is exactly as before" same_as "$T/before"

run "$hp" reserve hp; check "reserve exits 0" [ "$rc" = 0 ]
free 512
killed release:recorded "$hp" release hp
check "release:recorded: nr_hugepages not written yet (515)" [ "$(nr)" = 515 ]
check "release:recorded: the record says releasing from 515" \
	bash -c "grep -qx STATE=releasing '$root/run/vxm/.state/hugepages/hp' && grep -qx RELEASING_FROM=515 '$root/run/vxm/.state/hugepages/hp'"
run "$hp" release hp; check "release after release:recorded exits 0" [ "$rc" = 0 ]
check "release after release:recorded: finishes the release" has "nr_hugepages 515 -> 3"
free 0
check "release after release:recorded: the host is exactly as before" same_as "$T/before"

run "$hp" reserve hp; check "reserve exits 0" [ "$rc" = 0 ]
free 512
killed release:written "$hp" release hp
check "release:written: nr_hugepages 515 -> 3" [ "$(nr)" = 3 ]
check "release:written: the record is still there" [ -e "$root/run/vxm/.state/hugepages/hp" ]
free 0
# another guest reserves before the killed guest's stop is retried: its pages are not the dead helper's to release
run "$hp" reserve hp2; check "another guest reserves after release:written" [ "$rc" = 0 ]
check "it sees that the killed release went through" has "killed right after it released the pages"
check "nr_hugepages 3 -> 515 for the other guest" [ "$(nr)" = 515 ]
free 512
run "$hp" release hp; check "the retried release of the first guest exits 0" [ "$rc" = 0 ]
check "and leaves the other guest's 512 pages alone" [ "$(nr)" = 515 ]
run "$hp" release hp2; check "release of the other guest exits 0" [ "$rc" = 0 ]
free 0
check "release:written, then another guest: the host is exactly as before" same_as "$T/before"
check "no hugepage records" no_records hugepages

# --- vxm-lookingglass: a /dev/shm file (made as an unnamed file, linked after the record) and a lent kvmfr device
mkdir -p "$root/dev/shm"
chmod 1777 "$root/dev/shm"
printf '[Guest]\nUser=nobody\n[LookingGlass]\nResolution=1920x1080\nViewer=daemon\n' >"$root/etc/vxm/lg.conf"
# lg_kills KIND RECORDED REMOVED: vxm-lookingglass killed at create:recorded and at remove:removed, each followed by
# the unit's "remove"; RECORDED and REMOVED are shell conditions on the state each point must leave
lg_kills() {
	snapshot "$T/before"
	killed create:recorded "$lg" create lg
	check "$1 create:recorded: recorded, nothing handed out yet" bash -c "$2"
	run "$lg" remove lg; check "$1 remove after create:recorded exits 0" [ "$rc" = 0 ]
	check "$1 remove after create:recorded: the host is exactly as before" same_as "$T/before"
	run "$lg" create lg; check "$1 create exits 0" [ "$rc" = 0 ]
	killed remove:removed "$lg" remove lg
	check "$1 remove:removed: given back, the record is still there" bash -c "$3"
	run "$lg" remove lg; check "$1 remove after remove:removed exits 0" [ "$rc" = 0 ]
	check "$1 remove after remove:removed: the host is exactly as before" same_as "$T/before"
}
lgrec=$root/run/vxm/.state/lookingglass/lg
run "$lg" remove lg
lg_kills /dev/shm "grep -qx KIND=shm '$lgrec' && [ -z \"\$(ls -A '$root/dev/shm')\" ]" \
	"[ ! -e '$root/dev/shm/looking-glass' ] && [ -e '$lgrec' ]"
if [ "$(id -u)" = 0 ]; then
	mknod "$root/dev/kvmfr0" c 242 0; chmod 0600 "$root/dev/kvmfr0"
	setfacl -m u:4321:r-- "$root/dev/kvmfr0" # an entry the admin gave someone before
	lent="getfacl -np '$root/dev/kvmfr0' | grep -q '^user:65534:'"
	lg_kills kvmfr "grep -qx KIND=kvmfr '$lgrec' && ! $lent" "! $lent && [ -e '$lgrec' ]"
	rm "$root/dev/kvmfr0"
else
	skip "kvmfr: mknod needs root"
fi
check "no Looking Glass records" no_records lookingglass

# --- vxm-input: two evdev nodes, one with an entry of its own before (another user's r--)
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$root/dev/input/by-id"
	mknod "$root/dev/input/event5" c 13 69; chmod 0660 "$root/dev/input/event5"
	mknod "$root/dev/input/event6" c 13 70; chmod 0640 "$root/dev/input/event6"
	setfacl -m u:4321:r-- "$root/dev/input/event6"
	ln -s ../event5 "$root/dev/input/by-id/usb-K-event-kbd"
	ln -s ../event6 "$root/dev/input/by-id/usb-M-event-mouse"
	printf '[Guest]\nUser=nobody\n[Input]\nKeyboard=auto\nMouse=auto\n' >"$root/etc/vxm/in.conf"
	run "$inp" revoke in
	snapshot "$T/before"
	acl_of() { getfacl -np "$root/dev/input/$1" | grep '^user:65534:' || true; }

	killed grant:recorded "$inp" grant in
	check "grant:recorded: recorded, no entry yet" \
		bash -c "[ -e '$root/run/vxm/.state/input/in' ] && [ -z \"\$(getfacl -np '$root/dev/input/event5' | grep '^user:65534:')\" ]"
	run "$inp" revoke in; check "revoke after grant:recorded exits 0" [ "$rc" = 0 ]
	check "revoke after grant:recorded: the host is exactly as before" same_as "$T/before"

	killed grant:node "$inp" grant in
	check "grant:node: the first device is granted, the second is not yet" \
		bash -c "[ '$(acl_of event5)' = user:65534:rw- ] && [ -z '$(acl_of event6)' ]"
	run "$inp" revoke in; check "revoke after grant:node exits 0" [ "$rc" = 0 ]
	check "revoke after grant:node: the host is exactly as before" same_as "$T/before"

	run "$inp" grant in; check "grant exits 0" [ "$rc" = 0 ]
	check "both devices granted" bash -c "[ '$(acl_of event5)' = user:65534:rw- ] && [ '$(acl_of event6)' = user:65534:rw- ]"
	killed revoke:node "$inp" revoke in
	check "revoke:node: the first device is given back, the second is still lent" \
		bash -c "[ -z '$(acl_of event5)' ] && [ '$(acl_of event6)' = user:65534:rw- ]"
	run "$inp" revoke in; check "revoke after revoke:node exits 0" [ "$rc" = 0 ]
	check "revoke after revoke:node: the host is exactly as before" same_as "$T/before"

	run "$inp" grant in; check "grant exits 0" [ "$rc" = 0 ]
	killed revoke:restored "$inp" revoke in
	check "revoke:restored: both given back, the record is still there" \
		bash -c "[ -z '$(acl_of event5)$(acl_of event6)' ] && [ -e '$root/run/vxm/.state/input/in' ]"
	run "$inp" revoke in; check "revoke after revoke:restored exits 0" [ "$rc" = 0 ]
	check "revoke after revoke:restored: the host is exactly as before" same_as "$T/before"
	# a grant after a killed grant (the unit restarted without a stop) starts from the host's real state
	killed grant:node "$inp" grant in
	run "$inp" grant in; check "grant after a killed grant exits 0" [ "$rc" = 0 ]
	check "it revoked the dead run's entries first" has "revoking it first"
	run "$inp" revoke in; check "revoke exits 0" [ "$rc" = 0 ]
	check "grant killed, grant, revoke: the host is exactly as before" same_as "$T/before"
	check "no input records" no_records input
else
	skip "vxm-input: device nodes need root"
fi

echo "1..$n"
[ "$failed" = 0 ]
