/* SPDX-License-Identifier: BSD-3-Clause */
/* Firmware selection against fixture descriptor directories: Debian's real descriptors, masked and overridden ones,
 * refused combinations and the no-match message. */
#include <errno.h>
#include <string.h>

#include "config/config.h"
#include "fake-root.h"
#include "qemu/firmware.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "tap.h"

#ifndef FIXTURES
#error "FIXTURES must name tests/helpers/guest/firmware"
#endif

static char messages[16384];

static void sink(int level, const char *message, void *userdata) {
        size_t n = strlen(messages);
        snprintf(messages + n, sizeof messages - n, "%s\n", message);
}

static void install(const char *fixture, const char *dest) {
        char src[4096];
        snprintf(src, sizeof src, "%s/%s", FIXTURES, fixture);
        FILE *f = fopen(src, "re");
        if (!f) {
                perror(src);
                abort();
        }
        char buf[8192];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fake_root_write_n(dest, buf, n);
}

static void install_debian(void) {
        install("debian/40-edk2-x86_64-secure-enrolled.json",
                "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json");
        install("debian/50-edk2-x86_64-secure.json", "/usr/share/qemu/firmware/50-edk2-x86_64-secure.json");
        install("debian/60-edk2-x86_64.json", "/usr/share/qemu/firmware/60-edk2-x86_64.json");
}

/* The files Debian's ovmf package installs (contents do not matter for selection). */
static void install_ovmf_files(void) {
        static const char *const files[] = { "OVMF_CODE_4M.fd", "OVMF_CODE_4M.ms.fd", "OVMF_CODE_4M.secboot.fd",
                                             "OVMF_VARS_4M.fd", "OVMF_VARS_4M.ms.fd", "OVMF_CODE_4M.smm.fd" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                char p[256];
                snprintf(p, sizeof p, "/usr/share/OVMF/%s", files[i]);
                fake_root_write(p, "firmware");
        }
}

static Guest *guest(const char *conf) {
        fake_root_write("/etc/vxm/fw.conf", conf);
        Guest *g = NULL;
        if (guest_load("fw", &g) < 0)
                abort();
        return g;
}

static Firmware *select_fw(const char *conf, int *ret) {
        messages[0] = '\0';
        _cleanup_guest_free_ Guest *g = guest(conf);
        Firmware *fw = NULL;
        *ret = firmware_select(g, &fw);
        return fw;
}

static void check(const char *what, const char *conf, const char *descriptor, const char *code, const char *vars,
                  bool smm) {
        int r;
        _cleanup_firmware_free_ Firmware *fw = select_fw(conf, &r);
        if (!tap_ok(r == 0 && fw, "%s: a firmware is chosen", what)) {
                tap_diag("%s", messages);
                return;
        }
        char buf[512];
        snprintf(buf, sizeof buf, "%s: descriptor", what);
        tap_is_str(fw->descriptor, descriptor, buf);
        snprintf(buf, sizeof buf, "%s: CODE", what);
        tap_is_str(fw->code, code, buf);
        snprintf(buf, sizeof buf, "%s: VARS template", what);
        tap_is_str(fw->vars_template, vars, buf);
        tap_ok(fw->requires_smm == smm, "%s: SMM %s", what, smm ? "on" : "off");
}

static void check_none(const char *what, const char *conf, const char *const *expected) {
        int r;
        _cleanup_firmware_free_ Firmware *fw = select_fw(conf, &r);
        tap_ok(r == -ENOENT && !fw, "%s: no firmware (%d)", what, r);
        for (size_t i = 0; expected[i]; i++)
                if (!tap_ok(strstr(messages, expected[i]) != NULL, "%s: message says \"%s\"", what, expected[i]))
                        tap_diag("%s", messages);
}

static const char SB[] = "[Firmware]\nSecureBoot=yes\n", NO_SB[] = "[Guest]\n";
#define USR "/usr/share/qemu/firmware/"
#define ETC "/etc/qemu/firmware/"

int main(void) {
        log_set_sink(sink, NULL);

        fake_root_new();
        install_debian();
        install_ovmf_files();
        check("Debian, SecureBoot=no", NO_SB, USR "60-edk2-x86_64.json", "/usr/share/OVMF/OVMF_CODE_4M.fd",
              "/usr/share/OVMF/OVMF_VARS_4M.fd", false);
        check("Debian, SecureBoot=yes", SB, USR "40-edk2-x86_64-secure-enrolled.json",
              "/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "/usr/share/OVMF/OVMF_VARS_4M.ms.fd", true);

        /* Masking the plain build: SecureBoot=no falls back to the SB build with an empty varstore (setup mode),
         * never to the one with enrolled keys, and keeps its SMM. */
        fake_root_write(ETC "60-edk2-x86_64.json", "");
        check("60 masked, SecureBoot=no", NO_SB, USR "50-edk2-x86_64-secure.json",
              "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd", true);
        fake_root_write(ETC "50-edk2-x86_64-secure.json", "");
        check_none("60 and 50 masked, SecureBoot=no", NO_SB,
                   (const char *const[]){ USR "40-edk2-x86_64-secure-enrolled.json: enrolled-keys enforce",
                                          ETC "60-edk2-x86_64.json: masked", ETC "50-edk2-x86_64-secure.json: masked",
                                          "SecureBoot=no", "[Firmware] Code= and Vars=", NULL });
        fake_root_clear();

        /* An /etc file of the same name replaces the vendor one; its qcow2 format is carried through. */
        fake_root_new();
        install_debian();
        install_ovmf_files();
        install("extra/override.json", ETC "60-edk2-x86_64.json");
        fake_root_write("/opt/edk2/CODE.qcow2", "x");
        fake_root_write("/opt/edk2/VARS.qcow2", "x");
        check("/etc overrides /usr/share", NO_SB, ETC "60-edk2-x86_64.json", "/opt/edk2/CODE.qcow2",
              "/opt/edk2/VARS.qcow2", false);
        {
                int r;
                _cleanup_firmware_free_ Firmware *fw = select_fw(NO_SB, &r);
                tap_ok(fw && fw->code_format == IMAGE_FORMAT_QCOW2 && fw->vars_format == IMAGE_FORMAT_QCOW2,
                       "override: qcow2 format from the descriptor");
        }
        /* The override's files are missing: it is rejected, and the vendor file of that name is not used instead
         * (it is overridden, not merely shadowed): the SB build with an empty varstore is what is left. */
        fake_root_clear();
        fake_root_new();
        install_debian();
        install_ovmf_files();
        install("extra/override.json", ETC "60-edk2-x86_64.json");
        check("override with missing files", NO_SB, USR "50-edk2-x86_64-secure.json",
              "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd", true);
        fake_root_write(ETC "50-edk2-x86_64-secure.json", "");
        check_none("override with missing files, 50 masked", NO_SB,
                   (const char *const[]){ ETC "60-edk2-x86_64.json: executable file does not exist", NULL });
        fake_root_clear();

        /* Secure Boot without SMM is never chosen, even as the only SB candidate. */
        fake_root_new();
        install_ovmf_files();
        install("extra/sb-without-smm.json", USR "30-sb-without-smm.json");
        install("debian/60-edk2-x86_64.json", USR "60-edk2-x86_64.json");
        check_none("SB without SMM", SB,
                   (const char *const[]){ USR "30-sb-without-smm.json: secure-boot without requires-smm",
                                          USR "60-edk2-x86_64.json: no secure-boot feature", "SecureBoot=yes", NULL });
        check("SB without SMM present, SecureBoot=no", NO_SB, USR "60-edk2-x86_64.json",
              "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd", false);
        fake_root_clear();

        /* requires-smm without secure-boot still gets SMM; format absent means raw; "*" covers q35. */
        fake_root_new();
        install_ovmf_files();
        install("extra/smm-without-sb.json", USR "10-smm.json");
        check("requires-smm without secure-boot", NO_SB, USR "10-smm.json", "/usr/share/OVMF/OVMF_CODE_4M.smm.fd",
              "/usr/share/OVMF/OVMF_VARS_4M.fd", true);
        fake_root_clear();

        /* Nothing fits: every descriptor is listed with its reason, sorted by name. */
        fake_root_new();
        install_ovmf_files();
        install("extra/aarch64.json", USR "10-aarch64.json");
        install("extra/bios.json", USR "20-bios.json");
        install("extra/combined.json", USR "30-combined.json");
        install("extra/broken.json", ETC "40-broken.json");
        install("extra/i440fx-only.json", USR "50-i440fx.json");
        install("extra/mode-not-string.json", USR "60-mode-not-string.json");
        install("extra/format-not-string.json", USR "70-format-not-string.json");
        fake_root_write(USR "README", "not a descriptor");
        check_none("no match", NO_SB,
                   (const char *const[]){ USR "10-aarch64.json: no target for x86_64",
                                          USR "20-bios.json: interface-types lacks \"uefi\"",
                                          USR "30-combined.json: flash mode is not \"split\"",
                                          ETC "40-broken.json: invalid JSON at line 4, column 1",
                                          USR "50-i440fx.json: no target for x86_64 with a machine glob covering q35",
                                          USR "60-mode-not-string.json: flash mode is not \"split\"",
                                          USR "70-format-not-string.json: flash format is neither raw nor qcow2",
                                          NULL });
        tap_ok(strstr(messages, "README") == NULL, "files not ending in .json are ignored");
        const char *a = strstr(messages, "10-aarch64"), *b = strstr(messages, "40-broken"),
                   *c = strstr(messages, "50-i440fx");
        tap_ok(a && b && c && a < b && b < c, "descriptors are considered in file name order across directories");
        fake_root_clear();

        fake_root_new();
        check_none("no descriptors at all", NO_SB,
                   (const char *const[]){ "no descriptors in /usr/share/qemu/firmware or /etc/qemu/firmware", NULL });

        /* [Firmware] Code= and Vars= bypass the descriptors; formats come from the files. */
        fake_root_write_n("/srv/fw/CODE.qcow2", "QFI\xfb\0\0\0\x03", 8);
        fake_root_write("/srv/fw/VARS.fd", "raw vars");
        {
                int r;
                _cleanup_firmware_free_ Firmware *fw =
                        select_fw("[Firmware]\nCode=/srv/fw/CODE.qcow2\nVars=/srv/fw/VARS.fd\nSecureBoot=yes\n", &r);
                tap_ok(r == 0 && fw && !fw->descriptor, "Code=/Vars=: used without descriptors");
                tap_ok(fw && fw->code_format == IMAGE_FORMAT_QCOW2 && fw->vars_format == IMAGE_FORMAT_RAW,
                       "Code=/Vars=: formats detected from the files");
                tap_ok(fw && fw->requires_smm, "Code=/Vars= with SecureBoot=yes: SMM on");
                fw = firmware_free(fw);
                fw = select_fw("[Firmware]\nCode=/srv/fw/missing.fd\nVars=/srv/fw/VARS.fd\n", &r);
                tap_ok(r == -ENOENT && !fw && strstr(messages, "Code=/srv/fw/missing.fd"),
                       "Code= that does not exist: error names the key");
        }
        fake_root_clear();
        return tap_done();
}
