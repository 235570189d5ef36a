# SPDX-License-Identifier: BSD-3-Clause
# What the helper tests on a fake sysfs share (sourced by test-vfio.sh and ../shared/test-shared.sh): a scratch root
# $R in $T, running a program under the fake kernel (run), and assertions on its output and on the fake host.
# Needs PCI_MOCK (and PRELOAD_FIRST for ASan builds) in the environment.
# shellcheck shell=bash

T=$(mktemp -d "${TMPDIR:-/tmp}/vxm-helper-test.XXXXXX")
R=$T/root
holder= systemd=
cleanup() {
	[ -z "$holder" ] || kill "$holder" 2>/dev/null || true
	[ -z "$systemd" ] || kill "$systemd" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	printf 'FAIL: %s\n' "$*"
	[ ! -s "$T/out" ] || { echo "--- last output:"; cat "$T/out"; }
	[ ! -s "$T/mock.log" ] || { echo "--- fake kernel log:"; cat "$T/mock.log"; }
	exit 1
}
ok() { printf 'ok: %s\n' "$*"; }

# run PROGRAM ARGS...: under the fake kernel; output in $T/out (also shown), exit status in $rc (124: it hung)
run() {
	local prog=$1
	shift
	printf '+ %s %s\n' "${prog##*/}" "$*"
	rc=0
	env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" \
		SYSTEMD_LOG_LEVEL=info timeout 20 "$prog" "$@" >"$T/out" 2>&1 || rc=$?
	sed 's/^/    /' "$T/out"
}

expect_rc() {
	[ "$rc" = "$1" ] || fail "exit status $rc, expected $1"
	ok "exit status $1"
}
expect_out() {
	grep -Eq -- "$1" "$T/out" || fail "output lacks /$1/"
	ok "says /$1/"
}
expect_not_out() {
	! grep -Eq -- "$1" "$T/out" || fail "output has /$1/"
	ok "does not say /$1/"
}

driver_of() {
	local l=$R/sys/bus/pci/devices/$1/driver
	if [ -L "$l" ]; then basename "$(readlink "$l")"; else echo none; fi
}
expect_driver() {
	[ "$(driver_of "$1")" = "$2" ] || fail "$1 is on $(driver_of "$1"), expected $2"
	ok "$1 on $2"
}
expect_override() {
	local got
	got=$(cat "$R/sys/bus/pci/devices/$1/driver_override")
	[ "$got" = "$2" ] || fail "driver_override of $1 is '$got', expected '$2'"
	ok "$1 driver_override $2"
}
expect_record() {
	[ -f "$R/run/vxm/.state/vfio/$1" ] || fail "no record for $1"
	grep -qx -- "$2" "$R/run/vxm/.state/vfio/$1" || { cat "$R/run/vxm/.state/vfio/$1"; fail "record of $1 lacks '$2'"; }
	ok "record of $1 has $2"
}
expect_no_record() {
	[ ! -e "$R/run/vxm/.state/vfio/$1" ] || fail "record for $1 still there"
	ok "no record for $1"
}
expect_node() { # PATH OWNER:GROUP MODE | absent
	local p=$R$1
	if [ "$2" = absent ]; then
		[ ! -e "$p" ] || fail "$1 exists"
		ok "$1 absent"
		return
	fi
	[ -e "$p" ] || fail "$1 missing"
	[ "$(stat -c '%U:%G %a' "$p")" = "$2 $3" ] || fail "$1 is $(stat -c '%U:%G %a' "$p"), expected $2 $3"
	ok "$1 is $2 $3"
}

# expect_acl PATH ENTRIES: the named-user entries and the mask of PATH's ACL, one per line in getfacl -n's order
# ("" for none: no ACL beyond owner, group and other)
expect_acl() {
	local got
	got=$(getfacl -cpn "$R$1" 2>/dev/null | grep -E '^(user:[0-9]+|mask)::?' || true)
	[ "$got" = "$2" ] || fail "ACL of $1 is '${got//$'\n'/ }', expected '${2//$'\n'/ }'"
	ok "ACL of $1: ${2:-none}"
}

# snapshot FILE: every path, type, mode, owner, link target and file content under the root (not /proc)
snapshot() {
	(cd "$R" && find . -path ./proc -prune -o -printf '%p %y %m %u:%g %l\n' | sort &&
		find . -path ./proc -prune -o -type f -print0 | sort -z | xargs -0 sha256sum) >"$1"
}
expect_unchanged() {
	snapshot "$T/after"
	diff -u "$T/before" "$T/after" || fail "the fake host changed"
	ok "nothing changed on the (fake) host"
}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		# CI (VXM_TEST_NO_SKIP=1) runs as root: a skip there would be a case that silently did not run.
		[ -z "${VXM_TEST_NO_SKIP:-}" ] || fail "needs root (chown of /dev/vfio nodes), and skipping is not allowed"
		echo "skip: needs root (chown of /dev/vfio nodes)"
		exit 77
	fi
}

