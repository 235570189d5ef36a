#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxm-sriov, vxm-vf and vxm-mdev against a fake sysfs with a fake kernel that enables VFs and creates mdevs like the
# real one (../vfio/pci-mock-shared.c), the lending of their VFIO group nodes by vxm-guest devices-up/down, and what
# vxm check (--json, asserted with ../check/findings.py), gpus, status and show say about them (issue 11). One case per
# invocation: test-shared.sh CASE; "list" prints the cases. Environment (set by meson): VXM_SRIOV, VXM_VF, VXM_MDEV,
# VXM_CLI, VXM_VFIO, VXM_GUEST, PCI_MOCK, PRELOAD_FIRST.
set -euo pipefail
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/vfio/fake-sysfs.sh
. "$here/../vfio/fake-sysfs.sh"
: "${VXM_SRIOV:?}" "${VXM_VF:?}" "${VXM_MDEV:?}" "${VXM_CLI:?}" "${VXM_VFIO:?}" "${VXM_GUEST:?}" "${PCI_MOCK:?}"
# shellcheck source=tests/helpers/vfio/test-lib.sh
. "$here/../vfio/test-lib.sh"

PF=0000:02:00.0 VF1=0000:02:00.1 VF2=0000:02:00.2
MBOCHS=/sys/devices/virtual/mbochs/mbochs
sriov() { run "$VXM_SRIOV" "$@"; }
vf() { run "$VXM_VF" "$@"; }
mdev() { run "$VXM_MDEV" "$@"; }
vxm() { run "$VXM_CLI" "$@"; }
guestctl() { run "$VXM_GUEST" "$@"; }
# has ID VERDICT [SUBJECT [MESSAGE-RE [HINT-RE]]]: a finding in the vxm check --json output in $T/out
has() {
	python3 "$here/../check/findings.py" "$T/out" has "$@" || exit 1
	ok "$1: $2${3:+ $3}${4:+ /$4/}${5:+ -> /$5/}"
}
# group_of BDF: the IOMMU group of a PCI device
group_of() { basename "$(readlink "$R/sys/bus/pci/devices/$1/iommu_group")"; }
NOBODY=$(id -u nobody)
# kernel ATTR VALUE: a write by hand (the user, mdevctl), through the fake kernel
kernel() {
	# shellcheck disable=SC2016 # expanded by that sh
	env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" \
		sh -c 'printf %s "$2" >"$1"' _ "$R$1" "$2"
}

attr() { cat "$R/sys/bus/pci/devices/$1/$2"; }
expect_attr() { # BDF ATTR VALUE
	[ "$(attr "$1" "$2")" = "$3" ] || fail "$1 $2 is '$(attr "$1" "$2")', expected '$3'"
	ok "$1 $2=$3"
}
expect_state() { # KIND NAME LINE: a record under /run/vxm/.state has that line
	local f=$R/run/vxm/.state/$1/$2
	[ -f "$f" ] || fail "no record $1/$2"
	grep -qx -- "$3" "$f" || { cat "$f"; fail "record $1/$2 lacks '$3'"; }
	ok "record $1/$2 has $3"
}
expect_no_state() {
	[ ! -e "$R/run/vxm/.state/$1/$2" ] || { cat "$R/run/vxm/.state/$1/$2"; fail "record $1/$2 still there"; }
	ok "no record $1/$2"
}

# The VM suite's SR-IOV shape: an NVMe PF (nvme driver) that offers 2 VFs, each in its own IOMMU group; the host has
# its two GPUs too (vxm-vfio's display checks look at them).
sriov_host() {
	fake_two_gpus "$R"
	fake_driver nvme
	fake_device $PF 0x010802 0x1b36 0x0010 5 nvme
	local d=$R/sys/devices/pci0000:00/$PF
	echo "${1:-2}" >"$d/sriov_totalvfs"
	echo 0 >"$d/sriov_numvfs"
	echo 1 >"$d/sriov_drivers_autoprobe"
	printf '%s 6\n%s 7\n0000:02:00.3 8\n' $VF1 $VF2 >"$d/.mock-vfs"
	echo nvme >"$d/.mock-vf-driver"
	fake_firmware
}

# guest NAME LINES...: /etc/vxm/NAME.conf with User=nobody and these [PCI] lines
guest() {
	local name=$1
	shift
	printf '[Guest]\nUser=nobody\n\n[PCI]\n' >"$R/etc/vxm/$name.conf"
	printf '%s\n' "$@" >>"$R/etc/vxm/$name.conf"
}

# mbochs, the kernel's sample mdev driver, as the VM suite loads it: a virtual parent with three types
mdev_host() {
	fake_two_gpus "$R"
	echo 0123456789abcdef0123456789abcdef >"$R/etc/machine-id"
	local t
	for t in small:4:64 medium:16:16 large:64:4; do
		IFS=: read -r name mb n <<<"$t"
		mkdir -p "$R$MBOCHS/mdev_supported_types/mbochs-$name/devices"
		echo "$n" >"$R$MBOCHS/mdev_supported_types/mbochs-$name/available_instances"
		echo vfio-pci >"$R$MBOCHS/mdev_supported_types/mbochs-$name/device_api"
		echo "mbochs-$name" >"$R$MBOCHS/mdev_supported_types/mbochs-$name/name"
		echo "virtual display, $mb MB video memory" >"$R$MBOCHS/mdev_supported_types/mbochs-$name/description"
		: >"$R$MBOCHS/mdev_supported_types/mbochs-$name/create"
	done
	fake_firmware
	mkdir -p "$R/sys/class/mdev_bus"
	ln -s ../../devices/virtual/mbochs/mbochs "$R/sys/class/mdev_bus/mbochs"
}
available() { cat "$R$MBOCHS/mdev_supported_types/mbochs-$1/available_instances"; }

# ---- SR-IOV: the PF ----

case_sriov_enable_restore() {
	sriov_host
	guest a VirtualFunction=02:00.0,vfs=2
	sriov enable $PF
	expect_rc 0
	expect_attr $PF sriov_numvfs 2
	expect_attr $PF sriov_drivers_autoprobe 0
	expect_driver $VF1 none
	expect_driver $VF2 none
	expect_state sriov $PF NUMVFS=0
	expect_state sriov $PF AUTOPROBE=1
	expect_state sriov $PF ENABLE=2
	expect_out "enabled 2 virtual functions, host drivers kept off them"
	# autoprobe went off before the VFs came
	grep -n 'sriov_numvfs' "$T/mock.log" >/dev/null || fail "no sriov_numvfs write"
	sriov enable $PF
	expect_rc 0
	expect_out "its 2 virtual functions are vxm's"

	sriov restore $PF
	expect_rc 0
	expect_attr $PF sriov_numvfs 0
	expect_attr $PF sriov_drivers_autoprobe 1
	[ ! -e "$R/sys/bus/pci/devices/$VF1" ] || fail "VF1 still there"
	ok "the VFs are gone"
	expect_no_state sriov $PF
	sriov restore $PF
	expect_rc 0
	expect_out "no record .*: vxm did not enable its virtual functions"
}

case_sriov_refusals() {
	sriov_host 2
	# no vfs= anywhere, no VFs: names totalvfs, changes nothing
	guest a VirtualFunction=02:00.0
	guest b VirtualFunction=0000:02:00.0
	snapshot "$T/before"
	sriov enable $PF
	expect_rc 1
	expect_out "0000:02:00.0 has no virtual functions enabled \(sriov_numvfs=0\): add vfs=N to the VirtualFunction= line so that vxm enables N of them \(at most 2, its sriov_totalvfs\)"
	expect_out "/etc/vxm/a.conf:5: VirtualFunction=0000:02:00.0 \(guest a\)"
	expect_out "/etc/vxm/b.conf:5: VirtualFunction=0000:02:00.0 \(guest b\)"
	expect_out "Nothing was changed on 0000:02:00.0"
	expect_unchanged

	# vfs= above totalvfs: the line that asks for it
	guest b VirtualFunction=0000:02:00.0,vfs=3
	snapshot "$T/before"
	sriov enable $PF
	expect_rc 1
	expect_out "^vxm-sriov: /etc/vxm/b.conf:5: VirtualFunction=0000:02:00.0: vfs=3 is more than 0000:02:00.0 offers: at most 2 \(its sriov_totalvfs\)"
	expect_unchanged

	# a device without SR-IOV
	guest a VirtualFunction=0000:01:00.0,vfs=1
	snapshot "$T/before"
	sriov enable 0000:01:00.0
	expect_rc 1
	expect_out "0000:01:00.0 Device 1234:1111 has no SR-IOV capability \(sysfs shows no sriov_totalvfs\)"
	expect_unchanged

	# no PF driver to enable them with
	guest b VirtualFunction=0000:02:00.0,vfs=2
	rm "$R/sys/devices/pci0000:00/$PF/driver" "$R/sys/bus/pci/drivers/nvme/$PF"
	snapshot "$T/before"
	sriov enable $PF
	expect_rc 1
	expect_out "0000:02:00.0 has no driver bound: virtual functions are enabled through the physical function's own host driver"
	expect_unchanged

	sriov enable 0000:09:00.0
	expect_rc 1
	expect_out "There is no PCI device 0000:09:00.0"
	sriov enable nonsense
	expect_rc 2
}

case_sriov_user_vfs_left_alone() {
	sriov_host
	kernel "/sys/bus/pci/devices/$PF/sriov_numvfs" 2
	expect_driver $VF1 nvme # autoprobe was on: the host driver took them
	guest a VirtualFunction=0000:02:00.0,vfs=1
	snapshot "$T/before"
	sriov enable $PF
	expect_rc 0
	expect_out "has 2 virtual functions enabled already \(not by vxm\): using them as they are"
	sriov restore $PF
	expect_rc 0
	expect_unchanged
}

case_sriov_restore_refused_while_in_use() {
	sriov_host
	guest a VirtualFunction=0000:02:00.0,vfs=2
	sriov enable $PF
	fake_bound $VF2 vfio-pci # a guest's Device=, or another VM
	sriov restore $PF
	expect_rc 1
	expect_out "not disabling its virtual functions: 0000:02:00.2 is still on vfio-pci"
	expect_attr $PF sriov_numvfs 2
	expect_state sriov $PF ENABLE=2
}

case_sriov_killed_enable_restored() {
	# enable killed after its record and the autoprobe write: restore still puts autoprobe back
	sriov_host
	mkdir -p "$R/run/vxm/.state/sriov"
	printf 'VERSION=1\nNUMVFS=0\nAUTOPROBE=1\nENABLE=2\n' >"$R/run/vxm/.state/sriov/$PF"
	echo 0 >"$R/sys/devices/pci0000:00/$PF/sriov_drivers_autoprobe"
	sriov restore $PF
	expect_rc 0
	expect_attr $PF sriov_drivers_autoprobe 1
	expect_attr $PF sriov_numvfs 0
	expect_no_state sriov $PF
}

# ---- SR-IOV: the guests' VFs ----

case_vf_two_guests_third_refused() {
	need_root
	sriov_host
	guest a VirtualFunction=0000:02:00.0,vfs=2
	guest b VirtualFunction=0000:02:00.0,vfs=2
	guest c VirtualFunction=0000:02:00.0,vfs=2
	sriov enable $PF
	# a and b start at the same time
	env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" \
		SYSTEMD_LOG_LEVEL=info "$VXM_VF" allocate a >"$T/a.out" 2>&1 &
	local pa=$!
	env VXM_ROOT="$R" VXM_MOCK_LOG="$T/mock.log" LD_PRELOAD="${PRELOAD_FIRST:+$PRELOAD_FIRST:}$PCI_MOCK" \
		SYSTEMD_LOG_LEVEL=info "$VXM_VF" allocate b >"$T/b.out" 2>&1 &
	local pb=$!
	wait $pa || { cat "$T/a.out"; fail "allocate a failed"; }
	wait $pb || { cat "$T/b.out"; fail "allocate b failed"; }
	ok "a and b, started at once, both got a VF"
	local va vb
	va=$(sed -n 's/^OWNER=a$/&/p' "$R"/run/vxm/.state/vf/* | head -1)
	[ -n "$va" ] || fail "no hold of a"
	va=$(grep -lx OWNER=a "$R"/run/vxm/.state/vf/0000:*) vb=$(grep -lx OWNER=b "$R"/run/vxm/.state/vf/0000:*)
	va=${va##*/} vb=${vb##*/}
	[ "$va" != "$vb" ] || fail "a and b hold the same VF $va"
	ok "a holds $va, b holds $vb"
	expect_driver "$va" vfio-pci
	expect_driver "$vb" vfio-pci
	expect_record "$va" BOUND_BY_VXM=yes
	expect_record "$va" DRIVER=
	# vxm-vf hands the node to nobody: it stays root's until the guest's unit lends it (ExecStartPre=+ devices-up)
	local na nb
	na=/dev/vfio/$(group_of "$va") nb=/dev/vfio/$(group_of "$vb")
	expect_node "$na" root:root 600
	expect_acl "$na" ""
	guestctl devices-up a
	expect_rc 0
	expect_out "Lent $na to user nobody \(ACL\) for guest a: its virtual function $va \(VirtualFunction=0000:02:00.0\)"
	expect_node "$na" root:root 660 # still root's; the group bits show the ACL's mask
	expect_acl "$na" "user:$NOBODY:rw-
mask::rw-"
	expect_acl "$nb" "" # b's VF is not a's to open
	grep -qx "NODE0_PATH=$na" "$R/run/vxm/.state/vfio-lend/a" || fail "the lend record does not name $na"
	ok "recorded in vfio-lend/a"
	guestctl devices-down a
	expect_rc 0
	expect_acl "$na" ""
	expect_node "$na" root:root 600
	expect_no_state vfio-lend a

	snapshot "$T/before"
	vf allocate c
	expect_rc 1
	expect_out "^vxm-vf: /etc/vxm/c.conf:5: VirtualFunction=0000:02:00.0: no free virtual function: every virtual function of 0000:02:00.0 is taken: 0000:02:00.1 \(guest [ab]\), 0000:02:00.2 \(guest [ab]\). Nothing was changed."
	expect_unchanged

	vf release a
	expect_rc 0
	expect_driver "$va" none
	expect_override "$va" "(null)"
	expect_no_state vf "$va"
	expect_no_record "$va"
	vf allocate c
	expect_rc 0
	expect_state vf "$va" OWNER=c
	vf release c
	vf release b
	expect_rc 0
	[ -z "$(ls "$R/run/vxm/.state/vf")" ] || fail "holds left: $(ls "$R/run/vxm/.state/vf")"
	sriov restore $PF
	expect_rc 0
	expect_attr $PF sriov_numvfs 0
	expect_attr $PF sriov_drivers_autoprobe 1
}

case_vf_stale_hold_taken_over() {
	need_root
	sriov_host
	guest a VirtualFunction=0000:02:00.0,vfs=2
	sriov enable $PF
	# ghost held VF1 and its release was killed; b holds VF2 and runs
	mkdir -p "$R/run/vxm/.state/vf"
	printf 'VERSION=1\nPF=%s\nOWNER=ghost\nINDEX=0\nINVOCATION=0123456789abcdef0123456789abcdef\n' $PF \
		>"$R/run/vxm/.state/vf/$VF1"
	printf 'VERSION=1\nPF=%s\nOWNER=b\nINDEX=0\n' $PF >"$R/run/vxm/.state/vf/$VF2"
	VXM_TEST_RUNNING=b vf allocate a
	expect_rc 0
	expect_out "0000:02:00.1: the hold of guest ghost is stale \(that run of vxm-vf@ghost.service is over\): taking the virtual function over"
	expect_state vf $VF1 OWNER=a
	expect_driver $VF1 vfio-pci
	vf release a
	expect_rc 0
}

case_vf_device_lines_reserved() {
	need_root
	sriov_host
	guest desk Device=0000:02:00.1
	guest a VirtualFunction=0000:02:00.0,vfs=2 VirtualFunction=0000:02:00.0
	sriov enable $PF
	vf allocate a
	expect_rc 1
	expect_out "every virtual function of 0000:02:00.0 is taken: 0000:02:00.1 \(Device= of guest desk\), 0000:02:00.2 \(this guest's VirtualFunction= line 1\)"
	# the first line got VF2 before the second was refused; release (the unit's ExecStopPost=) gives it back
	expect_state vf $VF2 OWNER=a
	vf release a
	expect_rc 0
	expect_driver $VF2 none
	expect_no_state vf $VF2
}

case_vf_held_not_given_by_device() {
	# a takes VF1; then someone adds Device=VF1 to desk: vxm-vfio@VF1 must not hand a's VF to desk
	need_root
	sriov_host
	guest a VirtualFunction=0000:02:00.0,vfs=1
	sriov enable $PF
	vf allocate a
	expect_rc 0
	guest desk Device=$VF1
	snapshot "$T/before"
	run "$VXM_VFIO" bind $VF1
	expect_rc 1
	expect_out "0000:02:00.1 .* is the virtual function that guest a took for its VirtualFunction= line 1 \(/run/vxm/.state/vf/0000:02:00.1\): it goes to no other guest until a stops"
	expect_unchanged
	# nor does the lending let desk's QEMU open it, whatever bound it
	guestctl devices-up desk
	expect_rc 1
	expect_out "desk: Device=0000:02:00.1 is the virtual function that guest a holds \(/run/vxm/.state/vf/0000:02:00.1\), refusing to lend its group"
	expect_unchanged
	# once a's run is over (its hold stale), the Device= line may have it
	VXM_TEST_RUNNING=nobody run "$VXM_VFIO" bind $VF1
	expect_rc 0
}

case_vf_release_without_config() {
	need_root
	sriov_host
	guest a VirtualFunction=0000:02:00.0,vfs=1
	sriov enable $PF
	vf allocate a
	expect_rc 0
	rm "$R/etc/vxm/a.conf"
	vf release a
	expect_rc 0
	expect_driver $VF1 none
	expect_no_state vf $VF1
	vf allocate a
	expect_rc 1
	expect_out "No guest a"
}

case_vf_status_show_check_gpus() {
	need_root
	sriov_host
	guest a VirtualFunction=0000:02:00.0,vfs=2
	guest c VirtualFunction=0000:02:00.0,vfs=3
	vxm check --json a
	expect_rc 1
	has virtual-function fail /etc/vxm/a.conf:5 "^VirtualFunction=0000:02:00.0: vfs=3 is more than 0000:02:00.0 offers: at most 2" \
		"^fix vfs= at /etc/vxm/c.conf:5 \(the largest vfs= of the guests that share 0000:02:00.0\)$"
	has pci-device ok a "no Device= in \[PCI\]: the guest takes only its VirtualFunction= and Mdev= devices"
	has mdev ok a "no Mdev= in \[PCI\]"
	guest c VirtualFunction=0000:02:00.0
	vxm check --json a
	has virtual-function ok /etc/vxm/a.conf:5 "vxm enables 2 of its 2 \(vfs=\) when the first guest that shares it starts"
	vxm show a
	expect_out "'vfio-pci,host=<VF of 0000:02:00.0 allocated at start>,bus=vxm-vf0,addr=00.0'"
	sriov enable $PF
	vf allocate a
	expect_rc 0
	local va
	va=$(grep -lx OWNER=a "$R"/run/vxm/.state/vf/0000:*)
	va=${va##*/}
	vxm show a
	expect_out "vfio-pci,host=$va,bus=vxm-vf0,addr=00.0"
	vxm status a
	expect_out "vxm-vf@a.service .* SR-IOV virtual functions"
	expect_out "vxm-sriov@0000:02:00.0.service .* the physical function's VFs"
	expect_out "VirtualFunction=0000:02:00.0 \(/etc/vxm/a.conf:5\): $va"
	expect_out "/run/vxm/.state/vf/$va: VERSION=1 PF=0000:02:00.0 OWNER=a INDEX=0"
	expect_out "/run/vxm/.state/vfio/$va: VERSION=1 BOUND_BY_VXM=yes"
	expect_out "/run/vxm/.state/sriov/0000:02:00.0: VERSION=1 NUMVFS=0 AUTOPROBE=1 ENABLE=2"
	vxm status --json a
	expect_out '"unit":"vxm-sriov@0000:02:00.0.service"'
	expect_out "\"path\":\"/run/vxm/.state/vf/$va\""
	vxm check --json c
	has virtual-function ok /etc/vxm/c.conf:5 "^VirtualFunction=0000:02:00.0: 1 of the 2 VFs of 0000:02:00.0 are free for this guest$"
	guest c VirtualFunction=0000:02:00.0 VirtualFunction=0000:02:00.0
	vxm check --json c
	expect_rc 1
	has virtual-function fail /etc/vxm/c.conf:5 "^VirtualFunction=0000:02:00.0: 1 VF free, the guest needs 2: every virtual function of 0000:02:00.0 is taken: $va \(guest a\)" \
		"stop a guest that holds one"
	has virtual-function fail /etc/vxm/c.conf:6
	# the text form names the id and the line
	vxm check c
	expect_out "^\[ FAIL \] virtual-function /etc/vxm/c.conf:5: VirtualFunction=0000:02:00.0: 1 VF free"

	vxm gpus
	expect_out "^Other devices guests can share:"
	expect_out "^0000:02:00.0 "
	expect_out "SR-IOV:      2 of 2 virtual functions enabled \(sriov_numvfs\); new VFs get host drivers: no"
	expect_out "      $va held by guest a \(vfio-pci\)"
	expect_out "SR-IOV:      no" # the GPUs
	vxm gpus --json
	python3 - "$T/out" "$va" <<'PY' || fail "vxm gpus --json"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["shareable"]
assert [x["address"] for x in s] == ["0000:02:00.0"], s
sr = s[0]["sriov"]
assert sr["totalvfs"] == 2 and sr["numvfs"] == 2 and sr["autoprobe"] is False, sr
held = {v["address"]: v["guest"] for v in sr["vfs"]}
assert held[sys.argv[2]] == "a" and list(held.values()).count(None) == 1, held
assert d["gpus"][0]["sriov"] is None and d["gpus"][0]["mdev_types"] == [], d["gpus"][0]
PY
	ok "vxm gpus --json: the PF, its VFs and who holds them"
	vf release a
}

# ---- mediated devices ----

case_mdev_lifecycle() {
	need_root
	mdev_host
	guest m Mdev=auto,type=mbochs-medium
	vxm show m
	local uuid
	uuid=$(sed -n 's|.*sysfsdev=.*/sys/bus/mdev/devices/\([0-9a-f-]*\),.*|\1|p' "$T/out")
	[ -n "$uuid" ] || fail "vxm show names no mdev"
	ok "vxm show m: mdev $uuid"
	vxm check --json m
	has mdev ok /etc/vxm/m.conf:5 "^Mdev=auto,type=mbochs-medium: would be created on mbochs \(NUMA node -1, the guest's is -1; 16 free\) as $uuid$"
	has virtual-function ok m "no VirtualFunction= in \[PCI\]"

	mdev create m
	expect_rc 0
	[ -e "$R/sys/bus/mdev/devices/$uuid" ] || fail "no mdev $uuid"
	ok "mdev $uuid exists, the UUID vxm show said"
	[ "$(available medium)" = 15 ] || fail "available_instances $(available medium)"
	ok "available_instances 16 -> 15"
	expect_state mdev "$uuid" CREATED=yes
	expect_state mdev "$uuid" PARENT=mbochs
	expect_state mdev "$uuid" OWNER=m
	expect_state mdev "$uuid" GROUP=100
	expect_out "created mdev $uuid \(mbochs-medium on mbochs\)"
	# the node stays root's; the guest's unit lends it (ExecStartPre=+ devices-up) from the record
	expect_node /dev/vfio/100 root:root 600
	expect_acl /dev/vfio/100 ""
	guestctl devices-up m
	expect_rc 0
	expect_out "Lent /dev/vfio/100 to user nobody \(ACL\) for guest m: its mdev $uuid \(Mdev=, mbochs-medium on mbochs\)"
	expect_acl /dev/vfio/100 "user:$NOBODY:rw-
mask::rw-"
	expect_node /dev/vfio/100 root:root 660 # still root's; the group bits show the ACL's mask

	mdev create m # a second start (after a killed one): the same mdev
	expect_rc 0
	[ "$(available medium)" = 15 ] || fail "a second mdev was made"
	ok "idempotent"
	vxm status m
	expect_out "Mdev=auto,type=mbochs-medium \(/etc/vxm/m.conf:5\): $uuid, mbochs-medium on mbochs, created by vxm"
	vxm gpus
	expect_out "^mbochs \(a virtual mdev parent: Mdev=mbochs,type=...\)"
	expect_out "      mbochs-medium: 15 available, 1 in use \(virtual display, 16 MB video memory\)"

	guestctl devices-down m # ExecStopPost=+, before vxm-mdev@m stops
	expect_rc 0
	expect_acl /dev/vfio/100 ""
	expect_node /dev/vfio/100 root:root 600
	expect_no_state vfio-lend m

	# QEMU still has it open for a moment: remove waits
	echo 300 >"$R/sys/bus/mdev/devices/$uuid/.mock-busy-ms"
	mdev remove m
	expect_rc 0
	[ ! -e "$R/sys/bus/mdev/devices/$uuid" ] || fail "mdev still there"
	ok "mdev removed"
	[ "$(available medium)" = 16 ] || fail "available_instances $(available medium)"
	ok "available_instances back to 16"
	expect_node /dev/vfio/100 absent
	expect_no_state mdev "$uuid"
}

case_mdev_remove_bounded() {
	need_root
	mdev_host
	guest m Mdev=mbochs,type=mbochs-small
	mdev create m
	expect_rc 0
	local uuid
	uuid=$(ls "$R/sys/bus/mdev/devices")
	echo 3000 >"$R/sys/bus/mdev/devices/$uuid/.mock-busy-ms"
	VXM_MDEV_REMOVE_TIMEOUT_MS=500 mdev remove m
	expect_rc 1
	expect_out "mdev $uuid is still in use .* after its guest stopped; it goes once that user lets go"
	expect_state mdev "$uuid" CREATED=yes
	sleep 3 # the kernel (here: the fake one) finishes the removal once it is let go
	mdev remove m
	expect_rc 0
	expect_no_state mdev "$uuid"
	[ ! -e "$R/sys/bus/mdev/devices/$uuid" ] || fail "mdev still there"
	ok "gone after it was let go"
}

case_mdev_preexisting_left_alone() {
	need_root
	mdev_host
	local uuid=f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f
	kernel $MBOCHS/mdev_supported_types/mbochs-large/create $uuid # mdevctl, or by hand
	chown root:nogroup "$R/dev/vfio/100"
	chmod 0660 "$R/dev/vfio/100"
	guest m "Mdev=mbochs,type=mbochs-large,uuid=F0E1D2C3-B4A5-4697-8879-6A5B4C3D2E1F"
	mdev create m
	expect_rc 0
	expect_out "mdev $uuid exists already \(made by mdevctl or by hand\): using it, and leaving it in place"
	expect_state mdev $uuid CREATED=no
	expect_node /dev/vfio/100 root:nogroup 660
	[ "$(available large)" = 3 ] || fail "available_instances $(available large)"
	guestctl devices-up m
	expect_rc 0
	expect_node /dev/vfio/100 root:nogroup 660
	expect_acl /dev/vfio/100 "user:$NOBODY:rw-
mask::rw-"
	guestctl devices-down m
	expect_rc 0
	expect_node /dev/vfio/100 root:nogroup 660
	expect_acl /dev/vfio/100 ""
	mdev remove m
	expect_rc 0
	[ -e "$R/sys/bus/mdev/devices/$uuid" ] || fail "the pre-existing mdev was removed"
	ok "the pre-existing mdev is still there"
	expect_node /dev/vfio/100 root:nogroup 660
	expect_no_state mdev $uuid

	# the same UUID as another type: refused
	guest m "Mdev=mbochs,type=mbochs-small,uuid=$uuid"
	mdev create m
	expect_rc 1
	expect_out "mdev $uuid exists already, but it is a mbochs-large on mbochs, not what this line asks for"
}

case_mdev_refusals() {
	mdev_host
	fake_driver i915
	fake_device 0000:00:02.0 0x030000 0x8086 0x3e92 9 i915
	guest m Mdev=0:2.0,type=i915-GVTg_V5_4
	snapshot "$T/before"
	mdev create m
	expect_rc 1
	expect_out "^vxm-mdev: /etc/vxm/m.conf:5: Mdev=0000:00:02.0,type=i915-GVTg_V5_4: 0000:00:02.0 .* offers no mediated devices \(no mdev_supported_types\). Intel GVT-g exists only on Gen5 to Gen10 graphics .* i915.enable_gvt=1"
	expect_out "Nothing was changed"

	guest m Mdev=mbochs,type=mbochs-huge
	mdev create m
	expect_rc 1
	expect_out "mbochs offers no type mbochs-huge; its types are: mbochs-large \(virtual display, 64 MB video memory\), mbochs-medium \(virtual display, 16 MB video memory\), mbochs-small \(virtual display, 4 MB video memory\)"

	echo 0 >"$R$MBOCHS/mdev_supported_types/mbochs-large/available_instances"
	guest m Mdev=auto,type=mbochs-large
	mdev create m
	expect_rc 1
	expect_out "no parent has a free instance of type mbochs-large \(available_instances=0 on mbochs\)"
	guest m Mdev=mbochs,type=mbochs-large
	snapshot "$T/before"
	mdev create m
	expect_rc 1
	expect_out "type mbochs-large of mbochs has no free instance \(available_instances=0; 0 exist\)"
	vxm check --json m
	expect_rc 1
	has mdev fail /etc/vxm/m.conf:5 "^Mdev=mbochs,type=mbochs-large: type mbochs-large of mbochs has no free instance" \
		"^fix Mdev= at /etc/vxm/m.conf:5$"
	expect_unchanged

	rm "$R/etc/machine-id"
	guest m Mdev=auto,type=mbochs-small
	snapshot "$T/before"
	mdev create m
	expect_rc 1
	expect_out "cannot derive a stable UUID from /etc/machine-id: No such file or directory. Set uuid= on the line"
	expect_unchanged
}

case_mdev_create_fails() {
	need_root
	mdev_host
	guest m Mdev=auto,type=mbochs-small
	: >"$R$MBOCHS/mdev_supported_types/mbochs-small/.mock-create-nothing"
	mdev create m
	expect_rc 1
	expect_out "the kernel accepted mdev .* of type mbochs-small on mbochs, but /sys/bus/mdev/devices/.* did not appear"
	mdev remove m # ExecStopPost=
	expect_rc 0
	[ -z "$(ls "$R/run/vxm/.state/mdev")" ] || fail "records left"
	ok "nothing left"
	rm "$R$MBOCHS/mdev_supported_types/mbochs-small/.mock-create-nothing"
	: >"$R$MBOCHS/mdev_supported_types/mbochs-small/.mock-fail-create"
	mdev create m
	expect_rc 1
	expect_out "the kernel refused to create mdev .* of type mbochs-small on mbochs: Input/output error"
	mdev remove m
	expect_rc 0
	[ -z "$(ls "$R/run/vxm/.state/mdev")" ] || fail "records left"
}

cases=$(declare -F | sed -n 's/^declare -f case_//p')
if [ "${1:-}" = list ] || [ $# -eq 0 ]; then
	echo "$cases"
	exit 0
fi
grep -qx -- "$1" <<<"$cases" || { echo "unknown case '$1'; cases: ${cases//$'\n'/ }" >&2; exit 2; }
"case_$1"
echo "PASS: $1"
