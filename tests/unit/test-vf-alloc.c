/* SPDX-License-Identifier: BSD-3-Clause */
/* Allocation of SR-IOV virtual functions to guests on a fake sysfs: which VF a guest gets, what counts as taken, stale
 * holds taken over, a guest's own hold kept, every VF taken refused with who holds each, and N allocators forked at
 * once against one PF: each VF goes to exactly one guest, the others are refused (issue 11). */
#include <signal.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "fake-pci.h"
#include "host/sriov.h"
#include "host/vf-alloc.h"
#include "log-capture.h"
#include "tap.h"

#define PF "0000:02:00.0"

/* The owners that are "running": a NULL-terminated list. */
static int alive_in_list(const VfHold *h, void *userdata) {
        char **running = userdata;
        return strv_contains(running, h->owner);
}

static SriovPf *load_pf(void) {
        PciAddress a;
        SriovPf *pf = NULL;
        pci_address_parse(PF, &a, NULL);
        if (sriov_pf_load(&a, &pf) < 0)
                return NULL;
        return pf;
}

/* Takes a VF for owner's line index; returns its address as a string ("" on failure) and the error in *r. */
static const char *take(const char *owner, unsigned index, char **running, int *r, char **why) {
        static char buf[PCI_ADDRESS_STRLEN];
        _cleanup_sriov_pf_free_ SriovPf *pf = load_pf();
        VfRequest req = { .owner = owner, .index = index, .alive = alive_in_list, .userdata = running };
        PciAddress a;
        *why = NULL;
        *r = pf ? vf_alloc_take(pf, &req, &a, why) : -ENODEV;
        buf[0] = '\0';
        if (*r >= 0)
                pci_address_format(&a, buf);
        return buf;
}

static void test_pf_probe(void) {
        fake_root_new();
        fake_sriov_pf(PF, 7, 3, "nvme");
        _cleanup_sriov_pf_free_ SriovPf *pf = load_pf();
        if (!tap_ok(pf != NULL, "the PF loads"))
                return;
        tap_ok(pf->capable, "it has SR-IOV");
        tap_is_int(pf->totalvfs, 7, "sriov_totalvfs");
        tap_is_int(pf->numvfs, 3, "sriov_numvfs");
        tap_is_int(pf->autoprobe, 1, "sriov_drivers_autoprobe");
        tap_is_int((long long) pf->n_vfs, 3, "three VFs from virtfn0..2");
        char bdf[PCI_ADDRESS_STRLEN];
        tap_is_str(pci_address_format(&pf->vfs[2], bdf), "0000:02:00.3", "virtfn2");
        PciAddress phys;
        tap_ok(pci_device_physfn("0000:02:00.2", &phys) == 0, "a VF knows its PF");
        tap_is_str(pci_address_format(&phys, bdf), PF, "physfn");
        tap_ok(pci_device_physfn(PF, &phys) == -ENOENT, "the PF is not a VF");
        tap_ok(sriov_pf_problem(pf, 0) == NULL, "VFs enabled: no problem, vfs= or not");

        /* Problems that vxm-sriov and vxm check both report. */
        fake_root_new();
        fake_pci_device("0000:03:00.0", "0x030000", "0x10de", "0x2484", "nvidia");
        PciAddress a;
        pci_address_parse("0000:03:00.0", &a, NULL);
        SriovPf *gpu = NULL;
        tap_ok(sriov_pf_load(&a, &gpu) == 0 && !gpu->capable, "a device without sriov_totalvfs is not capable");
        _cleanup_free_ char *why = sriov_pf_problem(gpu, 2);
        tap_ok(why && strstr(why, "has no SR-IOV capability (sysfs shows no sriov_totalvfs)"), "says why: %s", why);
        sriov_pf_free(gpu);

        fake_root_new();
        fake_sriov_pf(PF, 0, 0, "nvme");
        pf = sriov_pf_free(pf);
        pf = load_pf();
        free(why);
        why = sriov_pf_problem(pf, 2);
        tap_ok(why && strstr(why, "offers no virtual functions (sriov_totalvfs=0)"), "totalvfs=0: %s", why);

        fake_root_new();
        fake_sriov_pf(PF, 4, 0, "nvme");
        pf = sriov_pf_free(pf);
        pf = load_pf();
        free(why);
        why = sriov_pf_problem(pf, 0);
        tap_ok(why && strstr(why, "no virtual functions enabled (sriov_numvfs=0): add vfs=N") &&
                       strstr(why, "(at most 4, its sriov_totalvfs)"),
               "no VFs and no vfs=: names totalvfs: %s", why);
        free(why);
        why = sriov_pf_problem(pf, 5);
        tap_is_str(why, "vfs=5 is more than " PF " offers: at most 4 (its sriov_totalvfs).", "vfs= above totalvfs");
        free(why);
        why = sriov_pf_problem(pf, 4);
        tap_is_str(why, NULL, "vfs=4 of 4: fine");

        fake_root_new();
        fake_sriov_pf(PF, 4, 0, NULL);
        pf = sriov_pf_free(pf);
        pf = load_pf();
        free(why);
        why = sriov_pf_problem(pf, 2);
        tap_ok(why && strstr(why, "has no driver bound"), "no PF driver: %s", why);
}

static void test_choice(void) {
        char *running[] = { "a", "b", "c", NULL }, *why;
        int r;

        fake_root_new();
        fake_sriov_pf(PF, 4, 4, "nvme");
        /* 02:00.1 is on a host driver, 02:00.2 is someone's Device= (reserved), the rest have no driver. */
        fake_root_symlink("../../../bus/pci/drivers/nvme", "/sys/devices/pci0000:00/0000:02:00.1/driver");

        tap_is_str(take("a", 0, running, &r, &why), "0000:02:00.2", "a: the first VF without a driver");
        tap_is_str(take("a", 0, running, &r, &why), "0000:02:00.2", "a again (killed allocate rerun): the same VF");
        {
                /* The rerun's hold names the new run: others must not take it for stale. */
                _cleanup_sriov_pf_free_ SriovPf *pf = load_pf();
                VfRequest req = { .owner = "a",
                                  .invocation = "00112233445566778899aabbccddeeff",
                                  .alive = alive_in_list,
                                  .userdata = running };
                PciAddress got;
                VfHold h;
                tap_ok(vf_alloc_take(pf, &req, &got, &why) == 0 && vf_hold_read("0000:02:00.2", &h) == 0 &&
                               h.invocation && strcmp(h.invocation, req.invocation) == 0,
                       "a rerun's hold names its invocation");
                vf_hold_done(&h);
        }
        tap_is_str(take("b", 0, running, &r, &why), "0000:02:00.3", "b: the next free one");
        tap_is_str(take("a", 1, running, &r, &why), "0000:02:00.4", "a's second line: another one");
        tap_is_str(take("c", 0, running, &r, &why), "0000:02:00.1", "c: last, the VF a host driver has");
        tap_is_str(take("d", 0, running, &r, &why), "", "d: nothing left");
        tap_is_int(r, -ENOSPC, "-ENOSPC");
        tap_is_str(why,
                   "every virtual function of " PF " is taken: 0000:02:00.1 (guest c), 0000:02:00.2 (guest a), "
                   "0000:02:00.3 (guest b), 0000:02:00.4 (guest a)",
                   "says who holds each");
        free(why);
        EXPECT_NO_MESSAGES("no stale hold while the owners run");

        /* c's run ends (a release that was killed): d takes its VF over. */
        running[2] = NULL;
        tap_is_str(take("d", 0, running, &r, &why), "0000:02:00.1", "d takes over the stale hold of c");
        EXPECT_MESSAGES("c stale", "N: 0000:02:00.1: the hold of guest c is stale (that run of vxm-vf@c.service is "
                                   "over): taking the virtual function over.");
}

static void test_stale_and_reserved(void) {
        char *running[] = { "a", NULL }, *why;
        int r;

        fake_root_new();
        fake_sriov_pf(PF, 2, 2, "nvme");
        /* b held 02:00.2, its release was killed, and vxm-vf@b is not running: stale. */
        fake_root_write("/run/vxm/.state/vf/0000:02:00.2", "VERSION=1\nPF=" PF "\nOWNER=b\nINDEX=0\n");
        VfReserved reserved[] = { { .address = { .bus = 2, .function = 1 }, .guest = "desk" } };
        _cleanup_sriov_pf_free_ SriovPf *pf = load_pf();
        VfRequest req = {
                .owner = "a", .alive = alive_in_list, .userdata = running, .reserved = reserved, .n_reserved = 1
        };
        PciAddress got;
        char bdf[PCI_ADDRESS_STRLEN];
        r = vf_alloc_take(pf, &req, &got, &why);
        tap_is_int(r, 0, "a gets a VF");
        tap_is_str(r == 0 ? pci_address_format(&got, bdf) : "", "0000:02:00.2",
                   "the stale one: 02:00.1 is reserved by a Device= line");
        EXPECT_MESSAGES("stale hold", "N: 0000:02:00.2: the hold of guest b is stale (that run of vxm-vf@b.service is "
                                      "over): taking the virtual function over.");
        VfHold h;
        tap_ok(vf_hold_read("0000:02:00.2", &h) == 0 && strcmp(h.owner, "a") == 0, "its record now names a");
        vf_hold_done(&h);

        req.owner = "c";
        r = vf_alloc_take(pf, &req, &got, &why);
        tap_is_int(r, -ENOSPC, "c gets nothing");
        tap_is_str(why,
                   "every virtual function of " PF " is taken: 0000:02:00.1 (Device= of guest desk), "
                   "0000:02:00.2 (guest a)",
                   "the reserved VF is named with its guest");
        free(why);

        /* A stale hold on a VF that a Device= line names now: that guest's, not free. */
        fake_root_write("/run/vxm/.state/vf/0000:02:00.1", "VERSION=1\nPF=" PF "\nOWNER=gone\nINDEX=0\n");
        req.owner = "e";
        r = vf_alloc_take(pf, &req, &got, &why);
        tap_is_int(r, -ENOSPC, "a stale hold on a reserved VF does not free it");
        tap_ok(why && strstr(why, "0000:02:00.1 (Device= of guest desk)"), "why: %s", why);
        free(why);
        EXPECT_NO_MESSAGES("not taken over");

        /* A VF on vfio-pci without a hold is someone else's (another VM manager, a guest's Device= at run time). */
        fake_root_new();
        fake_sriov_pf(PF, 1, 1, "nvme");
        fake_root_symlink("../../../bus/pci/drivers/vfio-pci", "/sys/devices/pci0000:00/0000:02:00.1/driver");
        tap_is_str(take("a", 0, running, &r, &why), "", "a VF on vfio-pci without a hold is not free");
        tap_ok(why && strstr(why, "0000:02:00.1 (on vfio-pci already"), "why: %s", why);
        free(why);

        /* A damaged record: never guess, the VF stays taken. */
        fake_root_new();
        fake_sriov_pf(PF, 1, 1, "nvme");
        fake_root_write("/run/vxm/.state/vf/0000:02:00.1", "VERSION=1\nOWNER=../x\nINDEX=0\n");
        tap_is_str(take("a", 0, running, &r, &why), "", "a VF with a damaged record is not handed out");
        tap_ok(why && strstr(why, "its record in /run/vxm/.state/vf is damaged"), "why: %s", why);
        free(why);
}

static void test_holds_of(void) {
        char *running[] = { "a", "b", NULL }, *why;
        int r;
        fake_root_new();
        fake_sriov_pf(PF, 3, 3, "nvme");
        take("a", 1, running, &r, &why);
        take("b", 0, running, &r, &why);
        take("a", 0, running, &r, &why);
        VfHold *h;
        size_t n;
        tap_ok(vf_holds_of("a", &h, &n) == 0 && n == 2, "a holds two VFs");
        if (n == 2) {
                tap_ok(h[0].index == 0 && strcmp(h[0].vf, "0000:02:00.3") == 0, "by index: line 1 -> 02:00.3");
                tap_ok(h[1].index == 1 && strcmp(h[1].vf, "0000:02:00.1") == 0, "line 2 -> 02:00.1");
                tap_is_str(h[0].pf, PF, "with its PF");
        }
        vf_holds_free(h, n);
        tap_ok(vf_hold_remove("0000:02:00.1") == 0 && vf_hold_remove("0000:02:00.1") == 0, "remove, twice");
        tap_ok(vf_holds_of("a", &h, &n) == 0 && n == 1, "a holds one now");
        vf_holds_free(h, n);
}

/* N guests start at once: fork N allocators, release them together, and check that every VF went to exactly one
 * guest and the rest were refused. Repeated, because a race shows only sometimes. */
static void test_concurrency(void) {
        enum { N_VFS = 5, N_GUESTS = 12, ROUNDS = 20 };
        bool all_good = true;

        for (unsigned round = 0; round < ROUNDS && all_good; round++) {
                fake_root_new();
                fake_sriov_pf(PF, 7, N_VFS, "nvme");
                int go[2], results[2];
                if (pipe(go) < 0 || pipe(results) < 0)
                        abort();
                pid_t pids[N_GUESTS];
                for (unsigned i = 0; i < N_GUESTS; i++) {
                        pids[i] = fork();
                        if (pids[i] == 0) {
                                char owner[16], c, *why = NULL;
                                close(go[1]);
                                snprintf(owner, sizeof owner, "g%u", i);
                                /* Every guest is running: none may take another's VF as stale. */
                                char *running[N_GUESTS + 1] = {};
                                char names[N_GUESTS][16];
                                for (unsigned j = 0; j < N_GUESTS; j++) {
                                        snprintf(names[j], sizeof names[j], "g%u", j);
                                        running[j] = names[j];
                                }
                                if (read(go[0], &c, 1) < 0) /* the barrier: EOF when the parent closes it */
                                        _exit(3);
                                int r;
                                const char *vf = take(owner, 0, running, &r, &why);
                                char line[64];
                                int len = snprintf(line, sizeof line, "%s %s\n", owner, r == 0 ? vf : "-");
                                if (write(results[1], line, (size_t) len) != len)
                                        _exit(4);
                                free(why);
                                _exit(r == 0 || r == -ENOSPC ? 0 : 2);
                        }
                }
                close(go[0]);
                close(results[1]);
                close(go[1]); /* go */

                unsigned ok_exits = 0;
                for (unsigned i = 0; i < N_GUESTS; i++) {
                        int status;
                        if (waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                                ok_exits++;
                }
                char buf[4096];
                ssize_t n = read(results[0], buf, sizeof buf - 1);
                close(results[0]);
                buf[n > 0 ? n : 0] = '\0';

                /* Count the winners, their VFs distinct, and each VF's record naming its winner. */
                unsigned winners = 0, refused = 0;
                char *seen[N_GUESTS] = {};
                for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        char owner[16], vf[32];
                        if (sscanf(l, "%15s %31s", owner, vf) != 2)
                                continue;
                        if (strcmp(vf, "-") == 0) {
                                refused++;
                                continue;
                        }
                        for (unsigned k = 0; k < winners; k++)
                                if (strcmp(seen[k], vf) == 0)
                                        all_good = tap_ok(false, "round %u: %s was given twice", round, vf);
                        seen[winners++] = strdup(vf);
                        VfHold h;
                        if (vf_hold_read(vf, &h) < 0 || strcmp(h.owner, owner) != 0)
                                all_good =
                                        tap_ok(false, "round %u: the record of %s does not name %s", round, vf, owner);
                        else
                                vf_hold_done(&h);
                }
                if (ok_exits != N_GUESTS || winners != N_VFS || refused != N_GUESTS - N_VFS)
                        all_good = tap_ok(false, "round %u: %u exits ok, %u got a VF, %u refused", round, ok_exits,
                                          winners, refused);
                for (unsigned k = 0; k < winners; k++)
                        free(seen[k]);
        }
        tap_ok(all_good, "%d rounds of %d allocators forked at once on %d VFs: each VF to one guest, the rest refused",
               ROUNDS, N_GUESTS, N_VFS);
}

int main(void) {
        log_set_max_level(LOG_NOTICE);
        log_set_sink(sink, NULL);

        test_pf_probe();
        test_choice();
        test_stale_and_reserved();
        test_holds_of();
        test_concurrency();

        fake_root_clear();
        messages_clear();
        return tap_done();
}
