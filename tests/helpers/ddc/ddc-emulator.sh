# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The machine around the emulated monitors (i2c-monitor.c), for the real libddcutil: sourced by the DDC tests.
#
# emulator_enter "$0" "$@"   re-executes the test in a private mount namespace (as root, or as a mapped root in a
#                            user namespace) with tmpfs over /sys and /dev, so what libddcutil and libudev read there
#                            is this file's fake machine and nothing of the host's (the host's /dev/i2c-*, its DRM
#                            connectors and monitors are out of sight, and nothing is changed on the host).
# add_bus N CONNECTOR [DRIVER] an I2C adapter i2c-N: /dev/i2c-N, /sys/class/i2c-dev/i2c-N, /sys/bus/i2c/devices/i2c-N,
#                            under the DRM connector cardX-CONNECTOR (e.g. card0-DP-1) of a GPU driven by DRIVER
#                            (i915, amdgpu, nvidia...); no monitor yet (every transfer is a NACK)
# add_monitor N KEY=VALUE... a monitor on bus N (keys: i2c-monitor.c), with its EDID in sysfs
# monitor_get N KEY          a value of the monitor's state, time-based changes (auto scan) applied
# monitor_log N              what the monitor received, one message per line
# edid_sha256 N              the SHA-256 of the monitor's EDID, as a user computes it from sysfs
# Needs: VXM_I2C_MONITOR (the shim, i2c-monitor.so). Sets VXM_I2C_MONITOR_DIR; run_emulated CMD... runs CMD with the
# shim preloaded (after $PRELOAD_FIRST, the ASan runtime in sanitizer builds).

emulator_enter() {
	if [[ ${VXM_DDC_EMULATOR_INNER:-} != 1 ]]; then
		local userns=()
		[[ $(id -u) = 0 ]] || userns=(--user --map-root-user)
		VXM_DDC_EMULATOR_INNER=1 exec unshare "${userns[@]}" --mount --propagation private "$@"
	fi
	EMU=$(mktemp -d "${TMPDIR:-/tmp}/vxm-ddc-emu.XXXXXX")
	mkdir -p "$EMU/monitors"
	mount -t tmpfs -o mode=0755 vxm-fake-sys /sys
	# The new /dev is assembled aside (with the few host nodes a shell needs bound in while the host's /dev is still
	# in sight), then moved over /dev: no bind mount of a whole directory of the host ever exists in this namespace,
	# so nothing that cleans up can reach into the host's /dev.
	local stage n
	stage=$(mktemp -d /tmp/vxm-ddc-dev.XXXXXX)
	mount -t tmpfs -o mode=0755 vxm-fake-dev "$stage"
	for n in null zero full random urandom tty; do
		: >"$stage/$n"
		mount --bind "/dev/$n" "$stage/$n"
	done
	mkdir "$stage/shm" "$stage/pts"
	ln -s /proc/self/fd "$stage/fd"
	mount --move "$stage" /dev
	rmdir "$stage"
	mkdir -p /sys/class/i2c-dev /sys/bus/i2c/devices /sys/class/drm /sys/module/i2c_dev
	export VXM_I2C_MONITOR_DIR=$EMU/monitors
	# libddcutil reads its own configuration from the user's home: not the host's.
	export HOME=$EMU/home XDG_CONFIG_HOME=$EMU/home/.config XDG_CACHE_HOME=$EMU/home/.cache
	mkdir -p "$XDG_CONFIG_HOME"
}

emulator_cleanup() {
	# Plain files only (the mounts above are not under it); --one-file-system in any case.
	[[ -n ${EMU:-} ]] && rm -rf --one-file-system "$EMU"
}

add_bus() {
	local n=$1 connector=$2 driver=${3:-i915} card pci
	# One GPU per driver, laid out as the kernel does: the PCI device, its DRM card, the card's connectors, and the
	# connector's DDC adapter (as for DisplayPort AUX channels).
	case $driver in
	i915) card=card0 pci=0000:00:02.0 ;;
	nvidia) card=card1 pci=0000:01:00.0 ;;
	*) card=card2 pci=0000:03:00.0 ;;
	esac
	local dev=/sys/devices/pci0000:00/$pci
	local conn=$dev/drm/$card/$card-$connector
	local adapter=$conn/i2c-$n
	mkdir -p "$adapter/i2c-dev/i2c-$n" "/sys/bus/pci/drivers/$driver" "/sys/module/$driver"
	if [[ ! -e $dev/driver ]]; then
		ln -s "../../../bus/pci/drivers/$driver" "$dev/driver"
		ln -s "../../../../module/$driver" "/sys/bus/pci/drivers/$driver/module"
		ln -s "../../../$pci" "$dev/drm/$card/device"
		ln -s "../../devices/pci0000:00/$pci/drm/$card" "/sys/class/drm/$card"
	fi
	ln -s "../../devices/pci0000:00/$pci/drm/$card/$card-$connector" "/sys/class/drm/$card-$connector"
	ln -s ../../$card "$conn/device"
	echo disconnected >"$conn/status"
	echo disabled >"$conn/enabled"
	: >"$conn/edid"
	# The adapter: named as the driver names its DDC buses (libddcutil skips SMBus-like names).
	printf '%s\n' "$driver DDC $connector" >"$adapter/name"
	: >"$adapter/uevent"
	ln -s "../../$card-$connector" "$adapter/device"
	ln -s ../../../../../../../bus/i2c "$adapter/subsystem"
	ln -s "../../../devices/pci0000:00/$pci/drm/$card/$card-$connector/i2c-$n" "/sys/bus/i2c/devices/i2c-$n"
	# The i2c-dev class device: what libudev enumerates.
	local cls=$adapter/i2c-dev/i2c-$n
	printf '%s\n' "$driver DDC $connector" >"$cls/name"
	printf 'MAJOR=89\nMINOR=%s\nDEVNAME=i2c-%s\n' "$n" "$n" >"$cls/uevent"
	echo "89:$n" >"$cls/dev"
	ln -s ../../../../../../../../../class/i2c-dev "$cls/subsystem"
	ln -s "../../devices/pci0000:00/$pci/drm/$card/$card-$connector/i2c-$n/i2c-dev/i2c-$n" "/sys/class/i2c-dev/i2c-$n"
	: >"/dev/i2c-$n"
}

add_monitor() {
	local n=$1
	shift
	printf '%s\n' "$@" >"$VXM_I2C_MONITOR_DIR/i2c-$n"
	: >"$VXM_I2C_MONITOR_DIR/i2c-$n.log"
	local conn
	conn=$(readlink -f "/sys/bus/i2c/devices/i2c-$n/..")
	echo connected >"$conn/status"
	echo enabled >"$conn/enabled"
	# The kernel's copy of the EDID, read through the shim like any other client would.
	run_emulated "$EDID_TOOL" "$n" >"$conn/edid"
}

monitor_get() {
	local n=$1 key=$2 v at to
	v=$(sed -n "s/^$key=//p" "$VXM_I2C_MONITOR_DIR/i2c-$n")
	if [[ $key = input ]]; then
		at=$(sed -n 's/^revert-at=//p' "$VXM_I2C_MONITOR_DIR/i2c-$n")
		to=$(sed -n 's/^revert-to=//p' "$VXM_I2C_MONITOR_DIR/i2c-$n")
		if [[ -n $at && $at != 0 && $at -le $(($(date +%s%N) / 1000000)) ]]; then
			v=$to
		fi
	fi
	printf '%s\n' "$v"
}

monitor_set() {
	local n=$1 key=$2 value=$3 f=$VXM_I2C_MONITOR_DIR/i2c-$1
	if grep -q "^$key=" "$f"; then
		sed -i "s|^$key=.*|$key=$value|" "$f"
	else
		printf '%s=%s\n' "$key" "$value" >>"$f"
	fi
}

monitor_log() {
	cat "$VXM_I2C_MONITOR_DIR/i2c-$1.log"
}

monitor_log_clear() {
	: >"$VXM_I2C_MONITOR_DIR/i2c-$1.log"
}

edid_sha256() {
	local conn
	conn=$(readlink -f "/sys/bus/i2c/devices/i2c-$1/..")
	head -c 128 "$conn/edid" | sha256sum | cut -d' ' -f1
}

run_emulated() {
	LD_PRELOAD=${PRELOAD_FIRST:+$PRELOAD_FIRST:}$VXM_I2C_MONITOR "$@"
}
