#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs one libFuzzer fuzzer for a bounded time and prints what it did:
#
#   run-fuzzer.sh FUZZER SRCDIR NAME SECONDS-VARIABLE DEFAULT-SECONDS
#
# The run starts from a scratch copy of SRCDIR/corpus/NAME and SRCDIR/regressions/NAME (the tree is never written),
# uses SRCDIR/NAME.dict when there is one, and lasts ${SECONDS-VARIABLE:-DEFAULT-SECONDS} seconds. It prints one
# line: executions, executions per second, coverage (edges covered of those instrumented, libFuzzer's features) and
# the corpus size. A crash, leak, timeout or broken property fails the run: the input is kept in
# $FUZZ_ARTIFACTS/NAME/ (default ./fuzz-artifacts/NAME/), to be reproduced with `FUZZER INPUT` and then added to
# SRCDIR/regressions/NAME/, where every build replays it (suite 'fuzz').
# FUZZ_CORPUS_OUT=DIR keeps the grown corpus there (to pick new seeds from).
set -uo pipefail

fuzzer=${1:?usage} src=${2:?usage} name=${3:?usage} var=${4:?usage} default=${5:?usage}
seconds=${!var:-$default}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "$var=$seconds: not a number of seconds" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vxm-fuzz-$name.XXXXXX")
# The harnesses that need a fake root write a few files per input: on tmpfs when there is one.
shm=
[[ -d /dev/shm && -w /dev/shm ]] && shm=$(mktemp -d /dev/shm/vxm-fuzz-$name.XXXXXX)
trap 'rm -rf "$work" ${shm:+"$shm"}' EXIT
mkdir "$work/corpus" "$work/tmp"
artifacts=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}/$name
mkdir -p "$artifacts"

seeds=("$src/corpus/$name")
seeds+=("$src/regressions/$name")
opts=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/")
[[ -f $src/$name.dict ]] && opts+=(-dict="$src/$name.dict")

# TMPDIR: harnesses that need a fake root make it there, and it goes with $work.
# Undefined behaviour is a crash like any other (UBSan only reports and goes on by default).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
rc=0
start=$SECONDS
TMPDIR=${shm:-$work/tmp} "$fuzzer" "${opts[@]}" "$work/corpus" "${seeds[@]}" >"$work/log" 2>&1 || rc=$?

took=$((SECONDS - start))
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
edges=$(sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' "$work/log" | head -n 1)
last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
pct=
[[ -n $cov && -n $edges && $edges -gt 0 ]] && pct=" ($((cov * 100 / edges))%)"
echo "$name: ${runs:-?} executions in $took s (${rate:-?}/s), coverage ${cov:-?} of ${edges:-?} edges$pct, ${ft:-?} features, corpus ${corp:-?} inputs"

if [[ -n ${FUZZ_CORPUS_OUT:-} ]]; then
        mkdir -p "$FUZZ_CORPUS_OUT/$name"
        cp -n "$work/corpus/"* "$FUZZ_CORPUS_OUT/$name/" 2>/dev/null || true
fi

if [[ $rc -ne 0 ]]; then
        echo "----- $name: FAILED (exit $rc); libFuzzer's output:"
        grep -v -E '^#[0-9]+.*(NEW|REDUCE|pulse)' "$work/log" | tail -n 80
        echo "-----"
        echo "$name: the input is in $artifacts/; reproduce with: $fuzzer INPUT; keep it in $src/regressions/$name/"
        exit 1
fi
