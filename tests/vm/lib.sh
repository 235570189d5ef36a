# SPDX-License-Identifier: BSD-3-Clause
# Helpers for the VM scenarios (sourced inside the test VM by tests/vm/scenarios/*/run).
# shellcheck shell=bash

# say TEXT: a narration line
say() { printf '\n=== %s\n' "$*"; }

# fail MESSAGE: abort the scenario
fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}

# show_cmd CMD...: print '+ CMD' like 'set -x' does, quoting arguments that need it
show_cmd() {
	local a line=+
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]]; then line+=" $a"; else line+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s\n' "$line"
}

# step CMD...: print the command, run it, show its output; returns its status
step() {
	show_cmd "$@"
	"$@"
}

# must CMD...: step, and fail if the command fails
must() {
	step "$@" || fail "'$*' exited with $?"
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; fail after SECONDS
wait_for() {
	local limit=$1 end
	shift
	end=$(($(date +%s%N) + limit * 1000000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || fail "timed out after ${limit}s waiting for: $*"
		sleep 0.1
	done
}

# driver_of BDF: the driver bound to a PCI device, or 'none'
driver_of() {
	local l=/sys/bus/pci/devices/$1/driver
	if [ -e "$l" ]; then basename "$(readlink "$l")"; else echo none; fi
}

# assert_driver BDF DRIVER: DRIVER may be 'none'
assert_driver() {
	local got
	[ -e "/sys/bus/pci/devices/$1" ] || fail "no PCI device $1"
	got=$(driver_of "$1")
	[ "$got" = "$2" ] || fail "$1 is bound to '$got', expected '$2'"
	echo "ok: $1 driver $got"
}

# assert_eq GOT WANT WHAT
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
	echo "ok: $3 = '$1'"
}

# assert_contains TEXT PATTERN WHAT: grep -E PATTERN in TEXT
assert_contains() {
	grep -Eq -- "$2" <<<"$1" || fail "$3: '$2' not found in:"$'\n'"$1"
	echo "ok: $3"
}

# assert_not_contains TEXT PATTERN WHAT
assert_not_contains() {
	! grep -Eq -- "$2" <<<"$1" || fail "$3: '$2' unexpectedly found in:"$'\n'"$1"
	echo "ok: $3"
}

# unit_prop UNIT PROPERTY: one property value of a systemd unit
unit_prop() { systemctl show -P "$2" "$1"; }

# iommu_group BDF: the IOMMU group number of a PCI device
iommu_group() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }

# qmp SOCKET COMMAND [ARGUMENTS-JSON]: run one QMP command, print its "return" value as JSON.
# Fails on a QMP error or if QEMU does not answer within 10 s. Events in between are skipped.
qmp() {
	local sock=$1 cmd=$2 args=${3:-} line ret=1 rfd wfd
	coproc QMP { exec socat -t 5 - "UNIX-CONNECT:$sock"; }
	rfd=${QMP[0]} wfd=${QMP[1]}
	if read -r -t 10 line <&"$rfd"; then
		printf '%s\n' '{"execute":"qmp_capabilities"}' \
			"{\"execute\":\"$cmd\"${args:+,\"arguments\":$args}}" >&"$wfd"
		# the first "return" answers qmp_capabilities, the second one the command
		local n=0
		while read -r -t 10 line <&"$rfd"; do
			case $line in
			*'"return"'*) n=$((n + 1)); [ $n = 2 ] && { jq -c '.return' <<<"$line"; ret=0; break; } ;;
			*'"error"'*) echo "qmp: $cmd: $line" >&2; break ;;
			esac
		done
		[ $ret = 0 ] || [ -z "${line##*error*}" ] || echo "qmp: $cmd: no answer from $sock" >&2
	else
		echo "qmp: no greeting on $sock" >&2
	fi
	# EOF makes QEMU close the connection and socat exit (killing socat would signal its process group)
	exec {wfd}>&- {rfd}<&-
	wait "$QMP_PID" 2>/dev/null
	return $ret
}

# outer_qmp COMMAND [ARGUMENTS-JSON]: run one QMP command on the outer QEMU, the one that runs this VM (through
# tests/vm/outer-qmp-relay on the host), and print its "return" value as JSON. @SHARE@ in the arguments is the 9p
# share as the host sees it ($VXM_TEST_SHARE here). Fails on a QMP error or after 20 s without an answer.
outer_qmp() {
	local cmd=$1 args=${2:-} box=$VXM_TEST_SHARE/outer-qmp id reply
	mkdir -p "$box"
	id=$(date +%s%N)
	printf '{"execute":"%s"%s}\n' "$cmd" "${args:+,\"arguments\":$args}" >"$box/$id.req.tmp"
	mv "$box/$id.req.tmp" "$box/$id.req"
	reply=$box/$id.reply
	wait_for 20 test -e "$reply"
	if jq -e 'has("return")' "$reply" >/dev/null; then
		jq -c '.return' "$reply"
		rm -f "$reply"
		return 0
	fi
	echo "outer_qmp: $cmd: $(cat "$reply")" >&2
	rm -f "$reply"
	return 1
}

# outer_keys QCODE...: press these keys together on the VM's keyboard (as a person would: all down, then all up
# in reverse order), through the outer QEMU
outer_keys() {
	local events= k
	for k in "$@"; do events+="${events:+,}{\"type\":\"key\",\"data\":{\"down\":true,\"key\":{\"type\":\"qcode\",\"data\":\"$k\"}}}"; done
	for ((i = $# ; i > 0; i--)); do
		k=${!i}
		events+=",{\"type\":\"key\",\"data\":{\"down\":false,\"key\":{\"type\":\"qcode\",\"data\":\"$k\"}}}"
	done
	outer_qmp input-send-event "{\"events\":[$events]}" >/dev/null
}

# l2_pci_devices SOCKET: the PCI devices a QEMU has, from QMP "info qtree", one per line:
#   VENDOR:DEVICE QDEV-TYPE CLASS [host=BDF] [sysfsdev=PATH]
# (sysfsdev= only for a device that is no PCI function of the host: a mediated device)
# Unlike query-pci this is complete at once, also for devices behind a root port before the guest firmware has
# numbered the buses (minutes for OVMF under nested TCG).
l2_pci_devices() {
	local tree
	tree=$(qmp "$1" human-monitor-command '{"command-line":"info qtree"}') || return 1
	jq -r . <<<"$tree" | awk '
		{ sub(/\r$/, "") }  # HMP output has CRLF line ends
		/ dev: / { type = $2; sub(/,$/, "", type); host = ""; sysfsdev = "" }
		/^ *host = / { host = $3; gsub(/"/, "", host) }
		/^ *sysfsdev = / { sysfsdev = $3; gsub(/"/, "", sysfsdev) }
		/^ *class .*, addr .*, pci id / {
			line = $0; sub(/^ *class /, "", line)
			cls = line; sub(/, addr .*/, "", cls)
			id = line; sub(/.*pci id /, "", id); sub(/ .*/, "", id)
			out = sprintf("%s %-16s %-26s%s%s", id, type, cls, host != "" ? " host=" host : "",
				sysfsdev != "" && sysfsdev !~ /^\/sys\/bus\/pci\/devices\// ? " sysfsdev=" sysfsdev : "")
			sub(/ +$/, "", out)
			print out
		}'
}

# l2_pci_ids SOCKET: "vendor:device" of every PCI device a QEMU has, one per line
l2_pci_ids() {
	local devs
	devs=$(l2_pci_devices "$1") || return 1
	awk '{ print $1 }' <<<"$devs"
}

# wait_l2_pci SOCKET SECONDS VENDOR:DEVICE...: wait until a QEMU has all these PCI devices
wait_l2_pci() {
	local sock=$1 limit=$2 end ids want missing
	shift 2
	end=$(($(date +%s) + limit))
	while :; do
		ids=$(l2_pci_ids "$sock") || return 1
		missing=
		for want in "$@"; do grep -qx "$want" <<<"$ids" || missing+=" $want"; done
		[ -n "$missing" ] || break
		[ "$(date +%s)" -lt "$end" ] || fail "the nested QEMU has no PCI device$missing after ${limit}s; it has: ${ids//$'\n'/ }"
		sleep 0.5
	done
	echo "ok: the nested QEMU has PCI devices $*"
}

# vfio_group_dev BDF: /dev/vfio/N for the device's IOMMU group
vfio_group_dev() { echo "/dev/vfio/$(iommu_group "$1")"; }

# dump_state: everything useful after a failure (the runner calls it and saves the output)
dump_state() {
	local d
	echo "### systemctl list-units 'vxm-*' --all"
	systemctl list-units 'vxm-*' --all --no-pager
	echo "### systemctl --failed"
	systemctl --failed --no-pager
	echo "### journalctl -u 'vxm-*' -o short-monotonic"
	journalctl -u 'vxm-*' -o short-monotonic --no-pager
	echo "### journal: vxm / generator messages (kmsg, syslog identifiers)"
	journalctl -b -o short-monotonic --no-pager | grep -i vxm | tail -n 100
	echo "### find /run/systemd/generator -path '*vxm*'"
	find /run/systemd/generator -path '*vxm*' -print -exec sh -c '[ -f "$1" ] && sed "s/^/    /" "$1"' _ {} \;
	echo "### lspci -nnk"
	lspci -nnk
	echo "### /sys/bus/pci/devices"
	for d in /sys/bus/pci/devices/*; do
		printf '%s class=%s driver=%s override=%s group=%s boot_vga=%s\n' "${d##*/}" "$(cat "$d/class")" \
			"$(driver_of "${d##*/}")" "$(cat "$d/driver_override" 2>/dev/null)" \
			"$(basename "$(readlink "$d/iommu_group" 2>/dev/null)" 2>/dev/null)" "$(cat "$d/boot_vga" 2>/dev/null)"
	done
	echo "### ls -l /dev/vfio /run/vxm"
	ls -l /dev/vfio 2>&1
	ls -lR /run/vxm 2>&1
	echo "### /etc/vxm"
	find /etc/vxm -type f -print -exec sed 's/^/    /' {} \; 2>&1
	echo "### ps"
	pgrep -a -f 'qemu|swtpm|vxm'
	echo "### dmesg (tail)"
	dmesg | tail -n 60
}

# assert_exposure UNIT LIMIT: `systemd-analyze security UNIT` (PID 1's view, drop-ins included) rates it LIMIT or
# better; on failure the findings that are not passed are shown
assert_exposure() {
	local out score
	out=$(systemd-analyze security --no-pager "$1" 2>&1) || true
	score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$out")
	if [ -z "$score" ] || ! awk -v s="$score" -v l="$2" 'BEGIN { exit !(s <= l) }'; then
		grep -v '^✓' <<<"$out"
		fail "systemd-analyze security $1: '${score}', expected $2 or better"
	fi
	echo "ok: systemd-analyze security $1: $score <= $2"
}

# wait_stopped SECONDS UNIT...: wait until each UNIT is inactive or failed; `! systemctl is-active` is true already
# while a unit is still deactivating, i.e. while its ExecStopPost= (e.g. the rebind of vxm-vfio@) runs
wait_stopped() {
	local limit=$1 u
	shift
	for u in "$@"; do
		# shellcheck disable=SC2016 # expanded by that sh
		wait_for "$limit" sh -c 'case $(systemctl show -P ActiveState "$0") in inactive | failed) ;; *) exit 1 ;; esac' "$u"
	done
}

# Stop-points (lib/basic/stop-point.h) of the helpers, on the real kernel, through their units:
# stop_points_for UNIT...: let these units' helpers write the mark of a stop-point ($VXM_STOP_MARK) from their sandbox
# (a drop-in in /run each; one daemon-reload)
# stop_at POINT: from now on every helper stops itself at POINT ("VERB:STEP"), through the service manager's
# environment (no reload, so a point costs nothing); stop_at "": none. Helpers that share code share point
# names (vxm-vf binds with vxm-vfio's code): a scenario makes sure only the helper it means gets there.
VXM_STOP_MARK=/run/vxm-stop-mark/mark
stop_points_for() {
	local u
	mkdir -p "${VXM_STOP_MARK%/*}"
	for u in "$@"; do
		mkdir -p "/run/systemd/system/$u.d"
		printf '[Service]\nReadWritePaths=%s\n' "${VXM_STOP_MARK%/*}" >"/run/systemd/system/$u.d/50-test-stop-mark.conf"
	done
	systemctl daemon-reload
}
stop_at() {
	rm -f "$VXM_STOP_MARK"
	if [ -n "${1:-}" ]; then
		systemctl set-environment "VXM_TEST_STOP_AT=$1" "VXM_TEST_STOP_MARK=$VXM_STOP_MARK"
	else
		systemctl unset-environment VXM_TEST_STOP_AT VXM_TEST_STOP_MARK
	fi
}

# stopped_in UNIT: the pid of a process of UNIT's cgroup that has stopped itself (state T); fails when there is none
stopped_in() {
	local cg p
	cg=$(systemctl show -P ControlGroup "$1")
	[ -n "$cg" ] && [ -r "/sys/fs/cgroup$cg/cgroup.procs" ] || return 1
	while read -r p; do
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = T ] && { echo "$p"; return 0; }
	done <"/sys/fs/cgroup$cg/cgroup.procs"
	return 1
}

# kill_stopped UNIT POINT: wait (at most 60 s) until a helper of UNIT has stopped itself at POINT (stop_at), check its
# mark, and SIGKILL it (stop_at is reset: the undo that follows must run through)
kill_stopped() {
	local pid
	wait_for 60 stopped_in "$1"
	pid=$(stopped_in "$1")
	assert_eq "$(cat "$VXM_STOP_MARK" 2>/dev/null)" "$2" "the mark of $1's helper (pid $pid, $(tr '\0' ' ' <"/proc/$pid/cmdline"))"
	stop_at ""
	must kill -KILL "$pid"
}

# vxm_processes: "PID PROGRAM" of every running process whose program is vxm's own (PREFIX/libexec/vxm/*,
# PREFIX/bin/vxm; the prefix is /usr for a package, /usr/local for a plain meson build)
vxm_processes() {
	local p exe
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		case $exe in */libexec/vxm/* | */bin/vxm) echo "${p#/proc/} $exe" ;; esac
	done
}

# assert_no_vxm_process: vxm has no resident part (no daemon): when no guest runs, none of its programs does. A stop
# job may still be finishing (vxm-vfio@'s ExecStopPost= runs after the device is back): up to 10 s for that.
assert_no_vxm_process() {
	local procs _
	for _ in $(seq 100); do
		procs=$(vxm_processes)
		[ -n "$procs" ] || break
		sleep 0.1
	done
	[ -z "$procs" ] || fail "vxm processes while no guest runs: $procs"
	echo "ok: no vxm process is running"
}
