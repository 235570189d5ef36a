#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The product path of monitor switching, for real: vxm-ddc (and vxm check) -> lib/host/ddc-ddcutil.c -> the real
# libddcutil (dlopen) -> /dev/i2c-N -> an emulated monitor (i2c-monitor.c, in a private mount namespace built by
# ddc-emulator.sh). Each case sets up monitors with one behaviour that users meet, runs the helper as the units do,
# and checks what the monitor received (feature and value, from its log), what state it is in afterwards, the record
# under /run/vxm/.state/ddc/, and what the journal would say.
# Why an LD_PRELOAD shim and a mount namespace rather than CUSE: a CUSE /dev/i2c-N needs root and /dev/cuse and is
# visible to every program on the machine while the tests run; the shim exists only in the test's processes, and the
# namespace gives libddcutil (and libudev, and the shell it runs) a /sys and /dev of their own, without the host's
# buses and monitors (details in i2c-monitor.c and ddc-emulator.sh). It runs as root or, through a user namespace, as
# any user.
# One case per invocation (test-libddcutil.sh CASE); "list" prints the cases.
# Environment: VXM_DDC, VXM_CLI (the binaries), VXM_I2C_MONITOR (the shim), EDID_TOOL, PRELOAD_FIRST (ASan runtime).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/ddc/ddc-emulator.sh
. "$here/ddc-emulator.sh"

cases=(normal identify ambiguous fileio slow_switch null_responses bad_checksum garbled_readback nack_set ignores_write
	lies noisy_high_byte active_input_only
	active_input_mute reverts reverts_once lg_f4 lg_source_address no_ddc no_monitor no_i2c busy stall killed
	no_libddcutil check check_not_listed check_no_display)
if [[ ${1:-} = list ]]; then
	printf '%s\n' "${cases[@]}"
	exit 0
fi
case_name=${1:?usage: test-libddcutil.sh CASE|list}

emulator_enter "$0" "$@"
trap emulator_cleanup EXIT
export VXM_ROOT=$EMU/root
mkdir -p "$VXM_ROOT/etc/vxm" "$VXM_ROOT/run"
out=$EMU/out

fail() {
	printf 'FAIL: %s\n' "$*"
	echo "--- output of the last command:"
	cat "$out"
	for log in "$VXM_I2C_MONITOR_DIR"/*.log; do
		[[ -s $log ]] || continue
		echo "--- ${log##*/}:"
		cat "$log"
	done
	exit 1
}
ok() { printf 'ok: %s\n' "$*"; }

# ddc VERB NAME [OPTIONS]: runs vxm-ddc as vxm-ddc@NAME.service does, with a short settle time (the default is
# exercised by "normal"); rc, elapsed (ms) and $out are left for the checks.
ddc() {
	local verb=$1 name=$2 start
	shift 2
	start=$(date +%s%N)
	rc=0
	run_emulated "$VXM_DDC" --settle-ms="${SETTLE_MS:-600}" "$@" "$verb" "$name" >"$out" 2>&1 || rc=$?
	elapsed=$((($(date +%s%N) - start) / 1000000))
}
check_cli() {
	rc=0
	run_emulated "$VXM_CLI" check "$@" >"$out" 2>&1 || rc=$?
}
expect_rc() { [[ $rc = "$1" ]] || fail "exit status $rc, expected $1"; }
says() { grep -Fq -- "$1" "$out" || fail "output lacks: $1"; ok "says: $1"; }
says_not() { ! grep -Fq -- "$1" "$out" || fail "output has: $1"; ok "does not say: $1"; }
# received N LINES...: the DDC/CI commands that changed something, as the monitor decoded them
received() {
	local n=$1 got want
	shift
	got=$(monitor_log "$n" | grep -E '^set ' | sed 's/ \[.*//')
	want=$(printf '%s\n' "$@")
	[[ -z $* ]] && want=
	[[ $got = "$want" ]] || fail "bus $n received:"$'\n'"$got"$'\n'"expected:"$'\n'"$want"
	ok "bus $n received: ${*:-nothing}"
}
input_is() {
	local got
	got=$(monitor_get "$1" input)
	[[ $((got)) = $(($2)) ]] || fail "monitor on bus $1 shows $got, expected $2"
	ok "monitor on bus $1 shows $2"
}
record_has() {
	local rec=$VXM_ROOT/run/vxm/.state/ddc/$1
	[[ -f $rec ]] || fail "no record $rec"
	grep -qx -- "$2" "$rec" || fail "record $rec lacks $2: $(cat "$rec")"
	ok "record has $2"
}
no_record() {
	[[ ! -e $VXM_ROOT/run/vxm/.state/ddc/$1 ]] || fail "record of $1 left behind"
	ok "no record left"
}
within() {
	((elapsed < $1)) || fail "took $elapsed ms, more than $1"
	ok "took $elapsed ms (< $1)"
}
guest_conf() { # guest_conf NAME LINES...: [Display] of guest NAME
	local name=$1
	shift
	printf '[Guest]\n[Display]\n' >"$VXM_ROOT/etc/vxm/$name.conf"
	printf '%s\n' "$@" >>"$VXM_ROOT/etc/vxm/$name.conf"
}
# The checksum of a host request: XOR of 6E 51 and its bytes (DDC/CI 1.1).
request_bytes() {
	local chk=$((0x6e ^ 0x51)) b out="51"
	for b in "$@"; do chk=$((chk ^ b)); done
	for b in "$@"; do out+=$(printf ' %02x' $((b))); done
	printf '%s %02x' "$out" $chk
}

# One monitor on /dev/i2c-5 (DP-1 connector), on its DisplayPort input, listing DP-1, HDMI-1 and HDMI-2.
one_monitor() {
	add_bus 5 DP-1
	add_monitor 5 model=VXM-27 serial=SN0001 input=0x0f port=0x0f inputs=0x0f,0x11,0x12 "$@"
}

case_normal() {
	one_monitor
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	SETTLE_MS=2000 ddc guest w # the default settle time, as the unit runs it
	expect_rc 0
	says "Switched VXM-27 serial SN0001 on /dev/i2c-5 to HDMI-1 (0x11); it reports HDMI-1 (0x11)."
	received 5 "set 0x60 0x0011"
	# the bytes on the bus: 51 84 03 60 00 11 and the checksum
	grep -Fq "set 0x60 0x0011 [$(request_bytes 0x84 0x03 0x60 0x00 0x11)]" "$VXM_I2C_MONITOR_DIR/i2c-5.log" ||
		fail "not the expected bytes"
	ok "bytes: $(request_bytes 0x84 0x03 0x60 0x00 0x11)"
	monitor_log 5 | grep -q '^edid read 128 bytes' || fail "the EDID was not read"
	monitor_log 5 | grep -q '^get 0x60' || fail "the input was not read back"
	! monitor_log 5 | grep -q 'bad checksum\|malformed\|before the reply was ready' ||
		fail "the monitor saw a bad request, or a read too early"
	ok "EDID read, input read back, no bad request, no read before the monitor was ready"
	input_is 5 0x11
	record_has w MONITOR=bus:5
	record_has w FEATURE=0x60
	record_has w HOST_INPUT=0x0f
	record_has w GUEST_INPUT=0x11
	record_has w SWITCHED=yes
	ddc host w
	expect_rc 0
	says "Switched VXM-27 serial SN0001 on /dev/i2c-5 to DP-1 (0x0f); it reports DP-1 (0x0f)."
	received 5 "set 0x60 0x0011" "set 0x60 0x000f"
	input_is 5 0x0f
	no_record w
	ddc host w
	says "nothing to switch back"
	received 5 "set 0x60 0x0011" "set 0x60 0x000f"
}

# Monitor= by model, serial, EDID hash and display number picks the right one of two monitors; edits of the config
# after the start do not matter on the way back (the record does).
case_identify() {
	export SETTLE_MS=300
	add_bus 5 DP-1
	add_bus 6 HDMI-A-1
	add_monitor 5 model=LEFT-24 serial=L0001 input=0x0f port=0x0f
	add_monitor 6 model=RIGHT-27 serial=R0002 input=0x11 port=0x11
	local spec hash6
	hash6=$(edid_sha256 6)
	for spec in model:RIGHT-27 serial:R0002 "edid:${hash6:0:12}" display:2; do
		guest_conf w "Monitor=$spec" HostInput=HDMI-1 GuestInput=DP-2
		ddc guest w
		expect_rc 0
		says "Switched RIGHT-27 serial R0002 on /dev/i2c-6 to DP-2 (0x10)"
		guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-2 # edited while the guest runs
		ddc host w
		says "Switched RIGHT-27 serial R0002 on /dev/i2c-6 to HDMI-1 (0x11)"
		ok "Monitor=$spec"
	done
	received 5
	received 6 "set 0x60 0x0010" "set 0x60 0x0011" "set 0x60 0x0010" "set 0x60 0x0011" "set 0x60 0x0010" \
		"set 0x60 0x0011" "set 0x60 0x0010" "set 0x60 0x0011"
	input_is 6 0x11
	guest_conf w Monitor=model:MIDDLE HostInput=HDMI-1 GuestInput=DP-2
	ddc guest w
	expect_rc 0
	says "No display answered for Monitor=model:MIDDLE: found only bus:5 model:LEFT-24 serial:L0001 edid:"
	says "bus:6 model:RIGHT-27 serial:R0002 edid:${hash6:0:16}"
	record_has w SWITCHED=no
	received 5
}

case_ambiguous() {
	add_bus 5 DP-1
	add_bus 6 HDMI-A-1
	add_monitor 5 model=TWIN serial=A input=0x0f
	add_monitor 6 model=TWIN serial=B input=0x0f
	guest_conf w Monitor=model:TWIN HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "Monitor=model:TWIN is ambiguous: it matches 2 displays (bus:5 model:TWIN serial:A"
	says "name one with bus:, serial: or edid:. Not switching."
	received 5
	received 6
	check_cli w
	says "[ warn ] monitor: Monitor=model:TWIN matches more than one display; none will be switched"
	grep -Eq '^            bus:6 model:TWIN serial:B edid:[0-9a-f]{16}$' "$out" || fail "the displays are not listed"
	ok "lists both"
}

# The nvidia driver refuses I2C_RDWR with EINVAL; libddcutil then uses read() and write() after I2C_SLAVE.
case_fileio() {
	add_bus 5 DP-1 nvidia
	add_monitor 5 model=VXM-27 input=0x0f rdwr=einval
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "to HDMI-1 (0x11); it reports HDMI-1 (0x11)."
	monitor_log 5 | grep -q 'I2C_RDWR refused' || fail "I2C_RDWR was not tried"
	ddc host w
	says "to DP-1 (0x0f); it reports DP-1 (0x0f)."
	received 5 "set 0x60 0x0011" "set 0x60 0x000f"
	input_is 5 0x0f
}

# The monitor reports the old input for 1.5 s while it switches: waited for, then set again, then verified.
case_slow_switch() {
	one_monitor switch-ms=1500
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "Attempt 1/3: VXM-27 serial SN0001 on /dev/i2c-5 acknowledged HDMI-1 (0x11) but still reports DP-1 (0x0f) after 0.6 s."
	says "Switched VXM-27 serial SN0001 on /dev/i2c-5 to HDMI-1 (0x11); it reports HDMI-1 (0x11)."
	received 5 "set 0x60 0x0011" "set 0x60 0x0011"
	input_is 5 0x11
	SETTLE_MS=2000 ddc host w # the default waits long enough
	says_not "Attempt 1/3"
	says "to DP-1 (0x0f); it reports DP-1 (0x0f)."
	received 5 "set 0x60 0x0011" "set 0x60 0x0011" "set 0x60 0x000f"
}

# A few DDC Null Messages: libddcutil retries; many: the monitor does not tell its input.
case_null_responses() {
	one_monitor null=0
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w # let detection pass first, then answer the next two reads with Null Messages
	monitor_set 5 null 2
	monitor_log_clear 5
	ddc host w
	says "to DP-1 (0x0f); it reports DP-1 (0x0f)."
	[[ $(monitor_log 5 | grep -c 'null message instead') = 2 ]] || fail "not 2 null messages"
	ok "2 Null Messages, then the answer"
	monitor_set 5 null 100000
	ddc guest w
	expect_rc 0
	says "the monitor does not report feature 0x60, so the switch is not verified"
	received 5 "set 0x60 0x000f" "set 0x60 0x0011"
	input_is 5 0x11
	monitor_set 5 null 0
	ddc host w
	input_is 5 0x0f
}

case_bad_checksum() {
	one_monitor
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	monitor_set 5 badsum 2
	ddc guest w
	says "it reports HDMI-1 (0x11)."
	[[ $(sed -n 's/^badsum=//p' "$VXM_I2C_MONITOR_DIR/i2c-5") = 0 ]] || fail "the garbled replies were not read"
	ok "two garbled replies, retried by libddcutil"
	ddc host w
	input_is 5 0x0f
	monitor_set 5 badsum -1 # every reply garbled: not a DDC/CI monitor as far as libddcutil can tell
	monitor_log_clear 5
	ddc guest w
	expect_rc 0
	says "VXM-27 serial SN0001 on /dev/i2c-5 is connected but does not answer DDC/CI"
	says "or its answers are garbled). Not switching."
	received 5
	input_is 5 0x0f
}

# Replies about the input garbled every time: the switch happens, the read-back fails, with libddcutil's reason.
case_garbled_readback() {
	one_monitor garble=0x60
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "Switched VXM-27 serial SN0001 on /dev/i2c-5 to HDMI-1 (0x11), but reading it back failed (reading feature 0x60: the monitor did not answer correctly in any of libddcutil's tries (DDCRC_RETRIES; 10 tries, the last: DDCRC_DDC_DATA)), so the switch is not verified."
	received 5 "set 0x60 0x0011"
	input_is 5 0x11
}

# Set commands not acknowledged: each attempt fails after libddcutil's own tries, and says so.
case_nack_set() {
	one_monitor nack-set=yes
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "Attempt 1/3: setting VXM-27 serial SN0001 on /dev/i2c-5 to HDMI-1 (0x11) failed: setting feature 0x60: the monitor did not answer correctly in any of libddcutil's tries (DDCRC_RETRIES)"
	says "Attempt 3/3: setting"
	says "Could not switch VXM-27 serial SN0001 on /dev/i2c-5 to HDMI-1 (0x11): setting feature 0x60: the monitor did not answer correctly in any of libddcutil's tries (DDCRC_RETRIES). Switch it by hand."
	# 3 attempts of libddcutil 1.4's 4 tries each
	[[ $(monitor_log 5 | grep -c 'no acknowledge for a set') = 12 ]] || fail "not 3 x 4 tries"
	ok "3 attempts of 4 tries"
	input_is 5 0x0f
	record_has w SWITCHED=no
}

case_ignores_write() {
	one_monitor ignore-set=yes
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "acknowledged the switch to HDMI-1 (0x11) 3 times but still reports DP-1 (0x0f): it ignored the command, or it does not report its input truthfully"
	received 5 "set 0x60 0x0011" "set 0x60 0x0011" "set 0x60 0x0011"
	input_is 5 0x0f
	record_has w SWITCHED=yes
	ddc host w
	says "it reports DP-1 (0x0f)."
	no_record w
}

# The monitor switches but always reports DP-1: vxm cannot tell, and must not claim success.
case_lies() {
	one_monitor lie=0x0f
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "acknowledged the switch to HDMI-1 (0x11) 3 times but still reports DP-1 (0x0f): it ignored the command, or it does not report its input truthfully (then check the screen)."
	says_not "Switched"
	input_is 5 0x11
}

# The input in the low byte, noise in the high one: for feature 0x60 the low byte counts.
case_noisy_high_byte() {
	one_monitor
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	monitor_set 5 lie 0x4711
	ddc guest w
	says "Switched VXM-27 serial SN0001 on /dev/i2c-5 to HDMI-1 (0x11); it reports 0x4711."
	received 5 "set 0x60 0x0011"
}

# The monitor takes input changes only over the cable of the input it shows: the switch to the guest works, the one
# back cannot (and must say so).
case_active_input_only() {
	one_monitor inactive=ignore-set
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	says "it reports HDMI-1 (0x11)."
	input_is 5 0x11
	ddc host w
	expect_rc 0
	says "acknowledged the switch to DP-1 (0x0f) 3 times but still reports HDMI-1 (0x11)"
	says "shows the guest's input (HDMI-1 (0x11)) now, and many monitors take commands only over the cable of the input they show: switch it to DP-1 (0x0f) with its buttons"
	received 5 "set 0x60 0x0011" "set 0x60 0x000f" "set 0x60 0x000f" "set 0x60 0x000f"
	input_is 5 0x11
	no_record w
}

# ... or it does not answer at all on a cable whose input it does not show.
case_active_input_mute() {
	one_monitor inactive=mute
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	says "the monitor stopped answering on this connection (many only listen on the input they show), so the switch is not verified"
	input_is 5 0x11
	record_has w SWITCHED=yes
	ddc host w
	expect_rc 0
	says "is connected but does not answer DDC/CI"
	says "many monitors take commands only over the cable of the input they show: switch it to DP-1 (0x0f) with its buttons, or from inside the guest"
	received 5 "set 0x60 0x0011"
	input_is 5 0x11
	within 5000
}

# An automatic input scan that finds no picture goes back after a moment, every time: retried, then reported. (Real
# monitors take seconds; the input must hold longer than that to count.)
case_reverts() {
	export SETTLE_MS=2000
	one_monitor revert-ms=1200
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "Attempt 1/3: VXM-27 serial SN0001 on /dev/i2c-5 switched to HDMI-1 (0x11), then went back to DP-1 (0x0f) after"
	says "does not stay on HDMI-1 (0x11): it went back to DP-1 (0x0f) by itself"
	says "turn it off in the monitor's menu"
	received 5 "set 0x60 0x0011" "set 0x60 0x0011" "set 0x60 0x0011"
	input_is 5 0x0f
	within 11000
	ddc host w
	says "it reports DP-1 (0x0f)."
	no_record w
}

# ... once (the guest's GPU had no picture yet): the next attempt sticks.
case_reverts_once() {
	export SETTLE_MS=2000
	one_monitor revert-ms=1200 revert-times=1
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	says "Attempt 1/3: VXM-27 serial SN0001 on /dev/i2c-5 switched to HDMI-1 (0x11), then went back to DP-1 (0x0f)"
	says "Switched VXM-27 serial SN0001 on /dev/i2c-5 to HDMI-1 (0x11); it reports HDMI-1 (0x11)."
	received 5 "set 0x60 0x0011" "set 0x60 0x0011"
	input_is 5 0x11
	ddc host w
	input_is 5 0x0f
}

# LG: input changes through feature 0xf4 with values of its own; 0x60 is not supported.
case_lg_f4() {
	add_bus 5 DP-1
	add_monitor 5 model=LG-ULTRA feature=0xf4 inputs=0x90,0x91,0xd0 input=0xd0 port=0xd0
	guest_conf w Monitor=model:LG-ULTRA Feature=0xf4 HostInput=0xd0 GuestInput=0x90
	ddc guest w
	expect_rc 0
	says "Switched LG-ULTRA serial SN0001 on /dev/i2c-5 to 0x0090; it reports 0x0090."
	record_has w FEATURE=0xf4
	ddc host w
	says "to 0x00d0; it reports 0x00d0."
	received 5 "set 0xf4 0x0090" "set 0xf4 0x00d0"
	input_is 5 0xd0
	# With the default Feature=0x60 the monitor says so, and nothing moves.
	guest_conf w Monitor=model:LG-ULTRA HostInput=DP-1 GuestInput=HDMI-1
	monitor_log_clear 5
	ddc guest w
	expect_rc 0
	says "says it does not support feature 0x60 (some monitors switch inputs with a feature of their own: LG's is 0xf4"
	monitor_log 5 | grep -q '^set 0x60 0x0011 (unsupported, ignored)' || fail "0x60 was not sent"
	input_is 5 0xd0
	check_cli w
	says "[ warn ] monitor: input: the monitor says it does not support feature 0x60"
	says "-> some monitors switch with a feature of their own (many LG models: Feature=0xf4, with values of their own)"
	guest_conf w Monitor=model:LG-ULTRA Feature=0xf4 HostInput=0xd0 GuestInput=0x90
	check_cli w
	says "[  ok  ] monitor: input: now 0x00d0 (HostInput=)"
	says "[  ok  ] monitor: input: feature 0xf4 lists 0x0090, 0x0091, 0x00d0, including HostInput= and GuestInput=: the switch can work"
}

# Some LG models take 0xf4 only from source address 0x50, which libddcutil 1.4 cannot send: said so.
case_lg_source_address() {
	add_bus 5 DP-1
	add_monitor 5 model=LG-ULTRA feature=0xf4 f4-source=0x50 inputs=0x90,0xd0 input=0xd0 port=0xd0
	guest_conf w Monitor=bus:5 Feature=0xf4 HostInput=0xd0 GuestInput=0x90
	ddc guest w
	expect_rc 0
	says "still reports 0x00d0: it ignored the command (some LG models take feature 0xf4 only from the DDC/CI source address 0x50, which libddcutil 1.4 cannot send)"
	monitor_log 5 | grep -q 'feature 0xf4 only from source address 0x50' || fail "not ignored by the monitor"
	input_is 5 0xd0
}

# DDC/CI off in the monitor's menu: the EDID answers, DDC/CI does not. Fast, and never a failure.
case_no_ddc() {
	one_monitor ddc=no
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "VXM-27 serial SN0001 on /dev/i2c-5 is connected but does not answer DDC/CI (it is asleep, DDC/CI is disabled in its on-screen menu"
	within 5000
	record_has w SWITCHED=no
	ddc host w
	expect_rc 0
	says_not "many monitors take commands only over the cable"
	received 5
	no_record w
}

# A connector with nothing on it, and a monitor that is off (no EDID either).
case_no_monitor() {
	add_bus 5 DP-1
	add_bus 6 HDMI-A-1
	add_monitor 6 model=OFF present=no
	guest_conf w Monitor=bus:6 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "No display answered for Monitor=bus:6: libddcutil found no monitor on the I2C buses (is the monitor on and connected to this computer's GPU, and DDC/CI enabled in its on-screen menu?). Not switching."
	within 5000
	ddc host w
	expect_rc 0
	no_record w
}

case_no_i2c() {
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "No display answered for Monitor=bus:5: there is no I2C bus (/dev/i2c-*) at all: is the i2c-dev kernel module loaded (modprobe i2c-dev)?"
}

# Another driver holds 0x37 (I2C_SLAVE fails with EBUSY; the read()/write() path of the nvidia driver).
case_busy() {
	add_bus 5 DP-1 nvidia
	add_monitor 5 model=VXM-27 input=0x0f rdwr=einval busy=yes
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "its DDC/CI address is held by a kernel driver or another program (display busy"
	received 5
	input_is 5 0x0f
	check_cli w
	says "[ warn ] monitor: VXM-27 serial SN0001 on /dev/i2c-5: it is connected, but its DDC/CI address is held by a kernel driver or another program"
	says "-> see what holds it: lsmod | grep ddcci, fuser -v /dev/i2c-*"
}

# A hung bus: every transfer at 0x37 takes 3 s. vxm-ddc gives up at its timeout and exits 0.
case_stall() {
	one_monitor
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	monitor_set 5 stall-ms 3000
	ddc guest w --timeout=2
	expect_rc 0
	says "did not finish within 2000 ms (monitor off or not answering?); gave up so that nothing waits for it."
	within 3500
	record_has w HOST_INPUT=0x0f
	ddc host w --timeout=2
	expect_rc 0
	within 3500
	no_record w
}

# vxm-ddc killed in the middle of the switch (the record was written first): the stop switches back.
case_killed() {
	one_monitor switch-ms=0
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	monitor_set 5 stall-ms 400
	run_emulated "$VXM_DDC" guest w >"$out" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		monitor_log 5 | grep -q '^set 0x60 0x0011' && break
		sleep 0.1
	done
	monitor_log 5 | grep -q '^set 0x60 0x0011' || fail "the switch did not happen"
	# vxm-ddc and the child that talks to the monitor, as systemd kills the unit's whole cgroup
	local children
	children=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)
	# shellcheck disable=SC2086 # a list of pids
	kill -9 "$pid" $children
	wait "$pid" 2>/dev/null
	ok "vxm-ddc killed after the switch to the guest"
	input_is 5 0x11
	record_has w HOST_INPUT=0x0f
	monitor_set 5 stall-ms 0
	ddc host w
	expect_rc 0
	says "to DP-1 (0x0f); it reports DP-1 (0x0f)."
	input_is 5 0x0f
	no_record w
}

# libddcutil not installed (here: an empty file in its place): said so, the guest is not held up.
case_no_libddcutil() {
	one_monitor
	local lib
	lib=$(ldconfig -p | sed -n 's/^[[:space:]]*libddcutil\.so\.4 (libc6,x86-64) => //p' | head -n1)
	[[ -n $lib ]] || fail "libddcutil.so.4 is not installed"
	mount --bind /dev/null "$lib"
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=HDMI-1
	ddc guest w
	expect_rc 0
	says "Could not look for the display of Monitor=bus:5: cannot load libddcutil.so.4"
	says "install libddcutil4 to switch monitor inputs. Not switching."
	check_cli w
	says "[ warn ] monitor: cannot look for the monitor of Monitor=bus:5: cannot load libddcutil.so.4"
	received 5
	umount "$lib"
}

case_check() {
	one_monitor
	guest_conf w Monitor=serial:SN0001 HostInput=DP-1 GuestInput=HDMI-1
	check_cli w
	says "[  ok  ] monitor: VXM-27 serial SN0001 on /dev/i2c-5 (Monitor=edid:$(edid_sha256 5 | cut -c1-16) names it by its EDID)"
	says "[  ok  ] monitor: input: now DP-1 (0x0f) (HostInput=)"
	says "[  ok  ] monitor: input: feature 0x60 lists DP-1 (0x0f), HDMI-1 (0x11), HDMI-2 (0x12), including HostInput= and GuestInput=: the switch can work"
	monitor_log 5 | grep -q '^capabilities 0x0000' || fail "the capabilities were not read"
	received 5 # vxm check changes nothing
	input_is 5 0x0f
}

case_check_not_listed() {
	one_monitor inputs=0x0f,0x12
	guest_conf w Monitor=bus:5 HostInput=DP-1 GuestInput=USB-C
	check_cli w
	says "[ warn ] monitor: input: feature 0x60 lists DP-1 (0x0f), HDMI-2 (0x12), not GuestInput=USB-C (0x1b)"
	says "-> set GuestInput= to one of the listed values"
	received 5
}

case_check_no_display() {
	add_bus 5 DP-1
	add_monitor 5 model=OTHER
	guest_conf w Monitor=model:VXM-27 HostInput=DP-1 GuestInput=HDMI-1
	check_cli w
	says "[ warn ] monitor: no display matches Monitor=model:VXM-27; the input will not be switched"
	says "-> fix Monitor= at /etc/vxm/w.conf:3; found:"
	grep -Eq '^            bus:5 model:OTHER serial:SN0001 edid:[0-9a-f]{16}$' "$out" || fail "the display is not listed"
	ok "lists the display that is there"
	one_monitor_ddc_off() { monitor_set 5 ddc no; }
	one_monitor_ddc_off
	guest_conf w Monitor=model:OTHER HostInput=DP-1 GuestInput=HDMI-1
	check_cli w
	says "[ warn ] monitor: OTHER serial SN0001 on /dev/i2c-5: it is connected but does not answer DDC/CI"
	says "-> enable DDC/CI in the monitor's on-screen menu"
}

"case_$case_name"
echo "PASS: $case_name"
