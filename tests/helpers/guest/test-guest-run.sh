#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxm-guest and vxm-swtpm for real, as an unprivileged user (nobody when run as root), in a fake root with Debian's
# firmware descriptors and OVMF images: QEMU under TCG with Secure Boot (SMM) and a TPM, QMP answers, the stop path
# (power button, then quit after ShutdownTimeout=), the variable store is created once and kept, swtpm goes away
# when QEMU is killed, QEMU's failure is vxm-guest's exit status, and bad input changes nothing.
# Usage: test-guest-run.sh VXM-GUEST VXM-SWTPM QMP-CALL
set -euo pipefail
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022

guest=$(realpath "$1") swtpm=$(realpath "$2") qmp=$(realpath "$3")
# Without its tools the test cannot run: a skip, except where skipping is not allowed (CI: VXM_TEST_NO_SKIP=1).
skip() {
	if [ -n "${VXM_TEST_NO_SKIP:-}" ]; then
		echo "FAIL: $* (VXM_TEST_NO_SKIP is set: install it)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}
for t in qemu-system-x86_64 swtpm swtpm_setup; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
[ -e /usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json ] || skip "no ovmf"


tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
root=$tmp/root
export VXM_ROOT=$root

if [ "$(id -u)" = 0 ]; then
	user=nobody
	as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
else
	user=$(id -un)
	as_user() { "$@"; }
fi
# for `... &`: the background subshell becomes the program, so $! is its PID
exec_as_user() { exec "$(command -v setpriv)" --reuid="$user" --regid="$(id -g "$user")" --clear-groups "$@"; }
[ "$(id -u)" = 0 ] || exec_as_user() { exec "$@"; }
uid=$(id -u "$user")

fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok - $*"; }
wait_for() { # SECONDS CMD...
	local end=$((SECONDS + $1)); shift
	until "$@" 2>/dev/null; do [ $SECONDS -lt $end ] || return 1; sleep 0.1; done
}

mkdir -p "$root/etc/vxm" "$root/usr/share/qemu/firmware" "$root/usr/share/OVMF" "$root/run" "$root/var/lib"
cp /usr/share/qemu/firmware/*.json "$root/usr/share/qemu/firmware/"
cp /usr/share/OVMF/OVMF_CODE_4M*.fd /usr/share/OVMF/OVMF_VARS_4M*.fd "$root/usr/share/OVMF/"
# /run/vxm/guests/NAME and /var/lib/vxm/NAME are made by systemd (RuntimeDirectory=, StateDirectory=) for the unit's
# user; outside systemd the helpers make them, in parents that this test lends to that user
install -d -o "$user" "$root/run/vxm/guests" "$root/var/lib/vxm"
cat >"$root/etc/vxm/demo.conf" <<CONF
[Guest]
Memory=256M
CPUs=2
Accelerator=tcg
User=$user
ShutdownTimeout=3s
[Firmware]
SecureBoot=yes
[TPM]
Enable=yes
[Network]
Mode=none
CONF
cd "$tmp"
run=$root/run/vxm/guests/demo state=$root/var/lib/vxm/demo

# --- swtpm: manufactured once, socket ready when the helper says so ---
t0=$SECONDS
exec_as_user "$swtpm" run demo >"$tmp/swtpm.log" 2>&1 &
spid=$!; pids+=("$spid")
wait_for 20 test -S "$run/swtpm.sock" || { cat "$tmp/swtpm.log"; fail "no swtpm socket"; }
ok "swtpm socket after $((SECONDS - t0)) s"
[ -s "$state/tpm/tpm2-00.permall" ] || fail "TPM not manufactured"
[ "$(stat -c %u "$state/tpm/tpm2-00.permall")" = "$uid" ] || fail "TPM state not owned by $user"
grep -q "Manufacturing the TPM" "$tmp/swtpm.log" || fail "no manufacturing message"
[ "$(stat -c %a "$run/swtpm.sock")" = 600 ] || fail "swtpm socket mode $(stat -c %a "$run/swtpm.sock")"
ok "TPM manufactured as $user, socket mode 0600"

# --- QEMU ---
exec_as_user "$guest" run demo 2>"$tmp/guest.log" &
gpid=$!; pids+=("$gpid")
as_user "$guest" started demo "$gpid" 2>"$tmp/started.log" || fail "started: $(cat "$tmp/started.log")"
grep -q "Guest demo is running (QEMU PID $gpid" "$tmp/started.log" || fail "started: $(cat "$tmp/started.log")"
ok "started (by hand): $(cat "$tmp/started.log")"
status=$("$qmp" "$run/qmp.sock" query-status) || fail "query-status"
[[ $status == *'"status":"running"'* ]] || fail "not running: $status"
ok "QEMU running: $status"
tpm=$("$qmp" "$run/qmp.sock" query-tpm) || fail "query-tpm"
[[ $tpm == *'"model":"tpm-crb"'* && $tpm == *'"type":"emulator"'* ]] || fail "query-tpm: $tpm"
ok "TPM attached: $tpm"
[ "$(readlink /proc/$gpid/exe)" = "$(readlink -f "$(command -v qemu-system-x86_64)")" ] || fail "PID $gpid is not QEMU"
quid=$(awk '/^Uid:/ { print $2 }' /proc/$gpid/status)
[ "$quid" = "$uid" ] && [ "$quid" != 0 ] || fail "QEMU uid $quid"
ok "vxm-guest exec'd QEMU (same PID) as uid $quid"
vars=$state/OVMF_VARS_4M.ms.fd
[ -f "$vars" ] && [ "$(stat -c %u:%a "$vars")" = "$uid:600" ] || fail "VARS copy: $(ls -l "$state")"
ok "VARS copy $(stat -c '%U %a' "$vars")"
grep -q "Created the UEFI variable store" "$tmp/guest.log" || fail "no VARS creation message"
grep -q "40-edk2-x86_64-secure-enrolled.json" "$tmp/guest.log" || fail "firmware not logged"
inode=$(stat -c %i "$vars")

# --- stop: the power button goes unanswered by OVMF under TCG within 3 s, so quit ---
t0=$(date +%s%N)
as_user "$guest" stop demo "$gpid" 2>"$tmp/stop.log" || fail "stop failed: $(cat "$tmp/stop.log")"
took=$((($(date +%s%N) - t0) / 1000000))
cat "$tmp/stop.log"
grep -Eq "did not shut down within 3s|shut down after" "$tmp/stop.log" || fail "no shutdown message"
rc=0; wait "$gpid" || rc=$?
[ "$rc" = 0 ] || fail "QEMU exit status $rc after stop"
[ "$took" -lt 9000 ] || fail "stop took $took ms"
ok "stopped in $took ms, QEMU exit status 0"
wait_for 5 sh -c "! kill -0 $spid" || fail "swtpm still running after QEMU quit"
ok "swtpm exited with QEMU (--terminate)"

# --- second start: no manufacturing, the same variable store ---
exec_as_user "$swtpm" run demo >"$tmp/swtpm2.log" 2>&1 &
spid=$!; pids+=("$spid")
wait_for 20 test -S "$run/swtpm.sock" || fail "no swtpm socket (2nd)"
exec_as_user "$guest" run demo 2>"$tmp/guest2.log" &
gpid=$!; pids+=("$gpid")
wait_for 20 test -S "$run/qmp.sock" || fail "no QMP socket (2nd)"
"$qmp" "$run/qmp.sock" query-status >/dev/null || fail "query-status (2nd)"
! grep -q "Manufacturing" "$tmp/swtpm2.log" || fail "TPM manufactured twice"
[ "$(stat -c %i "$vars")" = "$inode" ] && ! grep -q "Created the UEFI" "$tmp/guest2.log" || fail "VARS recreated"
ok "restart keeps the TPM state and the variable store"

# --- QEMU killed: swtpm follows; stop afterwards is a quick no-op ---
kill -9 "$gpid"
wait "$gpid" 2>/dev/null || true
wait_for 5 sh -c "! kill -0 $spid" || fail "swtpm survived QEMU's SIGKILL"
ok "swtpm exits when QEMU is killed"
t0=$SECONDS
as_user "$guest" stop demo 2>"$tmp/stop2.log" || fail "stop after crash failed"
grep -q "is not running" "$tmp/stop2.log" || fail "stop after crash: $(cat "$tmp/stop2.log")"
[ $((SECONDS - t0)) -lt 3 ] || fail "stop after crash was slow"
ok "stop with QEMU gone: $(cat "$tmp/stop2.log")"

# --- real QEMU takes the disks and hand-picked firmware, with ',', '=' and blanks in their paths ---
mkdir -p "$root/srv/fw,id=evil" "$root/srv/vm images"
cp /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_VARS_4M.fd "$root/srv/fw,id=evil/"
qemu-img create -q -f qcow2 "$root/srv/vm images/sys=1.qcow2" 64M
truncate -s 16M "$root/srv/vm images/raw.img" "$root/srv/vm images/ro.img"
chown "$user" "$root/srv/vm images/"*
cat >"$root/etc/vxm/disks.conf" <<CONF
[Guest]
Memory=128M
Accelerator=tcg
User=$user
ShutdownTimeout=1s
[Firmware]
Code=/srv/fw,id=evil/OVMF_CODE_4M.fd
Vars=/srv/fw,id=evil/OVMF_VARS_4M.fd
[Storage]
Disk=/srv/vm images/sys=1.qcow2,bus=nvme
Disk=/srv/vm images/raw.img
Disk=/srv/vm images/ro.img,readonly=yes
CONF
exec_as_user "$guest" run disks 2>"$tmp/disks.log" &
dpid=$!; pids+=("$dpid")
as_user "$guest" started disks "$dpid" 2>>"$tmp/disks.log" || fail "disks guest: $(cat "$tmp/disks.log")"
blocks=$("$qmp" "$root/run/vxm/guests/disks/qmp.sock" query-block) || fail "query-block"
for want in '"ro":false,"node-name":"vxm-disk0","backing_file_depth":0,"drv":"qcow2"' \
	'"ro":false,"node-name":"vxm-disk1","backing_file_depth":0,"drv":"raw"' \
	'"ro":true,"node-name":"vxm-disk2","backing_file_depth":0,"drv":"raw"' '"ro":true,"node-name":"vxm-code"' \
	'"file":"'"$root"'/srv/fw,id=evil/OVMF_CODE_4M.fd"' '"file":"'"$root"'/srv/vm images/sys=1.qcow2"'; do
	[[ $blocks == *"$want"* ]] || fail "query-block lacks $want: $blocks"
done
ok "QEMU opened qcow2 on NVMe, raw, read-only raw and the firmware at paths with ',', '=' and blanks"
as_user "$guest" stop disks "$dpid" 2>/dev/null || fail "stop disks"
wait "$dpid" || fail "disks guest exit status $?"

# --- a hung QEMU: answers QMP but never exits; stop ends with SIGTERM to the PID it was given ---
mkdir -p "$root/run/vxm/guests/hung"
sed -e 's/^ShutdownTimeout=.*/ShutdownTimeout=1s/' -e '/^\[TPM\]/,/^Enable/d' "$root/etc/vxm/demo.conf" \
	>"$root/etc/vxm/hung.conf"
python3 - "$root/run/vxm/guests/hung/qmp.sock" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
c.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\n')
f = c.makefile("rb")
for line in f:  # answers every command, exits never (until killed)
    c.sendall(b'{"return": {}}\n')
PY
fake=$!; pids+=("$fake")
exec_as_user sleep 1000 &
victim=$!; pids+=("$victim")
wait_for 10 test -S "$root/run/vxm/guests/hung/qmp.sock" || fail "fake QMP socket"
chown -R "$user" "$root/run/vxm/guests/hung"
t0=$SECONDS
as_user "$guest" stop hung "$victim" 2>"$tmp/hung.log" || true
grep -q "did not shut down within 1s" "$tmp/hung.log" && grep -q "QEMU did not quit; sending SIGTERM to QEMU (PID $victim)" \
	"$tmp/hung.log" || fail "hung QEMU: $(cat "$tmp/hung.log")"
rc=0; wait "$victim" || rc=$?
[ "$rc" = 143 ] || fail "the hung process ended with $rc, not by SIGTERM"
ok "hung QEMU: power button, quit, then SIGTERM after $((SECONDS - t0)) s"
kill "$fake" 2>/dev/null || true

# --- ShutdownTimeout=0: no power button, QEMU is told to quit at once (a fake QMP that logs what it is asked) ---
mkdir -p "$root/run/vxm/guests/now"
sed -e 's/^ShutdownTimeout=.*/ShutdownTimeout=0/' -e '/^\[TPM\]/,/^Enable/d' "$root/etc/vxm/demo.conf" \
	>"$root/etc/vxm/now.conf"
python3 - "$root/run/vxm/guests/now/qmp.sock" "$tmp/now.commands" <<'PY' &
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
c.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\n')
with open(sys.argv[2], "w") as log:
    for line in c.makefile("rb"):
        cmd = json.loads(line)["execute"]
        print(cmd, file=log, flush=True)
        c.sendall(b'{"return": {}}\n')
        if cmd == "quit":
            break  # QEMU exits: the connection closes
PY
fake=$!; pids+=("$fake")
wait_for 10 test -S "$root/run/vxm/guests/now/qmp.sock" || fail "fake QMP socket (now)"
chown -R "$user" "$root/run/vxm/guests/now"
as_user "$guest" stop now 2>"$tmp/now.log" || fail "stop now: $(cat "$tmp/now.log")"
wait "$fake" || fail "the fake QEMU did not get its quit"
[ "$(tr '\n' ' ' <"$tmp/now.commands")" = "qmp_capabilities quit " ] ||
	fail "ShutdownTimeout=0 sent: $(tr '\n' ' ' <"$tmp/now.commands")"
grep -q "Stopping guest now without the ACPI power button (ShutdownTimeout=0): quitting QEMU." "$tmp/now.log" &&
	grep -q "QEMU of guest now quit after" "$tmp/now.log" || fail "ShutdownTimeout=0: $(cat "$tmp/now.log")"
ok "ShutdownTimeout=0: quit at once, no power button: $(tr '\n' ' ' <"$tmp/now.log")"

# --- QEMU's failure is the exit status, its words on stderr ---
sed -e '/^\[TPM\]/,/^Enable/d' -e 's/^\[Network\]/[PCI]\nDevice=0000:7f:1f.7\n[Network]/' \
	"$root/etc/vxm/demo.conf" >"$root/etc/vxm/broken.conf"
rc=0; as_user "$guest" run broken 2>"$tmp/broken.log" || rc=$?
[ "$rc" != 0 ] || fail "QEMU failure not propagated"
grep -q "0000:7f:1f.7" "$tmp/broken.log" || fail "QEMU's error not shown: $(cat "$tmp/broken.log")"
rc=0; as_user "$guest" started broken 999999 2>"$tmp/started2.log" || rc=$?
[ "$rc" = 1 ] && grep -q "exited during start" "$tmp/started2.log" || fail "started with QEMU gone: $(cat "$tmp/started2.log")"
ok "QEMU's exit status $rc propagates: $(grep -v Executing "$tmp/broken.log" | grep -m1 7f:1f.7)"

# --- bad input: named with file:line, nothing created ---
mkdir -p "$root/srv"
echo 'not a rom' >"$root/srv/bad.rom"
sed 's|^\[Network\]|[PCI]\nDevice=01:00.0,romfile=/srv/bad.rom\n[Network]|' "$root/etc/vxm/demo.conf" \
	>"$root/etc/vxm/badrom.conf"
rc=0; as_user "$guest" run badrom 2>"$tmp/badrom.log" || rc=$?
[ "$rc" = 1 ] || fail "bad ROM: exit status $rc"
grep -q "/etc/vxm/badrom.conf:1[0-9]: Device=: romfile=/srv/bad.rom: no 0x55AA" "$tmp/badrom.log" ||
	fail "bad ROM message: $(cat "$tmp/badrom.log")"
[ ! -e "$root/var/lib/vxm/badrom" ] || fail "bad ROM: state created"
ok "bad ROM refused: $(head -n1 "$tmp/badrom.log")"

# --- under systemd (Type=notify): run forks QEMU and stays as the start watcher, READY=1 and MAINPID=QEMU once the
# guest runs, then it exits; QEMU gets no $NOTIFY_SOCKET. notify-listener.py plays PID 1's side (incl. the barrier). ---
here=$(dirname "$(realpath "$0")")
notify() { # LISTENER-OUTPUT: start a listener on a new socket $sock, its output in the file (not in a subshell: the
	# listener is killed on exit with the other $pids)
	sock=$tmp/notify-${#pids[@]}.sock
	python3 "$here/notify-listener.py" "$sock" >"$1" 2>&1 &
	pids+=("$!")
	wait_for 10 grep -q listening "$1" || fail "notify listener did not start"
}
cat >"$root/etc/vxm/watched.conf" <<CONF
[Guest]
Memory=128M
CPUs=1
Accelerator=tcg
User=$user
ShutdownTimeout=0
[Network]
Mode=none
CONF
notify "$tmp/notify.out"
NOTIFY_SOCKET=$sock exec_as_user "$guest" run watched 2>"$tmp/watched.log" &
wpid=$!; pids+=("$wpid")
rc=0; wait "$wpid" || rc=$?
[ "$rc" = 0 ] || fail "run under systemd: exit status $rc: $(cat "$tmp/watched.log")"
grep -q "READY=1 MAINPID=[0-9]* STATUS=Running" "$tmp/notify.out" || fail "no READY=1: $(cat "$tmp/notify.out")"
qpid=$(sed -n 's/.*MAINPID=\([0-9]*\).*/\1/p' "$tmp/notify.out")
pids+=("$qpid")
[ "$qpid" != "$wpid" ] || fail "MAINPID is the watcher"
[ "$(readlink /proc/"$qpid"/exe)" = "$(readlink -f "$(command -v qemu-system-x86_64)")" ] || fail "MAINPID $qpid is not QEMU"
st=$("$qmp" "$root/run/vxm/guests/watched/qmp.sock" query-status) || fail "query-status"
[[ $st == *'"status":"running"'* ]] || fail "READY=1 before the guest runs: $st"
! tr '\0' '\n' <"/proc/$qpid/environ" | grep -q '^NOTIFY_SOCKET=' || fail "QEMU was given \$NOTIFY_SOCKET"
grep -q "Guest watched is running (QEMU PID $qpid" "$tmp/watched.log" || fail "watcher: $(cat "$tmp/watched.log")"
ok "under systemd: READY=1 MAINPID=$qpid (QEMU, running, no \$NOTIFY_SOCKET), the watcher exited 0"
as_user "$guest" stop watched "$qpid" 2>/dev/null || fail "stop watched"
wait_for 10 sh -c "! kill -0 $qpid" || fail "QEMU $qpid still running after stop"

# A QEMU that never answers (VXM_QEMU: a stand-in that only sleeps), stopped during start: systemd's SIGTERM reaches
# the watcher (the main process); it passes it on to QEMU and exits, no READY=1.
printf '#!/bin/sh\nexec sleep 300\n' >"$tmp/mute-qemu"
chmod 755 "$tmp/mute-qemu"
notify "$tmp/notify2.out"
NOTIFY_SOCKET=$sock VXM_QEMU=$tmp/mute-qemu exec_as_user "$guest" run watched 2>"$tmp/mute.log" &
wpid=$!; pids+=("$wpid")
# QEMU is the watcher's sibling (CLONE_PARENT: under systemd, PID 1's own child), here this script's child
wait_for 20 pgrep -u "$uid" -f '^sleep 300$' >/dev/null || fail "no stand-in QEMU: $(cat "$tmp/mute.log")"
mpid=$(pgrep -u "$uid" -f '^sleep 300$')
[ "$(awk '{ print $4 }' /proc/"$mpid"/stat)" = $$ ] || fail "QEMU $mpid is not the sibling of the watcher $wpid"
kill -TERM "$wpid"
rc=0; wait "$wpid" || rc=$?
wait_for 10 sh -c "! kill -0 $mpid" || true
[ "$rc" != 0 ] || fail "stopped during start: the watcher exited 0"
! kill -0 "$mpid" 2>/dev/null || fail "the stand-in QEMU $mpid outlived the watcher"
! grep -q READY=1 "$tmp/notify2.out" || fail "READY=1 although stopped: $(cat "$tmp/notify2.out")"
grep -q "Guest watched was stopped while it was starting" "$tmp/mute.log" || fail "$(cat "$tmp/mute.log")"
ok "stopped during start: SIGTERM passed on to QEMU, watcher exit status $rc, no READY=1"

# --- placement (issue 12): QEMU starts paused, `started` pins its threads as the user, reads them back, lets it run ---
# The host's real /proc and CPU topology (pinning is a real sched_setaffinity); needs two online CPUs.
ln -s /proc "$root/proc"
mkdir -p "$root/sys/devices/system"
ln -s /sys/devices/system/cpu "$root/sys/devices/system/cpu"
online=$(cat /sys/devices/system/cpu/online)
if [ "$online" != 0 ]; then
	vcpu=$(sed 's/.*[-,]//' /sys/devices/system/cpu/online) # the highest online CPU: vCPU 0 goes there
	cat >"$root/etc/vxm/pinned.conf" <<CONF
[Guest]
Memory=128M
CPUs=1
Accelerator=tcg
User=$user
ShutdownTimeout=1s
CPUAffinity=$vcpu
EmulatorCPUs=0
[Network]
Mode=none
CONF
	exec_as_user "$guest" run pinned 2>"$tmp/pinned.log" &
	ppid=$!; pids+=("$ppid")
	as_user "$guest" started pinned "$ppid" 2>"$tmp/pinned-started.log" ||
		fail "started pinned: $(cat "$tmp/pinned.log" "$tmp/pinned-started.log")"
	grep -q " -S " <(tr '\n' ' ' <"$tmp/pinned.log") || fail "QEMU of a pinned guest not started paused (-S)"
	grep -q "Pinned guest pinned: vCPU 0 on CPU $vcpu; [0-9]* emulator threads on CPUs 0." "$tmp/pinned-started.log" ||
		fail "pinning not logged: $(cat "$tmp/pinned-started.log")"
	grep -q "Guest pinned is running" "$tmp/pinned-started.log" || fail "not running after pinning"
	n=0
	for t in /proc/$ppid/task/*; do
		name=$(cat "$t/comm") cpus=$(awk '/^Cpus_allowed_list:/ { print $2 }' "$t/status")
		case $name in
		"CPU 0/TCG") want=$vcpu ;;
		*) want=0 ;;
		esac
		[ "$cpus" = "$want" ] || fail "thread ${t##*/} ($name) may run on CPUs $cpus, expected $want"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n threads"
	ok "pinned as $user: vCPU 0 on CPU $vcpu, $((n - 1)) emulator threads on CPU 0 (Cpus_allowed_list of each thread)"
	as_user "$guest" stop pinned "$ppid" 2>/dev/null || fail "stop pinned"
	wait "$ppid" || fail "pinned guest exit status $?"

	# A CPU the topology claims but the kernel does not have: the pinning fails, the start fails, and the guest never
	# ran (QEMU is still in prelaunch, paused before its first instruction).
	mkdir -p "$root/fake-sys/cpu"
	echo "0-9" >"$root/fake-sys/cpu/online"
	rm "$root/sys/devices/system/cpu"
	ln -s "$root/fake-sys/cpu" "$root/sys/devices/system/cpu"
	sed -i 's/^CPUAffinity=.*/CPUAffinity=9/' "$root/etc/vxm/pinned.conf"
	exec_as_user "$guest" run pinned 2>"$tmp/pinned2.log" &
	ppid=$!; pids+=("$ppid")
	rc=0; as_user "$guest" started pinned "$ppid" 2>"$tmp/pinned2-started.log" || rc=$?
	[ "$rc" = 1 ] || fail "started with an impossible pinning: exit status $rc"
	grep -q "Cannot pin thread [0-9]* (CPU 0/TCG) of QEMU to CPUs 9: Invalid argument" "$tmp/pinned2-started.log" &&
		grep -q "not letting it run unpinned" "$tmp/pinned2-started.log" ||
		fail "impossible pinning: $(cat "$tmp/pinned2-started.log")"
	st=$("$qmp" "$root/run/vxm/guests/pinned/qmp.sock" query-status) || fail "query-status"
	[[ $st == *'"status":"prelaunch"'* ]] || fail "the guest ran although it could not be pinned: $st"
	ok "an impossible pinning fails the start before the guest ran: $(grep -m1 "Cannot pin" "$tmp/pinned2-started.log")"
	kill -9 "$ppid"
	wait "$ppid" 2>/dev/null || true
	# The same under systemd: the watcher tells the paused QEMU to quit, and the start fails without READY=1.
	notify "$tmp/notify3.out"
	NOTIFY_SOCKET=$sock exec_as_user "$guest" run pinned 2>"$tmp/pinned3.log" &
	wpid=$!; pids+=("$wpid")
	rc=0; wait "$wpid" || rc=$?
	[ "$rc" != 0 ] || fail "impossible pinning under systemd: exit status 0"
	grep -q "not letting it run unpinned" "$tmp/pinned3.log" || fail "$(cat "$tmp/pinned3.log")"
	! grep -q READY=1 "$tmp/notify3.out" || fail "READY=1 with an impossible pinning"
	! pgrep -u "$uid" -f "guest=pinned" >/dev/null || fail "QEMU of guest pinned still runs: $(pgrep -a -u "$uid" -f guest=pinned)"
	ok "an impossible pinning under systemd: no READY=1, QEMU gone, exit status $rc"
	rm "$root/sys/devices/system/cpu"
else
	echo "# skipping the pinning checks: only CPU 0 is online"
fi

if [ "$(id -u)" = 0 ]; then
	rc=0; "$guest" run demo 2>"$tmp/root.log" || rc=$?
	[ "$rc" = 1 ] && grep -q "Refusing to run guest demo as root" "$tmp/root.log" || fail "ran as root"
	ok "refuses root: $(cat "$tmp/root.log")"
fi
rc=0; as_user "$guest" frobnicate demo 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "usage error exit status $rc"
ok "usage error exits 2"
echo "PASS"
