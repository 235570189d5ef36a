#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# "vxm check", the pre-flight doctor (and "vxm status"), against the fake sysfs of the vxm-vfio tests: each finding must say what is
# wrong and what to do, and the exit status must say whether anything stands in the way. One case per invocation
# (test-check.sh CASE); "list" prints the cases. Environment: VXM_CLI.
set -euo pipefail
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

check() {
	rc=0
	VXM_ROOT=$R "$VXM_CLI" check "$@" >"$T/out" 2>&1 || rc=$?
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

# --- placement (issue 12): the GPU's node, its CPUs and siblings, what auto chooses, the guest's placement ---

# The fake GPU on node 1 of two nodes of two 2-thread cores (CPU n and n+4 siblings; node 0: 0-1,4-5, node 1:
# 2-3,6-7), 1536 MiB per node, cgroup v2 with cpuset.
numa_host() {
	healthy_host
	local c
	mkdir -p "$R/sys/devices/system/cpu"
	echo 0-7 >"$R/sys/devices/system/cpu/online"
	echo 0-7 >"$R/sys/devices/system/cpu/present"
	for c in 0 1 2 3 4 5 6 7; do
		mkdir -p "$R/sys/devices/system/cpu/cpu$c/topology"
		echo "$((c % 4)),$((c % 4 + 4))" >"$R/sys/devices/system/cpu/cpu$c/topology/thread_siblings_list"
	done
	for n in 0 1; do
		mkdir -p "$R/sys/devices/system/node/node$n"
		printf 'Node %s MemTotal:        1572864 kB\nNode %s MemFree:         1048576 kB\n' $n $n \
			>"$R/sys/devices/system/node/node$n/meminfo"
	done
	echo 0-1,4-5 >"$R/sys/devices/system/node/node0/cpulist"
	echo 2-3,6-7 >"$R/sys/devices/system/node/node1/cpulist"
	echo 1 >"$R/sys/devices/pci0000:00/0000:01:00.0/numa_node"
	mkdir -p "$R/sys/fs/cgroup"
	echo "cpuset cpu io memory pids" >"$R/sys/fs/cgroup/cgroup.controllers"
}
placement_guest() { # placement_guest NAME LINES...: the fake GPU and its audio function, plus [Guest] lines
	local name=$1
	shift
	{
		printf '[Guest]\nUser=nobody\nMemory=1G\n'
		printf '%s\n' "$@"
		printf '[PCI]\nDevice=0000:01:00.0\nDevice=0000:01:00.1\n'
	} >"$R/etc/vxm/$name.conf"
}

case_placement_auto() {
	numa_host
	placement_guest win CPUs=4 CPUAffinity=auto IsolateHost=yes
	check win
	expect_rc 0
	expect_out "^\[  ok  \] NUMA: the GPU 0000:01:00.0 is on node 1: CPUs 2-3,6-7, SMT siblings 2,6 3,7$"
	expect_out "^\[  ok  \] CPUAffinity=auto takes CPUs 2-3,6-7 on node 1 \(vCPUs 0-3 on 2,6,3,7\)$"
	expect_out "^\[  ok  \] placement: vCPUs on CPUs 2-3,6-7 \(node 1\) as SMT sibling pairs \(the guest sees threads=2\), emulator threads on CPUs 0-1,4-5$"
	expect_out "^\[  ok  \] IsolateHost=yes: while the guest runs, host processes run on CPUs 0-1,4-5 and CPUs 2-3,6-7 are the guest's$"
	expect_out "^\[  ok  \] memory: bound to NUMA node 1 \(1536 MiB, 1024 MiB free now\)$"
}

case_placement_unpinned() {
	numa_host
	placement_guest win CPUs=2
	check win
	expect_rc 0
	expect_out "^\[  ok  \] CPUAffinity=auto would take CPUs 3,7 on node 1 \(vCPUs 0-1 on 3,7\)$"
	expect_out "^\[  ok  \] placement: vCPUs not pinned \(no CPUAffinity=\)$"
	expect_out "^\[  ok  \] memory: bound to NUMA node 1"
	placement_guest big CPUs=6 Memory=2G
	check big
	expect_rc 1
	expect_out "^\[  ok  \] CPUAffinity=auto would not fit CPUs=6 here \(2 whole cores free on the node, the core of CPU 0 stays with the host\)$"
	expect_out "^\[ FAIL \] memory: Memory=2048 MiB is bound to NUMA node 1, which has 1536 MiB in all$"
	expect_out "-> lower Memory=, or set \[Memory\] Node= to a bigger node \(or none\)"
}

case_placement_bad() {
	numa_host
	echo 0-2,4-7 >"$R/sys/devices/system/cpu/online"
	placement_guest win CPUs=2 CPUAffinity=2-3
	check win
	expect_rc 1
	expect_out "^vxm: /etc/vxm/win.conf:5: CPUAffinity=2-3: CPU 3 is offline \(online: 0-2,4-7\)$"
	expect_out "^\[ FAIL \] placement: the guest's CPUAffinity=, EmulatorCPUs= or Node= cannot be applied on this host$"
	placement_guest list CPUs=2 CPUAffinity=0,4
	check list
	expect_rc 0
	expect_out "^vxm: /etc/vxm/list.conf:5: CPUAffinity=0,4: CPUs 0,4 are not on NUMA node 1, the GPU's"
	mkdir -p "$R/sys/fs/cgroup/machine.slice"
	echo 0-1 >"$R/sys/fs/cgroup/machine.slice/cpuset.cpus.effective"
	check list
	expect_rc 1
	expect_out "^\[ FAIL \] placement: machine.slice, where guests run, may only use CPUs 0-1: pinning to CPUs 4-5 would fail$"
	rm -r "$R/sys/fs/cgroup/machine.slice"
	echo "cpu memory" >"$R/sys/fs/cgroup/cgroup.controllers"
	placement_guest iso CPUs=2 CPUAffinity=auto IsolateHost=yes
	check iso
	expect_rc 1
	expect_out "^\[ FAIL \] IsolateHost=yes: this host has no cgroup v2 cpuset controller$"
}

case_placement_status() {
	numa_host
	placement_guest win CPUs=2 CPUAffinity=auto IsolateHost=yes
	rc=0
	VXM_ROOT=$R "$VXM_CLI" status win >"$T/out" 2>&1 || rc=$?
	expect_rc 0
	expect_out "^  Placement:$"
	expect_out "^    vCPU 0     CPU 3        \(when it runs\)$"
	expect_out "^    vCPU 1     CPU 7        \(when it runs\)$"
	expect_out "^    emulator   CPUs 2,6     \(when it runs\)$"
	expect_out "^    memory     NUMA node 1 \(the GPU's node\)$"
	expect_out "^    host       not isolated now"
	mkdir -p "$R/run/vxm/.state/isolate" "$R/run/vxm/.state/isolate-host"
	printf 'CPUS=3,7\n' >"$R/run/vxm/.state/isolate/win"
	printf 'BEFORE.system.slice=\nNOW.system.slice=0-2,4-6\n' >"$R/run/vxm/.state/isolate-host/original"
	VXM_ROOT=$R "$VXM_CLI" status win >"$T/out" 2>&1 || rc=$?
	expect_out "^    host       processes on CPUs 0-2,4-6 \(isolating guests: win\)$"
	expect_out "^    /run/vxm/.state/isolate/win: CPUS=3,7$"
	placement_guest list CPUs=2 CPUAffinity=2-3
	echo 0-2,4-7 >"$R/sys/devices/system/cpu/online"
	VXM_ROOT=$R "$VXM_CLI" status list >"$T/out" 2>&1 || rc=$?
	expect_out "^    not valid on this host: vxm check list says why$"
}

if [ "${1:-}" = list ]; then
	declare -F | sed -n 's/^declare -f case_//p'
	exit 0
fi
: "${VXM_CLI:?}"
"case_$1"
