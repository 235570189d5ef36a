#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The front door for people and scripts: vxm list, status, show and gpus (text, colours, --json parsed back), vxm new
# (the file it writes, its refusals, and vxm check passing on it), vxm --version. Against the fake sysfs of the
# vxm-vfio tests; unit states come from no D-Bus at all (DBUS_SYSTEM_BUS_ADDRESS points nowhere), so they are
# "unknown" and null. One case per invocation (test-cli.sh CASE); "list" prints the cases.
# Environment: VXM_CLI, VXM_VERSION, VXM_GENERATOR.
set -euo pipefail
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/vfio/fake-sysfs.sh
. "$here/../vfio/fake-sysfs.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/vxm-cli-test.XXXXXX")
R=$T/root
trap 'rm -rf "$T"' EXIT
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent NO_COLOR='' TERM=xterm

fail() {
	printf 'FAIL: %s\n' "$*"
	echo "--- stdout:"
	cat "$T/out"
	echo "--- stderr:"
	cat "$T/err"
	exit 1
}
ok() { printf 'ok: %s\n' "$*"; }

# vxm ARGS...: stdout in $T/out, stderr in $T/err, exit status in $rc
vxm() {
	rc=0
	VXM_ROOT=$R "$VXM_CLI" "$@" >"$T/out" 2>"$T/err" || rc=$?
}
# on_tty ARGS...: the same with stdout on a terminal (script(1)); output in $T/out
on_tty() {
	rc=0
	local cmd
	cmd=$(printf '%q ' env VXM_ROOT="$R" "$VXM_CLI" "$@")
	script -qec "$cmd" /dev/null >"$T/out" 2>"$T/err" </dev/null || rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit status $rc, expected $1"; ok "exit status $1"; }
expect_out() { grep -Eq -- "$1" "$T/out" || fail "stdout lacks /$1/"; ok "says /$1/"; }
expect_not_out() { ! grep -Eq -- "$1" "$T/out" || fail "stdout has /$1/"; ok "does not say /$1/"; }
expect_err() { grep -Eq -- "$1" "$T/err" || fail "stderr lacks /$1/"; ok "stderr says /$1/"; }
# json PYTHON: runs PYTHON with d = the JSON on stdout (which must be exactly one JSON value)
json() {
	python3 - "$T/out" "$1" <<'PY' || fail "JSON check failed: $1"
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
PY
	ok "JSON: $1"
}

# The host of vxm check's tests (tests/helpers/check/fake-host.sh: the VM suite's machine with KVM, QEMU, swtpm,
# Debian's firmware descriptors, a /proc with 32 GiB and the IOMMU on), with 16 CPUs.
# shellcheck source=tests/helpers/check/fake-host.sh
. "$here/../check/fake-host.sh"
healthy_host() {
	healthy_host_only
	mkdir -p "$R/sys/devices/system/cpu"
	echo 0-15 >"$R/sys/devices/system/cpu/online"
}

# monitor BDF CARD CONNECTOR STATUS WIDTH HEIGHT: a DRM connector of BDF with an EDID whose preferred (detailed)
# timing is WIDTHxHEIGHT, as the kernel lays it out (/sys/class/drm/CONNECTOR -> ../../devices/.../BDF/drm/CARD/...)
monitor() {
	local dir=$R/sys/devices/pci0000:00/$1/drm/$2/$3
	mkdir -p "$dir"
	echo "$4" >"$dir/status"
	python3 - "$dir/edid" "$5" "$6" <<'PY'
import sys
w, h = int(sys.argv[2]), int(sys.argv[3])
e = bytearray(128)
e[0:8] = b"\x00\xff\xff\xff\xff\xff\xff\x00"
e[18:20] = b"\x01\x04"
e[38:54] = b"\x01" * 16
d = bytearray(18)
d[0:2] = b"\x01\x1d"
d[2], d[4] = w & 0xff, (w >> 8) << 4
d[5], d[7] = h & 0xff, (h >> 8) << 4
e[54:72] = d
for off in (72, 90, 108):
    e[off + 3] = 0x10
e[127] = (256 - sum(e[:127]) % 256) % 256
open(sys.argv[1], "wb").write(e)
PY
	ln -s "../../devices/pci0000:00/$1/drm/$2/$3" "$R/sys/class/drm/$3"
}

# ---- cases ----

case_version() {
	vxm --version
	expect_rc 0
	[ "$(cat "$T/out")" = "vxm $VXM_VERSION" ] || fail "vxm --version says '$(cat "$T/out")', not 'vxm $VXM_VERSION'"
	ok "vxm --version = vxm $VXM_VERSION (the package version: tests/package checks debian/changelog against it)"
}

case_list_empty() {
	fake_init "$R"
	vxm list
	expect_rc 0
	expect_out "^No guests: there is no NAME.conf in /etc/vxm, /run/vxm or /usr/lib/vxm\.$"
	expect_out "vxm new NAME"
	vxm status
	expect_rc 0
	expect_out "^No guests: there is no NAME.conf in /etc/vxm, /run/vxm or /usr/lib/vxm\.$"
	vxm list --json
	expect_rc 0
	json 'assert d == {"version": 1, "config_dirs": ["/etc/vxm", "/run/vxm", "/usr/lib/vxm"], "guests": []}, d
assert list(d) == ["version", "config_dirs", "guests"], list(d)'
	vxm status --json
	json 'assert d == {"version": 1, "guests": []}, d'
}

case_list_guests() {
	fake_two_gpus "$R"
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	printf '[Guest]\nDescription=Linux desktop\nAutostart=yes\n' >"$R/etc/vxm/linux.conf"
	mkdir -p "$R/etc/vxm/linux.conf.d" "$R/usr/lib/vxm"
	printf '[Guest]\nCPUs=4\n' >"$R/etc/vxm/linux.conf.d/cpus.conf"
	printf '[Guest]\nCPUs=lots\n' >"$R/usr/lib/vxm/bad.conf"
	printf '[Guest]\n' >"$R/usr/lib/vxm/hidden.conf"
	ln -s /dev/null "$R/etc/vxm/hidden.conf"
	vxm list
	expect_rc 1
	expect_out "^NAME +STATE +AUTOSTART +DESCRIPTION$"
	expect_out "^bad +- +- +invalid configuration \(errors above\)$"
	expect_out "^linux +- +yes +Linux desktop$"
	expect_out "^win +- +no +vxm guest win$"
	expect_not_out "hidden"
	expect_err "/usr/lib/vxm/bad.conf:2: CPUs=lots: not a number"
	expect_err "Cannot reach systemd over D-Bus"
	vxm list --json
	expect_rc 1
	json 'g = {x["name"]: x for x in d["guests"]}
assert list(g) == ["bad", "linux", "win"], list(g)
assert g["bad"]["valid"] is False and g["bad"]["path"] is None and g["bad"]["autostart"] is None
assert g["bad"]["errors"] == ["/usr/lib/vxm/bad.conf:2: CPUs=lots: not a number"], g["bad"]["errors"]
assert g["linux"] == {"name": "linux", "valid": True, "description": "Linux desktop", "path": "/etc/vxm/linux.conf",
    "dropins": ["/etc/vxm/linux.conf.d/cpus.conf"], "autostart": True, "state": None, "errors": [],
    "warnings": []}, g["linux"]
assert g["win"]["state"] is None and g["win"]["autostart"] is False'
	vxm list extra
	expect_rc 2
	vxm list --json=yaml
	expect_rc 2
	expect_err 'the mode is "pretty" or "short"'
	[ ! -s "$T/out" ] || fail "a usage error printed on stdout"
	ok "usage errors print nothing on stdout"
}

case_json_modes() {
	fake_two_gpus "$R"
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	vxm list --json=short
	[ "$(wc -l <"$T/out")" = 1 ] || fail "--json=short is not one line"
	ok "--json=short: one line"
	json 'assert d["guests"][0]["name"] == "win"'
	vxm list --json=pretty
	[ "$(wc -l <"$T/out")" -gt 10 ] || fail "--json=pretty is not indented"
	expect_out '^  "guests": \[$'
	json 'assert d["guests"][0]["name"] == "win"'
	vxm list --json
	[ "$(wc -l <"$T/out")" = 1 ] || fail "--json into a pipe is not one line"
	ok "--json into a pipe: short"
	on_tty list --json
	[ "$(tr -d '\r' <"$T/out" | wc -l)" -gt 10 ] || fail "--json on a terminal is not pretty"
	ok "--json on a terminal: pretty"
}

case_status() {
	healthy_host
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	printf '[LookingGlass]\nResolution=1920x1080\n[TPM]\nEnable=yes\n' >>"$R/etc/vxm/win.conf"
	mkdir -p "$R/run/vxm/.state/vfio" "$R/run/vxm/.state/lookingglass"
	printf '# what this is\nVERSION=1\nBOUND_BY_VXM=yes\nDRIVER=bochs-drm\n' >"$R/run/vxm/.state/vfio/0000:01:00.0"
	printf 'PATH=/dev/shm/looking-glass\nSIZE=33554432\n' >"$R/run/vxm/.state/lookingglass/win"
	vxm status win
	expect_rc 0
	expect_out "^win - vxm guest win$"
	expect_out "^  state: +unknown$"
	expect_out "^  vxm-guest@win.service +unknown +QEMU$"
	expect_out "^  vxm-vfio@0000:01:00.1.service +unknown +VFIO binding$"
	expect_out "^  vxm-lookingglass@win.service +unknown +Looking Glass shared memory$"
	expect_out "^  vxm-swtpm@win.service +unknown +TPM emulator$"
	expect_out "^    /run/vxm/.state/vfio/0000:01:00.0: VERSION=1 BOUND_BY_VXM=yes DRIVER=bochs-drm$"
	vxm status --json win
	expect_rc 0
	json 'assert list(d) == ["version", "guests"] and d["version"] == 1
assert len(d["guests"]) == 1
g = d["guests"][0]
assert g["name"] == "win" and g["valid"] and g["state"] is None
assert [(u["unit"], u["role"], u["state"]) for u in g["units"]] == [
    ("vxm-guest@win.service", "QEMU", None),
    ("vxm-vfio@0000:01:00.0.service", "VFIO binding", None),
    ("vxm-vfio@0000:01:00.1.service", "VFIO binding", None),
    ("vxm-lookingglass@win.service", "Looking Glass shared memory", None),
    ("vxm-swtpm@win.service", "TPM emulator", None)], g["units"]
assert g["records"] == [
    {"path": "/run/vxm/.state/vfio/0000:01:00.0", "entries": {"VERSION": "1", "BOUND_BY_VXM": "yes", "DRIVER": "bochs-drm"}, "error": None},
    {"path": "/run/vxm/.state/lookingglass/win", "entries": {"PATH": "/dev/shm/looking-glass", "SIZE": "33554432"}, "error": None}], g["records"]'
	# a damaged record is shown as such, not skipped
	printf 'no equals sign\n' >"$R/run/vxm/.state/lookingglass/win"
	vxm status --json win
	json 'r = d["guests"][0]["records"][1]
assert r["path"] == "/run/vxm/.state/lookingglass/win" and r["error"] and r["entries"] == {}, r'
	vxm status nosuch
	expect_rc 1
	expect_err 'No guest named "nosuch" \(no nosuch.conf in /etc/vxm, /run/vxm or /usr/lib/vxm\)'
	vxm status a b
	expect_rc 2
}

case_show() {
	healthy_host
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	printf 'Description=it'"'"'s mine\n' >"$R/etc/vxm/win.conf.tmp"
	vxm show win
	expect_rc 0
	expect_out "^qemu-system-x86_64 \\\\$"
	expect_out "^    -machine q35,[^ ]+ \\\\$"
	expect_out "^    -nodefaults \\\\$"
	expect_out "^    -device vfio-pci,host=0000:01:00.0,[^ ]+ \\\\$"
	cp "$T/out" "$T/text"
	vxm show --json win
	expect_rc 0
	# The text, read by a shell, is exactly the argv in the JSON.
	python3 - "$T/text" "$T/out" <<'PY' || fail "vxm show and vxm show --json disagree"
import json, shlex, sys
text = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2]))
assert list(d) == ["version", "name", "argv"] and d["version"] == 1, list(d)
assert d["name"] == "win"
assert shlex.split(text.replace("\\\n", " ")) == d["argv"], (shlex.split(text), d["argv"])
assert d["argv"][0] == "qemu-system-x86_64" and "-machine" in d["argv"]
PY
	ok "the text read by a shell = the JSON argv"
	# one line per option: every line but the first starts with an option
	tail -n +2 "$T/text" | grep -Ev '^    -[a-z]' && fail "a line without an option"
	ok "one option (and its value) per line"
	vxm show
	expect_rc 2
	vxm show --json nosuch
	expect_rc 1
	[ ! -s "$T/out" ] || fail "an error printed on stdout"
	ok "nothing on stdout for a missing guest"
}

case_gpus_table() {
	fake_two_gpus "$R"
	# a GPU with a long name, on NUMA node 1, and a foreign USB controller in the guest GPU's group
	fake_device 0000:41:00.0 0x030000 0x1002 0x73bf 7 amdgpu 0
	echo 1 >"$R/sys/devices/pci0000:00/0000:41:00.0/numa_node"
	vxm gpus
	expect_rc 0
	expect_out "^ADDRESS +NAME +DRIVER +GROUP +NODE +BOOT-VGA +PASSTHROUGH$"
	expect_out "^0000:00:01.0 +Device 1234:1111 +bochs-drm +0 +- +yes +no$"
	expect_out "^0000:01:00.0 +Device 1234:1111 +bochs-drm +1 +- +no +yes$"
	expect_out "^0000:41:00.0 +Advanced Micro Devices, Inc\. \[AMD/AT\.\.\. +amdgpu +7 +1 +no +yes$"
	expect_out "^0000:00:01.0 cannot be passed through:$"
	expect_out "^  - it is the boot VGA device that shows the host's console$"
	expect_out "^0000:01:00.0 can be passed through, with all of IOMMU group 1:$"
	expect_out "^    0000:01:00.1  Audio device +snd_hda_intel +Intel Corporation 82801I"
	expect_out "^  In the guest's \[PCI\] section: Device=0000:01:00.0 Device=0000:01:00.1$"
	expect_out "^  or: vxm new NAME --gpu 0000:01:00.0$"
	awk 'length($0) > 100 { print "line " NR " has " length($0) " columns: " $0; bad = 1 } END { exit bad }' "$T/out" ||
		fail "a line is wider than 100 columns"
	ok "every line fits 100 columns"
	grep -q ' $' "$T/out" && fail "a line ends in spaces"
	ok "no trailing spaces"

	vxm gpus 1:0.0
	expect_rc 0
	expect_out "^0000:01:00.0 "
	expect_not_out "^0000:00:01.0 "
	expect_not_out "^0000:41:00.0 "
	vxm gpus --json 0000:41:00.0
	json 'assert list(d) == ["version", "iommu", "gpus"] and d["version"] == 1
assert [g["address"] for g in d["gpus"]] == ["0000:41:00.0"]
assert d["gpus"][0]["numa_node"] == 1 and d["gpus"][0]["iommu_group"] == 7'
	vxm gpus 0000:01:00.1
	expect_rc 1
	expect_err "0000:01:00.1 is not a display controller: Audio device \(class 0x040300\)"
	vxm gpus 0000:09:00.0
	expect_rc 1
	expect_err "0000:09:00.0: no such PCI device"
	vxm gpus zz
	expect_rc 1
	expect_err '"zz" is not a PCI address'
}

case_colors() {
	fake_two_gpus "$R"
	fake_guest win nobody 0000:01:00.0 0000:01:00.1
	printf '[Guest]\nCPUs=lots\n' >"$R/etc/vxm/bad.conf"
	esc=$'\e\['
	vxm gpus
	expect_not_out "$esc"
	on_tty gpus
	expect_out "${esc}0;1;32myes${esc}0m"
	expect_out "${esc}0;1;31mno${esc}0m"
	on_tty list
	expect_out "${esc}0;1;31minvalid configuration"
	NO_COLOR=1 on_tty gpus
	expect_out "PASSTHROUGH"
	expect_not_out "$esc"
	TERM=dumb on_tty gpus
	expect_not_out "$esc"
	ok "colours only on a terminal, not with NO_COLOR or TERM=dumb"
}

# vxm new on the healthy host: the file, what it is sized from, and vxm check on it.
case_new() {
	healthy_host
	monitor 0000:01:00.0 card1 card1-DP-1 connected 2560 1440
	monitor 0000:01:00.0 card1 card1-HDMI-A-1 disconnected 3840 2160
	monitor 0000:00:01.0 card0 card0-Virtual-1 connected 3840 2400
	SUDO_USER=alice vxm new win --gpu 01:00.0
	expect_rc 0
	expect_out "^Wrote /etc/vxm/win.conf: the GPU at 0000:01:00.0 and 1 more device of its IOMMU group, Memory=15G, CPUs=12, Looking Glass for 2560x1440 \(card1-DP-1\)\.$"
	expect_out "^Next: systemctl daemon-reload, vxm check win, then systemctl start vxm-guest@win$"
	f=$R/etc/vxm/win.conf
	cp "$f" "$T/out"
	cat "$f"
	expect_out "^Device=0000:01:00.0$"
	expect_out "^Device=0000:01:00.1$"
	expect_out "^# 0000:01:00.1: Intel Corporation 82801I .*\(Audio device\)$"
	expect_out "^Memory=15G$"
	expect_out "^CPUs=12$"
	expect_out "^Resolution=2560x1440$"
	expect_out "^#Viewer=alice$"
	expect_out "^SecureBoot=yes$"
	expect_out "^Enable=yes$"
	expect_out "^Autostart=no$"
	[ "$(stat -c '%a %U' "$f")" = "644 $(id -un)" ] || fail "mode/owner $(stat -c '%a %U' "$f")"
	ok "0644, owned by the user that ran it"
	[ -z "$(find "$R/etc/vxm" -name '.*')" ] || fail "a temp file was left: $(find "$R/etc/vxm" -name '.*')"
	ok "no temp file left"

	# vxm check passes on it, once the generator has run (systemctl daemon-reload, as vxm new says). The build host
	# has no vxm user (the package is not installed here): the guest runs as nobody.
	mkdir -p "$R/etc/vxm/win.conf.d"
	printf '[Guest]\nUser=nobody\n' >"$R/etc/vxm/win.conf.d/user.conf"
	generate
	vxm check win
	cat "$T/out"
	expect_rc 0
	vxm check --json win
	json 'assert d["summary"]["fail"] == 0, [f for f in d["findings"] if f["verdict"] == "fail"]'
	expect_not_out '"verdict":"fail"' 
	vxm show win
	expect_rc 0

	# never replaced
	sha=$(sha256sum "$f")
	vxm new win --gpu 01:00.0
	expect_rc 1
	expect_err "Guest win already exists: /etc/vxm/win.conf\. vxm new does not replace it"
	[ "$(sha256sum "$f")" = "$sha" ] || fail "win.conf changed"
	ok "win.conf unchanged"
	# nor shadows a vendor guest, nor a masked one
	mkdir -p "$R/usr/lib/vxm"
	printf '[Guest]\n' >"$R/usr/lib/vxm/vendor.conf"
	vxm new vendor --gpu 01:00.0
	expect_rc 1
	expect_err "Guest vendor already exists: /usr/lib/vxm/vendor.conf"
	ln -s /dev/null "$R/etc/vxm/masked.conf"
	vxm new masked --gpu 01:00.0
	expect_rc 1
	[ ! -e "$R/etc/vxm/vendor.conf" ] || fail "vendor.conf written"
	ok "nothing written"
}

# What the host lacks stays off, commented: no Secure Boot firmware, no swtpm, no monitor; a small host. Without
# --gpu, the one GPU that can be passed through is taken.
case_new_features() {
	healthy_host
	rm "$R"/usr/share/qemu/firmware/[45]*.json "$R/usr/bin/swtpm" "$R/usr/bin/swtpm_setup"
	echo 0-1 >"$R/sys/devices/system/cpu/online"
	printf 'MemTotal:        3000000 kB\n' >"$R/proc/meminfo"
	vxm new desk
	expect_rc 0
	cp "$R/etc/vxm/desk.conf" "$T/out"
	expect_out "^Device=0000:01:00.0$"
	expect_out "^SecureBoot=no$"
	expect_out "^#Enable=yes$"
	expect_out "^Memory=1G$"
	expect_out "^CPUs=1$"
	expect_out "^#Resolution=1920x1080$"
	mkdir -p "$R/etc/vxm/desk.conf.d"
	printf '[Guest]\nUser=nobody\n' >"$R/etc/vxm/desk.conf.d/user.conf"
	vxm show desk
	expect_rc 0
	expect_out "OVMF_CODE_4M.fd"
	expect_not_out "secboot|\\.ms\\.fd"
	ok "the firmware vxm-guest picks is the one without Secure Boot"
}

case_new_refused() {
	healthy_host
	vxm new win --gpu 0000:00:01.0
	expect_rc 1
	expect_err "0000:00:01.0 cannot be passed through: it is the boot VGA device"
	vxm new win --gpu 0000:01:00.1
	expect_rc 1
	expect_err "0000:01:00.1 is not a display controller but Audio device"
	vxm new win --gpu 0000:07:00.0
	expect_rc 1
	expect_err "no such PCI device"
	vxm new win --gpu x
	expect_rc 1
	vxm new bad@name
	expect_rc 2
	expect_err 'Invalid guest name "bad@name"'
	vxm new
	expect_rc 2
	# two usable GPUs: --gpu is needed
	fake_device 0000:41:00.0 0x030000 0x1002 0x73bf 7 amdgpu 0
	vxm new win
	expect_rc 1
	expect_err "Several GPUs can be passed through \(0000:01:00.0, 0000:41:00.0\): choose one with --gpu"
	# the IOMMU off: no groups to go by
	rm -rf "$R/sys/kernel/iommu_groups"/*
	vxm new win --gpu 01:00.0
	expect_rc 1
	expect_err "The IOMMU is off"
	[ -z "$(ls -A "$R/etc/vxm")" ] || fail "something was written: $(ls -A "$R/etc/vxm")"
	ok "nothing written by any refusal"
}

# A device of another slot in the GPU's group goes along (vxm-vfio demands the whole group), commented, with a
# warning; vxm check passes on the result.
case_new_foreign() {
	healthy_host
	fake_device 0000:00:14.0 0x0c0330 0x8086 0x7ae0 1 xhci_hcd
	vxm new win --gpu 01:00.0
	expect_rc 0
	expect_err "0000:00:14.0 is in the GPU's IOMMU group, so the guest takes it too"
	cp "$R/etc/vxm/win.conf" "$T/out"
	expect_out "^Device=0000:00:14.0$"
	expect_out "^# 0000:00:14.0: .*not part of the card: the host loses it while the guest runs$"
	mkdir -p "$R/etc/vxm/win.conf.d"
	printf '[Guest]\nUser=nobody\n' >"$R/etc/vxm/win.conf.d/user.conf"
	generate
	vxm check win
	expect_rc 0
}

# Every endpoint of the group is listed, also one that no host driver holds (here the audio function, already on
# vfio-pci, and an idle device in another slot): "every function of its IOMMU group", not only the busy ones.
case_new_idle_members() {
	healthy_host
	rm "$R/sys/devices/pci0000:00/0000:01:00.1/driver" "$R/sys/bus/pci/drivers/snd_hda_intel/0000:01:00.1"
	fake_bound 0000:01:00.1 vfio-pci
	fake_device 0000:00:1f.0 0x0c0500 0x8086 0x7a23 1 -
	vxm new win --gpu 01:00.0
	expect_rc 0
	expect_out "and 2 more devices of its IOMMU group"
	cp "$R/etc/vxm/win.conf" "$T/out"
	expect_out "^Device=0000:01:00.1$"
	expect_out "^Device=0000:00:1f.0$"
	expect_out "^# 0000:00:1f.0: .*, not part of the card$"
	[ "$(grep -c '^Device=' "$T/out")" = 3 ] || fail "not 3 Device= lines"
	ok "3 Device= lines, no bridge"
}

cases=$(declare -F | sed -n 's/^declare -f case_//p')
if [ "${1:-}" = list ] || [ $# -eq 0 ]; then
	echo "$cases"
	exit 0
fi
: "${VXM_CLI:?}" "${VXM_VERSION:?}" "${VXM_GENERATOR:?}"
grep -qx -- "$1" <<<"$cases" || { echo "unknown case '$1'; cases: ${cases//$'\n'/ }" >&2; exit 2; }
"case_$1"
echo "PASS: $1"
