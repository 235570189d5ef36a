#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-format.sh SRCDIR [BASE]: every C file git tracks (or, with BASE, every C file changed since that commit) is
# formatted as the root .clang-format says; prints the diff of the first offenders and fails otherwise.
set -euo pipefail
src=$1 base=${2:-}
if ! command -v clang-format >/dev/null; then
        [[ -z ${VXM_TEST_NO_SKIP:-} ]] || { echo "clang-format is not installed (skipping is not allowed here)"; exit 1; }
        echo "clang-format is not installed: skipped"
        exit 77
fi
cd "$src"
if [[ -d .git ]] || git rev-parse --git-dir >/dev/null 2>&1; then
        if [[ -n $base ]]; then
                mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.c' '*.h')
        else
                mapfile -t files < <(git ls-files -- '*.c' '*.h')
        fi
else
        mapfile -t files < <(find . -path ./build -prune -o -name '*.[ch]' -print)
fi
[[ ${#files[@]} -gt 0 ]] || { echo "no C files to check"; exit 0; }
bad=0
for f in "${files[@]}"; do
        if ! clang-format --dry-run --Werror "$f" 2>/dev/null; then
                echo "not formatted: $f (run: clang-format -i $f)"
                clang-format "$f" | diff -u "$f" - | head -20 || true
                bad=$((bad + 1))
        fi
done
echo "${#files[@]} files checked, $bad not formatted"
[[ $bad -eq 0 ]]
