#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs the build into a DESTDIR, runs the installed vxm-generator on a demo guest that uses every dependency
# (devices, TPM, hugepages, Looking Glass, input, monitor), and has `systemd-analyze verify` load the instances with
# the generated drop-ins. Any message at all (warning or error, in the units or recursively in their dependencies)
# fails the test.
#
#   verify.sh MESON BUILD_DIR SYSTEMUNITDIR SYSTEMGENERATORDIR [HOST_SYSTEMUNITDIR]
#
# Notes on systemd-analyze verify (systemd 252):
#  - --root: the DESTDIR has only our units, so the host's own units (targets, sysinit.target, ...) are copied
#    next to them (never over them).
#  - Without --generators=yes, verify leaves the generator directories out of the unit path, so the generator's
#    output is placed in DESTDIR/etc/systemd/system, where drop-ins and .wants links act the same.
#  - Templates are passed as PATH:INSTANCE: a ':' in an instance name (vxm-vfio@0000:01:00.0) confuses its alias
#    parsing otherwise.
set -u
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022

meson=${1:?usage}
build=${2:?usage}
unitdir=${3:?usage}
generatordir=${4:?usage}
host_unitdir=${5:-$unitdir}

if ! command -v systemd-analyze >/dev/null; then
    # where skipping is not allowed (CI: VXM_TEST_NO_SKIP=1) a missing tool is a failure
    [[ -z ${VXM_TEST_NO_SKIP:-} ]] || { echo "systemd-analyze not found"; exit 1; }
    echo "systemd-analyze not found, skipping"
    exit 77
fi

tmp=$(mktemp -d --tmpdir "vxm-verify.XXXXXXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
fake=$tmp/fake

if ! DESTDIR=$dest "$meson" install -C "$build" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "meson install into DESTDIR failed"
    exit 1
fi
for t in vxm-guest vxm-vfio vxm-swtpm vxm-hugepages vxm-lookingglass vxm-input vxm-ddc vxm-sriov vxm-vf vxm-mdev; do
    [[ -f "$dest$unitdir/$t@.service" ]] || { echo "$t@.service is not installed in $unitdir"; exit 1; }
done
cp -rn "$host_unitdir/." "$dest$unitdir/"

mkdir -p "$fake/etc/vxm" "$fake/proc"
echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet" >"$fake/proc/cmdline"
cat >"$fake/etc/vxm/demo.conf" <<'EOF'
[Guest]
Description=Demo guest (100% passthrough, %i stays literal)
Memory=8G
CPUs=4
Autostart=yes
ShutdownTimeout=2min

[PCI]
Device=0000:01:00.0
Device=1:0.1

[Firmware]
SecureBoot=yes

[TPM]
Enable=yes

[Memory]
Hugepages=2M

[LookingGlass]
Resolution=2560x1440

[Input]
Keyboard=auto
Mouse=auto

[Display]
Monitor=bus:5
HostInput=DP-1
GuestInput=HDMI-1

[Storage]
Disk=/var/lib/vxm/demo/disk.qcow2
EOF

# Devices shared with the host (issue 11): VFs of a PF, a mediated device.
cat >"$fake/etc/vxm/shared.conf" <<'EOF'
[PCI]
VirtualFunction=0000:02:00.0,vfs=2
Mdev=auto,type=i915-GVTg_V5_4
EOF

mkdir -p "$tmp/gen"
env -u SYSTEMD_SCOPE VXM_ROOT="$fake" SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
    "$dest$generatordir/vxm-generator" "$tmp/gen" "$tmp/gen" "$tmp/gen" >"$tmp/gen.log" 2>&1
rc=$?
if [[ $rc -ne 0 || -s "$tmp/gen.log" ]]; then
    cat "$tmp/gen.log"
    echo "vxm-generator failed (rc $rc) or was not silent"
    exit 1
fi
[[ -f "$tmp/gen/vxm-guest@demo.service.d/50-vxm-generator.conf" ]] || { echo "no drop-in generated"; exit 1; }
mkdir -p "$dest/etc/systemd/system"
cp -a "$tmp/gen/." "$dest/etc/systemd/system/"

fail=0
verify() { # TEMPLATE INSTANCE
    local out
    out=$(cd "$tmp" && systemd-analyze verify --man=no --recursive-errors=yes --root="$dest" \
        "$dest$unitdir/$1:$2" 2>&1)
    local r=$?
    if [[ $r -ne 0 || -n "$out" ]]; then
        echo "FAIL: systemd-analyze verify $2 (rc $r):"
        echo "$out"
        fail=1
    else
        echo "ok: $2"
    fi
}

verify vxm-guest@.service vxm-guest@demo.service
verify vxm-vfio@.service vxm-vfio@0000:01:00.0.service
verify vxm-vfio@.service vxm-vfio@0000:01:00.1.service
for t in vxm-swtpm vxm-hugepages vxm-lookingglass vxm-input vxm-ddc; do
    verify "$t@.service" "$t@demo.service"
done
verify vxm-guest@.service vxm-guest@shared.service
verify vxm-vf@.service vxm-vf@shared.service
verify vxm-mdev@.service vxm-mdev@shared.service
verify vxm-sriov@.service vxm-sriov@0000:02:00.0.service

# The check must be able to fail: the same run with a bogus key in the generated drop-in has to complain, or the
# drop-ins were never read (e.g. because they ended up in a directory verify ignores).
dropin=$dest/etc/systemd/system/vxm-guest@demo.service.d/50-vxm-generator.conf
echo "NotAKey=1" >>"$dropin"
if (cd "$tmp" && systemd-analyze verify --man=no --recursive-errors=yes --root="$dest" \
    "$dest$unitdir/vxm-guest@.service:vxm-guest@demo.service" 2>&1) | grep -q "NotAKey"; then
    echo "ok: a broken drop-in is reported (drop-ins are read)"
else
    echo "FAIL: systemd-analyze did not read the generated drop-in"
    fail=1
fi

exit $fail
