#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lintian on the package and its .changes: no error and no warning (overrides only in debian/vxm.lintian-overrides,
# each with a comment saying why). Informational and pedantic tags are shown, not fatal.
# Usage: test-lintian.sh BUILDDIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v lintian >/dev/null || { echo "lintian is not installed (apt-get install lintian)"; exit 1; }
deb=$("$here/build-deb" --builddir "$1")
changes=${deb%.deb}.changes
echo "+ lintian --fail-on error,warning --display-info --pedantic $(basename "$changes")"
lintian --fail-on error,warning --display-info --pedantic "$changes"
echo "lintian: no errors, no warnings"
