#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxm check, the pre-flight doctor, against fake trees built here: healthy_host builds a host on which every finding
# is ok, and each case breaks one thing and asserts the finding's verdict, subject, message and hint through the JSON
# output (findings.py). One case per invocation (test-check.sh CASE); "list" prints the cases.
# Environment: VXM_CLI (vxm), VXM_GENERATOR (vxm-generator), VXM_MAN (man/vxm.1.in); KEEP_ROOT=DIR copies the fake
# tree there at the end, to run `VXM_ROOT=DIR vxm check` on it by hand.
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

# check [ARGS]: vxm check --json ARGS into $T/out (and its exit status in $rc); checkt: the text form
check() { # rc 124: it hung
	rc=0
	VXM_ROOT=$R timeout 20 "$VXM_CLI" check --json "$@" >"$T/out" 2>"$T/err" || rc=$?
	python3 "$here/findings.py" "$T/out" schema || fail "the JSON does not follow the schema"
}
checkt() {
	rc=0
	VXM_ROOT=$R timeout 20 "$VXM_CLI" check "$@" >"$T/out" 2>&1 || rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit status $rc, expected $1"; ok "exit status $1"; }
# has ID VERDICT [SUBJECT [MESSAGE-RE [HINT-RE]]]
has() {
	python3 "$here/findings.py" "$T/out" has "$@" || exit 1
	ok "$1: $2${3:+ $3}${4:+ /$4/}${5:+ -> /$5/}"
}
lacks() {
	python3 "$here/findings.py" "$T/out" lacks "$@" || exit 1
	ok "no $1 ${2:-}finding"
}
expect_out() { grep -Eq -- "$1" "$T/out" || fail "output lacks /$1/"; ok "says /$1/"; }

# --- the fake host: fake-host.sh (shared with tests/helpers/cli) ---
# shellcheck source=tests/helpers/check/fake-host.sh
. "$here/fake-host.sh"

# --- cases ---

case_healthy() {
	healthy_host
	check
	expect_rc 0
	python3 "$here/findings.py" "$T/out" only-ok || exit 1
	# every registered check says something about this host and guest
	"$VXM_CLI" check --list | awk '{print $1}' | sort >"$T/ids"
	python3 "$here/findings.py" "$T/out" ids >"$T/seen"
	diff -u "$T/ids" "$T/seen" || fail "checks that made no finding (-) or ids that are not registered (+)"
	ok "every registered check made a finding"
	has iommu ok host "on \(Intel VT-d\), 3 IOMMU groups"
	has pci-device ok 0000:01:00.0 "Device 1234:1111 .*driver bochs-drm"
	has gpu-holder ok 0000:01:00.0 "^no process has /dev/dri/card1 or /dev/dri/renderD128 open$"
	has memlock ok vxm-guest@win.service "LimitMEMLOCK=5368709120 .*set at /run/systemd/generator/vxm-guest@win.service.d/50-vxm-generator.conf:[0-9]+"
	has reset ok 0000:01:00.0 "reset by flr bus \(FLR: yes\)"
	has bar-size ok 0000:01:00.0 "BAR 0 is 256 MiB; the guest.s 64-bit BARs \(288 MiB in all\) fit OVMF.s default 32 GiB window"
	has secure-boot ok win "SecureBoot=no; /usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json would offer it"
	has hugepages ok win "2048 2M pages needed: 0 free in the pool, 2447 more free as whole blocks"
	has swtpm ok win "swtpm 0.7.1 and swtpm_setup 0.7.1, TPM 2.0"
}

# The text form: headings, one line per finding with its id, hints under the line, the summary; exit status 1.
case_text() {
	healthy_host
	rm "$R/dev/kvm"
	checkt win
	expect_rc 1
	expect_out "^Host$"
	expect_out "^\[ warn \] kvm: /dev/kvm is missing \(only guests with Accelerator=tcg can run\)$"
	expect_out "^         -> enable virtualization"
	expect_out "^Guest win \(/etc/vxm/win.conf\)$"
	expect_out "^\[  ok  \] iommu-group 0000:01:00.0: IOMMU group 1 holds only devices this guest takes"
	expect_out "^\[ FAIL \] accelerator: Accelerator=kvm, but /dev/kvm is missing$"
	expect_out "^1 problem, 1 warning\.$"
}

case_usage() {
	healthy_host
	checkt a b
	expect_rc 2
	expect_out "Usage: vxm check \[--json\] \[NAME\]"
	checkt --bogus
	expect_rc 2
	checkt --help
	expect_rc 0
	expect_out "^Usage: vxm check"
}

# vxm(1) documents every id with its fix.
case_man_lists_every_id() {
	local id n=0
	for id in $("$VXM_CLI" check --list | awk '{print $1}'); do
		# roff spells a hyphen \-
		grep -Fxq ".B ${id//-/\\-}" "$VXM_MAN" || { echo "FAIL: $id is not documented in vxm(1) (.B ${id//-/\\-})"; exit 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 30 ] || { echo "FAIL: vxm check --list lists only $n checks"; exit 1; }
	ok "every id of vxm check --list is in vxm(1)"
}

case_kvm() {
	healthy_host
	rm "$R/dev/kvm"
	check
	expect_rc 1
	has kvm warn host "/dev/kvm is missing" "VT-x/AMD-V"
	has accelerator fail win "Accelerator=kvm, but /dev/kvm is missing" "kvm_intel or kvm_amd"
}

case_iommu_off() {
	healthy_host
	rm -rf "$R/sys/kernel/iommu_groups"/*
	rm -f "$R/sys/devices/pci0000:00"/*/iommu_group
	echo "BOOT_IMAGE=/vmlinuz ro quiet" >"$R/proc/cmdline"
	check
	expect_rc 1
	has iommu fail host "off \(/sys/kernel/iommu_groups is empty\)" "add intel_iommu=on iommu=pt to the kernel command line"
	has iommu-group fail 0000:01:00.0 "in no IOMMU group" "turn the IOMMU on"
	lacks iommu-passthrough
	lacks interrupt-remapping
	# on the command line, but the firmware has it off
	echo "BOOT_IMAGE=/vmlinuz ro intel_iommu=on" >"$R/proc/cmdline"
	check
	has iommu fail host "intel_iommu=on is on the kernel command line, but the kernel made no IOMMU groups" "firmware setup"
	# AMD
	sed -i 's/GenuineIntel/AuthenticAMD/' "$R/proc/cpuinfo"
	echo "BOOT_IMAGE=/vmlinuz ro quiet" >"$R/proc/cmdline"
	check
	has iommu fail host "" "add amd_iommu=on iommu=pt"
}

case_iommu_passthrough() {
	healthy_host
	for g in "$R"/sys/kernel/iommu_groups/*; do echo DMA-FQ >"$g/type"; done
	check
	expect_rc 0
	has iommu-passthrough warn host "3 IOMMU groups translate host DMA \(default domain DMA-FQ\)" "add iommu=pt"
	# kernels before 5.11 have no type: the command line decides
	rm "$R"/sys/kernel/iommu_groups/*/type
	check
	has iommu-passthrough ok host "iommu=pt is on the kernel command line"
	echo "BOOT_IMAGE=/vmlinuz intel_iommu=on" >"$R/proc/cmdline"
	check
	has iommu-passthrough warn host "iommu=pt is not on the kernel command line" "add iommu=pt"
}

case_interrupt_remapping() {
	healthy_host
	sed -i 's/IR-//' "$R/proc/interrupts"
	echo "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt intremap=off" >"$R/proc/cmdline"
	check
	expect_rc 1
	has interrupt-remapping fail host "off \(intremap= is on the kernel command line\): vfio refuses" "allow_unsafe_interrupts=1"
	mkdir -p "$R/sys/module/vfio_iommu_type1/parameters"
	echo Y >"$R/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
	check
	expect_rc 0
	has interrupt-remapping warn host "allow_unsafe_interrupts=Y" "enable interrupt remapping"
}

case_acs_override() {
	healthy_host
	echo "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt pcie_acs_override=downstream,multifunction" >"$R/proc/cmdline"
	check
	expect_rc 0
	has acs-override warn host "pcie_acs_override=downstream,multifunction is on the kernel command line: the IOMMU groups are made up" "peer-to-peer"
}

case_cgroup() {
	healthy_host
	echo "cpu io memory pids" >"$R/sys/fs/cgroup/cgroup.controllers"
	check
	expect_rc 0
	has cgroup warn host "cgroup v2 without the cpuset controller" "CONFIG_CPUSETS"
	rm "$R/sys/fs/cgroup/cgroup.controllers"
	mkdir -p "$R/sys/fs/cgroup/unified"
	echo "" >"$R/sys/fs/cgroup/unified/cgroup.controllers"
	check
	has cgroup warn host "the hybrid cgroup hierarchy is in use" "systemd.unified_cgroup_hierarchy=1"
}

case_vfio_pci() {
	healthy_host
	rm -r "$R/sys/bus/pci/drivers/vfio-pci"
	check
	expect_rc 1
	has vfio-pci fail host "no such module for the running kernel" "modules package"
	mkdir -p "$R/lib/modules/6.1.0-test"
	echo "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz" \
		>"$R/lib/modules/6.1.0-test/modules.dep"
	check
	expect_rc 0
	has vfio-pci ok host "available as a module"
}

case_single_gpu() {
	healthy_host
	echo 0 >"$R/sys/bus/pci/devices/0000:00:01.0/boot_vga"
	echo 0x058000 >"$R/sys/bus/pci/devices/0000:00:01.0/class"
	check
	expect_rc 1
	has gpu-count fail host "^1 display controller$" "single-GPU passthrough"
	has host-gpu fail 0000:01:00.0 "the host would have no display controller left" "integrated GPU counts"
}

case_boot_vga() {
	healthy_host
	fake_guest boot nobody 0000:00:01.0
	check boot
	expect_rc 1
	has boot-vga fail 0000:00:01.0 "is the boot display of the host" "use the other GPU"
}

case_qemu() {
	healthy_host
	fake_program qemu-system-x86_64 'echo "QEMU emulator version 4.2.1 (Debian 1:4.2-3ubuntu6)"'
	check
	expect_rc 1
	has qemu fail /usr/bin/qemu-system-x86_64 "QEMU 4.2.1 is too old: vxm's command line needs 5.0 or later" "install QEMU 5.0"
	rm "$R/usr/bin/qemu-system-x86_64"
	check
	has qemu fail host "qemu-system-x86_64 is not installed" "apt-get install qemu-system-x86"
}

case_config_errors() {
	healthy_host
	printf '[Guest]\nCPUs=lots\nMemory=8G\nColour=blue\n' >"$R/etc/vxm/broken.conf"
	check broken
	expect_rc 1
	has config fail /etc/vxm/broken.conf:2 "^CPUs=lots: not a number$" "fix this line"
	has config warn /etc/vxm/broken.conf:4 "unknown key Colour= in \[Guest\]" "remove or correct the line"
	lacks user
	check ../x
	expect_rc 1
	has config fail ../x "invalid guest name \"../x\"" "letters, digits"
	check nosuchguest
	expect_rc 1
	has config fail nosuchguest "no such guest: no nosuchguest.conf in /etc/vxm, /run/vxm or /usr/lib/vxm" "create /etc/vxm/NAME.conf"
	# every guest, the broken one among them: the others are still checked
	check
	expect_rc 1
	has config fail /etc/vxm/broken.conf:2
	has config ok win "/etc/vxm/win.conf loads without errors"
}

case_config_files() {
	healthy_host
	mkdir -p "$R/usr/lib/vxm/win.conf.d" "$R/etc/vxm/win.conf.d"
	cp "$R/etc/vxm/win.conf" "$R/usr/lib/vxm/win.conf"
	echo "[Guest]" >"$R/usr/lib/vxm/win.conf.d/50-memory.conf"
	printf '[Guest]\nCPUs=4\n' >"$R/etc/vxm/win.conf.d/50-memory.conf"
	printf '[Guest]\nCPUs=2\n' >"$R/etc/vxm/win.conf.d/10-cpus.conf"
	ln -s /dev/null "$R/etc/vxm/win.conf.d/60-vendor.conf"
	echo "[Guest]" >"$R/usr/lib/vxm/win.conf.d/60-vendor.conf"
	check win
	expect_rc 0
	has config-files warn /usr/lib/vxm/win.conf "is shadowed by /etc/vxm/win.conf, which is read instead" "drop-in such as /etc/vxm/win.conf.d/50-local.conf"
	has config-files warn /usr/lib/vxm/win.conf.d/50-memory.conf "shadowed by the drop-in of the same name /etc/vxm/win.conf.d/50-memory.conf" "edit /etc/vxm/win.conf.d/50-memory.conf"
	has config-files ok /etc/vxm/win.conf.d/60-vendor.conf "masks the drop-in 60-vendor.conf"
	has config-files ok /usr/lib/vxm/win.conf.d/60-vendor.conf "is masked by /etc/vxm/win.conf.d/60-vendor.conf"
	has config-files ok win "reads /etc/vxm/win.conf, then /etc/vxm/win.conf.d/10-cpus.conf, then /etc/vxm/win.conf.d/50-memory.conf$"
	# the whole guest masked
	rm "$R/etc/vxm/win.conf"
	ln -s /dev/null "$R/etc/vxm/win.conf"
	check win
	has config-files warn /etc/vxm/win.conf "is a link to /dev/null: guest win is masked" "rm /etc/vxm/win.conf"
	lacks config fail
}

case_user() {
	healthy_host
	sed -i 's/^User=nobody/User=vxm-no-such-user/' "$R/etc/vxm/win.conf"
	check
	expect_rc 1
	has user fail win "user vxm-no-such-user does not exist" "systemd-sysusers"
}

case_accelerator() {
	healthy_host
	sed -i 's/^\[Guest\]/[Guest]\nAccelerator=tcg/' "$R/etc/vxm/win.conf"
	check
	expect_rc 0
	has accelerator warn win "Accelerator=tcg \(emulation\)" "remove Accelerator=tcg"
}

case_pci_device() {
	healthy_host
	fake_guest gone nobody 0000:05:00.0
	check gone
	expect_rc 1
	has pci-device fail 0000:05:00.0 "no such PCI device" "fix Device= at /etc/vxm/gone.conf:5"
	printf '[Guest]\nUser=nobody\n' >"$R/etc/vxm/empty.conf"
	check empty
	has pci-device warn empty "no Device= in \[PCI\]" "add Device= lines"
}

case_iommu_group() {
	healthy_host
	fake_guest half nobody 0000:01:00.0
	check half
	expect_rc 1
	has iommu-group fail 0000:01:00.0 "IOMMU group 1 also holds 0000:01:00.1 .*, on snd_hda_intel" "add Device=0000:01:00.1 to \[PCI\] in /etc/vxm/half.conf"
}

case_gpu_holder() {
	healthy_host
	fake_process 4242 Xorg /system.slice/display-manager.service /dev/dri/card1
	fake_process 4343 obs /user.slice/user-1000.slice/session-2.scope /dev/null /dev/dri/renderD128
	fake_process 4444 pipewire /user.slice/user-1000.slice/user@1000.service/session.slice/pipewire.service /dev/snd/pcmC1D3p
	check
	expect_rc 1
	has gpu-holder fail 0000:01:00.0 "^pid 4242 \(Xorg\) has /dev/dri/card1 open \(in display-manager.service\): unbinding bochs-drm would hang" "the desktop runs on this GPU"
	has gpu-holder fail 0000:01:00.0 "^pid 4343 \(obs\) has /dev/dri/renderD128 open \(in session-2.scope\)" "close obs \(pid 4343\)"
	has gpu-holder fail 0000:01:00.1 "^pid 4444 \(pipewire\) has /dev/snd/pcmC1D3p open" "systemctl stop pipewire.service"
}

case_gpu_holder_nvidia() {
	healthy_host
	echo 0x10de >"$R/sys/devices/pci0000:00/0000:01:00.0/vendor"
	fake_driver nvidia
	rm "$R/sys/devices/pci0000:00/0000:01:00.0/driver" "$R/sys/bus/pci/drivers/bochs-drm/0000:01:00.0"
	rm -r "$R/sys/devices/pci0000:00/0000:01:00.0/drm"
	fake_bound 0000:01:00.0 nvidia
	mkdir -p "$R/proc/driver/nvidia/gpus/0000:01:00.0"
	printf 'Model: \t\t NVIDIA GeForce RTX 3070\nDevice Minor: \t 1\n' >"$R/proc/driver/nvidia/gpus/0000:01:00.0/information"
	fake_process 777 nvidia-persiste /system.slice/nvidia-persistenced.service /dev/nvidiactl /dev/nvidia1
	check
	expect_rc 1
	has gpu-holder fail 0000:01:00.0 "^pid 777 \(nvidia-persiste\) has /dev/nvidia1 open \(in nvidia-persistenced.service\)" "systemctl disable --now nvidia-persistenced"
	# a CUDA program or nvidia-smi talks to the driver through /dev/nvidiactl
	fake_process 888 nvidia-smi /user.slice/user-1000.slice/session-2.scope /dev/nvidiactl /dev/nvidia-uvm
	check
	has gpu-holder warn 0000:01:00.0 "^pid 888 \(nvidia-smi\) has /dev/nvidia(ctl|-uvm) open \(in session-2.scope\): it talks to NVIDIA's driver" "close nvidia-smi \(pid 888\)"
	# not holding this GPU's node, still a problem for the nvidia driver
	rm -r "$R/proc/888" "$R/proc/777/fd/4"
	check
	has gpu-holder fail 0000:01:00.0 "nvidia-persistenced \(pid 777\) keeps the nvidia driver busy" "systemctl disable --now nvidia-persistenced"
}

case_framebuffer() {
	healthy_host
	sed -i 's/^    fd000000-fd003fff : 0000:01:00.0$/    fd000000-fd003fff : 0000:01:00.0\n      fd000000-fd002fff : BOOTFB/' "$R/proc/iomem"
	check
	expect_rc 1
	has framebuffer fail 0000:01:00.0 "the boot framebuffer \(BOOTFB\) holds fd000000-fd002fff inside BAR 2 \(fd000000-fd003fff\)" "initcall_blacklist=sysfb_init"
	sed -i 's/: BOOTFB/: efifb/' "$R/proc/iomem"
	check
	has framebuffer fail 0000:01:00.0 "the boot framebuffer \(efifb\)" "video=efifb:off"
}

case_framebuffer_console() {
	healthy_host
	mkdir -p "$R/sys/class/vtconsole/vtcon1" "$R/sys/class/graphics/fb0"
	echo 1 >"$R/sys/class/vtconsole/vtcon1/bind"
	ln -s ../../../devices/pci0000:00/0000:01:00.0 "$R/sys/class/graphics/fb0/device"
	echo bochs-drmdrmfb >"$R/sys/class/graphics/fb0/name"
	check
	expect_rc 0
	has framebuffer warn 0000:01:00.0 "the kernel console draws on this GPU \(fb0 bochs-drmdrmfb\)" "fbcon=map:N"
	# without root, /proc/iomem shows zeros: the doctor says it cannot tell
	sed -i -E 's/[0-9a-f]+-[0-9a-f]+ :/00000000-00000000 :/' "$R/proc/iomem"
	check
	has framebuffer warn 0000:01:00.0 "/proc/iomem shows no addresses to this user" "run vxm check as root"
}

case_reset() {
	healthy_host
	: >"$R/sys/devices/pci0000:00/0000:01:00.1/reset_method"
	fake_config 0000:01:00.1 0
	check
	expect_rc 0
	has reset warn 0000:01:00.1 "the kernel has no way to reset it \(FLR: no\)" "reboot the host"
	has reset ok 0000:01:00.0 "reset by flr bus \(FLR: yes\)"
	# kernels before 5.15: no reset_method; the reset attribute says whether there is any
	rm "$R"/sys/devices/pci0000:00/0000:01:00.*/reset_method
	: >"$R/sys/devices/pci0000:00/0000:01:00.0/reset"
	check
	has reset ok 0000:01:00.0 "resettable \(FLR: yes\)"
	has reset warn 0000:01:00.1 "no way to reset it \(FLR: no\) and it sits on a root bus"
}

# A GPU's audio function often has no reset of its own: QEMU resets it with the bus behind its root port, when the
# guest takes every device on that bus.
case_reset_bus() {
	healthy_host
	: >"$R/sys/devices/pci0000:00/0000:01:00.1/reset_method"
	fake_config 0000:01:00.1 0
	# put 01:00.0 and 01:00.1 behind the root port 00:02.0, as on real hardware
	local f d=$R/sys/devices/pci0000:00 port=0000:00:02.0
	for f in 0000:01:00.0 0000:01:00.1; do
		mv "$d/$f" "$d/$port/$f"
		ln -sfn "../../../devices/pci0000:00/$port/$f" "$R/sys/bus/pci/devices/$f"
		ln -sfn "../../../../devices/pci0000:00/$port/$f" "$R/sys/kernel/iommu_groups/1/devices/$f"
		ln -sfn ../../../../kernel/iommu_groups/1 "$d/$port/$f/iommu_group"
		ln -sfn "../../../../bus/pci/drivers/$(cat "$d/$port/$f/.mock-driver")" "$d/$port/$f/driver"
	done
	check
	expect_rc 0
	has reset ok 0000:01:00.1 "no reset of its own \(FLR: no\), but QEMU resets it with its bus"
	# a third function on that bus that the guest does not take
	mkdir -p "$d/$port/0000:01:00.2"
	printf '0x0c0330\n' >"$d/$port/0000:01:00.2/class"
	printf '0x1234\n' >"$d/$port/0000:01:00.2/vendor"
	printf '0x0001\n' >"$d/$port/0000:01:00.2/device"
	ln -s "../../../devices/pci0000:00/$port/0000:01:00.2" "$R/sys/bus/pci/devices/0000:01:00.2"
	check
	has reset warn 0000:01:00.1 "a bus reset would also reset 0000:01:00.2, which the guest does not take" "give the guest every device on the bus"
}

case_reset_amd() {
	healthy_host
	echo 0x1002 >"$R/sys/devices/pci0000:00/0000:01:00.0/vendor"
	echo 0x731f >"$R/sys/devices/pci0000:00/0000:01:00.0/device"
	check
	expect_rc 1
	has reset fail 0000:01:00.0 "an AMD Navi 10 GPU, which does not reset properly without the vendor-reset module" "install vendor-reset"
	mkdir -p "$R/sys/module/vendor_reset"
	check
	has reset fail 0000:01:00.0 "vendor-reset is loaded, but the kernel tries \"flr bus\" first" "echo device_specific > /sys/bus/pci/devices/0000:01:00.0/reset_method"
	echo "device_specific flr bus" >"$R/sys/devices/pci0000:00/0000:01:00.0/reset_method"
	check
	expect_rc 0
	has reset ok 0000:01:00.0 "an AMD Navi 10 GPU, reset by vendor-reset"
}

# Resizable BAR on: a 16 GiB BAR does not fit OVMF's default 32 GiB window with the rest; vxm widens it, and
# `vxm show` passes exactly what the finding says.
case_bar_size() {
	healthy_host
	fake_bars 0000:01:00.0 "0x4000000000 0x400000000 $MEM64PREF" - "0xfd000000 0x4000 $MEM32"
	fake_bars 0000:01:00.1 "0x4400000000 0x400000000 $MEM64PREF"
	echo 0000000000007ff0 >"$R/sys/devices/pci0000:00/0000:01:00.0/resource0_resize"
	check
	expect_rc 0
	has bar-size ok 0000:01:00.0 "BAR 0 is 16 GiB \(Resizable BAR: on, up to 16 GiB\); the guest.s 64-bit BARs \(32.0 GiB in all\) need a 64 GiB window, more than OVMF's default 32 GiB: vxm passes -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=65536"
	VXM_ROOT=$R "$VXM_CLI" show win >"$T/argv" 2>"$T/err" || { cat "$T/err"; fail "vxm show failed"; }
	sed 's/^ *//; s/ \\$//' "$T/argv" | paste -sd' ' | grep -q -- "-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=65536 " ||
		{ cat "$T/argv"; fail "vxm show lacks the window"; }
	ok "vxm show passes X-PciMmio64Mb=65536"
	# a CPU with 36 physical address bits cannot hold a 64 GiB window above the guest's RAM
	sed -i 's/39 bits physical/36 bits physical/' "$R/proc/cpuinfo"
	check
	expect_rc 1
	has bar-size fail 0000:01:00.0 "BAR 0 is 16 GiB .* beyond the 64 GiB that 36-bit physical addresses reach" "resource0_resize"
}

case_rom_file() {
	healthy_host
	printf 'NVIDIA firmware update\0\0\0' >"$R/srv/gpu.rom"
	check
	expect_rc 1
	has rom-file fail /srv/gpu.rom "is not a PCI option ROM: no 0x55AA option ROM signature" "drop romfile= at /etc/vxm/win.conf:6"
}

case_firmware() {
	healthy_host
	rm "$R"/usr/share/qemu/firmware/*.json
	check
	expect_rc 1
	has firmware fail win "no UEFI firmware for guest win .*no descriptors in /usr/share/qemu/firmware" "apt-get install ovmf"
}

case_secure_boot() {
	healthy_host
	sed -i 's/^\[TPM\]/[Firmware]\nSecureBoot=yes\n\n[TPM]/' "$R/etc/vxm/win.conf"
	check
	expect_rc 0
	has secure-boot ok win "SecureBoot=yes: /usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json has the keys enrolled"
	rm "$R"/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json
	check
	expect_rc 1
	has secure-boot fail win "no firmware descriptor offers Secure Boot with enrolled keys and SMM" "apt-get install ovmf"
}

case_memory() {
	healthy_host
	sed -i 's/^Memory=4G/Memory=30G/' "$R/etc/vxm/win.conf"
	generate
	check
	has memory warn win "Memory=30 GiB, and the host has 31.2 GiB in all" "lower Memory="
}

case_memlock() {
	healthy_host
	# the configuration grew after the last daemon-reload
	sed -i 's/^Memory=4G/Memory=8G/' "$R/etc/vxm/win.conf"
	check
	expect_rc 1
	has memlock fail vxm-guest@win.service "QEMU gets LimitMEMLOCK=5368709120 \(5 GiB, set at /run/systemd/generator/vxm-guest@win.service.d/50-vxm-generator.conf:[0-9]+\), but VFIO pins 8.1 GiB \(guest memory, Looking Glass and QEMU.s own regions\)" "systemctl daemon-reload: vxm-generator then writes LimitMEMLOCK=9663676416"
	generate
	check
	has memlock ok vxm-guest@win.service "LimitMEMLOCK=9663676416"
	# an administrator's drop-in for the template wins over the generator's (its name sorts later)
	mkdir -p "$R/etc/systemd/system/vxm-guest@.service.d"
	printf '[Service]\nLimitMEMLOCK=64M\n' >"$R/etc/systemd/system/vxm-guest@.service.d/override.conf"
	check
	expect_rc 1
	has memlock fail vxm-guest@win.service "LimitMEMLOCK=64M \(64 MiB, set at /etc/systemd/system/vxm-guest@.service.d/override.conf:2\)" "remove LimitMEMLOCK= from /etc/systemd/system/vxm-guest@.service.d/override.conf"
	printf '[Service]\nLimitMEMLOCK=\n' >"$R/etc/systemd/system/vxm-guest@.service.d/override.conf"
	check
	has memlock fail vxm-guest@win.service "LimitMEMLOCK= is reset at /etc/systemd/system/vxm-guest@.service.d/override.conf:2" "remove the empty LimitMEMLOCK="
	printf '[Service]\nLimitMEMLOCK=infinity\n' >"$R/etc/systemd/system/vxm-guest@.service.d/override.conf"
	check
	expect_rc 0
	has memlock ok vxm-guest@win.service "LimitMEMLOCK=infinity"
	# never generated at all
	rm -r "$R/run/systemd/generator" "$R/etc/systemd/system/vxm-guest@.service.d"
	check
	has memlock fail vxm-guest@win.service "has no LimitMEMLOCK= \(vxm-generator has not run" "systemctl daemon-reload"
	# smaller than configured, but enough: only stale
	sed -i 's/^Memory=8G/Memory=2G/' "$R/etc/vxm/win.conf"
	mkdir -p "$R/run/systemd/generator/vxm-guest@win.service.d"
	printf '[Service]\nLimitMEMLOCK=9663676416\n' >"$R/run/systemd/generator/vxm-guest@win.service.d/50-vxm-generator.conf"
	check
	has memlock warn vxm-guest@win.service "the generated LimitMEMLOCK=9663676416 .* is from an older configuration" "systemctl daemon-reload"
}

case_hugepages() {
	healthy_host
	# fragmented: few whole 4 MiB blocks, but plenty of free memory
	sed -i 's/ 40   1200$/ 40     10/' "$R/proc/buddyinfo"
	check
	expect_rc 0
	has hugepages warn win "2048 2M pages needed, only 67 can be had now \(0 free in the pool, 67 free blocks\)" "hugepages=2048 on the kernel command line"
	# not even the memory
	printf 'MemTotal:       32768000 kB\nMemFree:         1024000 kB\nInactive(file):   512000 kB\n' >"$R/proc/meminfo"
	check
	expect_rc 1
	has hugepages fail win "2048 2M pages \(4 GiB\) needed, but only 1.5 GiB is free or reclaimable" "lower Memory= or free memory on the node; or reserve them at boot"
	# pages already free in the pool count
	echo 2048 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	echo 2048 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
	check
	has hugepages ok win "2048 2M pages needed: 2048 free in the pool"
	# the running guest's reservation
	mkdir -p "$R/run/vxm/.state/hugepages"
	printf 'NODE=-1\nPAGE_SIZE=2097152\nNEED=2048\nBEFORE=0\nADDED=2048\nSTATE=reserved\n' >"$R/run/vxm/.state/hugepages/win"
	echo 0 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
	check
	has hugepages ok win "2048 2M pages are reserved for the running guest"
}

case_hugepages_numa_1g() {
	healthy_host
	# the GPU on node 1, which has the pool and its own free memory
	echo 1 >"$R/sys/devices/pci0000:00/0000:01:00.0/numa_node"
	mkdir -p "$R/sys/devices/system/node/node1/hugepages/hugepages-2048kB"
	echo 0 >"$R/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"
	echo 0 >"$R/sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages"
	printf 'Node 1 MemFree:  1024000 kB\nNode 1 Inactive(file): 0 kB\n' >"$R/sys/devices/system/node/node1/meminfo"
	check
	expect_rc 1
	has hugepages fail win "2048 2M pages \(4 GiB\) needed on NUMA node 1, but only 1000 MiB is free or reclaimable"
	# 1G pages: none reserved, and no pool at all
	sed -i 's/^Hugepages=2M/Hugepages=1G/' "$R/etc/vxm/win.conf"
	check
	has hugepages fail win "Hugepages=1G, but this CPU or kernel has no 1G pages" "use Hugepages=2M"
	mkdir -p "$R/sys/kernel/mm/hugepages/hugepages-1048576kB"
	echo 0 >"$R/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
	echo 0 >"$R/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
	check
	has hugepages warn win "4 1G pages needed, only 0 can be had now .* rarely finds 1 GiB of contiguous memory" "default_hugepagesz=1G hugepagesz=1G hugepages=4"
	echo 4 >"$R/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
	echo 4 >"$R/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
	check
	has hugepages ok win "4 1G pages needed: 4 free in the pool"
}

case_looking_glass() {
	healthy_host
	sed -i 's/^Resolution=1920x1080/Resolution=2560x1440\nSize=32M/' "$R/etc/vxm/win.conf"
	check
	expect_rc 1
	has looking-glass fail /etc/vxm/win.conf:17 "Size=32 MiB is too small for 2560x1440: .* need 64 MiB" "raise Size= to 64 M at /etc/vxm/win.conf:17"
}

case_kvmfr() {
	healthy_host
	mkdir -p "$R/sys/module/kvmfr/parameters"
	echo 16 >"$R/sys/module/kvmfr/parameters/static_size_mb"
	: >"$R/dev/kvmfr0"
	check
	expect_rc 1
	has kvmfr fail /dev/kvmfr0 "kvmfr made it 16 MiB \(static_size_mb\), the guest needs 32 MiB" "options kvmfr static_size_mb=32"
	lacks looking-glass-shm
	echo 64 >"$R/sys/module/kvmfr/parameters/static_size_mb"
	check
	expect_rc 0
	has kvmfr ok /dev/kvmfr0 "64 MiB \(kvmfr static_size_mb\), the guest needs 32 MiB"
	rm "$R/dev/kvmfr0"
	check
	has kvmfr warn win "kvmfr is loaded, but has no free /dev/kvmfrN" "static_size_mb"
}

case_looking_glass_shm() {
	healthy_host
	: >"$R/dev/shm/looking-glass"
	chmod 0644 "$R/dev/shm/looking-glass"
	check
	expect_rc 1
	has looking-glass-shm fail /dev/shm/looking-glass "already exists \(a file, owned by $(id -un), mode 0644\) and was not created by vxm" "rm /dev/shm/looking-glass"
	# vxm's own, for the running guest
	mkdir -p "$R/run/vxm/.state/lookingglass"
	printf 'PATH=/dev/shm/looking-glass\nKIND=shm\n' >"$R/run/vxm/.state/lookingglass/win"
	check
	has looking-glass-shm ok /dev/shm/looking-glass "created by vxm for the running guest"
	# another guest's
	mv "$R/run/vxm/.state/lookingglass/win" "$R/run/vxm/.state/lookingglass/other"
	check
	has looking-glass-shm fail /dev/shm/looking-glass "is guest other's Looking Glass memory" "another \[LookingGlass\] File="
}

case_swtpm() {
	healthy_host
	rm "$R/usr/bin/swtpm_setup"
	check
	expect_rc 1
	has swtpm fail win "\[TPM\] Enable=yes, but swtpm_setup is not installed" "apt-get install swtpm swtpm-tools"
	fake_program swtpm_setup 'echo "TPM emulator setup tool version 0.7.1"'
	fake_program swtpm 'case "$1" in
--version) echo "TPM emulator version 0.7.1" ;;
socket) echo "{ \"type\": \"swtpm\", \"features\": [ \"tpm-1.2\" ], \"version\": \"0.7.1\" }" ;;
esac'
	check
	has swtpm fail win "swtpm 0.7.1 has no TPM 2.0" "TPM 2.0 support"
}

case_disk() {
	healthy_host
	rm "$R/var/lib/vxm/win/disk.qcow2"
	check
	expect_rc 1
	has disk fail /var/lib/vxm/win/disk.qcow2 "does not exist \(Disk= at /etc/vxm/win.conf:20\)" "qemu-img create -f qcow2"
	printf 'KDMV\1\0\0\0' >"$R/var/lib/vxm/win/disk.qcow2"
	check
	has disk fail /var/lib/vxm/win/disk.qcow2 "is a vmdk image" "qemu-img convert -O qcow2"
}

# Run as root, vxm check opens the guest's disks, which live in a directory the guest's user owns: a link there is
# not followed (it could point at /etc/shadow or /dev/watchdog) and a FIFO does not hang the check.
case_guest_owned_files() {
	healthy_host
	printf 'Disk=/var/lib/vxm/win/link.img\nDisk=/var/lib/vxm/win/fifo.img\n' >>"$R/etc/vxm/win.conf"
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
	has disk ok /var/lib/vxm/win/disk.qcow2 "qcow2 image"
	has disk fail /var/lib/vxm/win/link.img "is a symbolic link in /var/lib/vxm/win, which is $who: vxm does not follow links that a user other than root can change" "make it a regular file or block device, or fix Disk= at /etc/vxm/win.conf:21"
	has disk fail /var/lib/vxm/win/fifo.img "is a FIFO, not a regular file or a block device" "fix Disk= at /etc/vxm/win.conf:22"
}

# Looking Glass memory is lent to QEMU and the Viewer= users only: without one, check says what to add.
case_looking_glass_viewer() {
	healthy_host
	has_viewer() { sed -i "/^Viewer=/d" "$R/etc/vxm/win.conf"; [ -z "$1" ] || sed -i "s/^Resolution=.*/&\nViewer=$1/" "$R/etc/vxm/win.conf"; }
	has_viewer ""
	check win
	expect_rc 0
	has looking-glass-viewer warn win "no Viewer=, so only QEMU may map the shared memory" "add Viewer=[a-zA-Z0-9_-]+ to \[LookingGlass\] in /etc/vxm/win.conf: the desktop user who runs looking-glass-client"
	has_viewer daemon
	check win
	expect_rc 0
	has looking-glass-viewer ok win "mapped by QEMU \(nobody\) and the client of daemon, nobody else"
	has_viewer vxmnosuchviewer
	check win
	expect_rc 1
	has looking-glass-viewer fail /etc/vxm/win.conf:17 "viewer vxmnosuchviewer does not exist" "create the user, or fix Viewer= at /etc/vxm/win.conf:17"
}

# Guests that share a User= share everything that user owns: each says so, naming the others and what to do.
case_shared_user() {
	healthy_host
	fake_guest linux nobody
	fake_guest other daemon
	check
	expect_rc 0
	has shared-user warn win "nobody is also the user of guest linux: each guest's QEMU can read and write the others' disks" "give guest win a user of its own: User=vxm-win in \[Guest\] of /etc/vxm/win.conf"
	has shared-user warn linux "nobody is also the user of guest win:"
	has shared-user ok other "no other guest runs as daemon"
	check other
	lacks shared-user warn
}

# guest_pci NAME LINES...: /etc/vxm/NAME.conf with User=nobody and these [PCI] lines, and the generator's output
guest_pci() {
	local name=$1
	shift
	{
		printf '[Guest]\nUser=nobody\n\n[PCI]\n'
		printf '%s\n' "$@"
	} >"$R/etc/vxm/$name.conf"
	generate
}

# fake_pf VFS...: an NVMe controller at 0000:02:00.0 that offers 2 SR-IOV virtual functions; with VFS (addresses of
# the form 0000:02:00.N), those are enabled, each in an IOMMU group of its own
fake_pf() {
	local pf=0000:02:00.0 d=$R/sys/devices/pci0000:00/0000:02:00.0 i=0 vf
	fake_driver nvme
	fake_device $pf 0x010802 0x1b36 0x0010 5 nvme
	echo 2 >"$d/sriov_totalvfs"
	echo $# >"$d/sriov_numvfs"
	echo 0 >"$d/sriov_drivers_autoprobe"
	for vf in "$@"; do
		fake_device "$vf" 0x010802 0x1b36 0x0010 $((6 + i)) -
		ln -s "../$vf" "$d/virtfn$i"
		ln -s "../$pf" "$R/sys/devices/pci0000:00/$vf/physfn"
		i=$((i + 1))
	done
}

# VirtualFunction=: the PF against each line, with the sentences vxm-sriov and vxm-vf refuse a start with.
case_virtual_function() {
	healthy_host
	fake_pf
	guest_pci a VirtualFunction=02:00.0
	check a
	expect_rc 1
	has virtual-function fail /etc/vxm/a.conf:5 "^VirtualFunction=0000:02:00.0: 0000:02:00.0 has no virtual functions enabled \(sriov_numvfs=0\): add vfs=N" "fix VirtualFunction= at /etc/vxm/a.conf:5"
	has pci-device ok a "the guest takes only its VirtualFunction= and Mdev= devices"
	# the largest vfs= of the guests that share the PF is what vxm enables: the hint names that line
	guest_pci b VirtualFunction=0000:02:00.0,vfs=3
	check a
	has virtual-function fail /etc/vxm/a.conf:5 "vfs=3 is more than 0000:02:00.0 offers: at most 2 \(its sriov_totalvfs\)" "^fix vfs= at /etc/vxm/b.conf:5 "
	guest_pci b VirtualFunction=0000:02:00.0,vfs=2
	check a
	expect_rc 0
	has virtual-function ok /etc/vxm/a.conf:5 "0000:02:00.0 has no VFs enabled; vxm enables 2 of its 2 \(vfs=\)"
	guest_pci a VirtualFunction=0000:01:00.0,vfs=1 VirtualFunction=0000:07:00.0
	check a
	has virtual-function fail /etc/vxm/a.conf:5 "0000:01:00.0 Device 1234:1111 has no SR-IOV capability"
	has virtual-function fail /etc/vxm/a.conf:6 "^VirtualFunction=0000:07:00.0: no such PCI device$" "fix VirtualFunction= at /etc/vxm/a.conf:6"

	# VFs enabled: one held by running guest b, the other taken whole by desk's Device=
	rm -rf "$R/sys/devices/pci0000:00/0000:02:00.0" "$R/sys/bus/pci/devices/0000:02:00.0" "$R/sys/kernel/iommu_groups/5"
	rm -f "$R/sys/bus/pci/drivers/nvme/0000:02:00.0"
	fake_pf 0000:02:00.1 0000:02:00.2
	mkdir -p "$R/run/vxm/.state/vf"
	printf 'VERSION=1\nPF=0000:02:00.0\nOWNER=b\nINDEX=0\n' >"$R/run/vxm/.state/vf/0000:02:00.1"
	guest_pci a VirtualFunction=0000:02:00.0
	check a
	expect_rc 0
	has virtual-function ok /etc/vxm/a.conf:5 "^VirtualFunction=0000:02:00.0: 1 of the 2 VFs of 0000:02:00.0 are free for this guest$"
	fake_guest desk nobody 0000:02:00.2
	check a
	expect_rc 1
	has virtual-function fail /etc/vxm/a.conf:5 "0 VFs free, the guest needs 1: every virtual function of 0000:02:00.0 is taken: 0000:02:00.1 \(guest b\), 0000:02:00.2 \(Device= of guest desk\)" "stop a guest that holds one"
	# b's run is over (systemd would say so): its hold is stale, the VF free
	VXM_TEST_RUNNING=nobody check a
	has virtual-function ok /etc/vxm/a.conf:5 "1 of the 2 VFs"
}

# fake_mbochs: the kernel's sample mdev driver as a parent with one type, and the machine ID the UUIDs come from
fake_mbochs() {
	local t=$R/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-medium
	mkdir -p "$t/devices" "$R/sys/class/mdev_bus" "$R/sys/bus/mdev/devices"
	echo "${1:-16}" >"$t/available_instances"
	echo vfio-pci >"$t/device_api"
	echo mbochs-medium >"$t/name"
	echo "virtual display, 16 MB video memory" >"$t/description"
	: >"$t/create"
	ln -s ../../devices/virtual/mbochs/mbochs "$R/sys/class/mdev_bus/mbochs"
	echo 0123456789abcdef0123456789abcdef >"$R/etc/machine-id"
}

# Mdev=: the parent and type against each line, with the sentences vxm-mdev refuses a start with.
case_mdev() {
	healthy_host
	fake_mbochs
	guest_pci m Mdev=auto,type=mbochs-medium
	check m
	expect_rc 0
	has mdev ok /etc/vxm/m.conf:5 "^Mdev=auto,type=mbochs-medium: would be created on mbochs \(NUMA node -1, the guest's is -1; 16 free\) as [0-9a-f-]{36}$"
	has virtual-function ok m "no VirtualFunction= in \[PCI\]"
	guest_pci m Mdev=mbochs,type=mbochs-huge
	check m
	expect_rc 1
	has mdev fail /etc/vxm/m.conf:5 "mbochs offers no type mbochs-huge; its types are: mbochs-medium \(virtual display, 16 MB video memory\)" "^fix Mdev= at /etc/vxm/m.conf:5$"
	guest_pci m Mdev=0000:01:00.0,type=i915-GVTg_V5_4
	check m
	has mdev fail /etc/vxm/m.conf:5 "0000:01:00.0 .* offers no mediated devices \(no mdev_supported_types\)"
	echo 0 >"$R/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-medium/available_instances"
	guest_pci m Mdev=auto,type=mbochs-medium
	check m
	has mdev fail /etc/vxm/m.conf:5 "no parent has a free instance of type mbochs-medium \(available_instances=0 on mbochs\)"
	rm "$R/etc/machine-id"
	check m
	has mdev fail /etc/vxm/m.conf:5 "/etc/machine-id is missing or invalid" "run systemd-machine-id-setup, or set uuid= on the line"
	# an mdev with the line's UUID that exists: used as it is when it is what the line asks, refused otherwise
	local u=f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f dir=$R/sys/devices/virtual/mbochs/mbochs
	mkdir -p "$dir/$u"
	ln -s ../mdev_supported_types/mbochs-medium "$dir/$u/mdev_type"
	ln -s "../../../devices/virtual/mbochs/mbochs/$u" "$R/sys/bus/mdev/devices/$u"
	guest_pci m "Mdev=mbochs,type=mbochs-medium,uuid=$u"
	check m
	expect_rc 0
	has mdev ok /etc/vxm/m.conf:5 "mdev $u exists \(mbochs-medium on mbochs\) and is used as it is"
	guest_pci m "Mdev=mbochs,type=mbochs-small,uuid=$u"
	check m
	has mdev fail /etc/vxm/m.conf:5 "mdev $u exists, but it is a mbochs-medium on mbochs" "fix Mdev= at /etc/vxm/m.conf:5"
}

# vxm status shows what the steps recorded, i.e. what they changed on the host and will undo.
case_status_records() {
	healthy_host
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
	grep -q comment "$T/out" && fail "the record's comment is shown"
	ok "no comment"
}

if [ "${1:-}" = list ]; then
	declare -F | sed -n 's/^declare -f case_//p'
	exit 0
fi
: "${VXM_CLI:?}" "${VXM_GENERATOR:?}" "${VXM_MAN:?}"
"case_$1"
[ -z "${KEEP_ROOT:-}" ] || { cp -a "$R" "$KEEP_ROOT"; }
