#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxm-vfio and "vxm gpus" against a fake sysfs (fake-sysfs.sh) with a fake kernel (pci-mock.so) that acts on writes
# like the real one. One case per invocation: test-vfio.sh CASE (meson runs each as its own test); "list" prints
# the cases. Environment (set by meson): VXM_VFIO, VXM_CLI, PCI_MOCK, and PRELOAD_FIRST (the ASan runtime when the
# binaries are built with it: it must come first in LD_PRELOAD).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/vfio/fake-sysfs.sh
. "$here/fake-sysfs.sh"

: "${VXM_VFIO:?}" "${VXM_CLI:?}" "${PCI_MOCK:?}"
GPU=0000:01:00.0 AUDIO=0000:01:00.1 BOOT=0000:00:01.0 BRIDGE=0000:00:02.0

# The cases about group vxm need a known /etc/group: they run in a private mount namespace over a copy that has, or
# lacks, a vxm group (as tests/udev does), so both branches run on every host and the host's file is never touched.
case ${1:-} in
two_guests_group_vxm | two_guests_no_group_vxm)
	if [ -z "${VXM_TEST_GROUP_NS:-}" ]; then
		if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
			[ -z "${VXM_TEST_NO_SKIP:-}" ] || { echo "FAIL: needs root and unshare (skipping is not allowed)"; exit 1; }
			echo "skip: needs root and unshare (a private /etc/group)"
			exit 77
		fi
		VXM_TEST_GROUP_NS=1 exec unshare --mount --propagation private "$0" "$@"
	fi
	;;
esac

T=$(mktemp -d "${TMPDIR:-/tmp}/vxm-vfio-test.XXXXXX")
R=$T/root
holder=
cleanup() {
	[ -z "$holder" ] || kill "$holder" 2>/dev/null || true
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

# run PROGRAM ARGS...: under the fake kernel; output in $T/out (also shown), exit status in $rc
run() {
	local prog=$1
	shift
	printf '+ %s %s\n' "${prog##*/}" "$*"
	rc=0
	env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" \
		SYSTEMD_LOG_LEVEL=info "$prog" "$@" >"$T/out" 2>&1 || rc=$?
	sed 's/^/    /' "$T/out"
}
vfio() { run "$VXM_VFIO" "$@"; }

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

# ---- cases ----

case_clean_bind_unbind() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 1:0.1
	vfio bind 0000:01:00.0
	expect_rc 0
	expect_driver $GPU vfio-pci
	expect_override $GPU vfio-pci
	expect_record $GPU DRIVER=bochs-drm
	expect_record $GPU BOUND_BY_VXM=yes
	expect_record $GPU DRIVER_OVERRIDE=
	expect_node /dev/vfio/1 nobody:root 600
	expect_out "0000:01:00.0 Device 1234:1111 is on vfio-pci now \(was bochs-drm\)"
	# the kernel saw the sequence in this order
	grep -E '^(override|unbind|probe|bind)' "$T/mock.log" >"$T/seq"
	printf '%s\n' "override $GPU vfio-pci" "unbind $GPU bochs-drm" "probe $GPU" "bind $GPU vfio-pci" | diff -u - "$T/seq" ||
		fail "unexpected sequence"
	ok "override, unbind, drivers_probe, in that order"

	vfio bind 01:00.1
	expect_rc 0
	expect_driver $AUDIO vfio-pci
	expect_out "Intel Corporation 82801I \(ICH9 Family\) HD Audio Controller is on vfio-pci now \(was snd_hda_intel\)"

	vfio unbind 0000:01:00.0
	expect_rc 0
	expect_driver $GPU bochs-drm
	expect_override $GPU "(null)"
	expect_no_record $GPU
	expect_out "0000:01:00.0 Device 1234:1111 is back on bochs-drm"
	# the audio function still holds the group: the node stays, and gets its owner back
	expect_node /dev/vfio/1 root:root 600

	vfio unbind 0000:01:00.1
	expect_rc 0
	expect_driver $AUDIO snd_hda_intel
	expect_override $AUDIO "(null)"
	expect_no_record $AUDIO
	expect_node /dev/vfio/1 absent
	[ -z "$(ls -A "$R/run/vxm/.state/vfio")" ] || fail "records left: $(ls "$R/run/vxm/.state/vfio")"
}

case_group_companion_refused() {
	fake_two_gpus "$R"
	fake_guest win nobody 0000:01:00.0
	snapshot "$T/before"
	vfio bind 0000:01:00.0
	expect_rc 1
	expect_out "0000:01:00.0 Device 1234:1111 cannot go to vfio-pci: IOMMU group 1 also has devices that the host uses"
	expect_out "/etc/vxm/win.conf"
	expect_out "0000:01:00.1 Intel Corporation 82801I \(ICH9 Family\) HD Audio Controller \(driver snd_hda_intel\): add Device=0000:01:00.1"
	expect_out "nothing was changed"
	expect_unchanged
	[ ! -s "$T/mock.log" ] || fail "the fake kernel saw writes"
	ok "no sysfs write at all"
}

case_no_guest_companion_refused() {
	# bound by hand, no guest lists it: the companion is still in the way
	fake_two_gpus "$R"
	snapshot "$T/before"
	vfio bind 0000:01:00.0
	expect_rc 1
	expect_out "add Device=0000:01:00.1"
	expect_out "the guest's /etc/vxm/NAME.conf"
	expect_unchanged
}

case_bridge_in_group() {
	need_root
	fake_init "$R"
	fake_device 0000:00:01.0 0x030000 0x1234 0x1111 0 bochs-drm 1
	fake_device 0000:00:02.0 0x060400 0x1b36 0x000c 1 pcieport
	fake_device 0000:01:00.0 0x030000 0x1234 0x1111 1 bochs-drm 0
	fake_guest win nobody 01:00.0
	vfio bind 01:00.0
	expect_rc 0
	expect_driver $GPU vfio-pci
	expect_driver $BRIDGE pcieport
	vfio unbind 01:00.0
	expect_rc 0
	expect_driver $GPU bochs-drm
}

# Only a PCI-to-PCI bridge (class 0x0604) is harmless in a group: an ISA bridge (0x0601) in use by the host is not.
case_non_pci_bridge_in_group_refused() {
	fake_init "$R"
	fake_driver lpc_ich
	fake_device 0000:00:01.0 0x030000 0x1234 0x1111 0 bochs-drm 1
	fake_device 0000:00:1f.0 0x060100 0x8086 0x2918 1 lpc_ich
	fake_device 0000:01:00.0 0x030000 0x1234 0x1111 1 bochs-drm 0
	fake_guest win nobody 01:00.0
	snapshot "$T/before"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "IOMMU group 1 also has devices that the host uses"
	expect_out "0000:00:1f.0 .*\(driver lpc_ich\): add Device=0000:00:1f.0"
	expect_unchanged
}

# driver_override set before vxm (driverctl pinning the host driver): unbind puts that value back, not an empty one
case_override_restored() {
	need_root
	fake_two_gpus "$R"
	echo bochs-drm >"$R/sys/devices/pci0000:00/$GPU/driver_override"
	fake_guest win nobody 01:00.0 01:00.1
	vfio bind 01:00.0
	expect_rc 0
	expect_driver $GPU vfio-pci
	expect_override $GPU vfio-pci
	expect_record $GPU DRIVER_OVERRIDE=bochs-drm
	vfio unbind 01:00.0
	expect_rc 0
	expect_override $GPU bochs-drm
	expect_driver $GPU bochs-drm
	expect_no_record $GPU
}

case_device_missing() {
	fake_two_gpus "$R"
	snapshot "$T/before"
	vfio bind 0000:05:00.0
	expect_rc 1
	expect_out "There is no PCI device 0000:05:00.0"
	expect_out "lspci -D"
	expect_unchanged
	vfio unbind 5:0.0
	expect_rc 0
	expect_out "vxm did not bind it"
	expect_unchanged
}

case_iommu_off() {
	fake_init "$R"
	fake_device 0000:00:01.0 0x030000 0x1234 0x1111 - bochs-drm 1
	fake_device 0000:01:00.0 0x030000 0x1234 0x1111 - bochs-drm 0
	fake_guest win nobody 01:00.0
	snapshot "$T/before"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "the IOMMU is off"
	expect_out "intel_iommu=on iommu=pt"
	expect_out "amd_iommu=on iommu=pt"
	expect_unchanged
}

case_boot_vga_refused() {
	fake_two_gpus "$R"
	fake_guest win nobody 00:01.0
	snapshot "$T/before"
	vfio bind $BOOT
	expect_rc 1
	expect_out "0000:00:01.0 Device 1234:1111 is the boot VGA device \(boot_vga=1\)"
	expect_out "single-GPU"
	expect_unchanged
}

case_single_gpu_refused() {
	fake_init "$R"
	fake_device 0000:01:00.0 0x030000 0x10de 0x2484 1 nvidia 0
	fake_device 0000:01:00.1 0x040300 0x10de 0x228b 1 snd_hda_intel
	fake_guest win nobody 01:00.0 01:00.1
	snapshot "$T/before"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "0000:01:00.0 NVIDIA Corporation GA104 \[GeForce RTX 3070\] is the only display controller the host would keep"
	expect_unchanged
}

case_already_bound() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	vfio bind 01:00.0
	expect_rc 0
	snapshot "$T/before"
	: >"$T/mock.log"
	vfio bind 0000:01:00.0
	expect_rc 0
	expect_out "already on vfio-pci, nothing to do"
	expect_unchanged
	[ ! -s "$T/mock.log" ] || fail "the fake kernel saw writes"
}

case_not_ours_left_alone() {
	need_root
	# bound to vfio-pci by hand before vxm (driverctl, a boot parameter...)
	fake_two_gpus "$R"
	rm "$R/sys/devices/pci0000:00/$GPU/driver" "$R/sys/bus/pci/drivers/bochs-drm/$GPU"
	echo vfio-pci >"$R/sys/devices/pci0000:00/$GPU/driver_override"
	fake_bound $GPU vfio-pci
	: >"$R/dev/vfio/1"
	chmod 600 "$R/dev/vfio/1"
	fake_guest win nobody 01:00.0 01:00.1
	vfio bind 01:00.0
	expect_rc 0
	expect_out "already on vfio-pci, bound by someone else"
	expect_record $GPU BOUND_BY_VXM=no
	expect_node /dev/vfio/1 nobody:root 600
	vfio unbind 01:00.0
	expect_rc 0
	expect_out "leaving it there"
	expect_driver $GPU vfio-pci
	expect_override $GPU vfio-pci
	expect_no_record $GPU
	expect_node /dev/vfio/1 root:root 600

	# and a device on its host driver that vxm never bound is never unbound
	snapshot "$T/before"
	vfio unbind 01:00.1
	expect_rc 0
	expect_out "0000:01:00.1 Intel Corporation 82801I \(ICH9 Family\) HD Audio Controller has no record in /run/vxm/.state/vfio: vxm did not bind it"
	expect_driver $AUDIO snd_hda_intel
	expect_unchanged
}

# bind_killed ACTION: run bind, stop it for good right after the fake kernel did ACTION, SIGKILL it
bind_killed() {
	printf '+ vxm-vfio bind %s (SIGKILL after %s)\n' "$GPU" "$1"
	env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" VXM_MOCK_HANG="$1" VXM_MOCK_HANG_FILE="$T/hung" \
		LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" "$VXM_VFIO" bind $GPU >"$T/out" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		[ -e "$T/hung" ] && break
		sleep 0.05
	done
	[ -e "$T/hung" ] || fail "bind never reached the hang after $1"
	kill -9 $pid
	wait $pid 2>/dev/null || true
	rm -f "$T/hung"
	ok "killed vxm-vfio after the kernel did $1"
}

case_killed_mid_bind() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1

	# after unbind, before drivers_probe: the device has no driver at all
	bind_killed unbind
	expect_driver $GPU none
	expect_override $GPU vfio-pci
	expect_record $GPU DRIVER=bochs-drm
	vfio unbind $GPU
	expect_rc 0
	expect_driver $GPU bochs-drm
	expect_override $GPU "(null)"
	expect_no_record $GPU
	expect_out "is back on bochs-drm"

	# after driver_override, before unbind: still on the host driver
	bind_killed override
	expect_driver $GPU bochs-drm
	expect_override $GPU vfio-pci
	vfio unbind $GPU
	expect_rc 0
	expect_driver $GPU bochs-drm
	expect_override $GPU "(null)"
	expect_no_record $GPU

	# a new bind after a killed one continues from the record, which knows the original driver
	bind_killed unbind
	vfio bind $GPU
	expect_rc 0
	expect_out "continuing from the record of an unfinished bind \(original driver bochs-drm\)"
	expect_driver $GPU vfio-pci
	vfio unbind $GPU
	expect_rc 0
	expect_driver $GPU bochs-drm
}

case_held_open() {
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	sleep 300 3<"$R/dev/dri/renderD128" &
	holder=$!
	# wait until the child has the node open
	for _ in $(seq 50); do
		[ "$(readlink "/proc/$holder/fd/3" 2>/dev/null)" = "$R/dev/dri/renderD128" ] && break
		sleep 0.05
	done
	snapshot "$T/before"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "0000:01:00.0 Device 1234:1111 is in use on the host"
	expect_out "pid $holder \(sleep\) has /dev/dri/renderD128 open"
	expect_unchanged
	kill $holder
	wait $holder 2>/dev/null || true
	holder=
	# an audio player on the HDMI audio function
	sleep 300 3<"$R/dev/snd/pcmC1D3p" &
	holder=$!
	sleep 0.2
	vfio bind 01:00.1
	expect_rc 1
	expect_out "pid $holder \\(sleep\\) has /dev/snd/pcmC1D3p open"
	expect_unchanged
	kill $holder
	wait $holder 2>/dev/null || true
	holder=
	# the boot GPU's card0 is not this device's business
	sleep 300 3<"$R/dev/dri/card0" &
	holder=$!
	sleep 0.2
	if [ "$(id -u)" = 0 ]; then
		vfio bind 01:00.0
		expect_rc 0
	fi
}

case_two_guests() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	fake_guest linux nobody 0000:01:00.0 0000:01:00.1
	vfio bind 01:00.0
	expect_rc 0
	expect_node /dev/vfio/1 nobody:root 600
	vfio unbind 01:00.0
	expect_rc 0

	expect_driver $GPU bochs-drm
}

# fake_etc_group with|without: /etc/group (in this case's mount namespace) is a copy of the host's with, or without,
# a group vxm
fake_etc_group() {
	[ -n "${VXM_TEST_GROUP_NS:-}" ] || fail "not in a private mount namespace"
	grep -v '^vxm:' /etc/group >"$T/group" || true
	[ "$1" = without ] || echo "vxm:x:64990:" >>"$T/group"
	mount --bind "$T/group" /etc/group
	if [ "$1" = with ]; then getent group vxm >/dev/null || fail "no group vxm"; else ! getent group vxm >/dev/null || fail "group vxm"; fi
	ok "/etc/group $1 a vxm group"
}

# different users: the group node goes to group vxm
# two_guests_two_users with|without: both guests list the GPU, as different users; /etc/group with or without vxm
two_guests_two_users() {
	need_root
	fake_etc_group "$1"
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	fake_guest linux daemon 0000:01:00.0 0000:01:00.1
}

case_two_guests_group_vxm() {
	two_guests_two_users with
	vfio bind 01:00.0
	expect_rc 0
	expect_out "/dev/vfio/1 now belongs to group vxm \(mode 0660\)"
	expect_node /dev/vfio/1 root:vxm 660
	vfio unbind 01:00.0
	expect_rc 0
	expect_node /dev/vfio/1 absent
	expect_driver $GPU bochs-drm
}

# different users and no group vxm: refused, nothing changed
case_two_guests_no_group_vxm() {
	two_guests_two_users without
	snapshot "$T/before"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "listed by guests with different users, so /dev/vfio goes to group vxm, which does not exist"
	expect_unchanged
	expect_driver $GPU bochs-drm
}

case_unknown_user_refused() {
	fake_two_gpus "$R"
	fake_guest win vxmnosuchuser 01:00.0 01:00.1
	snapshot "$T/before"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "user vxmnosuchuser \(User= in /etc/vxm/win.conf\) does not exist"
	expect_unchanged
}

case_bad_usage() {
	fake_two_gpus "$R"
	snapshot "$T/before"
	vfio bind 0000:01:00
	expect_rc 2
	expect_out 'Invalid PCI address "0000:01:00"'
	vfio bind 'zz:1.0; rm -rf /'
	expect_rc 2
	vfio bind
	expect_rc 2
	expect_out "Expected a command and a PCI address"
	vfio rebind 01:00.0
	expect_rc 2
	expect_out 'Unknown command "rebind"'
	vfio --frobnicate
	expect_rc 2
	vfio --help
	expect_rc 0
	expect_out "Usage: vxm-vfio"
	expect_unchanged
}

case_probe_fails_rolls_back() {
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	: >"$R/sys/bus/pci/drivers/vfio-pci/.mock-fail-probe"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "is not on vfio-pci 5 s after the probe"
	expect_out "giving it back to bochs-drm"
	expect_out "is back on bochs-drm"
	expect_driver $GPU bochs-drm
	expect_override $GPU "(null)"
	expect_no_record $GPU
}

case_host_driver_does_not_return() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	vfio bind 01:00.0
	expect_rc 0
	: >"$R/sys/bus/pci/drivers/bochs-drm/.mock-fail-probe"
	vfio unbind 01:00.0
	expect_rc 1
	expect_out "did NOT come back to bochs-drm \(driver now: none\)"
	expect_record $GPU DRIVER=bochs-drm
	# once the driver works again, unbind finishes the job
	rm "$R/sys/bus/pci/drivers/bochs-drm/.mock-fail-probe"
	vfio unbind 01:00.0
	expect_rc 0
	expect_driver $GPU bochs-drm
	expect_no_record $GPU
}

case_modprobe() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	rm -rf "$R/sys/bus/pci/drivers/vfio-pci"
	# a modprobe that fails: nothing may stay changed
	# shellcheck disable=SC2016 # expanded by the script, not here
	printf '#!/bin/sh\necho "modprobe: FATAL: Module $1 not found." >&2\nexit 1\n' >"$T/modprobe-fail"
	chmod +x "$T/modprobe-fail"
	VXM_MODPROBE=$T/modprobe-fail vfio bind 01:00.0
	expect_rc 1
	expect_out 'modprobe-fail vfio-pci" failed'
	expect_driver $GPU bochs-drm
	expect_override $GPU "(null)"
	expect_no_record $GPU
	# one that loads the (fake) module
	# shellcheck disable=SC2016
	printf '#!/bin/sh\n[ "$1" = vfio-pci ] || exit 1\nd=$VXM_ROOT/sys/bus/pci/drivers/vfio-pci\nmkdir -p $d && touch $d/bind $d/unbind $d/new_id\n' >"$T/modprobe"
	chmod +x "$T/modprobe"
	VXM_MODPROBE=$T/modprobe vfio bind 01:00.0
	expect_rc 0
	expect_out "Loaded the vfio-pci module"
	expect_driver $GPU vfio-pci
}

case_gpus() {
	fake_two_gpus "$R"
	run "$VXM_CLI" gpus
	expect_rc 0
	expect_out "^0000:00:01.0 Device 1234:1111"
	expect_out "cannot pass through: it is the boot VGA device"
	expect_out "^0000:01:00.0 Device 1234:1111"
	expect_out "0000:01:00.1 \[0403\] Audio device +snd_hda_intel +Intel Corporation 82801I"
	expect_out "can pass through; list in the guest's \[PCI\] section: Device=0000:01:00.0 Device=0000:01:00.1"
	expect_not_out "^0000:01:00.1 "

	run "$VXM_CLI" gpus --json
	expect_rc 0
	python3 - "$T/out" <<'PY' || fail "JSON is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["iommu"] is True
g = {x["address"]: x for x in d["gpus"]}
assert list(g) == ["0000:00:01.0", "0000:01:00.0"], list(g)
assert g["0000:00:01.0"]["passthrough"] is False
assert [r["code"] for r in g["0000:00:01.0"]["reasons"]] == ["boot-vga"]
x = g["0000:01:00.0"]
assert x["passthrough"] is True and x["reasons"] == []
assert x["boot_vga"] is False and x["iommu_group"] == 1 and x["driver"] == "bochs-drm"
assert x["guest_devices"] == ["0000:01:00.0", "0000:01:00.1"]
assert [(m["address"], m["driver"]) for m in x["group"]] == [("0000:01:00.0", "bochs-drm"), ("0000:01:00.1", "snd_hda_intel")]
assert x["group"][1]["name"] == "Intel Corporation 82801I (ICH9 Family) HD Audio Controller"
PY
	ok "JSON verdicts"

	# a foreign endpoint (a USB controller in another slot) in the group, and no IOMMU elsewhere
	fake_device 0000:00:14.0 0x0c0330 0x8086 0x7ae0 1 xhci_hcd
	run "$VXM_CLI" gpus --json
	python3 - "$T/out" <<'PY' || fail "JSON is wrong"
import json, sys
x = {g["address"]: g for g in json.load(open(sys.argv[1]))["gpus"]}["0000:01:00.0"]
assert x["passthrough"] is False
assert [r["code"] for r in x["reasons"]] == ["group-foreign"], x["reasons"]
assert "0000:00:14.0 (xhci_hcd)" in x["reasons"][0]["message"]
PY
	ok "foreign endpoint reported"

	# IOMMU on, but this GPU is in no group
	fake_device 0000:02:00.0 0x030000 0x1002 0x73bf - amdgpu 0
	run "$VXM_CLI" gpus --json
	python3 - "$T/out" <<'PY' || fail "JSON is wrong"
import json, sys
x = {g["address"]: g for g in json.load(open(sys.argv[1]))["gpus"]}["0000:02:00.0"]
assert [r["code"] for r in x["reasons"]] == ["no-iommu-group"], x["reasons"]
assert x["name"] == "Advanced Micro Devices, Inc. [AMD/ATI] Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]", x["name"]
PY
	ok "no IOMMU group reported"

	rm -rf "$T/root"
	fake_init "$R"
	fake_device 0000:01:00.0 0x030000 0x1234 0x1111 - bochs-drm 1
	run "$VXM_CLI" gpus --json
	python3 - "$T/out" <<'PY' || fail "JSON is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["iommu"] is False
codes = [r["code"] for r in d["gpus"][0]["reasons"]]
assert codes == ["iommu-off", "boot-vga", "only-gpu"], codes
assert d["gpus"][0]["iommu_group"] is None
PY
	ok "IOMMU off, boot VGA, only GPU"
	run "$VXM_CLI" gpus
	expect_out "IOMMU group: none"
	expect_out "cannot pass through: the IOMMU is off"
	run "$VXM_CLI" gpus extra
	expect_rc 2
}

cases=$(declare -F | sed -n 's/^declare -f case_//p')
if [ "${1:-}" = list ] || [ $# -eq 0 ]; then
	echo "$cases"
	exit 0
fi
grep -qx -- "$1" <<<"$cases" || { echo "unknown case '$1'; cases: ${cases//$'\n'/ }" >&2; exit 2; }
"case_$1"
echo "PASS: $1"
