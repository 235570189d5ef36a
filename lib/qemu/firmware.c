/* SPDX-License-Identifier: BSD-3-Clause */
/* Firmware selection from QEMU's firmware descriptors, following docs/interop/firmware.json: descriptors are
 * collected from /usr/share/qemu/firmware and /etc/qemu/firmware (a same-named file in /etc replaces the vendor one,
 * an empty one masks it), sorted by file name, and the first one that fits wins.
 *
 * What fits a vxm guest: interface "uefi"; a target for x86_64 whose machine globs cover q35 ("pc-q35-*"); flash
 * mapping in split mode (executable + nvram-template). Secure Boot:
 *   SecureBoot=yes  needs "secure-boot" and "enrolled-keys" (an empty varstore boots in setup mode: not secure) and
 *                   "requires-smm" (without SMM the guest can rewrite its own variables and undo Secure Boot);
 *   SecureBoot=no   refuses "enrolled-keys" (that firmware enforces Secure Boot) and prefers descriptors without
 *                   "secure-boot"; a Secure Boot build with an empty varstore is only taken when nothing else fits.
 * A descriptor with "requires-smm" always gets smm=on and the secure pflash, and one with "secure-boot" but without
 * "requires-smm" is refused: that CODE without a protected varstore is the mismatch QEMU's docs warn about. */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>

#include "qemu/firmware.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/safe-open.h"
#include "basic/strv.h"

const char *const firmware_descriptor_dirs[] = { "/usr/share/qemu/firmware", "/etc/qemu/firmware", NULL };

/* Descriptors are a few hundred bytes; anything much larger is not one. */
#define DESCRIPTOR_SIZE_MAX (256U * 1024)

typedef enum Fit {
        FIT_REJECTED,
        FIT_FALLBACK,
        FIT_PREFERRED,
} Fit;

Firmware *firmware_free(Firmware *f) {
        if (!f)
                return NULL;
        free(f->descriptor);
        free(f->code);
        free(f->vars_template);
        free(f);
        return NULL;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "pc-q35-*" covers q35; so does "*". A glob naming one version ("pc-q35-2.12") does not cover the machine type
 * vxm starts (plain q35, the newest version), so the star must be able to stand for the version. */
static bool target_covers_q35(const JsonValue *target) {
        if (!json_get_string(target, "architecture") || strcmp(json_get_string(target, "architecture"), "x86_64") != 0)
                return false;
        const JsonValue *machines = json_get(target, "machines");
        for (size_t i = 0; i < json_array_length(machines); i++) {
                const char *glob = json_string(json_array_item(machines, i));
                if (glob && (fnmatch(glob, "pc-q35-", 0) == 0 || fnmatch(glob, "q35", 0) == 0))
                        return true;
        }
        return false;
}

static int flash_file(const JsonValue *mapping, const char *key, char **ret_path, ImageFormat *ret_format,
                      const char **reason) {
        const JsonValue *m = json_get(mapping, key);
        const char *file = json_get_string(m, "filename");
        const char *format = json_get_string(m, "format");
        /* A "format" that is there but not a string is a broken descriptor, not a raw image. */
        if (!format && json_get(m, "format")) {
                *reason = "flash format is neither raw nor qcow2";
                return -EINVAL;
        }
        if (!file || file[0] != '/') {
                *reason = strcmp(key, "executable") == 0 ? "mapping has no absolute executable filename"
                                                         : "mapping has no absolute nvram-template filename";
                return -EINVAL;
        }
        if (format && image_format_from_string(format, ret_format) < 0) {
                *reason = "flash format is neither raw nor qcow2";
                return -EINVAL;
        }
        if (!format)
                *ret_format = IMAGE_FORMAT_RAW;
        struct stat st;
        if (root_stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
                *reason = strcmp(key, "executable") == 0 ? "executable file does not exist"
                                                         : "nvram-template file does not exist";
                return -ENOENT;
        }
        *ret_path = xstrdup(file);
        return 0;
}

static Fit check_descriptor(const JsonValue *d, const Guest *g, Firmware *fw, const char **reason) {
        if (!d || d->type != JSON_OBJECT)
                return *reason = "not a JSON object", FIT_REJECTED;
        if (!json_array_has_string(json_get(d, "interface-types"), "uefi"))
                return *reason = "interface-types lacks \"uefi\"", FIT_REJECTED;

        const JsonValue *targets = json_get(d, "targets");
        bool target_ok = false;
        for (size_t i = 0; i < json_array_length(targets) && !target_ok; i++)
                target_ok = target_covers_q35(json_array_item(targets, i));
        if (!target_ok)
                return *reason = "no target for x86_64 with a machine glob covering q35 (pc-q35-*)", FIT_REJECTED;

        const JsonValue *mapping = json_get(d, "mapping");
        const char *device = json_get_string(mapping, "device");
        if (!device || strcmp(device, "flash") != 0)
                return *reason = "mapping device is not \"flash\"", FIT_REJECTED;
        const char *mode = json_get_string(mapping, "mode");
        if ((mode || json_get(mapping, "mode")) && (!mode || strcmp(mode, "split") != 0))
                return *reason = "flash mode is not \"split\" (vxm needs separate CODE and VARS)", FIT_REJECTED;

        const JsonValue *features = json_get(d, "features");
        bool sb = json_array_has_string(features, "secure-boot");
        bool keys = json_array_has_string(features, "enrolled-keys");
        bool smm = json_array_has_string(features, "requires-smm");
        if (sb && !smm)
                return *reason = "secure-boot without requires-smm: the variable store would be unprotected",
                       FIT_REJECTED;

        Fit fit = FIT_PREFERRED;
        if (g->secure_boot) {
                if (!sb)
                        return *reason = "no secure-boot feature (the guest has SecureBoot=yes)", FIT_REJECTED;
                if (!keys)
                        return *reason = "secure-boot without enrolled-keys: the guest would boot in setup mode",
                               FIT_REJECTED;
        } else {
                if (keys)
                        return *reason = "enrolled-keys enforce Secure Boot (the guest has SecureBoot=no)",
                               FIT_REJECTED;
                if (sb)
                        fit = FIT_FALLBACK;
        }

        if (flash_file(mapping, "executable", &fw->code, &fw->code_format, reason) < 0 ||
            flash_file(mapping, "nvram-template", &fw->vars_template, &fw->vars_format, reason) < 0) {
                free(fw->code);
                fw->code = NULL;
                return FIT_REJECTED;
        }
        fw->requires_smm = smm;
        fw->secure_boot = sb;
        if (fit == FIT_FALLBACK)
                *reason = "secure-boot build with an empty varstore; used only if nothing without secure-boot fits";
        return fit;
}

/* File names of all descriptors, each with the path that wins for it, sorted by name; masked ones are left out
 * but reported in *ret_masked so the error message can name them. */
static int collect_descriptors(char ***ret_paths, char ***ret_masked) {
        _cleanup_strv_free_ char **names = NULL, **paths = NULL, **masked = NULL;

        for (size_t i = 0; firmware_descriptor_dirs[i]; i++) {
                _cleanup_closedir_ DIR *dir = root_opendir(firmware_descriptor_dirs[i]);
                if (!dir) {
                        if (errno == ENOENT)
                                continue;
                        return log_error_errno(errno, "Failed to open %s: %m", firmware_descriptor_dirs[i]);
                }
                struct dirent *de;
                while ((de = readdir(dir))) {
                        if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".json"))
                                continue;
                        char *path = xasprintf("%s/%s", firmware_descriptor_dirs[i], de->d_name);
                        size_t k = 0;
                        while (names && names[k] && strcmp(names[k], de->d_name) != 0)
                                k++;
                        if (names && names[k]) {
                                free(paths[k]); /* a later directory overrides */
                                paths[k] = path;
                        } else {
                                strv_push(&names, de->d_name);
                                strv_consume(&paths, path);
                        }
                }
        }

        /* Sort by file name (names and paths in step); the lists are short. */
        size_t n = strv_length(names);
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        char *t = names[j];
                        names[j] = names[j - 1], names[j - 1] = t;
                        t = paths[j];
                        paths[j] = paths[j - 1], paths[j - 1] = t;
                }

        _cleanup_strv_free_ char **result = NULL;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                /* Empty file or a link to /dev/null: masked (QEMU's and systemd's convention). */
                if (root_stat(paths[i], &st) == 0 && (st.st_size == 0 || S_ISCHR(st.st_mode)))
                        strv_push(&masked, paths[i]);
                else
                        strv_push(&result, paths[i]);
        }
        *ret_paths = TAKE_PTR(result);
        *ret_masked = TAKE_PTR(masked);
        return 0;
}

static Fit check_file(const char *path, const Guest *g, Firmware *fw, const char **reason, char **ret_detail) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = root_read_file(path, &text, &size);
        if (r < 0) {
                *ret_detail = xasprintf("cannot be read: %s", strerror(-r));
                return FIT_REJECTED;
        }
        if (size > DESCRIPTOR_SIZE_MAX)
                return *reason = "larger than 256 KiB, not a firmware descriptor", FIT_REJECTED;

        _cleanup_json_free_ JsonValue *d = NULL;
        const char *why = NULL;
        size_t off = 0;
        if (json_parse(text, size, &d, &why, &off) < 0) {
                unsigned line, col;
                json_offset_to_line(text, off, &line, &col);
                *ret_detail = xasprintf("invalid JSON at line %u, column %u: %s", line, col, why ? why : "?");
                return FIT_REJECTED;
        }
        return check_descriptor(d, g, fw, reason);
}

static int firmware_from_config(const Guest *g, Firmware **ret) {
        _cleanup_firmware_free_ Firmware *fw = xmalloc(sizeof *fw);
        *fw = (Firmware){};
        const char *paths[] = { g->firmware_code, g->firmware_vars };
        ImageFormat *formats[] = { &fw->code_format, &fw->vars_format };
        for (size_t i = 0; i < 2; i++) {
                const char *key = i == 0 ? "Code" : "Vars", *name = NULL;
                const ConfigSource *src = guest_key_source(g, "Firmware", key);
                _cleanup_free_ char *where = src ? xasprintf("%s:%u", src->file, src->line) : xstrdup(g->path);
                _cleanup_free_ char *reason = NULL;
                /* The images may be in the guest's own directory: no link of its user followed, no FIFO waited on. */
                _cleanup_close_ int fd = root_open_safe(paths[i], 0, &reason);
                int r = fd < 0 ? fd : image_format_probe_fd(fd, formats[i], &name);
                if (reason)
                        return log_error_errno(r, "%s: [Firmware] %s=%s: %s", where, key, paths[i], reason);
                if (r == -EMEDIUMTYPE)
                        return log_error_errno(r, "%s: [Firmware] %s=%s: a %s image, expected raw or qcow2", where, key,
                                               paths[i], name);
                if (r < 0)
                        return log_error_errno(r, "%s: [Firmware] %s=%s: %m", where, key, paths[i]);
        }
        fw->code = xstrdup(g->firmware_code);
        fw->vars_template = xstrdup(g->firmware_vars);
        /* Nothing describes a hand-picked image: a Secure Boot build is assumed to be an SMM build, as all of
         * edk2's are, so it gets the protected varstore it needs; without Secure Boot SMM stays off. */
        fw->requires_smm = fw->secure_boot = g->secure_boot;
        *ret = TAKE_PTR(fw);
        return 0;
}

int firmware_select(const Guest *g, Firmware **ret) {
        if (g->firmware_code)
                return firmware_from_config(g, ret);

        _cleanup_strv_free_ char **paths = NULL, **masked = NULL, **rejections = NULL;
        int r = collect_descriptors(&paths, &masked);
        if (r < 0)
                return r;

        _cleanup_firmware_free_ Firmware *fallback = NULL;
        for (size_t i = 0; paths && paths[i]; i++) {
                _cleanup_firmware_free_ Firmware *fw = xmalloc(sizeof *fw);
                *fw = (Firmware){};
                const char *reason = NULL;
                _cleanup_free_ char *detail = NULL;
                Fit fit = check_file(paths[i], g, fw, &reason, &detail);
                if (fit == FIT_PREFERRED) {
                        fw->descriptor = xstrdup(paths[i]);
                        *ret = TAKE_PTR(fw);
                        return 0;
                }
                if (fit == FIT_FALLBACK && !fallback) {
                        fw->descriptor = xstrdup(paths[i]);
                        fallback = TAKE_PTR(fw);
                        continue;
                }
                strv_consume(&rejections, xasprintf("  %s: %s", paths[i], detail ? detail : reason));
        }
        if (fallback) {
                *ret = TAKE_PTR(fallback);
                return 0;
        }

        for (size_t i = 0; masked && masked[i]; i++)
                strv_consume(&rejections, xasprintf("  %s: masked (empty file)", masked[i]));
        if (!rejections)
                strv_consume(&rejections, xasprintf("  no descriptors in %s or %s (is the ovmf package installed?)",
                                                    firmware_descriptor_dirs[0], firmware_descriptor_dirs[1]));

        size_t len = 0;
        for (size_t i = 0; rejections[i]; i++)
                len += strlen(rejections[i]) + 1;
        _cleanup_free_ char *list = xmalloc(len + 1);
        list[0] = '\0';
        for (size_t i = 0; rejections[i]; i++)
                strcat(strcat(list, "\n"), rejections[i]);
        log_error("%s: no UEFI firmware for guest %s (x86_64 q35, split flash, SecureBoot=%s); descriptors "
                  "considered:%s\nSet [Firmware] Code= and Vars= to use a firmware image directly.",
                  g->path, g->name, g->secure_boot ? "yes" : "no", list);
        return -ENOENT;
}
