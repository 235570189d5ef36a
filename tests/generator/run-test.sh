#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Golden-tree test for vxm-generator, in the style of systemd's test/test-fstab-generator.sh.
#
#   run-test.sh GENERATOR CASE_DIR [SYSTEMUNITDIR]
#
# A case is a folder tests/generator/NN-name/ holding:
#   root/          the fake host the generator reads through $VXM_ROOT: root/etc/vxm/*.conf, root/run/vxm/,
#                  root/usr/lib/vxm/, root/proc/cmdline (all optional). Symlinks to /dev/null mask, as on a host.
#   expected/      the exact tree the generator must write into its first (normal) directory: every file with its
#                  content, every symlink with its target. Absent = the generator must write nothing.
#                  Symlink targets are written with @SYSTEMUNITDIR@ in place of the build's system unit dir.
#   expected.log   the exact messages on stderr (SYSTEMD_LOG_TARGET=console, SYSTEMD_LOG_LEVEL=info).
#                  Absent = stderr must be empty (an unexpected warning fails the case).
#   expected.rc    the exit status (default 0).
#   README         optional: one line saying what the case checks.
#   prepare        optional, executable: run in the copy of root/ before the generator, for what git cannot store
#                  (FIFOs, owners other than root, group-writable modes). Exit 77 skips the case (e.g. not root).
#
# The generator reads a copy of root/ that is root's alone (go-w; owned by whoever runs the test, which under
# $VXM_ROOT counts as root): vxm refuses configuration that others can change, whatever the checkout's umask.
#
# Adding a case = adding a folder (then `meson setup --reconfigure BUILD` so meson registers it: one test per
# folder, suite 'generator', named after the folder). Write root/, then let the generator produce the first
# expected output and READ it before committing it:
#
#   UPDATE_GOLDEN=1 meson test -C BUILD --suite generator 07-my-case     # rewrites 07-my-case/expected*
#   git diff tests/generator/                                            # review every line
#   meson test -C BUILD --suite generator                                # must pass without UPDATE_GOLDEN
#
# With UPDATE_GOLDEN=1 the runner rewrites expected/, expected.log and expected.rc from the actual output and then
# FAILS on purpose, so a run with it set can never count as a pass.
set -u

generator=${1:?usage: run-test.sh GENERATOR CASE_DIR [SYSTEMUNITDIR]}
case_dir=${2:?usage: run-test.sh GENERATOR CASE_DIR [SYSTEMUNITDIR]}
unitdir=${3:-/lib/systemd/system}
name=$(basename "$case_dir")

[[ -d "$case_dir/root" ]] || { echo "$name: no root/ folder"; exit 1; }

tmp=$(mktemp -d --tmpdir "vxm-generator-test.XXXXXXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/normal" "$tmp/early" "$tmp/late"

cp -R "$case_dir/root" "$tmp/root" && chmod -R go-w "$tmp/root" || exit 1
if [[ -x "$case_dir/prepare" ]]; then
    (cd "$tmp/root" && "$case_dir/prepare")
    prc=$?
    [[ $prc -eq 77 ]] && { echo "$name: skipped by prepare"; exit 77; }
    [[ $prc -eq 0 ]] || { echo "$name: prepare failed (status $prc)"; exit 1; }
fi

# A clean, fixed environment: no inherited log level, not "under systemd". A generator that blocks (e.g. on a FIFO)
# fails the case instead of hanging it.
env -u SYSTEMD_SCOPE -u JOURNAL_STREAM -u INVOCATION_ID \
    VXM_ROOT="$tmp/root" SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
    timeout 10 "$generator" "$tmp/normal" "$tmp/early" "$tmp/late" 2>"$tmp/log" </dev/null
rc=$?
[[ $rc -eq 124 ]] && echo "$name: the generator did not finish within 10 s"

# One line per entry: type, path, and for symlinks the target with the unit dir abstracted.
describe_tree() {
    (cd "$1" && find . -mindepth 1 -printf '%y %P\t%l\n' | LC_ALL=C sort) |
        sed -e "s|\t$unitdir/|\t@SYSTEMUNITDIR@/|" -e 's|\t$||'
}

if [[ -n "${UPDATE_GOLDEN:-}" ]]; then
    rm -rf "$case_dir/expected" "$case_dir/expected.log" "$case_dir/expected.rc"
    if [[ -n "$(ls -A "$tmp/normal")" ]]; then
        cp -a "$tmp/normal" "$case_dir/expected"
        # Store link targets abstracted, as compared.
        find "$case_dir/expected" -type l | while read -r l; do
            t=$(readlink "$l")
            ln -sfn "${t/#$unitdir\//@SYSTEMUNITDIR@/}" "$l"
        done
    fi
    [[ -s "$tmp/log" ]] && cp "$tmp/log" "$case_dir/expected.log"
    [[ $rc -ne 0 ]] && echo "$rc" >"$case_dir/expected.rc"
    echo "$name: UPDATE_GOLDEN set: rewrote $case_dir/expected*; review with git diff, then run without it."
    exit 1
fi

fail=0
expected_rc=0
[[ -f "$case_dir/expected.rc" ]] && expected_rc=$(cat "$case_dir/expected.rc")
if [[ "$rc" != "$expected_rc" ]]; then
    echo "$name: exit status $rc, expected $expected_rc"
    fail=1
fi

if [[ -f "$case_dir/expected.log" ]]; then
    cp "$case_dir/expected.log" "$tmp/expected.log"
else
    : >"$tmp/expected.log"
fi
if ! diff -u --label expected.log --label stderr "$tmp/expected.log" "$tmp/log"; then
    echo "$name: messages differ"
    fail=1
fi

mkdir -p "$tmp/expected"
[[ -d "$case_dir/expected" ]] && cp -a "$case_dir/expected/." "$tmp/expected/"
describe_tree "$tmp/expected" >"$tmp/expected.tree"
# Expected link targets already carry @SYSTEMUNITDIR@; describe_tree leaves them alone.
describe_tree "$tmp/normal" >"$tmp/actual.tree"
if ! diff -u --label expected/ --label output/ "$tmp/expected.tree" "$tmp/actual.tree"; then
    echo "$name: file list, types or symlink targets differ"
    fail=1
fi

while IFS= read -r f; do
    if [[ -f "$tmp/normal/$f" ]] && ! diff -u --label "expected/$f" --label "output/$f" "$tmp/expected/$f" "$tmp/normal/$f"; then
        echo "$name: $f differs"
        fail=1
    fi
done < <(cd "$tmp/expected" && find . -type f -printf '%P\n' | LC_ALL=C sort)

# Nothing but the normal dir may be written (systemd.generator(7): early/late are for overriding).
for d in early late; do
    if [[ -n "$(ls -A "$tmp/$d")" ]]; then
        echo "$name: wrote into the $d directory:"
        ls -lAR "$tmp/$d"
        fail=1
    fi
done

if [[ $fail -eq 0 ]]; then
    echo "$name: ok ($(grep -c . "$tmp/actual.tree") entries, rc $rc)"
fi
exit $fail
