/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "config/guest-paths.h"
#include "basic/macro.h"

char *guest_runtime_dir(const char *name) {
        return xasprintf(GUEST_RUNTIME_ROOT "/%s", name);
}

char *guest_state_dir(const char *name) {
        return xasprintf("/var/lib/vxm/%s", name);
}

char *guest_qmp_socket(const char *name) {
        return xasprintf(GUEST_RUNTIME_ROOT "/%s/qmp.sock", name);
}

char *guest_swtpm_socket(const char *name) {
        return xasprintf(GUEST_RUNTIME_ROOT "/%s/swtpm.sock", name);
}

char *guest_tpm_state_dir(const char *name) {
        return xasprintf("/var/lib/vxm/%s/tpm", name);
}

char *guest_serial_log(const char *name) {
        return xasprintf("/var/lib/vxm/%s/serial.log", name);
}

char *guest_vars_path(const char *name, const char *template) {
        const char *base = strrchr(template, '/');
        return xasprintf("/var/lib/vxm/%s/%s", name, base ? base + 1 : template);
}
