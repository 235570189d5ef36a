#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vxm-guest network-up/network-down in a private network namespace (real tap devices, real bridge, nothing reaches
# the host's network): the tap that network-up makes is recorded by name and ifindex, a name that is taken already is
# refused instead of taken over, and network-down removes the recorded interface only, never another one that has
# the name now. up/down (the unit's root steps) do the same, and down gives the VFIO nodes back even when removing
# the tap fails. TAP output.
#
#   test-tap.sh VXM_GUEST
set -euo pipefail
guest=$(realpath "$1")

if [[ -z ${VXM_TAP_TEST_INNER:-} ]]; then
        if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null || ! command -v unshare >/dev/null; then
                echo "1..0 # SKIP needs root, ip and unshare (a private network namespace)"
                exit 0
        fi
        VXM_TAP_TEST_INNER=1 exec unshare --net "$0" "$@"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
export VXM_ROOT=$root
mkdir -p "$root/etc/vxm" "$root/dev/net"
mknod "$root/dev/net/tun" c 10 200
printf '[Guest]\nUser=nobody\n\n[Network]\nMode=bridge\nBridge=br0\n' >"$root/etc/vxm/lan.conf"
ip link add br0 type bridge

n=0 failed=0
check() { # check DESCRIPTION COMMAND...
        local what=$1
        shift
        n=$((n + 1))
        if "$@"; then echo "ok $n - $what"; else failed=$((failed + 1)) && echo "not ok $n - $what"; fi
}
run() { # run ARGS...: vxm-guest with its output in $out and status in $rc
        rc=0
        out=$("$guest" "$@" 2>&1) || rc=$?
        sed 's/^/# /' <<<"$out"
}
ifindex() { ip -o link show "$1" 2>/dev/null | cut -d: -f1; }
record=$root/run/vxm/.state/tap/lan

tap=$("$guest" --help >/dev/null && VXM_ROOT=$root "$guest" network-up lan 2>&1 | sed -n 's/.*tap device \(vxm[0-9a-f]*\).*/\1/p')
check "network-up makes a tap device" test -n "$tap"
check "it exists, on br0" sh -c "ip -o link show $tap | grep -q 'master br0'"
check "the record names it and its ifindex" \
        grep -qx "IFINDEX=$(ifindex "$tap")" "$record"
check "the record's NAME" grep -qx "NAME=$tap" "$record"
run network-down lan
check "network-down exits 0" test "$rc" = 0
check "the tap is gone" test -z "$(ifindex "$tap")"
check "the record is gone" test ! -e "$record"

# A name that is taken: refused, the interface is not ours to take over (nor to delete later).
ip tuntap add "$tap" mode tap
before=$(ifindex "$tap")
run network-up lan
check "network-up with the name taken exits 1" test "$rc" = 1
check "says why" grep -q "exists already and was not made by vxm" <<<"$out"
check "the other interface is untouched" test "$(ifindex "$tap")" = "$before"
check "and not on the bridge" sh -c "! ip -o link show $tap | grep -q 'master br0'"
run network-down lan
check "network-down after the refusal exits 0" test "$rc" = 0
check "the other interface is still there" test "$(ifindex "$tap")" = "$before"
ip link del "$tap"

# The recorded interface went away and another one took the name: network-down leaves that one.
run network-up lan
check "network-up exits 0" test "$rc" = 0
ip link del "$tap"
ip tuntap add "$tap" mode tap
other=$(ifindex "$tap")
run network-down lan
check "network-down exits 0" test "$rc" = 0
check "the interface that took the name is left alone" test "$(ifindex "$tap")" = "$other"
check "says why" grep -q "is gone" <<<"$out"
check "the record is gone" test ! -e "$record"

# kill -9 of network-up and network-down at each of their stop-points (lib/basic/stop-point.h), then what the unit
# runs next (network-down) leaves no interface and no record.
# shellcheck source=tests/helpers/stop-point.sh
. "$(dirname "$(realpath "$0")")/../stop-point.sh"
mark=$root/.mark
ip link del "$tap"
check "network-up killed at network-up:recorded" kill_at network-up:recorded "$mark" "$root/.out" "$guest" network-up lan
check "recorded; the tap died with it (not persistent yet)" sh -c "[ -e '$record' ] && [ -z '$(ifindex "$tap")' ]"
run network-down lan
check "network-down exits 0, no record" sh -c "[ $rc = 0 ] && [ ! -e '$record' ]"
check "network-up killed at network-up:persistent" kill_at network-up:persistent "$mark" "$root/.out" "$guest" network-up lan
check "the tap outlived it, not on the bridge" sh -c "ip -o link show $tap >/dev/null && ! ip -o link show $tap | grep -q 'master br0'"
run network-down lan
check "network-down exits 0: no tap, no record" sh -c "[ $rc = 0 ] && [ -z '$(ifindex "$tap")' ] && [ ! -e '$record' ]"
run network-up lan
check "network-up exits 0" test "$rc" = 0
check "network-down killed at network-down:deleted" kill_at network-down:deleted "$mark" "$root/.out" "$guest" network-down lan
check "the tap is gone, the record is not" sh -c "[ -z '$(ifindex "$tap")' ] && [ -e '$record' ]"
run network-down lan
check "network-down again exits 0, no record" sh -c "[ $rc = 0 ] && [ ! -e '$record' ]"
check "no interface but the bridge and lo" test "$(ip -o link show | grep -cv ': \(lo\|br0\):')" = 0
# up and down, the unit's root steps (one process each way): up makes the tap like network-up, down says how the
# guest ended and removes it (no tap left from the cases above).
run up lan
check "up exits 0" test "$rc" = 0
check "up made the tap device, on br0" sh -c "ip -o link show $tap | grep -q 'master br0'"
run down lan
check "down exits 0" test "$rc" = 0
check "down says how the guest ended" grep -q "Guest lan stopped" <<<"$out"
check "the tap is gone" test -z "$(ifindex "$tap")"
check "the record is gone" test ! -e "$record"

# down runs every step whatever the one before it did: a damaged tap record (kept, nothing deleted) must not keep the
# guest's VFIO group nodes lent. Here a lend record of no nodes: given back means its record is gone.
lend=$root/run/vxm/.state/vfio-lend/lan
mkdir -p "${lend%/*}"
printf 'NAME=%s\n' "$tap" >"$record"
printf 'NODES=0\n' >"$lend"
run down lan
check "down with a damaged tap record exits 1" test "$rc" = 1
check "says which record" grep -q "/run/vxm/.state/tap/lan is malformed" <<<"$out"
check "the damaged tap record is kept" test -e "$record"
check "the VFIO nodes were given back all the same" test ! -e "$lend"
rm -f "$record"

echo "1..$n"
[[ $failed -eq 0 ]]
