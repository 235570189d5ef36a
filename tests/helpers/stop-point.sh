# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Sourced by the helper tests: SIGKILL a root helper at one of its stop-points (lib/basic/stop-point.h) and make sure
# the kill landed there.

# proc_state PID: the one-letter state of PID (T when stopped), empty when it is gone
proc_state() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	echo "${s%% *}"
}

# kill_at POINT MARK OUT CMD...: runs CMD (a helper, or env ... helper) in the background with VXM_TEST_STOP_AT=POINT,
# waits until it has stopped itself there, checks that the mark file it wrote names POINT and nothing else, and
# SIGKILLs it. Its output goes to OUT. Returns 1 with the reason on stdout when the helper did not stop at POINT.
kill_at() {
	local point=$1 mark=$2 out=$3 pid st=
	shift 3
	rm -f "$mark"
	VXM_TEST_STOP_AT=$point VXM_TEST_STOP_MARK=$mark "$@" >"$out" 2>&1 &
	pid=$!
	for _ in $(seq 400); do
		st=$(proc_state "$pid")
		[ "$st" = T ] || [ "$st" = Z ] || [ -z "$st" ] && break
		sleep 0.05
	done
	if [ "$st" != T ]; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "# $* did not stop at $point (state '$st'); its output:"
		sed 's/^/#   /' "$out"
		return 1
	fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	if [ "$(cat "$mark" 2>/dev/null)" != "$point" ]; then
		echo "# the mark of $* is '$(cat "$mark" 2>/dev/null)', expected '$point'"
		return 1
	fi
	return 0
}
