# SPDX-License-Identifier: BSD-3-Clause
# A fake host for vxm check (sourced by tests/helpers/check/test-check.sh and tests/helpers/cli/test-cli.sh, after
# tests/helpers/vfio/fake-sysfs.sh): $R is the root, $T a scratch directory, $here the sourcing test's directory (a
# sibling of tests/helpers/guest, whose firmware descriptors it copies), $VXM_GENERATOR the generator for generate().
# shellcheck shell=bash

# fake_proc: /proc of its own (fake_init links the host's): the kernel command line, CPU, memory, interrupts,
# /proc/iomem and no processes.
fake_proc() {
	rm -f "$R/proc"
	mkdir -p "$R/proc/sys/kernel" "$R/proc/sys/vm"
	echo "BOOT_IMAGE=/vmlinuz-6.1.0 root=/dev/sda1 ro intel_iommu=on iommu=pt" >"$R/proc/cmdline"
	echo "6.1.0-test" >"$R/proc/sys/kernel/osrelease"
	printf 'processor\t: 0\nvendor_id\t: GenuineIntel\naddress sizes\t: 39 bits physical, 48 bits virtual\n' \
		>"$R/proc/cpuinfo"
	printf 'MemTotal:       32768000 kB\nMemFree:        20480000 kB\nInactive(file):  2048000 kB\n' \
		>"$R/proc/meminfo"
	# 1200 free 4 MiB blocks (2400 2 MiB pages) in Normal
	printf 'Node 0, zone      DMA      1      1      1      0      2      1      1      0      1      1      3\n' \
		>"$R/proc/buddyinfo"
	printf 'Node 0, zone   Normal    900    400    300    200    100     50     20     10      5     40   1200\n' \
		>>"$R/proc/buddyinfo"
	printf '           CPU0\n  0:         46   IR-IO-APIC    2-edge      timer\n 24:       1000   IR-PCI-MSI-0000:01:00.0  0-edge  bochs\n' \
		>"$R/proc/interrupts"
	cat >"$R/proc/iomem" <<-'EOF'
	00000000-00000fff : Reserved
	00100000-bfffffff : System RAM
	c0000000-febfffff : PCI Bus 0000:00
	  fc000000-fcffffff : 0000:00:01.0
	    fc000000-fc2fffff : efifb
	  fd000000-fdffffff : PCI Bus 0000:01
	    fd000000-fd003fff : 0000:01:00.0
	800000000-80fffffff : PCI Bus 0000:01
	  800000000-80fffffff : 0000:01:00.0
	EOF
}

# fake_bars BDF "START SIZE FLAGS"...: sysfs resource, BARs 0.. in order ("-" for an unused one)
fake_bars() {
	local f=$R/sys/devices/pci0000:00/$1/resource i=0 b
	shift
	: >"$f"
	for b in "$@"; do
		if [ "$b" = - ]; then
			printf '0x%016x 0x%016x 0x%016x\n' 0 0 0 >>"$f"
		else
			# shellcheck disable=SC2086
			set -- $b
			printf '0x%016x 0x%016x 0x%016x\n' "$1" $(($1 + $2 - 1)) "$3" >>"$f"
		fi
		i=$((i + 1))
	done
	while [ $i -lt 13 ]; do
		printf '0x%016x 0x%016x 0x%016x\n' 0 0 0 >>"$f"
		i=$((i + 1))
	done
}
MEM32=0x40200 MEM64PREF=0x14220c

# fake_config BDF FLR(0|1): 256 bytes of config space with a PCI Express capability at 0x40
fake_config() {
	python3 - "$R/sys/devices/pci0000:00/$1/config" "$2" <<-'EOF'
	import sys
	c = bytearray(256)
	c[0x06] = 0x10          # status: capability list
	c[0x34] = 0x40          # first capability
	c[0x40] = 0x10          # PCI Express
	devcap = (1 << 28) if sys.argv[2] == "1" else 0
	c[0x44:0x48] = devcap.to_bytes(4, "little")
	open(sys.argv[1], "wb").write(bytes(c))
	EOF
}

# fake_process PID COMM CGROUP-PATH [NODE...]: a process with each NODE open (fd 3, 4, ...)
fake_process() {
	local pid=$1 comm=$2 cg=$3 fd=3 n
	shift 3
	mkdir -p "$R/proc/$pid/fd"
	echo "$comm" >"$R/proc/$pid/comm"
	echo "0::$cg" >"$R/proc/$pid/cgroup"
	for n in "$@"; do
		ln -s "$n" "$R/proc/$pid/fd/$fd"
		fd=$((fd + 1))
	done
}

# fake_program NAME SCRIPT-BODY: an executable in /usr/bin
fake_program() {
	mkdir -p "$R/usr/bin"
	printf '#!/bin/sh\n%s\n' "$2" >"$R/usr/bin/$1"
	chmod +x "$R/usr/bin/$1"
}

generate() {
	rm -rf "$R/run/systemd/generator"
	mkdir -p "$R/run/systemd/generator" "$T/early" "$T/late"
	VXM_ROOT=$R "$VXM_GENERATOR" "$R/run/systemd/generator" "$T/early" "$T/late" 2>/dev/null
}

# healthy_host_only: a host that can run a guest of the GPU at 0000:01:00.0: two GPUs, IOMMU on in passthrough mode
# with interrupt remapping, vfio-pci, KVM, QEMU, swtpm, Debian's firmware descriptors, free huge pages.
healthy_host_only() {
	fake_two_gpus "$R"
	fake_proc
	mkdir -p "$R/sys/class/iommu/dmar0" "$R/sys/kernel/mm/hugepages/hugepages-2048kB" "$R/dev/shm" \
		"$R/var/lib/vxm/win" "$R/srv" "$R/usr/share/qemu/firmware" "$R/usr/share/OVMF"
	for g in "$R"/sys/kernel/iommu_groups/*; do echo identity >"$g/type"; done
	mkdir -p "$R/sys/fs/cgroup"
	echo "cpuset cpu io memory hugetlb pids rdma misc" >"$R/sys/fs/cgroup/cgroup.controllers"
	echo 0 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	echo 0 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
	echo -1 >"$R/sys/devices/pci0000:00/0000:01:00.0/numa_node"
	fake_bars 0000:00:01.0 "0xfc000000 0x1000000 0x42208"
	fake_bars 0000:01:00.0 "0x800000000 0x10000000 $MEM64PREF" - "0xfd000000 0x4000 $MEM32"
	fake_bars 0000:01:00.1 "0xfd010000 0x4000 $MEM32"
	echo "flr bus" >"$R/sys/devices/pci0000:00/0000:01:00.0/reset_method"
	echo "flr" >"$R/sys/devices/pci0000:00/0000:01:00.1/reset_method"
	fake_config 0000:01:00.0 1
	fake_config 0000:01:00.1 1
	: >"$R/dev/kvm"
	# logind holds the host GPU's card, not the guest's
	fake_process 321 systemd-logind /system.slice/systemd-logind.service /dev/dri/card0

	fake_program qemu-system-x86_64 'echo "QEMU emulator version 7.2.9 (Debian 1:7.2+dfsg-7+deb12u6)"'
	fake_program swtpm 'case "$1" in
--version) echo "TPM emulator version 0.7.1, Copyright (c) 2014-2021 IBM Corp." ;;
socket) echo "{ \"type\": \"swtpm\", \"features\": [ \"tpm-1.2\", \"tpm-2.0\", \"cmdarg-seccomp\" ], \"version\": \"0.7.1\" }" ;;
esac'
	fake_program swtpm_setup 'echo "TPM emulator setup tool version 0.7.1"'
	cp "$here"/../guest/firmware/debian/*.json "$R/usr/share/qemu/firmware/"
	for f in OVMF_CODE_4M.fd OVMF_VARS_4M.fd OVMF_CODE_4M.secboot.fd OVMF_CODE_4M.ms.fd OVMF_VARS_4M.ms.fd; do
		truncate -s 4M "$R/usr/share/OVMF/$f"
	done
}

# healthy_host: healthy_host_only, the guest "win" that it can run (option ROM, TPM, huge pages, Looking Glass, a
# disk), and the generator's output for it.
healthy_host() {
	healthy_host_only
	printf 'QFI\373\0\0\0\3' >"$R/var/lib/vxm/win/disk.qcow2"
	# an option ROM: 0x55AA, PCIR pointer 0x1c at 0x18
	printf '\125\252\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\034\0\0\0PCIR' >"$R/srv/gpu.rom"
	cat >"$R/etc/vxm/win.conf" <<-'EOF'
	[Guest]
	User=nobody
	Memory=4G

	[PCI]
	Device=0000:01:00.0,romfile=/srv/gpu.rom
	Device=0000:01:00.1

	[TPM]
	Enable=yes

	[Memory]
	Hugepages=2M

	[LookingGlass]
	Resolution=1920x1080
	Viewer=daemon

	[Storage]
	Disk=/var/lib/vxm/win/disk.qcow2
	EOF
	generate
}
