/* SPDX-License-Identifier: BSD-3-Clause */
#include "fake-root.h"
#include "config/kernel-cmdline.h"
#include "tap.h"

/* Looks key up in a command line; want NULL means "absent" (return 0). */
static void check(const char *cmdline, const char *key, const char *want) {
        char *value = NULL;
        fake_root_write("/proc/cmdline", cmdline);
        int r = kernel_cmdline_get(key, &value);

        char what[512];
        snprintf(what, sizeof what, "%s in [%s]%s", key, cmdline, want ? "" : " is absent");
        if (want) {
                if (tap_is_int(r, 1, what))
                        tap_is_str(value, want, "  ... value");
        } else
                tap_ok(r == 0 && value == NULL, "%s", what);
        free(value);
}

int main(void) {
        fake_root_new();

        check("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n", "root", "/dev/sda1");
        check("vxm.autostart=0\n", "vxm.autostart", "0");
        check("quiet vxm.autostart=0 splash", "vxm.autostart", "0");
        check("vxm.autostart=1 vxm.autostart=0", "vxm.autostart", "0"); /* last wins */
        check("vxm.autostart=0 vxm.autostart=yes\n", "vxm.autostart", "yes");
        check("vxm.autostart", "vxm.autostart", ""); /* bare key */
        check("vxm.autostart=0 vxm.autostart", "vxm.autostart", "");
        check("vxm.autostart=", "vxm.autostart", "");
        check("\"vxm.autostart=0\"", "vxm.autostart", "0");              /* whole word quoted */
        check("vxm.autostart=\"0\"", "vxm.autostart", "0");              /* value quoted */
        check("foo=\"a vxm.autostart=0 b\" bar", "vxm.autostart", NULL); /* inside another value */
        check("foo=\"a vxm.autostart=0 b\" bar", "foo", "a vxm.autostart=0 b");
        check("x=\"a b\" y=c", "y", "c");
        check("vxm.autostartx=0 xvxm.autostart=0 vxm.autostart.foo=0", "vxm.autostart", NULL);
        check("vxm.autostart.foo=1", "vxm.autostart.foo", "1");
        check("\tvxm.autostart=off\t\n", "vxm.autostart", "off");
        check("a=b=c", "a", "b=c");
        check("", "vxm.autostart", NULL);
        check("\n", "vxm.autostart", NULL);
        check("   ", "vxm.autostart", NULL);
        check("\"", "vxm.autostart", NULL);                     /* unbalanced quote */
        check("vxm.autostart=\"0 ro", "vxm.autostart", "0 ro"); /* unterminated quote runs to the end */

        /* No /proc/cmdline: an error, not "absent". */
        fake_root_new();
        char *value = NULL;
        tap_is_int(kernel_cmdline_get("vxm.autostart", &value), -ENOENT, "missing /proc/cmdline -> -ENOENT");
        tap_ok(value == NULL, "  ... and *ret untouched");

        fake_root_clear();
        return tap_done();
}
