# SPDX-License-Identifier: BSD-3-Clause
# Builds fake PCI sysfs trees for the vxm-vfio tests (sourced by test-vfio.sh). The layout matches the kernel's
# closely enough for vxm to walk it with the same code as on a real host: relative symlinks between
# sys/bus/pci/devices, sys/devices, sys/bus/pci/drivers and sys/kernel/iommu_groups. pci-mock.so acts on writes.
# shellcheck shell=bash

# fake_init ROOT: empty tree with the PCI bus, the usual drivers, and /proc from the host (so that the helper sees
# real processes holding fake device nodes open).
fake_init() {
	R=$1
	mkdir -p "$R/sys/bus/pci/devices" "$R/sys/bus/pci/drivers" "$R/sys/devices/pci0000:00" \
		"$R/sys/kernel/iommu_groups" "$R/sys/class/drm" "$R/dev/dri" "$R/dev/vfio" "$R/etc/vxm" "$R/run"
	: >"$R/sys/bus/pci/drivers_probe"
	ln -s /proc "$R/proc"
	local d
	for d in vfio-pci pci-stub bochs-drm snd_hda_intel pcieport xhci_hcd nvidia amdgpu; do
		fake_driver "$d"
	done
}

# fake_driver NAME
fake_driver() {
	local d=$R/sys/bus/pci/drivers/$1
	mkdir -p "$d"
	: >"$d/bind"
	: >"$d/unbind"
	: >"$d/new_id"
	: >"$d/remove_id"
}

# fake_device BDF CLASS VENDOR DEVICE GROUP|- DRIVER|- [BOOT_VGA]
# DRIVER is both the driver bound now and the one that claims the device on a probe (change with fake_native).
fake_device() {
	local bdf=$1 class=$2 vendor=$3 device=$4 group=$5 driver=$6 boot_vga=${7:-}
	local dev=$R/sys/devices/pci0000:00/$bdf
	mkdir -p "$dev"
	echo "$class" >"$dev/class"
	echo "$vendor" >"$dev/vendor"
	echo "$device" >"$dev/device"
	echo "(null)" >"$dev/driver_override"
	[ -z "$boot_vga" ] || echo "$boot_vga" >"$dev/boot_vga"
	ln -s "../../../devices/pci0000:00/$bdf" "$R/sys/bus/pci/devices/$bdf"
	if [ "$group" != - ]; then
		mkdir -p "$R/sys/kernel/iommu_groups/$group/devices"
		ln -s "../../../kernel/iommu_groups/$group" "$dev/iommu_group"
		ln -s "../../../../devices/pci0000:00/$bdf" "$R/sys/kernel/iommu_groups/$group/devices/$bdf"
	fi
	if [ "$driver" != - ]; then
		echo "$driver" >"$dev/.mock-driver"
		fake_bound "$bdf" "$driver"
	fi
}

# fake_bound BDF DRIVER: bind it now (as if the kernel had)
fake_bound() {
	ln -s "../../../bus/pci/drivers/$2" "$R/sys/devices/pci0000:00/$1/driver"
	ln -s "../../../../devices/pci0000:00/$1" "$R/sys/bus/pci/drivers/$2/$1"
}

# fake_native BDF DRIVER: the driver that claims BDF on a probe
fake_native() { echo "$2" >"$R/sys/devices/pci0000:00/$1/.mock-driver"; }

# fake_drm BDF NODE: a DRM node (card1, renderD128) of BDF, in sysfs and /dev/dri
fake_drm() {
	local dev=$R/sys/devices/pci0000:00/$1
	mkdir -p "$dev/drm/$2"
	ln -s "../../../$1" "$dev/drm/$2/device"
	printf 'MAJOR=226\nMINOR=%s\nDEVNAME=dri/%s\nDEVTYPE=drm_minor\n' "${2//[!0-9]/}" "$2" >"$dev/drm/$2/uevent"
	ln -s "../../devices/pci0000:00/$1/drm/$2" "$R/sys/class/drm/$2"
	: >"$R/dev/dri/$2"
}

# fake_sound BDF CARD NODE: a sound device node (pcmC1D0p) of BDF's sound card CARD (card1)
fake_sound() {
	local card=$R/sys/devices/pci0000:00/$1/sound/$2
	mkdir -p "$card/$3" "$R/dev/snd"
	[ -e "$card/uevent" ] || printf 'SOUND_INITIALIZED=1\n' >"$card/uevent"
	printf 'MAJOR=116\nMINOR=3\nDEVNAME=snd/%s\n' "$3" >"$card/$3/uevent"
	: >"$R/dev/snd/$3"
}

# fake_guest NAME USER BDF...: /etc/vxm/NAME.conf
fake_guest() {
	local name=$1 user=$2 bdf
	shift 2
	{
		printf '[Guest]\nUser=%s\n\n[PCI]\n' "$user"
		for bdf in "$@"; do printf 'Device=%s\n' "$bdf"; done
	} >"$R/etc/vxm/$name.conf"
}

# fake_two_gpus ROOT: the VM suite's machine: a boot GPU at 00:01.0, a root port, and the guest GPU 01:00.0 with
# its HDA audio function 01:00.1 in IOMMU group 1; DRM nodes card0 (boot GPU), card1 + renderD128 (guest GPU),
# sound nodes controlC1 and pcmC1D3p (audio function).
fake_two_gpus() {
	fake_init "$1"
	fake_device 0000:00:01.0 0x030000 0x1234 0x1111 0 bochs-drm 1
	fake_device 0000:00:02.0 0x060400 0x1b36 0x000c 2 pcieport
	fake_device 0000:01:00.0 0x030000 0x1234 0x1111 1 bochs-drm 0
	fake_device 0000:01:00.1 0x040300 0x8086 0x293e 1 snd_hda_intel
	fake_drm 0000:00:01.0 card0
	fake_drm 0000:01:00.0 card1
	fake_drm 0000:01:00.0 renderD128
	fake_sound 0000:01:00.1 card1 controlC1
	fake_sound 0000:01:00.1 card1 pcmC1D3p
}

# fake_firmware: Debian's OVMF descriptor and (empty) images in $R, so that vxm show and vxm check find a firmware
fake_firmware() {
	mkdir -p "$R/usr/share/qemu/firmware" "$R/usr/share/OVMF"
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
