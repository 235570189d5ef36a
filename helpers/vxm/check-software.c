/* SPDX-License-Identifier: BSD-3-Clause */
/* The programs and firmware a guest runs on: QEMU and its version, the UEFI firmware from QEMU's descriptors and
 * whether one offers Secure Boot, swtpm and swtpm_setup for a TPM. */
#include <string.h>
#include <sys/stat.h>

#include "basic/json.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "check.h"
#include "host/program-version.h"
#include "qemu/firmware.h"

/* -machine memory-backend= (hugepages) needs QEMU 5.0; everything else vxm passes is older. */
#define QEMU_MIN_MAJOR 5
#define QEMU_MIN_MINOR 0

static void run_qemu(CheckContext *c) {
        _cleanup_free_ char *path = program_find("qemu-system-x86_64");
        if (!path) {
                check_fail(c, NULL, "apt-get install qemu-system-x86 (or your distribution's QEMU for x86-64)",
                           "qemu-system-x86_64 is not installed");
                return;
        }
        ProgramVersion v = {};
        int r = program_version(path, &v);
        if (r < 0) {
                check_fail(c, path, "reinstall QEMU (apt-get install --reinstall qemu-system-x86)",
                           "%s --version gave no version: %s", path, strerror(-r));
                return;
        }
        if (program_version_compare(&v, QEMU_MIN_MAJOR, QEMU_MIN_MINOR) < 0)
                check_fail(c, path, "install QEMU 5.0 or later (Debian 12 has 7.2)",
                           "QEMU %u.%u.%u is too old: vxm's command line needs %d.%d or later", v.major, v.minor,
                           v.micro, QEMU_MIN_MAJOR, QEMU_MIN_MINOR);
        else
                check_ok(c, path, "QEMU %u.%u.%u", v.major, v.minor, v.micro);
        program_version_done(&v);
}
const Check check_qemu = { "qemu", CHECK_HOST, run_qemu, "qemu-system-x86_64 is installed and new enough" };

static void run_firmware(CheckContext *c) {
        const Guest *g = c->guest;
        if (g->kernel) {
                /* [Boot] Kernel=: QEMU's BIOS loads it; what must exist is the kernel and its initrd */
                struct stat st;
                const char *missing = root_stat(g->kernel, &st) < 0 || !S_ISREG(st.st_mode)                  ? g->kernel
                                      : g->initrd && (root_stat(g->initrd, &st) < 0 || !S_ISREG(st.st_mode)) ? g->initrd
                                                                                                             : NULL;
                if (missing)
                        check_fail(c, NULL, "fix [Boot] Kernel=/Initrd=", "%s is not a readable file", missing);
                else
                        check_ok(c, NULL, "direct kernel boot of %s ([Boot] Kernel=), no UEFI firmware needed",
                                 g->kernel);
                return;
        }
        _cleanup_firmware_free_ Firmware *fw = NULL;
        if (firmware_select(c->guest, &fw) >= 0) {
                check_ok(c, NULL, "%s (%s%s)", fw->descriptor ? fw->descriptor : fw->code,
                         fw->secure_boot ? "Secure Boot" : "no Secure Boot", fw->requires_smm ? ", SMM" : "");
                return;
        }
        /* firmware_select() said why each descriptor does not fit: that is the message. */
        _cleanup_free_ char *why = check_take_log(c);
        check_fail(c, NULL, "apt-get install ovmf, or set [Firmware] Code= and Vars=", "%s",
                   why ? why : "no UEFI firmware matches this guest");
}
const Check check_firmware = { "firmware", CHECK_GUEST, run_firmware,
                               "a UEFI firmware (QEMU firmware descriptor) fits the guest" };

static void run_secure_boot(CheckContext *c) {
        const Guest *g = c->guest;
        if (g->kernel)
                return; /* direct kernel boot: no UEFI firmware, so no Secure Boot either (the loader says so) */
        _cleanup_firmware_free_ Firmware *fw = NULL;
        Guest sb = *g; /* the same guest, asking for Secure Boot: only read by firmware_select() */
        sb.secure_boot = true;
        sb.firmware_code = sb.firmware_vars = NULL;
        int r = firmware_select(&sb, &fw);
        free(check_take_log(c));

        if (g->secure_boot && g->firmware_code)
                check_ok(c, NULL, "SecureBoot=yes with [Firmware] Code=%s: vxm cannot tell whether it enforces it",
                         g->firmware_code);
        else if (g->secure_boot && r >= 0)
                check_ok(c, NULL, "SecureBoot=yes: %s has the keys enrolled and needs SMM", fw->descriptor);
        else if (g->secure_boot)
                check_fail(c, NULL,
                           "apt-get install ovmf (its OVMF_CODE_4M.ms.fd has Microsoft's keys enrolled), or set "
                           "SecureBoot=no",
                           "SecureBoot=yes, but no firmware descriptor offers Secure Boot with enrolled keys and SMM");
        else if (r >= 0)
                check_ok(c, NULL, "SecureBoot=no; %s would offer it (Windows 11 expects SecureBoot=yes)",
                         fw->descriptor);
        else
                check_ok(c, NULL, "SecureBoot=no; no firmware descriptor here offers Secure Boot with enrolled keys");
}
const Check check_secure_boot = { "secure-boot", CHECK_GUEST, run_secure_boot,
                                  "a firmware with Secure Boot (keys enrolled, SMM) when SecureBoot=yes" };

/* "swtpm socket --print-capabilities" lists "tpm-2.0" when libtpms was built with TPM 2 (vxm-swtpm passes --tpm2). */
static bool swtpm_has_tpm2(const char *path, bool *known) {
        static const char *const args[] = { "socket", "--print-capabilities", NULL };
        _cleanup_free_ char *out = NULL;
        _cleanup_json_free_ JsonValue *caps = NULL;
        *known = program_output(path, args, &out) >= 0 && json_parse(out, strlen(out), &caps, NULL, NULL) >= 0;
        return *known && json_array_has_string(json_get(caps, "features"), "tpm-2.0");
}

static void run_swtpm(CheckContext *c) {
        if (!c->guest->tpm)
                return;
        _cleanup_free_ char *swtpm = program_find("swtpm"), *setup = program_find("swtpm_setup");
        if (!swtpm || !setup) {
                check_fail(c, NULL, "apt-get install swtpm swtpm-tools", "[TPM] Enable=yes, but %s is not installed",
                           !swtpm ? "swtpm" : "swtpm_setup");
                return;
        }
        ProgramVersion v = {}, sv = {};
        bool known;
        if (program_version(swtpm, &v) < 0 || program_version(setup, &sv) < 0)
                check_fail(c, NULL, "reinstall them: apt-get install --reinstall swtpm swtpm-tools",
                           "%s or %s does not run (no version from --version)", swtpm, setup);
        else if (!swtpm_has_tpm2(swtpm, &known) && known)
                check_fail(c, NULL, "install a swtpm built with TPM 2.0 support (libtpms with TPM2)",
                           "swtpm %u.%u.%u has no TPM 2.0 (swtpm socket --print-capabilities lacks tpm-2.0)", v.major,
                           v.minor, v.micro);
        else
                check_ok(c, NULL, "swtpm %u.%u.%u and swtpm_setup %u.%u.%u%s", v.major, v.minor, v.micro, sv.major,
                         sv.minor, sv.micro, known ? ", TPM 2.0" : "");
        program_version_done(&v);
        program_version_done(&sv);
}
const Check check_swtpm = { "swtpm", CHECK_GUEST, run_swtpm,
                            "swtpm and swtpm_setup with TPM 2.0 for a guest with [TPM] Enable=yes" };
