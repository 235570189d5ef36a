#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxm-isolate (IsolateHost=yes) against a fake root (two NUMA nodes of two 2-thread cores, CPU n and n+4 siblings, the
# GPU on node 1) and a fake systemd that writes the runtime drop-ins and cgroup files PID 1 would (lib/host/
# unit-cpus-fake.c): the units narrowed and restored exactly (value, drop-in file or its absence, reload only when
# nothing else waited for one), two guests' union, a failure half-way, SIGKILL after each step followed by release or
# recover, the host never starved, bad input refused with nothing changed.
# Usage: test-isolate.sh VXM-ISOLATE
set -euo pipefail
isolate=$(realpath "$1")

T=$(mktemp -d "${TMPDIR:-/tmp}/vxm-isolate-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
R=$T/root F=$T/systemd
export VXM_ROOT=$R VXM_ISOLATE_FAKE_SYSTEMD=$F SYSTEMD_LOG_LEVEL=info
n=0

fail() {
	printf 'not ok %d - %s\n' $((n + 1)) "$*"
	echo "# --- output:"
	sed 's/^/# /' "$T/out" 2>/dev/null || true
	echo "# --- fake systemd:"
	sed 's/^/# /' "$F" "$F.log" 2>/dev/null || true
	exit 1
}
ok() { n=$((n + 1)); printf 'ok %d - %s\n' $n "$*"; }

run() { # run VERB [NAME]: the helper; its exit status in $rc, its messages in $T/out
	rc=0
	"$isolate" "$@" >"$T/out" 2>&1 || rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit status $rc, expected $1"; }
says() { grep -Eq -- "$1" "$T/out" || fail "output lacks /$1/"; }
fake() { sed -n "s/^$1=//p" "$F"; } # fake KEY: the fake systemd's value
unit_is() { # unit_is UNIT CPUS: systemd's AllowedCPUs= and the kernel's effective cpuset
	local eff
	[ "$(fake "$1")" = "$2" ] || fail "$1: AllowedCPUs=$(fake "$1"), expected '$2'"
	eff=$(cat "$R/sys/fs/cgroup/$1/cpuset.cpus.effective" 2>/dev/null || echo none)
	[ "$eff" = "${2:-0-7}" ] || fail "$1: cpuset.cpus.effective $eff, expected ${2:-0-7}"
}
dropin() { echo "$R/run/systemd/system.control/$1.d/50-AllowedCPUs.conf"; }

new_host() {
	rm -rf "$R" "$F" "$F.log"
	local c
	mkdir -p "$R/sys/devices/system/cpu" "$R/sys/fs/cgroup" "$R/etc/vxm" "$R/run/systemd"
	echo 0-7 >"$R/sys/devices/system/cpu/online"
	for c in 0 1 2 3 4 5 6 7; do
		mkdir -p "$R/sys/devices/system/cpu/cpu$c/topology"
		echo "$((c % 4)),$((c % 4 + 4))" >"$R/sys/devices/system/cpu/cpu$c/topology/thread_siblings_list"
	done
	mkdir -p "$R/sys/devices/system/node/node0" "$R/sys/devices/system/node/node1" \
		"$R/sys/bus/pci/devices/0000:41:00.0"
	echo 0-1,4-5 >"$R/sys/devices/system/node/node0/cpulist"
	echo 2-3,6-7 >"$R/sys/devices/system/node/node1/cpulist"
	echo 1 >"$R/sys/bus/pci/devices/0000:41:00.0/numa_node"
	echo "cpuset cpu io memory pids" >"$R/sys/fs/cgroup/cgroup.controllers"
	for u in system.slice user.slice init.scope; do
		mkdir -p "$R/sys/fs/cgroup/$u"
		echo 0-7 >"$R/sys/fs/cgroup/$u/cpuset.cpus.effective"
		printf '%s=\n%s.config=\n%s.loaded=absent\n' $u $u $u >>"$F"
	done
	# the guests' vxm-isolate@ units run (a killed helper's unit has failed: tests say so with busy)
	busy a b c d
	# a: auto on the GPU's node (core 3/7); b: 2,6 by hand
	guest a "CPUs=2\nCPUAffinity=auto\nIsolateHost=yes\n[PCI]\nDevice=0000:41:00.0"
	guest b "CPUs=2\nCPUAffinity=2,6\nIsolateHost=yes"
}
guest() { printf "[Guest]\n$2\n" >"$R/etc/vxm/$1.conf"; }
busy() { # busy NAME...: only these guests' vxm-isolate@ units are running
	local g units=
	for g in "$@"; do units+=" vxm-isolate@$g.service"; done
	sed -i '/^busy=/d' "$F"
	echo "busy=${units# }" >>"$F"
}

# untouched: the host as new_host made it, no record, no drop-in
untouched() {
	for u in system.slice user.slice init.scope; do
		unit_is $u ""
		[ ! -e "$(dropin $u)" ] && [ ! -e "$R/run/systemd/system.control/$u.d" ] ||
			fail "$1: a runtime drop-in of $u is left"
	done
	[ -z "$(ls "$R/run/vxm/.state/isolate" 2>/dev/null)" ] || fail "$1: records left: $(ls "$R/run/vxm/.state/isolate")"
	[ ! -e "$R/run/vxm/.state/isolate-host/original" ] || fail "$1: the original record is left"
	[ "$(fake system.slice.loaded)" = absent ] || fail "$1: systemd still has a drop-in of system.slice loaded"
	ok "$1: the host is exactly as before (values, no drop-ins, no records, systemd's view)"
}

# --- one guest: apply, then release ---
new_host
run apply a
expect_rc 0
says "Host processes \(system.slice, user.slice and init.scope\) now run on CPUs 0-2,4-6: guest a keeps CPUs 3,7 free"
for u in system.slice user.slice init.scope; do unit_is $u 0-2,4-6; done
grep -qx "AllowedCPUs=0-2,4-6" "$(dropin init.scope)" && grep -qx '\[Scope\]' "$(dropin init.scope)" ||
	fail "no runtime drop-in for init.scope"
grep -qx "CPUS=3,7" "$R/run/vxm/.state/isolate/a" || fail "record of a: $(cat "$R/run/vxm/.state/isolate/a")"
grep -qx "BEFORE.system.slice=" "$R/run/vxm/.state/isolate-host/original" &&
	grep -qx "DROPIN.user.slice=absent" "$R/run/vxm/.state/isolate-host/original" &&
	grep -qx "DROPIN_DIR.init.scope=absent" "$R/run/vxm/.state/isolate-host/original" ||
	fail "original record: $(cat "$R/run/vxm/.state/isolate-host/original")"
ok "apply a: the three units on 0-2,4-6 (systemd and the cgroup), records written"
[ "$(head -n3 "$F.log" | tr '\n' ' ')" = "set system.slice 0-2,4-6 set user.slice 0-2,4-6 set init.scope 0-2,4-6 " ] ||
	fail "calls: $(cat "$F.log")"
ok "each unit set once, in order"

run apply a
expect_rc 0
unit_is system.slice 0-2,4-6
ok "apply again (a restart): the same"

run release a
expect_rc 0
says "No guest isolates the host any more"
grep -qx reload "$F.log" || fail "no daemon-reload after removing the drop-ins"
untouched "release a"
run release a
expect_rc 0
untouched "release again: nothing to do"

# --- two guests: the union stays free; the last one restores ---
new_host
run apply a && run apply b
expect_rc 0
says "all isolating guests 2-3,6-7"
for u in system.slice user.slice init.scope; do unit_is $u 0-1,4-5; done
ok "a and b: the host keeps 0-1,4-5"
run release a
expect_rc 0
for u in system.slice user.slice init.scope; do unit_is $u 0-1,3-5,7; done
[ -e "$R/run/vxm/.state/isolate-host/original" ] || fail "original record dropped while b runs"
ok "a leaves: the host gets 3,7 back, b's 2,6 stay free"
run release b
untouched "b leaves last"

# --- what the administrator had is kept and put back byte for byte ---
new_host
mkdir -p "$R/run/systemd/system.control/system.slice.d"
printf '# set by hand\n[Slice]\nAllowedCPUs=0-5\n' >"$(dropin system.slice)"
touch -d '2020-01-01' "$(dropin system.slice)"
admin=$(sed 's/^/x/' "$(dropin system.slice)" | base64 -w0)
sed -i -e 's/^system.slice=$/system.slice=0-5/' "$F"
sed -i "s|^system.slice.loaded=absent|system.slice.loaded=# set by hand\\\\n[Slice]\\\\nAllowedCPUs=0-5\\\\n|" "$F"
echo 0-5 >"$R/sys/fs/cgroup/system.slice/cpuset.cpus.effective"
run apply a
expect_rc 0
unit_is system.slice 0-2,4-5
unit_is user.slice 0-2,4-6
ok "an administrator's AllowedCPUs=0-5 on system.slice is narrowed, never widened"
run release a
expect_rc 0
unit_is system.slice 0-5
[ "$(sed 's/^/x/' "$(dropin system.slice)" | base64 -w0)" = "$admin" ] || fail "drop-in: $(cat "$(dropin system.slice)")"
[ ! -e "$(dropin user.slice)" ] || fail "user.slice drop-in left"
grep -qx reload "$F.log" || fail "no reload"
[ "$(fake system.slice)" = 0-5 ] || fail "after the reload: system.slice=$(fake system.slice)"
ok "release: system.slice back to 0-5 with its drop-in byte for byte, user.slice's removed, reloaded"

# changes waiting for a reload before vxm came are not vxm's to activate
new_host
sed -i 's|^user.slice.config=|user.slice.config=0-3|' "$F"
mkdir -p "$R/run/systemd/system.control/user.slice.d"
printf '[Slice]\nAllowedCPUs=1\n' >"$(dropin user.slice)"
run apply a
grep -qx "RELOAD_PENDING.user.slice=yes" "$R/run/vxm/.state/isolate-host/original" || fail "pending reload not recorded"
run release a
expect_rc 0
says "not reloading now"
! grep -qx reload "$F.log" || fail "reloaded although the administrator's change was waiting"
[ "$(cat "$(dropin user.slice)")" = "$(printf '[Slice]\nAllowedCPUs=1')" ] || fail "user.slice drop-in not restored"
unit_is user.slice ""
ok "a change that waited for a daemon-reload still waits: no reload, its drop-in put back"

# --- failures ---
new_host
echo "fail-set=user.slice" >>"$F"
run apply a
expect_rc 1
says "Cannot set AllowedCPUs=0-2,4-6 on user.slice through systemd: Input/output error"
says "Giving guest a's CPUs back to the host after the failure"
sed -i '/^fail-set=/d' "$F"
untouched "systemd refuses user.slice half-way"

new_host
guest c "CPUs=4\nCPUAffinity=0-3\nIsolateHost=yes"
guest d "CPUs=4\nCPUAffinity=4-7\nIsolateHost=yes"
run apply c
expect_rc 0
run apply d
expect_rc 1
says "The isolating guests keep CPUs 0-7 free, which leaves no CPU to system.slice: refusing to starve the host"
for u in system.slice user.slice init.scope; do unit_is $u 4-7; done
[ ! -e "$R/run/vxm/.state/isolate/d" ] || fail "d's record left"
ok "two guests together would take every CPU: the second is refused, the first keeps its isolation"
run release c
untouched "c leaves"

new_host
echo "cpu io memory pids" >"$R/sys/fs/cgroup/cgroup.controllers"
run apply a
expect_rc 1
says "needs the cpuset cgroup controller"
untouched "no cpuset controller"

new_host
guest bad "CPUs=2\nCPUAffinity=2-3\nIsolateHost=yes\nEmulatorCPUs=99"
run apply bad
expect_rc 1
says "/etc/vxm/bad.conf:5: EmulatorCPUs=99: CPU 99 does not exist on this host \(it has CPUs 0-7\)"
untouched "a bad config"
guest plain "CPUs=2\nCPUAffinity=2-3"
run apply plain
expect_rc 0
says "does not isolate the host"
untouched "IsolateHost=no"
run apply nosuch
expect_rc 1
says "No guest nosuch"
run apply '../x'
expect_rc 2
ok "usage errors exit 2"

# --- SIGKILL after each step: release (ExecStopPost=) and recover (OnFailure=, boot) put everything back ---
stopped() { [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = T ]; }
kill_at() { # kill_at VERB:STEP VERB NAME: run the helper until it stops itself after STEP, then SIGKILL it
	local pid i
	VXM_TEST_STOP_AT=$1 "$isolate" "$2" "$3" >"$T/out" 2>&1 &
	pid=$!
	for i in $(seq 100); do stopped $pid && break; sleep 0.05; done
	stopped $pid || fail "the helper did not stop after $1"
	kill -9 $pid
	wait $pid 2>/dev/null || true
}
for step in record original system.slice user.slice init.scope; do
	new_host
	kill_at "apply:$step" apply a
	run release a
	expect_rc 0
	untouched "killed after apply:$step, then release"
done
for step in system.slice user.slice init.scope dropins; do
	new_host
	run apply a
	kill_at "release:$step" release a
	busy # its unit failed (and OnFailure= runs recover)
	run recover
	expect_rc 0
	untouched "killed after release:$step, then recover"
done

# recover leaves running guests alone and drops only the stale ones
new_host
run apply a && run apply b
busy b
run recover
expect_rc 0
says "Guest a keeps CPUs free, but vxm-isolate@a.service is not running: dropping its record"
for u in system.slice user.slice init.scope; do unit_is $u 0-1,3-5,7; done
[ -e "$R/run/vxm/.state/isolate/b" ] || fail "b's record dropped"
ok "recover: a's stale record dropped, b (running) keeps 2,6 free"
busy
run recover
untouched "recover at boot: nothing runs"

echo "1..$n"
