/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-udev-classify SYSPATH: called by 70-vxm.rules through IMPORT{program} for PCI functions 1-7 that are not
 * display controllers themselves. A udev rule can only look at the device and its parents, not at a sibling, so this
 * answers the one question the rule cannot: is function 0 of the same slot a display controller? If yes, the
 * function is a companion of that GPU (its HDMI audio, USB-C controller, UCSI) and prints
 *
 *     VXM_GPU_COMPANION=1
 *     VXM_GPU_FUNCTION0=dddd:bb:ss.0
 *
 * for udev to import. Anything else prints nothing. Exit status: 0 (also for "not a companion", so udev logs
 * nothing), 2 on a usage error. No dependencies beyond libc: this runs for every PCI function at boot. */

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Kernel names of PCI functions are always "dddd:bb:ss.f" (lowercase hex, fixed width). */
#define PCI_NAME_LEN 12

static bool is_pci_name(const char *s) {
        static const char pattern[] = "xxxx:xx:xx.x";

        if (strlen(s) != PCI_NAME_LEN)
                return false;
        for (size_t i = 0; i < PCI_NAME_LEN; i++) {
                bool hex = s[i] != '\0' && strchr("0123456789abcdef", s[i]);

                if (pattern[i] == 'x' ? !hex : s[i] != pattern[i])
                        return false;
        }
        return s[PCI_NAME_LEN - 1] <= '7'; /* function 0-7 */
}

/* Reads the first line of a sysfs attribute into buf; false when missing or unreadable. */
static bool read_attr(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");
        bool ok;

        if (!f)
                return false;
        ok = fgets(buf, (int) size, f) != NULL;
        fclose(f);
        if (ok)
                buf[strcspn(buf, "\n")] = '\0';
        return ok;
}

int main(int argc, char *argv[]) {
        char dir[PATH_MAX], function0[PCI_NAME_LEN + 1], path[PATH_MAX], class[32];
        const char *name;
        char *slash;

        if (argc != 2 || argv[1][0] != '/') {
                fprintf(stderr, "Usage: %s /sys/devices/.../DDDD:BB:SS.F\n", argv[0]);
                return 2;
        }
        if (strlen(argv[1]) >= sizeof(dir)) {
                fprintf(stderr, "%s: path too long\n", argv[0]);
                return 2;
        }
        strcpy(dir, argv[1]);
        slash = strrchr(dir, '/');
        name = slash + 1;
        if (!is_pci_name(name) || name[PCI_NAME_LEN - 1] == '0')
                return 0; /* not a PCI function, or function 0 itself: nothing to say */

        memcpy(function0, name, PCI_NAME_LEN);
        function0[PCI_NAME_LEN - 1] = '0';
        function0[PCI_NAME_LEN] = '\0';
        *slash = '\0';

        /* Siblings of one slot share the parent directory in sysfs (the bridge or host bridge above them). */
        if (snprintf(path, sizeof(path), "%s/%s/class", dir, function0) >= (int) sizeof(path))
                return 0;
        if (!read_attr(path, class, sizeof(class)) || strncmp(class, "0x03", 4) != 0)
                return 0;

        printf("VXM_GPU_COMPANION=1\nVXM_GPU_FUNCTION0=%s\n", function0);
        return 0;
}
