#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The bash completion of vxm, loaded the way bash-completion loads it, on a fake root: complete -p shows it is
# registered, and each case sets COMP_WORDS/COMP_CWORD as bash does for a <TAB> and compares COMPREPLY.
# Usage: test-completion.sh COMPLETION-FILE. TAP.
set -uo pipefail
completion=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "Bail out! $bc missing (apt-get install bash-completion)"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vxm-completion-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/helpers/vfio/fake-sysfs.sh
. "$here/../vfio/fake-sysfs.sh"
fake_two_gpus "$T/root"
mkdir -p "$T/root/run/vxm" "$T/root/usr/lib/vxm"
printf '[Guest]\n' >"$T/root/etc/vxm/win.conf"
printf '[Guest]\n' >"$T/root/etc/vxm/work.conf"
printf '[Guest]\n' >"$T/root/run/vxm/linux.conf"
printf '[Guest]\n' >"$T/root/usr/lib/vxm/win.conf"
printf '[Guest]\n' >"$T/root/usr/lib/vxm/hidden.conf"
ln -s /dev/null "$T/root/etc/vxm/hidden.conf"
export VXM_ROOT=$T/root

# as bash-completion does it: the framework, then our file
# shellcheck source=/dev/null
. "$bc"
# shellcheck source=/dev/null
. "$completion"

n=0 failed=0
check() { # WANT WHAT: compare "$got" (sorted, space-separated)
	n=$((n + 1))
	if [ "$got" = "$1" ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"
		echo "#   got:  '$got'"
		echo "#   want: '$1'"
		failed=1
	fi
}
# complete_line LINE: COMPREPLY for <TAB> at the end of LINE, sorted, in $got
complete_line() {
	COMP_LINE=$1
	COMP_POINT=${#COMP_LINE}
	# bash splits at COMP_WORDBREAKS (which holds ':' and '='); _init_completion -n : joins the addresses again
	local IFS=$' \t\n'
	read -ra COMP_WORDS <<<"$(sed -E 's/([:=])/ \1 /g' <<<"$COMP_LINE")"
	[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vxm vxm "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
}

got=$(complete -p vxm)
check "complete -F _vxm vxm" "complete -p vxm: registered with _vxm"

complete_line "vxm "
check "check gpus list new show status" "vxm <TAB>: the commands"
complete_line "vxm s"
check "show status" "vxm s<TAB>"
complete_line "vxm --v"
check "--version" "vxm --v<TAB>"
complete_line "vxm status "
check "linux win work" "vxm status <TAB>: guests of every config dir, once, masked ones left out"
complete_line "vxm show w"
check "win work" "vxm show w<TAB>"
complete_line "vxm check "
check "linux win work" "vxm check <TAB>: guest names"
complete_line "vxm status win "
check "" "vxm status win <TAB>: one name only"
complete_line "vxm gpus "
check "0000:00:01.0 0000:01:00.0" "vxm gpus <TAB>: display controllers, not the audio function"
complete_line "vxm gpus 0000:00:01.0 "
check "0000:00:01.0 0000:01:00.0" "vxm gpus BDF <TAB>: more addresses"
complete_line "vxm gpus 0000:01"
# with ':' in COMP_WORDBREAKS, bash replaces only the part after the last ':' of the word
check "01:00.0" "vxm gpus 0000:01<TAB>: the rest of 0000:01:00.0"
complete_line "vxm new win --gpu "
check "0000:00:01.0 0000:01:00.0" "vxm new win --gpu <TAB>"
complete_line "vxm new win --gpu="
check "0000:00:01.0 0000:01:00.0" "vxm new win --gpu=<TAB>"
complete_line "vxm new "
check "" "vxm new <TAB>: a new name, nothing to offer"
complete_line "vxm new --"
check "--gpu --help" "vxm new --<TAB>"
complete_line "vxm list --j"
check "--json --json=" "vxm list --j<TAB>: --json and --json="
complete_line "vxm list --json="
check "pretty short" "vxm list --json=<TAB>"
complete_line "vxm frobnicate "
check "" "an unknown command: nothing"

echo "1..$n"
exit $failed
