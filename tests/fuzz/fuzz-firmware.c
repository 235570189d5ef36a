/* SPDX-License-Identifier: BSD-3-Clause */
/* Firmware selection from a QEMU firmware descriptor (qemu/firmware.h) against the rules as the header of
 * lib/qemu/firmware.c states them, evaluated here on the descriptor's JSON tree:
 *   interface-types has "uefi"; a target for x86_64 whose machine glob covers q35 ("pc-q35-" or "q35");
 *   mapping device "flash", mode "split" or absent; executable and nvram-template filenames absolute, regular files,
 *   format absent, "raw" or "qcow2"; "secure-boot" needs "requires-smm"; SecureBoot=yes needs "secure-boot" and
 *   "enrolled-keys"; SecureBoot=no refuses "enrolled-keys" (a Secure Boot build without keys is a fallback, and with
 *   one descriptor the fallback is what is chosen).
 * The first input byte chooses the guest's SecureBoot=, the rest is /usr/share/qemu/firmware/50-fuzz.json in a fake
 * root that has a few OVMF images. The chosen firmware must be exactly what the rules give; a refusal must name the
 * descriptor. */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/json.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "qemu/firmware.h"
#include "fuzz.h"

#define DESCRIPTOR "/usr/share/qemu/firmware/50-fuzz.json"

/* Last occurrence wins, as the reader documents for duplicate keys. */
static const JsonValue *member(const JsonValue *o, const char *key) {
        if (!o || o->type != JSON_OBJECT)
                return NULL;
        const JsonValue *found = NULL;
        for (size_t i = 0; i < o->object.n; i++)
                if (strcmp(o->object.keys[i], key) == 0)
                        found = o->object.values[i];
        return found;
}

static const char *member_string(const JsonValue *o, const char *key) {
        const JsonValue *v = member(o, key);
        return v && v->type == JSON_STRING ? v->string : NULL;
}

static bool has_string(const JsonValue *a, const char *s) {
        for (size_t i = 0; a && a->type == JSON_ARRAY && i < a->array.n; i++)
                if (a->array.items[i]->type == JSON_STRING && strcmp(a->array.items[i]->string, s) == 0)
                        return true;
        return false;
}

static bool covers_q35(const JsonValue *targets) {
        for (size_t i = 0; targets && targets->type == JSON_ARRAY && i < targets->array.n; i++) {
                const JsonValue *t = targets->array.items[i];
                const char *arch = member_string(t, "architecture");
                if (!arch || strcmp(arch, "x86_64") != 0)
                        continue;
                const JsonValue *m = member(t, "machines");
                for (size_t j = 0; m && m->type == JSON_ARRAY && j < m->array.n; j++)
                        if (m->array.items[j]->type == JSON_STRING &&
                            (fnmatch(m->array.items[j]->string, "pc-q35-", 0) == 0 ||
                             fnmatch(m->array.items[j]->string, "q35", 0) == 0))
                                return true;
        }
        return false;
}

typedef struct Expected {
        const char *code, *vars;
        const char *code_format, *vars_format;
        bool smm, sb;
} Expected;

static bool flash_ok(const JsonValue *mapping, const char *key, const char **file, const char **format) {
        const JsonValue *m = member(mapping, key);
        *file = member_string(m, "filename");
        const JsonValue *f = member(m, "format");
        *format = f ? member_string(m, "format") : "raw";
        if (!*file || (*file)[0] != '/' || !*format || (strcmp(*format, "raw") != 0 && strcmp(*format, "qcow2") != 0))
                return false;
        struct stat st;
        return root_stat(*file, &st) == 0 && S_ISREG(st.st_mode);
}

static bool expected_choice(const JsonValue *d, bool secure_boot, Expected *e) {
        if (!d || d->type != JSON_OBJECT || !has_string(member(d, "interface-types"), "uefi") ||
            !covers_q35(member(d, "targets")))
                return false;
        const JsonValue *mapping = member(d, "mapping");
        const char *device = member_string(mapping, "device"), *mode = member_string(mapping, "mode");
        if (!device || strcmp(device, "flash") != 0 || (member(mapping, "mode") && (!mode || strcmp(mode, "split"))))
                return false;
        const JsonValue *features = member(d, "features");
        e->sb = has_string(features, "secure-boot");
        e->smm = has_string(features, "requires-smm");
        bool keys = has_string(features, "enrolled-keys");
        if ((e->sb && !e->smm) || (secure_boot && (!e->sb || !keys)) || (!secure_boot && keys))
                return false;
        return flash_ok(mapping, "executable", &e->code, &e->code_format) &&
               flash_ok(mapping, "nvram-template", &e->vars, &e->vars_format);
}

static void setup_root(void) {
        static bool done;
        if (done)
                return;
        static const char *const images[] = {
                "/usr/share/OVMF/OVMF_CODE_4M.fd",         "/usr/share/OVMF/OVMF_VARS_4M.fd",
                "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
                "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",      "/usr/share/AAVMF/AAVMF_CODE.fd"
        };
        for (size_t i = 0; i < ELEMENTSOF(images); i++)
                fuzz_write_file(images[i], "firmware", 8);
        fuzz_log_capture();
        done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        setup_root();
        bool secure_boot = data[0] & 1;
        const char *text = (const char *) data + 1;
        size_t len = size - 1;
        fuzz_write_file(DESCRIPTOR, text, len);

        Guest g = { .name = (char *) "fuzz", .path = (char *) "/etc/vxm/fuzz.conf", .secure_boot = secure_boot };
        Firmware *fw = NULL;
        fuzz_log_reset();
        int r = firmware_select(&g, &fw);

        _cleanup_json_free_ JsonValue *d = NULL;
        Expected e = {};
        /* An empty file masks the descriptor (QEMU's convention); JSON the reader refuses is rejected. */
        bool want = len > 0 && json_parse(text, len, &d, NULL, NULL) == 0 && expected_choice(d, secure_boot, &e);

        fuzz_check((r == 0) == want, "SecureBoot=%s: firmware_select() returned %d, the rules say %s",
                   secure_boot ? "yes" : "no", r, want ? "chosen" : "rejected");
        if (r < 0) {
                fuzz_check(r == -ENOENT, "firmware_select() returned %d", r);
                bool named = false;
                for (size_t i = 0; i < fuzz_log_n; i++)
                        named = named || strstr(fuzz_log_messages[i], DESCRIPTOR);
                fuzz_check(named, "the refusal does not name %s", DESCRIPTOR);
                return 0;
        }
        fuzz_check(fw->descriptor && strcmp(fw->descriptor, DESCRIPTOR) == 0, "descriptor %s", fw->descriptor);
        fuzz_check(strcmp(fw->code, e.code) == 0 && strcmp(fw->vars_template, e.vars) == 0, "code %s vars %s", fw->code,
                   fw->vars_template);
        fuzz_check(fw->code_format == (strcmp(e.code_format, "qcow2") == 0 ? IMAGE_FORMAT_QCOW2 : IMAGE_FORMAT_RAW) &&
                           fw->vars_format ==
                                   (strcmp(e.vars_format, "qcow2") == 0 ? IMAGE_FORMAT_QCOW2 : IMAGE_FORMAT_RAW),
                   "flash formats");
        fuzz_check(fw->requires_smm == e.smm && fw->secure_boot == e.sb, "smm %d sb %d", fw->requires_smm,
                   fw->secure_boot);
        fuzz_check(!secure_boot || (fw->secure_boot && fw->requires_smm), "SecureBoot=yes without SB and SMM");
        firmware_free(fw);
        return 0;
}
