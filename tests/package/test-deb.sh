#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package: dpkg-buildpackage builds it from a clean copy of the tree (build-deb), its version is the
# project's, and it holds what a user needs where Debian expects it, with the dependencies debian/control promises.
# Usage: test-deb.sh BUILDDIR MESON-VERSION. TAP.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=$1 meson_version=$2

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }
failed=0

deb=$("$here/build-deb" --builddir "$builddir") || { echo "Bail out! the package did not build"; exit 1; }
ok "dpkg-buildpackage -b -uc -us built $(basename "$deb")"

version=$(dpkg-deb -f "$deb" Version)
if [ "$version" = "$meson_version" ]; then ok "package version $version = meson project version"; else
	not_ok "package version $version, meson project version $meson_version (debian/changelog and meson.build disagree)"
fi
if [ "$(basename "$deb")" = "vxm_${version}_amd64.deb" ]; then ok "named vxm_${version}_amd64.deb"; else
	not_ok "named $(basename "$deb")"
fi

contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for path in \
	/usr/bin/vxm \
	/lib/systemd/system-generators/vxm-generator \
	/usr/libexec/vxm/vxm-vfio /usr/libexec/vxm/vxm-guest /usr/libexec/vxm/vxm-swtpm /usr/libexec/vxm/vxm-udev-classify \
	/lib/systemd/system/vxm-guest@.service /lib/systemd/system/vxm-vfio@.service \
	/lib/systemd/system/modprobe@vfio_pci.service.d/50-vxm.conf \
	/lib/udev/rules.d/70-vxm.rules \
	/usr/lib/sysusers.d/vxm.conf /usr/lib/tmpfiles.d/vxm.conf \
	/usr/share/bash-completion/completions/vxm \
	/usr/share/man/man1/vxm.1.gz /usr/share/man/man5/vxm.conf.5.gz /usr/share/man/man8/vxm-generator.8.gz \
	/usr/share/doc/vxm/copyright; do
	if grep -qxF "$path" <<<"$contents"; then ok "ships $path"; else not_ok "does not ship $path"; fi
done
if grep -q '^/etc/' <<<"$contents"; then not_ok "ships files in /etc (guest configs are the administrator's)"; else
	ok "ships nothing in /etc"
fi

field() { dpkg-deb -f "$deb" "$1" | tr -d ' ' | tr ',' '\n'; }
for dep in qemu-system-x86 ovmf systemd udev; do
	if field Depends | grep -qx "$dep"; then ok "Depends: $dep"; else not_ok "Depends lacks $dep"; fi
done
for dep in swtpm swtpm-tools libddcutil4; do
	if field Recommends | grep -qx "$dep"; then ok "Recommends: $dep"; else not_ok "Recommends lacks $dep"; fi
done
# libddcutil is dlopen()ed when a monitor is switched: a hard dependency would be wrong
if field Depends | grep -q ddcutil; then not_ok "Depends on ddcutil (it is dlopened: Recommends)"; else
	ok "no hard dependency on libddcutil"
fi

# The maintainer scripts do what debhelper would not: udev and systemd reloads, and the removal guard.
ctl=$(mktemp -d)
trap 'rm -rf "$ctl"' EXIT
dpkg-deb -e "$deb" "$ctl"
if grep -q '^ *systemd-sysusers .*vxm.conf' "$ctl/postinst"; then ok "postinst creates the vxm user"; else
	not_ok "postinst: no systemd-sysusers"
fi
if grep -q 'systemd-tmpfiles .*--create vxm.conf' "$ctl/postinst"; then ok "postinst applies tmpfiles.d"; else
	not_ok "postinst: no systemd-tmpfiles"
fi
if grep -Eq 'systemctl .*(start|enable|restart)|deb-systemd-invoke|deb-systemd-helper' "$ctl/postinst"; then
	not_ok "postinst starts or enables a unit"
else
	ok "postinst starts and enables nothing"
fi
# bash-completion's own loader finds the shipped completion on the first `vxm <TAB>` (XDG_DATA_DIRS points it at the
# unpacked package instead of /usr/share).
dpkg-deb -x "$deb" "$ctl/root"
# shellcheck disable=SC2016 # expanded by that bash
if got=$(XDG_DATA_DIRS=$ctl/root/usr/share bash -c '. /usr/share/bash-completion/bash_completion &&
	__load_completion vxm && complete -p vxm' 2>&1) && [ "$got" = "complete -F _vxm vxm" ]; then
	ok "bash-completion loads the shipped completion for vxm"
else
	not_ok "bash-completion does not load the shipped completion: $got"
fi
echo "1..$n"
exit $failed
