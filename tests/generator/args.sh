#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxm-generator's command line (systemd.generator(7)): one or three directories, exit 2 on anything else, and it
# writes only into the first.
set -u
gen=${1:?usage: args.sh GENERATOR CASE_ROOT}
root=${2:?usage: args.sh GENERATOR CASE_ROOT}
tmp=$(mktemp -d --tmpdir "vxm-generator-args.XXXXXXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
run() { env -u SYSTEMD_SCOPE VXM_ROOT="$root" SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info "$gen" "$@" 2>"$tmp/log"; }

for args in "" "$tmp/a $tmp/b" "$tmp/a $tmp/b $tmp/c $tmp/d"; do
    # shellcheck disable=SC2086
    run $args
    rc=$?
    if [[ $rc -ne 2 ]] || ! grep -q "takes one or three arguments" "$tmp/log"; then
        echo "FAIL: ${args:-no arguments}: rc $rc (want 2), stderr: $(cat "$tmp/log")"
        fail=1
    fi
    if [[ -n "$(ls -A "$tmp")" && "$(ls -A "$tmp")" != "log" ]]; then
        echo "FAIL: ${args:-no arguments}: wrote something"
        fail=1
    fi
done

mkdir "$tmp/one"
run "$tmp/one"
rc=$?
if [[ $rc -ne 0 || ! -f "$tmp/one/vxm-guest@minimal.service.d/50-vxm-generator.conf" ]]; then
    echo "FAIL: one directory argument: rc $rc, $(find "$tmp/one" | tr '\n' ' ')"
    fail=1
fi
[[ $fail -eq 0 ]] && echo "ok: usage errors exit 2, one directory works"
exit $fail
