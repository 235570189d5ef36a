#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Golden QEMU command lines: for each show/CASE/, `vxm show CASE` with show/CASE/guest.conf as /etc/vxm/CASE.conf in
# a fake root must print show/CASE/expected (exit 0), or print show/CASE/expected-error on stderr (exit 1).
# The fake root's own path contains ",inject=on", so every host path in the command line is adversarial: if any
# escaping were missing, QEMU would read an extra option and the output would not match.
# Also checks that `vxm show` creates nothing. UPDATE=1 rewrites the expected files (review the diff!) and then fails
# on purpose, so a run with it set can never count as a pass.
# Usage: test-show.sh VXM-BINARY SOURCE-DIR
set -euo pipefail
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022

vxm=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root,inject=on"
escaped=${root//,/,,}

# --- the host the cases run against ---
mkdir -p "$root/usr/share/qemu/firmware" "$root/usr/share/OVMF" "$root/srv/disks" "$root/srv/rom" "$root/srv/fw,id=x"
cp "$src"/firmware/debian/*.json "$root/usr/share/qemu/firmware/"
for f in OVMF_CODE_4M.fd OVMF_CODE_4M.ms.fd OVMF_CODE_4M.secboot.fd OVMF_VARS_4M.fd OVMF_VARS_4M.ms.fd; do
	echo firmware >"$root/usr/share/OVMF/$f"
done
echo code >"$root/srv/fw,id=x/CODE,readonly=off.fd"
echo vars >"$root/srv/fw,id=x/VARS'\$(id).fd"
head -c 4096 /dev/zero >"$root/srv/disks/raw.img"
printf 'QFI\373\0\0\0\3' >"$root/srv/disks/system.qcow2"
head -c 4096 /dev/zero >"$root/srv/disks/odd name=x;y.img"
printf 'KDMV\1\0\0\0' >"$root/srv/disks/old.vmdk"
# direct kernel boot: QEMU takes -kernel/-initrd/-append values as they are (',' needs no escaping there)
mkdir -p "$root/srv/boot"
echo kernel >"$root/srv/boot/vmlinuz,id=x"
echo initrd >"$root/srv/boot/initrd.img"
# option ROMs: 0x55AA, PCIR pointer 0x1c at 0x18; the bad one has the signature but no PCIR structure
printf '\125\252\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\034\0\0\0PCIR' >"$root/srv/rom/gpu.rom"
printf '\125\252\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\034\0\0\0XXXX' >"$root/srv/rom/bad.rom"

# what a guest's user can put in a directory it owns (case guest-owned-files): links to root's files, FIFOs
owned="$root/srv/guest-owned"
mkdir -p "$owned"
ln -s /srv/disks/raw.img "$owned/disk.img"
mkfifo "$owned/fifo.img" "$owned/vars.fd"
ln -s /srv/rom/gpu.rom "$owned/gpu.rom"
echo code >"$owned/code.fd"
chmod 0777 "$owned"

# a GPU on NUMA node 1, which has a 2M pool: its guest's huge pages must come from that node
mkdir -p "$root/sys/bus/pci/devices/0000:41:00.0" "$root/sys/devices/system/node/node1/hugepages/hugepages-2048kB"
echo 1 >"$root/sys/bus/pci/devices/0000:41:00.0/numa_node"

# the machine ID that mdev UUIDs are derived from
mkdir -p "$root/etc"
echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"

failed=0
for dir in "$src"/show/*/; do
	case=$(basename "$dir")
	mkdir -p "$root/etc/vxm"
	rm -f "$root"/etc/vxm/*.conf
	[ -f "$dir/guest.conf" ] && cp "$dir/guest.conf" "$root/etc/vxm/$case.conf"
	# a case's own host state (records of a running guest): root/ is laid over the fake root
	[ -d "$dir/root" ] && cp -a "$dir/root/." "$root/"
	before=$(find "$root/var" "$root/run" 2>/dev/null | sort || true)

	rc=0
	VXM_ROOT=$root SYSTEMD_LOG_LEVEL=info timeout 20 "$vxm" show "$case" >"$tmp/out" 2>"$tmp/err" || rc=$?
	# the escaped form first, then any plain mention (messages)
	sed -i -e "s|$escaped|@ROOT@|g" -e "s|$root|@ROOT@|g" "$tmp/out" "$tmp/err"

	if [ -f "$dir/expected-error" ]; then
		want=$dir/expected-error got=$tmp/err want_rc=1
	else
		want=$dir/expected got=$tmp/out want_rc=0
	fi
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$got" "$want"
	fi
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $case: exit status $rc, expected $want_rc"
		cat "$tmp/err"
		failed=1
	elif ! diff -u "$want" "$got"; then
		echo "FAIL $case: output differs from $(basename "$want")"
		failed=1
	elif [ "$want_rc" = 0 ] && [ -s "$tmp/err" ]; then
		echo "FAIL $case: unexpected messages on stderr:"
		cat "$tmp/err"
		failed=1
	else
		echo "ok $case"
	fi
	after=$(find "$root/var" "$root/run" 2>/dev/null | sort || true)
	if [ "$before" != "$after" ]; then
		echo "FAIL $case: vxm show created files:"
		diff <(echo "$before") <(echo "$after")
		failed=1
	fi
	rm -rf "$root/var" "$root/run"
done
if [ "${UPDATE:-0}" = 1 ]; then
	echo "FAIL: UPDATE=1 rewrote the expected files; review them (git diff), then run again without UPDATE"
	exit 1
fi
exit $failed
