/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "fuzz-guest.h"
#include "fuzz.h"

static const char *str(const char *s) {
        return s ? s : "(null)";
}

const char *const fuzz_guest_paths[FUZZ_GUEST_PIECES] = {
        "/etc/vxm/fuzz.conf",
        "/etc/vxm/fuzz.conf.d/10-a.conf",
        "/run/vxm/fuzz.conf.d/20-b.conf",
        "/usr/lib/vxm/fuzz.conf.d/10-a.conf",
};

static unsigned count_lines(const char *s, size_t n) {
        unsigned lines = 0;
        for (size_t i = 0; i < n; i++)
                lines += s[i] == '\n';
        return lines + (n > 0 && s[n - 1] != '\n');
}

void fuzz_guest_write(const uint8_t *data, size_t size, FuzzGuestFiles *ret) {
        for (size_t i = 0; i < FUZZ_GUEST_PIECES; i++)
                fuzz_remove(fuzz_guest_paths[i]);

        const char *pieces[FUZZ_GUEST_PIECES];
        size_t lengths[FUZZ_GUEST_PIECES];
        _cleanup_free_ char *copy = NULL;
        size_t n = fuzz_split(data, size, FUZZ_GUEST_SEPARATOR, FUZZ_GUEST_PIECES, &copy, pieces, lengths);
        *ret = (FuzzGuestFiles){ .n = n };
        for (size_t i = 0; i < n; i++) {
                fuzz_write_file(fuzz_guest_paths[i], pieces[i], lengths[i]);
                ret->path[i] = fuzz_guest_paths[i];
                ret->lines[i] = count_lines(pieces[i], lengths[i]);
        }
}

void fuzz_guest_remove_shadowed(void) {
        fuzz_remove(fuzz_guest_paths[3]);
}

void fuzz_guest_chmod(const char *path, mode_t mode) {
        _cleanup_free_ char *p = xasprintf("%s%s", fuzz_root(), path);
        if (chmod(p, mode) < 0) {
                perror(p);
                abort();
        }
}

/* The line a file:line reference may name in this file; 0 when the file is not one of ours. */
static unsigned lines_of(const FuzzGuestFiles *files, const char *file, size_t len) {
        for (size_t i = 0; i < files->n && i < 3; i++) /* piece 3 is shadowed: never named */
                if (strlen(files->path[i]) == len && strncmp(files->path[i], file, len) == 0)
                        return files->lines[i] + 1; /* +1: so an empty file still counts as "ours" */
        return 0;
}

/* No control character but the tab (the loader takes tabs as whitespace, and they are harmless in a unit, a record
 * or QEMU's argv); UTF-8. */
static void check_text(const char *what, const char *s) {
        if (!s)
                return;
        for (const char *c = s; *c; c++)
                fuzz_check(*c == '\t' || ((unsigned char) *c >= ' ' && *c != 0x7f),
                           "%s holds the control character 0x%02x", what, (unsigned char) *c);
        fuzz_check(utf8_is_valid_n(s, strlen(s)), "%s is not UTF-8", what);
}

static void check_source(const ConfigSource *src, const FuzzGuestFiles *files, const char *what) {
        if (!src || !src->file)
                return;
        unsigned max = lines_of(files, src->file, strlen(src->file));
        fuzz_check(max > 0 && src->line >= 1 && src->line < max, "%s set at %s:%u, which is not a line of ours", what,
                   src->file, src->line);
}

void fuzz_guest_check(const Guest *g, const FuzzGuestFiles *files) {
        fuzz_check(strcmp(g->name, "fuzz") == 0 && strcmp(g->path, fuzz_guest_paths[0]) == 0, "name %s path %s",
                   g->name, g->path);
        for (size_t i = 0; g->dropins && g->dropins[i]; i++)
                fuzz_check(strcmp(g->dropins[i], fuzz_guest_paths[1 + i]) == 0, "drop-in %zu is %s", i, g->dropins[i]);
        fuzz_check(g->description && g->user && g->grab_toggle, "defaults missing");
        check_text("Description=", g->description);
        size_t n = strlen(g->description);
        fuzz_check(n > 0 && !strchr(" \t", g->description[0]) && !strchr(" \t", g->description[n - 1]),
                   "Description=\"%s\" has blanks around it", g->description);
        check_text("User=", g->user);
        fuzz_check(g->memory >= 64ULL << 20 && g->memory <= 16ULL << 40, "memory %llu", (unsigned long long) g->memory);
        fuzz_check(g->cpus >= 1 && g->cpus <= 1024 && g->shutdown_timeout > 0, "cpus %u timeout %u", g->cpus,
                   g->shutdown_timeout);
        for (size_t i = 0; i < g->n_devices; i++) {
                for (size_t j = 0; j < i; j++)
                        fuzz_check(!pci_address_equal(&g->devices[i].address, &g->devices[j].address),
                                   "a device listed twice");
                check_text("romfile=", g->devices[i].rom_file);
                fuzz_check(!g->devices[i].rom_file || g->devices[i].rom_file[0] == '/', "relative romfile=");
                check_source(&g->devices[i].source, files, "Device=");
        }
        for (size_t i = 0; i < g->n_disks; i++) {
                check_text("Disk=", g->disks[i].path);
                fuzz_check(g->disks[i].path[0] == '/', "relative Disk=%s", g->disks[i].path);
                check_source(&g->disks[i].source, files, "Disk=");
        }
        const char *paths[] = { g->firmware_code, g->firmware_vars, g->lg_file, g->kernel, g->initrd };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                check_text("a path", paths[i]);
                fuzz_check(!paths[i] || paths[i][0] == '/', "relative path %s", paths[i]);
        }
        fuzz_check(!!g->firmware_code == !!g->firmware_vars, "Code= without Vars=");
        check_text("Append=", g->append);
        fuzz_check(g->kernel || (!g->initrd && !g->append), "Initrd= or Append= without Kernel=");
        fuzz_check(!g->kernel || (!g->secure_boot && !g->firmware_code), "Kernel= with UEFI settings");
        for (char **k = g->keyboards; k && *k; k++)
                fuzz_check(strncmp(*k, "/dev/input/", 11) == 0 && !strstr(*k, "/../"), "Keyboard=%s", *k);
        for (char **k = g->mice; k && *k; k++)
                fuzz_check(strncmp(*k, "/dev/input/", 11) == 0 && !strstr(*k, "/../"), "Mouse=%s", *k);
        if (g->hugepages != HUGEPAGES_NO)
                fuzz_check(g->memory % (g->hugepages == HUGEPAGES_1G ? 1ULL << 30 : 2ULL << 20) == 0,
                           "memory not a multiple of the page size");
        if (g->looking_glass)
                fuzz_check(g->lg_size >= 1 << 20 && (g->lg_size & (g->lg_size - 1)) == 0 && g->lg_file &&
                                   strncmp(g->lg_file, "/dev/shm/", 9) == 0 && !strchr(g->lg_file + 9, '/'),
                           "Looking Glass size %llu file %s", (unsigned long long) g->lg_size, str(g->lg_file));
        if (g->monitor) {
                check_text("Monitor=", g->monitor);
                fuzz_check(g->host_input > 0 && g->guest_input > 0 && g->host_input != g->guest_input, "inputs %d %d",
                           g->host_input, g->guest_input);
        }
        fuzz_check(g->network != NETWORK_BRIDGE || g->bridge, "bridge mode without a bridge");
        check_text("Bridge=", g->bridge);
        check_text("MACAddress=", g->mac);

        static const char *const keys[][2] = {
                { "Guest", "Description" }, { "Guest", "Memory" },      { "Guest", "User" },
                { "PCI", "Device" },        { "Storage", "Disk" },      { "Display", "Monitor" },
                { "Input", "Keyboard" },    { "LookingGlass", "File" }, { "Network", "Mode" },
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                check_source(guest_key_source(g, keys[i][0], keys[i][1]), files, keys[i][1]);
}

void fuzz_guest_check_errors(const FuzzGuestFiles *files, bool expect_some) {
        size_t errors = 0;
        for (size_t i = 0; i < fuzz_log_n; i++) {
                if (fuzz_log_levels[i] > LOG_ERR)
                        continue;
                errors++;
                const char *m = fuzz_log_messages[i];
                const char *colon = strchr(m, ':');
                fuzz_check(colon, "error without a file: %s", m);
                unsigned max = lines_of(files, m, (size_t) (colon - m));
                fuzz_check(max > 0, "error that names no file of ours: %s", m);
                if (colon[1] == ' ') { /* "FILE: ..." only for the main file (a combination of keys) */
                        fuzz_check(colon - m == (long) strlen(fuzz_guest_paths[0]), "error without a line: %s", m);
                        continue;
                }
                unsigned line = 0;
                int k = 0;
                fuzz_check(sscanf(colon + 1, "%u: %n", &line, &k) == 1 && k > 0 && line >= 1 && line < max,
                           "error at a line that is not in the file: %s", m);
        }
        fuzz_check(!expect_some || errors > 0, "refused without an error message");
        fuzz_check(expect_some || errors == 0, "accepted with an error message: %s", fuzz_log_messages[0]);
}

static void dump_source(FILE *f, const ConfigSource *s) {
        fprintf(f, " @%s:%u", s->file ? s->file : "-", s->line);
}

char *fuzz_guest_dump(const Guest *g) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        fprintf(f, "%s %s %s %llu %u %d %s %d %u\n", g->name, g->path, str(g->description),
                (unsigned long long) g->memory, g->cpus, g->autostart, str(g->user), g->accelerator,
                g->shutdown_timeout);
        for (char **d = g->dropins; d && *d; d++)
                fprintf(f, "dropin %s\n", *d);
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                fprintf(f, "device %s %s", pci_address_format(&g->devices[i].address, bdf),
                        str(g->devices[i].rom_file));
                dump_source(f, &g->devices[i].source);
                fputc('\n', f);
        }
        fprintf(f, "firmware %d %s %s tpm %d hugepages %d\n", g->secure_boot, str(g->firmware_code),
                str(g->firmware_vars), g->tpm, g->hugepages);
        fprintf(f, "boot %s %s %s\n", str(g->kernel), str(g->initrd), str(g->append));
        fprintf(f, "lg %d %ux%u %llu %s\n", g->looking_glass, g->lg_width, g->lg_height,
                (unsigned long long) g->lg_size, str(g->lg_file));
        fprintf(f, "input %d %d %s\n", g->keyboard_auto, g->mouse_auto, str(g->grab_toggle));
        for (char **k = g->keyboards; k && *k; k++)
                fprintf(f, "keyboard %s\n", *k);
        for (char **k = g->mice; k && *k; k++)
                fprintf(f, "mouse %s\n", *k);
        fprintf(f, "display %s %d %d\n", str(g->monitor), g->host_input, g->guest_input);
        for (size_t i = 0; i < g->n_disks; i++) {
                fprintf(f, "disk %s %d %d", g->disks[i].path, g->disks[i].bus, g->disks[i].read_only);
                dump_source(f, &g->disks[i].source);
                fputc('\n', f);
        }
        fprintf(f, "network %d %s %s\n", g->network, str(g->bridge), str(g->mac));
        fclose(f);
        return text;
}
