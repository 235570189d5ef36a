# SPDX-License-Identifier: BSD-3-Clause
# bash completion for vxm(1): commands, options, guest names (from the configuration directories, in their
# precedence, masked guests left out) and the PCI addresses of display controllers. Like vxm, it honours $VXM_ROOT.
# shellcheck shell=bash
# COMPREPLY=($(compgen ...)) is the completion idiom: compgen's words have no spaces.
# shellcheck disable=SC2207

# The guests: NAME.conf in /etc/vxm, /run/vxm, /usr/lib/vxm; the first of each name counts, a link to /dev/null
# masks it.
_vxm_guests() {
	local root=${VXM_ROOT%/} dir f name
	local -A seen=()
	for dir in /etc/vxm /run/vxm /usr/lib/vxm; do
		for f in "$root$dir"/*.conf; do
			[[ -e $f || -L $f ]] || continue
			name=${f##*/}
			name=${name%.conf}
			[[ -n ${seen[$name]-} ]] && continue
			seen[$name]=1
			[[ -L $f && $(readlink "$f") == /dev/null ]] && continue
			printf '%s\n' "$name"
		done
	done
}

# Display controllers (PCI class 0x03xxxx), as vxm gpus lists them.
_vxm_gpus() {
	local root=${VXM_ROOT%/} dev class
	for dev in "$root"/sys/bus/pci/devices/*; do
		[[ -r $dev/class ]] || continue
		read -r class <"$dev/class" || continue
		[[ $class == 0x03* ]] && printf '%s\n' "${dev##*/}"
	done
}

_vxm() {
	local cur prev words cword split
	_init_completion -s -n : || return

	local commands='list status check gpus show new'
	local command='' i
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} != -* ]]; then
			command=${words[i]}
			break
		fi
	done

	if [[ $prev == --gpu ]]; then
		COMPREPLY=($(compgen -W "$(_vxm_gpus)" -- "$cur"))
		__ltrim_colon_completions "$cur"
		return
	fi
	if [[ $prev == --json ]] && $split; then
		COMPREPLY=($(compgen -W 'pretty short' -- "$cur"))
		return
	fi
	$split && return

	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local options='--help' args=
	case $command in
	list) options+=' --json' ;;
	status | check | show) options+=' --json' args=$(_vxm_guests) ;;
	gpus) options+=' --json' args=$(_vxm_gpus) ;;
	new) options+=' --gpu' ;;
	*) return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
		if [[ ${COMPREPLY[*]} == --json ]]; then
			COMPREPLY=(--json --json=) # --json alone, or --json=MODE: no space after either
			compopt -o nospace 2>/dev/null
		fi
		return
	fi
	# status, check, show and new take one name; gpus any number of addresses.
	if [[ $command != gpus ]]; then
		for ((i = i + 1; i < cword; i++)); do
			[[ ${words[i]} != -* && ${words[i - 1]} != --gpu ]] && return
		done
	fi
	COMPREPLY=($(compgen -W "$args" -- "$cur"))
	__ltrim_colon_completions "$cur"
}
complete -F _vxm vxm
