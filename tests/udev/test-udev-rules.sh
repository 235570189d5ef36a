#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs 70-vxm.rules with `udevadm test` against mocked devices (mock-devices.umockdev) and checks what PID 1 and
# vxm-vfio@.service will see. TAP output.
#
#   test-udev-rules.sh RULES CLASSIFY INSTALLED_CLASSIFY MOCK VFIO_UNIT VFIO_HELPER LIBEXECDIR
#
# RULES is the built rules file; its IMPORT{program} names INSTALLED_CLASSIFY, which is swapped for the built
# CLASSIFY. VFIO_UNIT and VFIO_HELPER are the built vxm-vfio@.service and vxm-vfio, used to check that the unit's
# BindsTo= names the device unit that the rule's SYSTEMD_ALIAS creates.
#
# Isolation: everything runs in a private mount namespace with tmpfs over /run (udevadm test writes the udev
# database), /dev (it creates /dev/char links and applies node permissions) and the rules directories (only our rules
# are read), and the umockdev testbed bind-mounted over /sys (so the IMPORT{program} helper, which udev starts with a
# clean environment and thus without umockdev's preload, sees the same devices). Nothing reaches the host.
#
# The mocked devices:
#   0000:00:02.0  display (VGA), boot_vga=1       the host's console GPU: tagged, VXM_BOOT_VGA=1
#   0000:03:00.0  display (VGA), boot_vga=0       the passthrough GPU: tagged, VXM_BOOT_VGA=0
#   0000:03:00.1  audio, function 0 is display    companion: tagged, VXM_GPU_COMPANION=1
#   0000:03:00.2  USB, function 0 is display      companion
#   0000:04:00.0  3D controller, no boot_vga      tagged, VXM_BOOT_VGA=0
#   0000:05:00.0  USB controller                  untouched
#   0000:05:00.1  audio, function 0 is USB        untouched (not a GPU's slot)
#   0000:06:00.0  Ethernet                        untouched
#   0000:07:00.0  NVMe, an SR-IOV PF               untouched
#   0000:07:00.1  NVMe, its VF (physfn link)       tagged, VXM_VF=1 (a guest may list it with Device=)
#   vfio/12, kvmfr0                               root:root 0600 on add (whatever they were), left alone on change
#                                                 (a guest's ACL entry survives udevadm trigger)
set -euo pipefail

if [[ $# -ne 7 ]]; then
        echo "usage: $0 RULES CLASSIFY INSTALLED_CLASSIFY MOCK VFIO_UNIT VFIO_HELPER LIBEXECDIR" >&2
        exit 2
fi
rules=$(realpath "$1") classify=$(realpath "$2") installed_classify=$3 mock=$(realpath "$4")
vfio_unit=$(realpath "$5") vfio_helper=$(realpath "$6") libexecdir=$7

# A prerequisite missing: a skip, except where skipping is not allowed (CI: VXM_TEST_NO_SKIP=1, root and all tools).
skip() {
        if [[ -n ${VXM_TEST_NO_SKIP:-} ]]; then
                echo "not ok 1 - $* (skipping is not allowed: VXM_TEST_NO_SKIP is set)"
                echo "1..1"
                exit 1
        fi
        echo "1..0 # SKIP $*"
        exit 0
}

# Stage 1: check the prerequisites, then re-run this script inside a private mount namespace.
if [[ -z ${VXM_UDEV_TEST_INNER:-} ]]; then
        [[ $(id -u) -eq 0 ]] || skip "needs root (mount namespace, mounts over /run, /dev, /sys)"
        for tool in unshare umockdev-run udevadm systemd-analyze systemd-escape; do
                command -v "$tool" >/dev/null || skip "$tool not installed"
        done
        VXM_UDEV_TEST_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

# Stage 2: in the namespace. The scratch dir lives on the private /run, so it vanishes with the namespace.
mount -t tmpfs -o mode=0755 tmpfs /run
work=$(mktemp -d /run/vxm-udev-test.XXXXXX)

# Only our rules: the host's would run their own IMPORT programs against the mock and drown the output.
for dir in /etc/udev/rules.d /usr/lib/udev/rules.d /lib/udev/rules.d; do
        if [[ -d $dir ]]; then
                mount -t tmpfs tmpfs "$dir"
        fi
done
sed "s|$installed_classify|$classify|g" "$rules" > /usr/lib/udev/rules.d/70-vxm.rules

# A private /dev with just the nodes udevadm and the helper use, plus real character nodes for the two devices
# whose permissions the rules set (udev only touches a node whose device number matches).
mkdir "$work/olddev"
mount --bind /dev "$work/olddev"
mount -t tmpfs -o mode=0755 tmpfs /dev
for node in null zero full random urandom; do
        touch "/dev/$node"
        mount --bind "$work/olddev/$node" "/dev/$node"
done
mkdir /dev/vfio
nodes=yes
# Made wide open and of another group, so that the rules visibly take them back.
mknod -m 0666 /dev/vfio/12 c 243 0 && mknod -m 0666 /dev/kvmfr0 c 242 0 || nodes=no # no CAP_MKNOD: skip those
[[ $nodes == no ]] || chgrp 100 /dev/vfio/12 /dev/kvmfr0

n=0 failed=0
ok() {
        n=$((n + 1))
        echo "ok $n - $*"
}
not_ok() {
        n=$((n + 1)) failed=$((failed + 1))
        echo "not ok $n - $*"
}
check() { # check DESCRIPTION COMMAND...
        local what=$1
        shift
        if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# One udevadm test per device and action; properties (KEY=value lines on stdout) kept for the checks, the log
# (stderr) kept for failures.
run_udev() { # run_udev ACTION DEVPATH -> $work/out/ACTION/KERNEL.{props,log}
        local action=$1 devpath=$2 out
        out=$work/out/$action/${devpath##*/}
        mkdir -p "${out%/*}"
        # umockdev builds the testbed and its preload makes udevadm take it for sysfs (sd-device checks the file
        # system type). The IMPORT helper runs without the preload, so the testbed is also bind-mounted over /sys
        # (mount and umount without the preload, which confuses them) for the length of the run.
        # TMPDIR: the testbed goes on the private /run too, so even a crashed run leaves nothing behind.
        # shellcheck disable=SC2016 # expanded by the inner sh
        TMPDIR=$work umockdev-run --device "$mock" -- sh -c '
                env -u LD_PRELOAD mount --bind "$UMOCKDEV_DIR/sys" /sys || exit 1
                udevadm test --action="$0" "$1"
                rc=$?
                env -u LD_PRELOAD umount /sys
                exit $rc' \
                "$action" "/sys$devpath" > "$out.props" 2> "$out.log" || {
                # Every check below reads these properties: a run that failed must fail the test, not leave
                # checks that test an empty file (an "untouched" device would pass).
                not_ok "udevadm test --action=$action $devpath"
                sed 's/^/#   /' "$out.log"
        }
}

prop() { # prop ACTION KERNEL KEY -> value, empty when unset
        sed -n "s/^$3=//p" "$work/out/$1/$2.props" | tail -n 1
}

has_prop() { # has_prop ACTION KERNEL KEY VALUE
        [[ $(prop "$1" "$2" "$3") == "$4" ]] || {
                echo "#   $2 ($1): $3='$(prop "$1" "$2" "$3")', expected '$4'"
                return 1
        }
}

tagged() { # tagged ACTION KERNEL: in CURRENT_TAGS (what PID 1 reads) with the alias vxm-vfio@ relies on
        has_prop "$1" "$2" CURRENT_TAGS ":systemd:" && has_prop "$1" "$2" SYSTEMD_ALIAS "/sys/subsystem/pci/devices/$2"
}

untouched() { # untouched ACTION KERNEL: no tag, no alias, no VXM_* property
        local touched
        touched=$(grep -E '^(TAGS|CURRENT_TAGS|SYSTEMD_ALIAS|VXM_[A-Z0-9_]*)=' "$work/out/$1/$2.props") || return 0
        echo "#   $2 ($1) was touched:"
        while read -r line; do
                echo "#     $line"
        done <<< "$touched"
        return 1
}

pci=/devices/pci0000:00
declare -A devpath=(
        [0000:00:02.0]=$pci/0000:00:02.0
        [0000:03:00.0]=$pci/0000:00:01.0/0000:03:00.0
        [0000:03:00.1]=$pci/0000:00:01.0/0000:03:00.1
        [0000:03:00.2]=$pci/0000:00:01.0/0000:03:00.2
        [0000:04:00.0]=$pci/0000:00:1c.0/0000:04:00.0
        [0000:05:00.0]=$pci/0000:00:1d.0/0000:05:00.0
        [0000:05:00.1]=$pci/0000:00:1d.0/0000:05:00.1
        [0000:06:00.0]=$pci/0000:00:1e.0/0000:06:00.0
        [0000:07:00.0]=$pci/0000:00:1b.0/0000:07:00.0
        [0000:07:00.1]=$pci/0000:00:1b.0/0000:07:00.1
        [12]=/devices/virtual/vfio/12
        [kvmfr0]=/devices/virtual/kvmfr/kvmfr0
)
for dev in "${!devpath[@]}"; do
        run_udev add "${devpath[$dev]}"
done
node_is() { # node_is PATH MODE UID GID
        local got
        got=$(stat -c '%a %u %g' "$1")
        [[ $got == "$2 $3 $4" ]] || {
                echo "#   $1: mode/uid/gid $got, expected $2 $3 $4"
                return 1
        }
}
acl_lent=no
if [[ $nodes == yes ]]; then
        check "/dev/vfio/12 is root:root 0600 after add" node_is /dev/vfio/12 600 0 0
        check "/dev/kvmfr0 is root:root 0600 after add" node_is /dev/kvmfr0 600 0 0
        # A guest borrows the nodes (an ACL entry, as vxm does); then some event (udevadm trigger) comes.
        if command -v setfacl >/dev/null && setfacl -m u:65534:rw /dev/vfio/12 /dev/kvmfr0 2>/dev/null; then
                acl_lent=yes
                run_udev change "${devpath[12]}"
                run_udev change "${devpath[kvmfr0]}"
        fi
fi
# vxm-vfio's driver switch makes unbind/bind events; a device that lost its tag there would stop vxm-vfio@.
for action in bind unbind change; do
        run_udev "$action" "${devpath[0000:03:00.0]}"
        run_udev "$action" "${devpath[0000:03:00.1]}"
done

for gpu in 0000:00:02.0 0000:03:00.0 0000:04:00.0; do
        check "$gpu (display) is tagged for systemd with its alias" tagged add "$gpu"
        check "$gpu has VXM_GPU=1" has_prop add "$gpu" VXM_GPU 1
done
check "0000:00:02.0 has VXM_BOOT_VGA=1 (boot_vga=1)" has_prop add 0000:00:02.0 VXM_BOOT_VGA 1
check "0000:03:00.0 has VXM_BOOT_VGA=0 (boot_vga=0)" has_prop add 0000:03:00.0 VXM_BOOT_VGA 0
check "0000:04:00.0 has VXM_BOOT_VGA=0 (3D controller, no boot_vga)" has_prop add 0000:04:00.0 VXM_BOOT_VGA 0
check "0000:03:00.0 is not marked a companion" has_prop add 0000:03:00.0 VXM_GPU_COMPANION ""

for companion in 0000:03:00.1 0000:03:00.2; do
        check "$companion (companion) is tagged for systemd with its alias" tagged add "$companion"
        check "$companion has VXM_GPU_COMPANION=1" has_prop add "$companion" VXM_GPU_COMPANION 1
        check "$companion names its GPU" has_prop add "$companion" VXM_GPU_FUNCTION0 0000:03:00.0
        check "$companion has no VXM_GPU" has_prop add "$companion" VXM_GPU ""
done

check "0000:07:00.1 (an SR-IOV VF) is tagged for systemd with its alias" tagged add 0000:07:00.1
check "0000:07:00.1 has VXM_VF=1" has_prop add 0000:07:00.1 VXM_VF 1
for other in 0000:05:00.0 0000:05:00.1 0000:06:00.0 0000:07:00.0; do
        check "$other (no GPU in its slot) is untouched" untouched add "$other"
done

for action in bind unbind change; do
        check "0000:03:00.0 stays tagged on $action" tagged "$action" 0000:03:00.0
        check "0000:03:00.1 stays tagged on $action" tagged "$action" 0000:03:00.1
done

if [[ $nodes == no && -n ${VXM_TEST_NO_SKIP:-} ]]; then
        not_ok "/dev/vfio/12 and /dev/kvmfr0: cannot create device nodes here (skipping is not allowed)"
elif [[ $nodes == no ]]; then
        ok "/dev/vfio/12 is root:root 0600 after add # SKIP cannot create device nodes here"
        ok "/dev/kvmfr0 is root:root 0600 after add # SKIP cannot create device nodes here"
fi
lent() { # lent PATH: the borrower's entry still takes effect (the mask was not rewritten)
        getfacl -cpn "$1" 2>/dev/null | grep -qx 'mask::rw-' && getfacl -cpn "$1" | grep -qx 'user:65534:rw-' || {
                echo "#   $1 after change:"
                getfacl -cp "$1" | sed 's/^/#     /'
                return 1
        }
}
if [[ $acl_lent == yes ]]; then
        check "/dev/vfio/12: a guest's ACL entry survives a change event" lent /dev/vfio/12
        check "/dev/kvmfr0: a guest's ACL entry survives a change event" lent /dev/kvmfr0
elif [[ -n ${VXM_TEST_NO_SKIP:-} ]]; then
        not_ok "ACL entries survive a change event: no device nodes, setfacl or ACLs on tmpfs here (skipping is not allowed)"
else
        ok "ACL entries survive a change event # SKIP no device nodes, setfacl or ACLs on tmpfs here"
        ok "ACL entries survive a change event # SKIP no device nodes, setfacl or ACLs on tmpfs here"
fi
rules_clean() { # every run read our rules, and no line of them drew a complaint
        local logs=("$work"/out/*/*.log)
        [[ $(grep -l 'Reading rules file: .*/70-vxm.rules' "${logs[@]}" | wc -l) -eq ${#logs[@]} ]] &&
                ! grep -h -E '70-vxm\.rules:[0-9]+ .*(Unknown|Invalid|[Ff]ailed|ignoring)' "${logs[@]}"
}
check "the rules are read and draw no warnings" rules_clean

# The unit side: the device unit systemd derives from the alias is the one vxm-vfio@.service binds to. systemd does
# both conversions itself (systemd-escape for the alias; specifier expansion in verify's unit dump).
alias=$(prop add 0000:03:00.0 SYSTEMD_ALIAS)
device_unit=$(systemd-escape --path --suffix=device "$alias")
root=$work/root
install -D -m 0644 "$vfio_unit" "$root/etc/systemd/system/vxm-vfio@.service"
install -D -m 0755 "$vfio_helper" "$root$libexecdir/vxm-vfio"
binds_to=$(SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no --root="$root" \
        "$root/etc/systemd/system/vxm-vfio@.service:vxm-vfio@0000:03:00.0.service" 2>&1 |
        sed -n 's/^[[:space:]]*BindsTo: \([^ ]*\).*/\1/p')
check "vxm-vfio@0000:03:00.0.service binds to $device_unit (from the alias)" \
        test "$binds_to" = "$device_unit"
[[ $binds_to == "$device_unit" ]] || echo "#   BindsTo='$binds_to'"

echo "1..$n"
[[ $failed -eq 0 ]]
