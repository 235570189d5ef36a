# SPDX-License-Identifier: BSD-3-Clause
# The benchmark's summary from its raw figures (start-stop.tsv; awk -F'\t'): per phase and step, min/median/max of
# each method, and the ratios of the medians vxm/bare and vxm/libvirt. Works with mawk (no asort).

function sort(a, n,    i, j, v) {
	for (i = 2; i <= n; i++) {
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] > v; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
}
function stats(key,    a, n, i) {
	n = split(vals[key], a, " ")
	for (i = 1; i <= n; i++)
		a[i] += 0
	sort(a, n)
	if (n == 0)
		return ""
	med[key] = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	return sprintf("%6.3f %6.3f %6.3f", a[1], med[key], a[n])
}
function ratio(a, b) {
	return (a in med) && (b in med) && med[b] > 0 ? sprintf("%6.2f", med[a] / med[b]) : "     -"
}

$1 == "#proc" { vals["proc" SUBSEP $2] = vals["proc" SUBSEP $2] " " $3; next }
/^#/ || $1 == "cycle" {
	if ($1 == "#idle") idle = idle sprintf("  %-8s %s\n", $2, $3)
	if ($1 == "#running") running = running sprintf("  %-8s %s\n", $2, $3)
	next
}
$5 != "NA" { vals[$3 SUBSEP $4 SUBSEP $2] = vals[$3 SUBSEP $4 SUBSEP $2] " " $5; cyc[$1] = 1 }

END {
	n = 0
	for (c in cyc)
		n++
	name["start", "total"] = "start: command -> running"
	name["start", "ordered"] = "  units ordered (-> 1st unbind)"
	name["start", "bind"] = "  vfio bind"
	name["start", "to_exec"] = "  bound -> QEMU exec"
	name["start", "dispatch"] = "    vfio units up -> guest unit"
	name["start", "spawn"] = "    up, watcher in its sandbox"
	name["start", "watcher"] = "    watcher's work -> QEMU exec"
	name["start", "exec_qmp"] = "  QEMU exec -> QMP"
	name["start", "qmp_running"] = "  QMP -> running"
	name["start", "exec_running"] = "  QEMU exec -> running"
	name["start", "return"] = "  running -> command returns"
	name["stop", "total"] = "stop: command -> host drivers"
	name["stop", "quit"] = "  quit (-> QEMU exited)"
	name["stop", "to_rebind"] = "  exited -> 1st vfio unbind"
	name["stop", "down"] = "    down (guest's ExecStopPost=)"
	name["stop", "unneeded"] = "    -> vfio units stopping"
	name["stop", "holder"] = "    holder -> 1st unbind"
	name["stop", "rebind"] = "  rebind"
	name["stop", "command"] = "  (the command returned)"
	split("start total ordered bind to_exec dispatch spawn watcher exec_qmp qmp_running exec_running return " \
	      "stop total quit to_rebind down unneeded holder rebind command", order, " ")
	printf "%d cycles; seconds: min median max\n", n
	printf "%-32s %-20s  %-20s  %-20s  %8s %11s\n", "", "vxm", "bare", "libvirt", "vxm/bare", "vxm/libvirt"
	phase = ""
	for (i = 1; i in order; i++) {
		if (order[i] == "start" || order[i] == "stop") {
			phase = order[i]
			continue
		}
		s = order[i]
		v = stats(phase SUBSEP s SUBSEP "vxm")
		b = stats(phase SUBSEP s SUBSEP "bare")
		l = stats(phase SUBSEP s SUBSEP "libvirt")
		if (v == "" && b == "" && l == "")
			continue
		printf "%-32s %-20s  %-20s  %-20s  %8s %11s\n", name[phase, s], v == "" ? "-" : v, b == "" ? "-" : b,
		       l == "" ? "-" : l, ratio(phase SUBSEP s SUBSEP "vxm", phase SUBSEP s SUBSEP "bare"),
		       ratio(phase SUBSEP s SUBSEP "vxm", phase SUBSEP s SUBSEP "libvirt")
	}
	p = stats("proc" SUBSEP "plain")
	q = stats("proc" SUBSEP "sandboxed")
	if (p != "")
		printf "one process by systemd (systemd-run --wait /bin/true):\n  %-30s %s\n  %-30s %s  %6.2fx\n",
		       "plain", p, "in vxm-vfio@'s sandbox", q, med["proc" SUBSEP "sandboxed"] / med["proc" SUBSEP "plain"]
	if (running != "")
		printf "resident besides QEMU while the guest runs:\n%s", running
	if (idle != "")
		printf "resident while no guest runs:\n%s", idle
}
