#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark, not a test: it never fails on timing. Times vxm-generator on N guests against systemd-fstab-generator
# on N fstab entries (the goal: vxm-generator is no slower) and prints the medians and their ratio.
#
#   meson test -C BUILD --benchmark              (registered with benchmark())
#   tests/bench/bench-generator.sh BUILD/generator/vxm-generator [FSTAB_GENERATOR] [N] [RUNS]
#
# Both generators write N units' worth of files into a fresh temp dir per run (tmpfs if TMPDIR points at one), so
# the comparison includes the same kind of I/O. It exits non-zero only if a generator fails or produces the wrong
# number of units, i.e. if the numbers would be meaningless.
set -u
# vxm refuses configuration that group or others can write: what this creates must not depend on the caller's umask.
umask 022

vxm=${1:?usage: bench-generator.sh VXM_GENERATOR [FSTAB_GENERATOR] [N] [RUNS]}
fstab_gen=${2:-}
n=${3:-1000}
runs=${4:-11}
if [[ -z "$fstab_gen" ]]; then
    for f in /usr/lib/systemd/system-generators/systemd-fstab-generator \
        /lib/systemd/system-generators/systemd-fstab-generator; do
        [[ -x "$f" ]] && { fstab_gen=$f; break; }
    done
fi

# Generators write to /run/systemd/generator*, a tmpfs: measure on one too unless told otherwise (a disk-backed
# /tmp mostly measures the disk and other load).
if [[ -z "${TMPDIR:-}" && -d /dev/shm && -w /dev/shm ]]; then
    export TMPDIR=/dev/shm
fi
tmp=$(mktemp -d --tmpdir "vxm-bench.XXXXXXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# --- N guests with varied configurations in a fake root ---
root=$tmp/root
mkdir -p "$root/etc/vxm" "$root/usr/lib/vxm" "$root/run/vxm" "$root/proc"
echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet splash" >"$root/proc/cmdline"
for ((i = 0; i < n; i++)); do
    case $((i % 3)) in
        0) dir=etc/vxm ;;
        1) dir=usr/lib/vxm ;;
        2) dir=run/vxm ;;
    esac
    bus=$(printf '%02x' $((i % 250 + 1)))
    dom=$(printf '%04x' $((i / 250)))
    {
        echo "# guest $i"
        echo "[Guest]"
        echo "Description=Benchmark guest $i (${i}% of the way)"
        echo "Memory=$((4 + i % 8))G"
        echo "CPUs=$((1 + i % 16))"
        ((i % 2)) && echo "Autostart=yes"
        echo "[PCI]"
        echo "Device=$dom:$bus:00.0"
        echo "Device=$dom:$bus:00.1"
        # Every 10th guest shares a GPU with the next one: Conflicts= both ways.
        ((i % 10 == 1)) && echo "Device=$dom:$(printf '%02x' $(((i - 1) % 250 + 1))):00.0"
        if ((i % 4 == 0)); then
            echo "[TPM]"
            echo "Enable=yes"
        fi
        if ((i % 5 == 0)); then
            echo "[Memory]"
            echo "Hugepages=2M"
            echo "[LookingGlass]"
            echo "Resolution=2560x1440"
        fi
        if ((i % 7 == 0)); then
            echo "[Input]"
            echo "Keyboard=auto"
            echo "Mouse=auto"
        fi
        echo "[Storage]"
        echo "Disk=/var/lib/vxm/guest$i/disk.qcow2"
        echo "[Network]"
        echo "Mode=user"
    } >"$root/$dir/guest$i.conf"
    if ((i % 6 == 0)); then
        mkdir -p "$root/etc/vxm/guest$i.conf.d"
        printf '[Guest]\nShutdownTimeout=3min\n' >"$root/etc/vxm/guest$i.conf.d/50-timeout.conf"
    fi
done

# --- N fstab entries ---
for ((i = 0; i < n; i++)); do
    printf '/dev/disk/by-uuid/%08x-0000-4000-8000-%012x /srv/bench/disk%d ext4 defaults,noatime 0 0\n' "$i" "$i" "$i"
done >"$tmp/fstab"

now_ns() { date +%s%N; }

# run_many NAME WANT_UNITS UNIT_GLOB COMMAND... : prints the median wall time in ms; checks the unit count.
run_many() {
    local name=$1 want=$2 glob=$3
    shift 3
    local times=() out t0 t1 rc count
    for ((r = 0; r < runs; r++)); do
        out=$tmp/out-$name-$r
        mkdir "$out"
        t0=$(now_ns)
        "$@" "$out" "$out" "$out" >/dev/null 2>"$tmp/$name.log"
        rc=$?
        t1=$(now_ns)
        count=$(find "$out" -maxdepth 1 -name "$glob" | wc -l)
        rm -rf "$out"
        if [[ $rc -ne 0 || $count -ne $want ]]; then
            echo "$name: rc $rc, $count units instead of $want:" >&2
            head -5 "$tmp/$name.log" >&2
            return 1
        fi
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

echo "$n guests / $n fstab entries, median of $runs runs"
vxm_us=$(run_many vxm "$n" 'vxm-guest@*.service.d' \
    env VXM_ROOT="$root" SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=warning "$vxm") || exit 1
printf '  vxm-generator:          %8.2f ms  (%d guest drop-ins)\n' "$(echo "$vxm_us / 1000" | bc -l)" "$n"

if [[ -z "$fstab_gen" ]]; then
    echo "  systemd-fstab-generator: not found, no comparison"
    exit 0
fi
fstab_us=$(run_many fstab "$n" '*.mount' \
    env SYSTEMD_FSTAB="$tmp/fstab" SYSTEMD_PROC_CMDLINE="" SYSTEMD_IN_INITRD=0 SYSTEMD_LOG_LEVEL=warning \
    SYSTEMD_LOG_TARGET=console "$fstab_gen") || exit 1
printf '  systemd-fstab-generator: %8.2f ms  (%d .mount units)\n' "$(echo "$fstab_us / 1000" | bc -l)" "$n"
printf '  ratio vxm/fstab:         %8.2f  (goal: <= 1.00)\n' "$(echo "$vxm_us / $fstab_us" | bc -l)"
