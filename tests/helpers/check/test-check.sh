#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# "vxm check", the pre-flight doctor (and "vxm status"), against the fake sysfs of the vxm-vfio tests: each finding must say what is
# wrong and what to do, and the exit status must say whether anything stands in the way. One case per invocation
# (test-check.sh CASE); "list" prints the cases. Environment: VXM_CLI.
set -euo pipefail
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/vfio/fake-sysfs.sh
. "$here/../vfio/fake-sysfs.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/vxm-check-test.XXXXXX")
R=$T/root
trap 'rm -rf "$T"' EXIT

fail() {
	printf 'FAIL: %s\n' "$*"
	echo "--- output:"
	cat "$T/out"
	exit 1
}
ok() { printf 'ok: %s\n' "$*"; }

check() { # rc 124: it hung
	rc=0
	VXM_ROOT=$R timeout 20 "$VXM_CLI" check "$@" >"$T/out" 2>&1 || rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit status $rc, expected $1"; ok "exit status $1"; }
expect_out() { grep -Eq -- "$1" "$T/out" || fail "output lacks /$1/"; ok "says /$1/"; }
expect_not_out() { ! grep -Eq -- "$1" "$T/out" || fail "output has /$1/"; ok "does not say /$1/"; }

# A host that can run the VM suite's guest: two GPUs, IOMMU on, vfio-pci loaded, KVM, QEMU, and Debian's firmware
# descriptors with (empty) firmware images.
healthy_host() {
	fake_two_gpus "$R"
	mkdir -p "$R/usr/bin" "$R/usr/share/qemu/firmware" "$R/usr/share/OVMF"
	: >"$R/dev/kvm"
	: >"$R/usr/bin/qemu-system-x86_64"
	cat >"$R/usr/share/qemu/firmware/60-edk2-x86_64.json" <<'JSON'
{
    "description": "UEFI firmware for x86_64",
    "interface-types": ["uefi"],
    "mapping": {
        "device": "flash",
        "executable": {"filename": "/usr/share/OVMF/OVMF_CODE_4M.fd", "format": "raw"},
        "nvram-template": {"filename": "/usr/share/OVMF/OVMF_VARS_4M.fd", "format": "raw"}
    },
    "targets": [{"architecture": "x86_64", "machines": ["pc-i440fx-*", "pc-q35-*"]}],
    "features": ["acpi-s3", "verbose-dynamic"],
    "tags": []
}
JSON
	truncate -s 4M "$R/usr/share/OVMF/OVMF_CODE_4M.fd" "$R/usr/share/OVMF/OVMF_VARS_4M.fd"
}

case_healthy() {
	healthy_host
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	check
	expect_rc 0
	expect_out "^\[  ok  \] KVM"
	expect_out "^\[  ok  \] vfio-pci: the driver is loaded"
	expect_out "^\[  ok  \] GPUs: 2 display controllers"
	expect_out "^Guest win \(/etc/vxm/win.conf\)"
	expect_out "^\[  ok  \] 0000:01:00.0 Device 1234:1111: can be passed through \(IOMMU group 1, now on bochs-drm\)"
	expect_out "^\[  ok  \] 0000:01:00.1 Intel Corporation 82801I"
	expect_out "^\[  ok  \] firmware: /usr/share/qemu/firmware/60-edk2-x86_64.json"
	expect_out "^0 problems"
}

case_companion_missing() {
	healthy_host
	fake_guest win nobody 0000:01:00.0
	check win
	expect_rc 1
	expect_out "^\[ FAIL \] 0000:01:00.0 Device 1234:1111: IOMMU group 1 also holds 0000:01:00.1 .*, on snd_hda_intel"
	expect_out "-> add Device=0000:01:00.1 to \[PCI\] in /etc/vxm/win.conf"
	expect_out "^1 problem,"
}

case_iommu_off() {
	healthy_host
	rm -rf "$R/sys/kernel/iommu_groups"/*
	rm -f "$R/sys/devices/pci0000:00"/*/iommu_group
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	check
	expect_rc 1
	expect_out "^\[ FAIL \] IOMMU: "
	expect_out "-> .*(intel_iommu=on|amd_iommu=on|firmware setup)"
	expect_out "^\[ FAIL \] 0000:01:00.0 .*: in no IOMMU group"
}

case_boot_vga() {
	healthy_host
	fake_guest win nobody 0000:00:01.0
	check win
	expect_rc 1
	expect_out "^\[ FAIL \] 0000:00:01.0 Device 1234:1111: is the boot display of the host"
}

case_single_gpu() {
	healthy_host
	echo 0 >"$R/sys/bus/pci/devices/0000:00:01.0/boot_vga"
	echo 0x058000 >"$R/sys/bus/pci/devices/0000:00:01.0/class"
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	check win
	expect_rc 1
	expect_out "^\[ FAIL \] GPUs: 1 display controller$"
	expect_out "the host would have no display controller left"
}

case_bad_configs() {
	healthy_host
	fake_guest gone nobody 0000:05:00.0
	printf '[Guest]\nCPUs=lots\n' >"$R/etc/vxm/broken.conf"
	fake_guest nouser vxm-no-such-user 0000:01:00.0 0000:01:00.1
	check
	expect_rc 1
	expect_out "^\[ FAIL \] 0000:05:00.0: no such PCI device"
	expect_out "-> fix Device= at /etc/vxm/gone.conf:5"
	expect_out "/etc/vxm/broken.conf:2: CPUs=lots: not a number"
	expect_out "^\[ FAIL \] configuration has errors"
	expect_out "^\[ FAIL \] user: vxm-no-such-user does not exist"
	check nosuchguest
	expect_rc 1
	expect_out "^\[ FAIL \] no such guest"
}

case_no_firmware() {
	healthy_host
	rm "$R/usr/share/qemu/firmware/60-edk2-x86_64.json"
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	check win
	expect_rc 1
	expect_out "^\[ FAIL \] firmware: no UEFI firmware matches this guest"
	expect_out "apt-get install ovmf"
}

case_no_kvm() {
	healthy_host
	rm "$R/dev/kvm"
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	printf '[Guest]\nUser=nobody\nAccelerator=tcg\n' >"$R/etc/vxm/test.conf"
	check
	expect_rc 1
	expect_out "^\[ warn \] KVM: /dev/kvm is missing \(only guests with Accelerator=tcg can run\)"
	expect_out "^\[ FAIL \] accelerator: kvm, but /dev/kvm is missing"
	expect_out "^1 problem,"
	check test
	expect_rc 0
	expect_out "^\[ warn \] accelerator: tcg \(emulation\)"
}

# Run as root, vxm check opens the guest's disks, which live in a directory the guest's user owns: a link there is
# not followed (it could point at /etc/shadow or /dev/watchdog) and a FIFO does not hang the check.
case_guest_owned_files() {
	healthy_host
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	printf '[Storage]\nDisk=/var/lib/vxm/win/good.img\nDisk=/var/lib/vxm/win/link.img\nDisk=/var/lib/vxm/win/fifo.img\n' \
		>>"$R/etc/vxm/win.conf"
	mkdir -p "$R/var/lib/vxm/win"
	: >"$R/var/lib/vxm/win/good.img"
	echo "root:secret" >"$R/shadow"
	chmod 600 "$R/shadow"
	ln -s /shadow "$R/var/lib/vxm/win/link.img"
	mkfifo "$R/var/lib/vxm/win/fifo.img"
	if [ "$(id -u)" = 0 ]; then
		chown 54321 "$R/var/lib/vxm/win"
		who="owned by uid 54321"
	else
		chmod 0777 "$R/var/lib/vxm/win"
		who="writable by its group and by others"
	fi
	check win
	expect_rc 1
	expect_out "^\[  ok  \] disk: /var/lib/vxm/win/good.img$"
	expect_out "^\[ FAIL \] disk: /var/lib/vxm/win/link.img is a symbolic link in /var/lib/vxm/win, which is $who: vxm does not follow links that a user other than root can change$"
	expect_out "^\[ FAIL \] disk: /var/lib/vxm/win/fifo.img is a FIFO, not a regular file or a block device$"
	expect_out "-> make it a regular file or block device, or fix Disk= at /etc/vxm/win.conf:9"
	expect_out "^2 problems,"
}

# vxm status shows what the steps recorded, i.e. what they changed on the host and will undo.
case_status_records() {
	healthy_host
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	rc=0
	VXM_ROOT=$R "$VXM_CLI" status win >"$T/out" 2>&1 || rc=$?
	expect_rc 0
	expect_out "^  Host changes recorded: none$"
	mkdir -p "$R/run/vxm/.state/vfio" "$R/run/vxm/.state/hugepages"
	printf '# comment\nVERSION=1\nBOUND_BY_VXM=yes\nDRIVER=bochs-drm\n' >"$R/run/vxm/.state/vfio/0000:01:00.0"
	printf 'NODE=-1\nADDED=118\n' >"$R/run/vxm/.state/hugepages/win"
	VXM_ROOT=$R "$VXM_CLI" status win >"$T/out" 2>&1 || rc=$?
	expect_out "^  Host changes recorded \(undone when the guest stops\):$"
	expect_out "^    /run/vxm/.state/vfio/0000:01:00.0: VERSION=1 BOUND_BY_VXM=yes DRIVER=bochs-drm$"
	expect_out "^    /run/vxm/.state/hugepages/win: NODE=-1 ADDED=118$"
	expect_not_out "comment"
}

case_usage() {
	healthy_host
	check a b
	expect_rc 2
	expect_out "Usage: vxm check \[NAME\]"
}

if [ "${1:-}" = list ]; then
	declare -F | sed -n 's/^declare -f case_//p'
	exit 0
fi
: "${VXM_CLI:?}"
"case_$1"
