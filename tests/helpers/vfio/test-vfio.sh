#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxm-vfio and "vxm gpus" against a fake sysfs (fake-sysfs.sh) with a fake kernel (pci-mock.so) that acts on writes
# like the real one. One case per invocation: test-vfio.sh CASE (meson runs each as its own test); "list" prints
# the cases. Environment (set by meson): VXM_VFIO, VXM_CLI, PCI_MOCK, and PRELOAD_FIRST (the ASan runtime when the
# binaries are built with it: it must come first in LD_PRELOAD).
set -euo pipefail
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/vfio/fake-sysfs.sh
. "$here/fake-sysfs.sh"
# shellcheck source=tests/helpers/stop-point.sh
. "$here/../stop-point.sh"

: "${VXM_VFIO:?}" "${VXM_CLI:?}" "${PCI_MOCK:?}"
GPU=0000:01:00.0 AUDIO=0000:01:00.1 BOOT=0000:00:01.0 BRIDGE=0000:00:02.0

# shellcheck source=tests/helpers/vfio/test-lib.sh
. "$here/test-lib.sh"
vfio() { run "$VXM_VFIO" "$@"; }

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
	# the group node stays root's: it is lent per guest when the guest starts (vxm-guest devices-up)
	expect_node /dev/vfio/1 root:root 600
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
	# the audio function still holds the group: the node stays, as it was
	expect_node /dev/vfio/1 root:root 600

	vfio unbind 0000:01:00.1
	expect_rc 0
	expect_driver $AUDIO snd_hda_intel
	expect_override $AUDIO "(null)"
	expect_no_record $AUDIO
	expect_node /dev/vfio/1 absent
	[ -z "$(ls -A "$R/run/vxm/.state/vfio")" ] || fail "records left: $(ls "$R/run/vxm/.state/vfio")"
}

# hold: what vxm-vfio@.service runs. The binding lasts as long as the process: READY=1 once the device is on vfio-pci,
# and SIGTERM (systemd's stop) gives it back; a SIGTERM that comes during the bind waits for it. PID 1's side of
# sd_notify is ../guest/notify-listener.py.
hold_start() { # LISTENER-OUTPUT ARGS...: vxm-vfio hold ARGS in the background ($holder), under the fake kernel
	local lout=$1
	shift
	python3 "$here/../guest/notify-listener.py" "$T/notify.sock" >"$lout" 2>&1 &
	systemd=$!
	wait_for_file_line "$lout" listening
	env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" \
		NOTIFY_SOCKET="$T/notify.sock" "$@" "$VXM_VFIO" hold 0000:01:00.0 >"$T/out" 2>&1 &
	holder=$!
}
wait_for_file_line() { # FILE PATTERN: up to 10 s
	local _
	for _ in $(seq 200); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no /$2/ in $1: $(cat "$1")"
}
hold_wait() { # the holder's exit status in $rc
	rc=0
	wait "$holder" || rc=$?
	holder=
	sed 's/^/    /' "$T/out"
}

case_hold() {
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	hold_start "$T/notify.out"
	wait_for_file_line "$T/notify.out" "^READY=1 STATUS=0000:01:00.0 is on vfio-pci"
	expect_driver $GPU vfio-pci
	expect_record $GPU DRIVER=bochs-drm
	kill -0 "$holder" 2>/dev/null || fail "vxm-vfio hold exited after READY=1"
	ok "READY=1 once bound, and the process holds on"

	kill -TERM "$holder"
	hold_wait
	expect_rc 0
	expect_driver $GPU bochs-drm
	expect_override $GPU "(null)"
	expect_no_record $GPU
	expect_out "0000:01:00.0 Device 1234:1111 is back on bochs-drm"
	wait_for_file_line "$T/notify.out" "^STOPPING=1"
	ok "SIGTERM gave it back"
}

case_hold_signal_during_bind() {
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	hold_start "$T/notify.out" VXM_TEST_STOP_AT=bind:unbind
	local st= _
	for _ in $(seq 200); do
		st=$(proc_state "$holder")
		[ "$st" != T ] || break
		sleep 0.05
	done
	[ "$st" = T ] || fail "vxm-vfio hold did not stop at bind:unbind (state '$st')"
	expect_driver $GPU none
	# systemd's stop in the middle of the bind: handled once the bind is done, not by dying half-way
	kill -TERM "$holder"
	kill -CONT "$holder"
	hold_wait
	expect_rc 0
	expect_driver $GPU bochs-drm
	expect_override $GPU "(null)"
	expect_no_record $GPU
	grep -q "^unbind $GPU vfio-pci" "$T/mock.log" || fail "it never reached vfio-pci before giving it back"
	ok "the bind finished, then the device went back"
}

case_hold_refused() {
	fake_two_gpus "$R"
	fake_guest win nobody 0000:01:00.0
	snapshot "$T/before"
	hold_start "$T/notify.out"
	hold_wait
	expect_rc 1
	expect_out "IOMMU group 1 also has devices that the host uses"
	! grep -q READY=1 "$T/notify.out" || fail "READY=1 for a refused bind"
	ok "no READY=1"
	expect_unchanged
}

case_group_companion_refused() {
	fake_two_gpus "$R"
	fake_guest win nobody 0000:01:00.0
	snapshot "$T/before"
	vfio bind 0000:01:00.0
	expect_rc 1
	expect_out "0000:01:00.0 Device 1234:1111 cannot go to vfio-pci for guest win: IOMMU group 1 also has devices that the host uses"
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
	expect_node /dev/vfio/1 root:root 600
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

# vfio_killed_at POINT VERB: run "vxm-vfio VERB $GPU" under the fake kernel, SIGKILL it at its stop-point POINT
# (lib/basic/stop-point.h) and check that it was there
vfio_killed_at() {
	printf '+ vxm-vfio %s %s (SIGKILL at %s)\n' "$2" "$GPU" "$1"
	kill_at "$1" "$T/mark" "$T/out" env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" \
		LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" "$VXM_VFIO" "$2" $GPU || fail "not killed at $1"
	ok "killed vxm-vfio $2 at $1"
}
# at_point DRIVER OVERRIDE RECORD(yes|no): the state the kill left
at_point() {
	expect_driver $GPU "$1"
	expect_override $GPU "$2"
	if [ "$3" = yes ]; then expect_record $GPU DRIVER=bochs-drm; else expect_no_record $GPU; fi
}

# two_gpus_before: the fake host with both GPUs and a guest for the second one, as it is before a guest's first
# start ($T/before): the record directory, once made, stays
two_gpus_before() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	vfio bind $GPU
	vfio unbind $GPU
	snapshot "$T/before"
}

# Every stop-point of both directions: the state each leaves, and the unbind that ExecStopPost= runs then puts the
# (fake) host back exactly as it was: every path, mode, owner, link and content.
case_killed_at_stop_points() {
	two_gpus_before
	local p
	for p in "override bochs-drm vfio-pci" "unbind none vfio-pci" "probe vfio-pci vfio-pci"; do
		# shellcheck disable=SC2086 # "point driver override" on purpose
		set -- $p
		vfio_killed_at "bind:$1" bind
		at_point "$2" "$3" yes
		vfio unbind $GPU
		expect_rc 0
		expect_unchanged
	done
	for p in "unbind none vfio-pci" "override none (null)" "probe bochs-drm (null)" "restored bochs-drm (null)"; do
		# shellcheck disable=SC2086 # "point driver override" on purpose
		set -- $p
		vfio bind $GPU
		expect_rc 0
		vfio_killed_at "unbind:$1" unbind
		at_point "$2" "$3" yes
		vfio unbind $GPU
		expect_rc 0
		expect_unchanged
	done
	# a start after a killed stop: bind continues from the record (the device shows no driver, the record knows)
	vfio bind $GPU
	vfio_killed_at unbind:unbind unbind
	vfio bind $GPU
	expect_rc 0
	expect_out "continuing from the record of an unfinished bind \(original driver bochs-drm\)"
	expect_driver $GPU vfio-pci
	vfio unbind $GPU
	expect_rc 0
	expect_unchanged
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

# A process still has the device open through VFIO when the guest stops (a QEMU that did not exit): the kernel's
# unbind from vfio-pci would block until it lets go, so unbind refuses after a short wait, names it, keeps the
# record, and a later unbind finishes the job.
case_unbind_held_through_vfio() {
	two_gpus_before
	vfio bind $GPU
	expect_rc 0
	# the fake group node is a character device of no driver: held through an O_PATH descriptor (fd 3)
	python3 -c 'import os, sys, time; os.dup2(os.open(sys.argv[1], os.O_PATH), 3); time.sleep(300)' "$R/dev/vfio/1" &
	holder=$!
	for _ in $(seq 100); do
		[ "$(readlink "/proc/$holder/fd/3" 2>/dev/null)" = "$R/dev/vfio/1" ] && break
		sleep 0.05
	done
	[ "$(readlink "/proc/$holder/fd/3")" = "$R/dev/vfio/1" ] || fail "the holder does not have the node open"
	local t0=$SECONDS
	: >"$T/mock.log"
	vfio unbind $GPU
	expect_rc 1
	[ $((SECONDS - t0)) -le 10 ] || fail "unbind took $((SECONDS - t0)) s"
	ok "unbind gave up after $((SECONDS - t0)) s"
	expect_out "is still in use through VFIO"
	expect_out "pid $holder \(python3\) has /dev/vfio/1 open"
	expect_driver $GPU vfio-pci
	expect_record $GPU DRIVER=bochs-drm
	grep -q "^unbind $GPU vfio-pci" "$T/mock.log" && fail "the kernel was asked to unbind"
	ok "the kernel was not asked to unbind"
	kill $holder
	wait $holder 2>/dev/null || true
	holder=
	vfio unbind $GPU
	expect_rc 0
	expect_out "is back on bochs-drm"
	expect_unchanged
}

case_two_guests() {
	need_root
	fake_two_gpus "$R"
	# a device listed by guests of different users is bound once, and its node lent to neither here
	fake_guest win nobody 01:00.0 01:00.1
	fake_guest linux daemon 0000:01:00.0 0000:01:00.1
	vfio bind 01:00.0
	expect_rc 0
	expect_node /dev/vfio/1 root:root 600
	vfio unbind 01:00.0
	expect_rc 0
	expect_driver $GPU bochs-drm
}

# systemd_jobs [UNIT:TYPE]...: a fake PID 1 on $R/run/systemd/private that has these jobs queued (none: stop it)
systemd_jobs() {
	if [ -n "$systemd" ]; then
		kill "$systemd"
		wait "$systemd" 2>/dev/null || true
		systemd=
	fi
	rm -f "$R/run/systemd/private"
	[ $# -gt 0 ] || return 0
	mkdir -p "$R/run/systemd"
	"${FAKE_SYSTEMD:?}" "$R/run/systemd/private" "$@" >"$T/systemd.log" 2>&1 &
	systemd=$!
	for _ in $(seq 100); do
		[ -S "$R/run/systemd/private" ] && break
		sleep 0.05
	done
	[ -S "$R/run/systemd/private" ] || fail "the fake systemd did not start"
	printf '+ systemd has queued: %s\n' "$*"
}

# The IOMMU group is checked against the devices of the guest being started, not against all guests' devices
# together: linux lists the GPU only, win lists the GPU and its audio function (same group). vxm-vfio@0000:01:00.0 is
# one unit for both guests, so the helper asks systemd whose start job is waiting for it.
two_guests_one_group() {
	fake_two_gpus "$R"
	fake_guest linux nobody 01:00.0
	fake_guest win nobody 01:00.0 01:00.1
}

case_group_of_starting_guest() {
	need_root
	two_guests_one_group

	# systemctl start vxm-guest@linux: refused, the host keeps the device
	systemd_jobs vxm-guest@linux.service:start vxm-vfio@0000:01:00.0.service:start
	snapshot "$T/before"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "systemd is starting guest linux, which lists 0000:01:00.0 Device 1234:1111"
	expect_out "0000:01:00.0 Device 1234:1111 cannot go to vfio-pci for guest linux: IOMMU group 1 also has devices that the host uses"
	expect_out "Add each of them to the \[PCI\] section of /etc/vxm/linux.conf:"
	expect_out "0000:01:00.1 Intel Corporation 82801I \(ICH9 Family\) HD Audio Controller \(driver snd_hda_intel\): add Device=0000:01:00.1"
	expect_not_out "for guest win"
	expect_out "nothing was changed"
	grep -qx ListJobs "$T/systemd.log" || fail "vxm-vfio did not ask systemd"
	ok "asked systemd (ListJobs)"
	[ ! -s "$T/mock.log" ] || fail "the fake kernel saw writes"
	expect_unchanged

	# systemctl start vxm-guest@win: it takes the whole group
	systemd_jobs vxm-guest@win.service:start
	vfio bind 01:00.0
	expect_rc 0
	expect_out "systemd is starting guest win, which lists 0000:01:00.0 Device 1234:1111: the IOMMU group must go with that guest's devices"
	expect_driver $GPU vfio-pci
	vfio unbind 01:00.0
	expect_rc 0
	expect_driver $GPU bochs-drm

	# a restart counts as a start; a stop job, or another guest's start, does not say who this is for
	systemd_jobs vxm-guest@win.service:restart
	vfio bind 01:00.0
	expect_rc 0
	vfio unbind 01:00.0
	systemd_jobs vxm-guest@win.service:stop vxm-guest@other.service:start
	vfio bind 01:00.0
	expect_rc 1
	expect_out "cannot go to vfio-pci for guest linux"
	expect_out "systemd is starting none of the guests that list 0000:01:00.0 Device 1234:1111"
	expect_driver $GPU bochs-drm
}

case_group_by_hand() {
	need_root
	two_guests_one_group
	snapshot "$T/before"

	# no systemd at all (no private socket): nothing says which guest, so each must take the group by itself
	vfio bind 01:00.0
	expect_rc 1
	expect_out "cannot go to vfio-pci for guest linux: IOMMU group 1"
	expect_not_out "for guest win"
	expect_out "systemd is starting none of the guests that list 0000:01:00.0 Device 1234:1111, so each of them must be able to take the whole group. To bind it for one guest: vxm-vfio bind --guest NAME 0000:01:00.0"
	expect_unchanged

	# a socket that does not answer: the same, with a warning
	mkdir -p "$R/run/systemd"
	: >"$R/run/systemd/private"
	vfio bind 01:00.0
	expect_rc 1
	expect_out "Could not ask systemd which guest is being started"
	expect_out "cannot go to vfio-pci for guest linux"
	rm "$R/run/systemd/private"

	# --guest says which guest
	vfio bind --guest linux 01:00.0
	expect_rc 1
	expect_out "cannot go to vfio-pci for guest linux"
	expect_not_out "systemd is starting none"
	vfio bind --guest nosuch 01:00.0
	expect_rc 1
	expect_out "Guest nosuch does not list 0000:01:00.0 Device 1234:1111"
	vfio bind --guest 'bad@name' 01:00.0
	expect_rc 2
	expect_out 'Invalid guest name "bad@name"'
	vfio unbind --guest win 01:00.0
	expect_rc 2
	expect_out "--guest only applies to bind"
	rmdir "$R/run/systemd"
	expect_unchanged

	vfio bind --guest win 01:00.0
	expect_rc 0
	expect_driver $GPU vfio-pci
	expect_node /dev/vfio/1 root:root 600
	vfio unbind 01:00.0
	expect_rc 0
	expect_driver $GPU bochs-drm
}

case_special_config_files() {
	need_root
	# vxm-vfio reads every guest's config to find who lists the device: a FIFO among them used to hang every bind,
	# and another user's drop-in could add the device to a guest of theirs
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	mkfifo "$R/etc/vxm/stuck.conf"
	fake_guest mallory nobody 01:00.0 01:00.1
	chown 54321 "$R/etc/vxm/mallory.conf"
	vfio bind 01:00.0
	expect_rc 0
	expect_out "Guest stuck has configuration errors \(see \"vxm check stuck\"\), ignoring it"
	expect_out "Guest mallory has configuration errors"
	expect_driver $GPU vfio-pci
	expect_node /dev/vfio/1 root:root 600
	vfio unbind 01:00.0
	expect_rc 0
	expect_driver $GPU bochs-drm
}

# Legacy: a record of vxm before per-guest lending says bind chowned the node; unbind still gives it back.
case_legacy_node_owner() {
	need_root
	fake_two_gpus "$R"
	fake_guest win nobody 01:00.0 01:00.1
	vfio bind 01:00.1
	expect_rc 0
	vfio bind 01:00.0
	expect_rc 0
	echo "NODE_OWNER=0:0:0600" >>"$R/run/vxm/.state/vfio/$GPU"
	chown nobody "$R/dev/vfio/1"
	vfio unbind 01:00.0
	expect_rc 0
	expect_node /dev/vfio/1 root:root 600
	vfio unbind 01:00.1
	expect_rc 0
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
	expect_out "^0000:00:01.0 +Device 1234:1111 +bochs-drm +0 +- +yes +no$"
	expect_out "it is the boot VGA device"
	expect_out "^0000:01:00.0 +Device 1234:1111 +bochs-drm +1 +- +no +yes$"
	expect_out "0000:01:00.1 +Audio device +snd_hda_intel +Intel Corporation 82801I"
	expect_out "In the guest's \[PCI\] section: Device=0000:01:00.0 Device=0000:01:00.1"
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
	expect_out "^0000:01:00.0 +Device 1234:1111 +bochs-drm +- +- +yes +no$"
	expect_out "^  - the IOMMU is off"
	run "$VXM_CLI" gpus extra
	expect_rc 1
}

cases=$(declare -F | sed -n 's/^declare -f case_//p')
if [ "${1:-}" = list ] || [ $# -eq 0 ]; then
	echo "$cases"
	exit 0
fi
grep -qx -- "$1" <<<"$cases" || { echo "unknown case '$1'; cases: ${cases//$'\n'/ }" >&2; exit 2; }
"case_$1"
echo "PASS: $1"
