/* SPDX-License-Identifier: BSD-3-Clause */
/* The /run/vxm/.state/vfio/BDF record: what vxm-vfio writes is what it reads back, and damaged records are refused
 * (unbind must never act on a guess). */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/vfio-record.h"

static void test_roundtrip(void) {
        VfioRecord in = { .bound_by_vxm = true,
                          .driver = (char *) "bochs-drm",
                          .driver_override = NULL,
                          .group = 5,
                          .node_changed = true,
                          .node_uid = 0,
                          .node_gid = 992,
                          .node_mode = 0660 };
        _cleanup_free_ char *text = vfio_record_format(&in, "0000:01:00.0");
        assert(strstr(text, "\nVERSION=1\nBOUND_BY_VXM=yes\nDRIVER=bochs-drm\nDRIVER_OVERRIDE=\nGROUP=5\n"
                            "NODE_OWNER=0:992:0660\n"));
        assert(strstr(text, "vxm-vfio unbind 0000:01:00.0"));

        VfioRecord out = VFIO_RECORD_INIT;
        assert(vfio_record_parse(text, &out, NULL) == 0);
        assert(out.bound_by_vxm && strcmp(out.driver, "bochs-drm") == 0 && !out.driver_override && out.group == 5);
        assert(out.node_changed && out.node_uid == 0 && out.node_gid == 992 && out.node_mode == 0660);
        vfio_record_done(&out);

        /* no driver, an override, not ours, no group, no node change */
        VfioRecord in2 = { .bound_by_vxm = false, .driver = NULL, .driver_override = (char *) "vfio-pci", .group = -1 };
        _cleanup_free_ char *text2 = vfio_record_format(&in2, "0000:02:00.0");
        assert(!strstr(text2, "GROUP=") && !strstr(text2, "NODE_OWNER="));
        assert(vfio_record_parse(text2, &out, NULL) == 0);
        assert(!out.bound_by_vxm && !out.driver && strcmp(out.driver_override, "vfio-pci") == 0 && out.group == -1);
        assert(!out.node_changed);
        vfio_record_done(&out);
}

static void test_refused(void) {
        static const struct {
                const char *text;
                unsigned line;
        } bad[] = {
                { "", 0 },                              /* empty */
                { "BOUND_BY_VXM=yes\nDRIVER=x\n", 0 },  /* no version */
                { "VERSION=1\nDRIVER=x\n", 0 },         /* no BOUND_BY_VXM */
                { "VERSION=2\nBOUND_BY_VXM=yes\n", 1 }, /* from the future */
                { "VERSION=1\nBOUND_BY_VXM=maybe\n", 2 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nGROUP=-1\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=0:0\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=0:0:0660x\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=0:0:77777\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nSURPRISE=1\n", 3 }, /* unknown key */
                /* found by tests/fuzz/fuzz-vfio-record: sscanf's %u took these, and -1 is chown's "leave it" */
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=-1:0:0660\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=0:4294967295:0660\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER= 5:6:0660\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=0:+6:0660\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=0:6:+660\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=0:6:0680\n", 3 },
                { "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=99999999999:6:0660\n", 3 },
                { "VERSION=1\n# ok\n\nBOUND_BY_VXM=yes\ngarbage\n", 5 }, /* no '=' */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                VfioRecord r = VFIO_RECORD_INIT;
                unsigned line = 99;
                int k = vfio_record_parse(bad[i].text, &r, &line);
                if (k != -EBADMSG || line != bad[i].line) {
                        fprintf(stderr, "case %zu: got %d at line %u, expected -EBADMSG at line %u\n", i, k, line,
                                bad[i].line);
                        abort();
                }
        }
        /* leading zeros are still the number (found by fuzz-vfio-record: a digit limit refused them) */
        VfioRecord z = VFIO_RECORD_INIT;
        assert(vfio_record_parse(
                       "VERSION=1\nBOUND_BY_VXM=yes\nNODE_OWNER=000000000000000000001:0000000000000:00000660\n", &z,
                       NULL) == 0);
        assert(z.node_changed && z.node_uid == 1 && z.node_gid == 0 && z.node_mode == 0660);
        vfio_record_done(&z);
        /* comments, blank lines and a missing final newline are fine */
        VfioRecord r = VFIO_RECORD_INIT;
        assert(vfio_record_parse("# hi\n\nVERSION=1\nBOUND_BY_VXM=no\nDRIVER=snd_hda_intel", &r, NULL) == 0);
        assert(strcmp(r.driver, "snd_hda_intel") == 0);
        vfio_record_done(&r);
}

static void test_files(void) {
        char dir[] = "/tmp/vxm-record-test.XXXXXX";
        assert(mkdtemp(dir));
        setenv("VXM_ROOT", dir, 1);
        root_reset();

        VfioRecord in = { .bound_by_vxm = true, .driver = (char *) "nvidia", .group = 12 }, out = VFIO_RECORD_INIT;
        assert(vfio_record_read("0000:03:00.0", &out) == -ENOENT);
        assert(vfio_record_remove("0000:03:00.0") == 0);
        assert(vfio_record_write("0000:03:00.0", &in) == 0); /* creates /run/vxm/.state/vfio */
        assert(vfio_record_read("0000:03:00.0", &out) == 0);
        assert(strcmp(out.driver, "nvidia") == 0 && out.group == 12);
        vfio_record_done(&out);

        in.driver = (char *) "amdgpu"; /* replaced, not appended */
        assert(vfio_record_write("0000:03:00.0", &in) == 0);
        assert(vfio_record_read("0000:03:00.0", &out) == 0 && strcmp(out.driver, "amdgpu") == 0);
        vfio_record_done(&out);

        _cleanup_free_ char *p = xasprintf("%s/run/vxm/.state/vfio/0000:03:00.0", dir);
        FILE *f = fopen(p, "we");
        assert(f && fputs("VERSION=1\nBOUND_BY_VXM=yes\nDRIV", f) >= 0 && fclose(f) == 0);
        assert(vfio_record_read("0000:03:00.0", &out) == -EBADMSG);

        /* a writer killed between write and rename left its temp file: the next write replaces it, remove removes
         * it (rmdir below fails on anything left) */
        _cleanup_free_ char *tmp = xasprintf("%s/run/vxm/.state/vfio/.0000:03:00.0.vxm-tmp", dir);
        f = fopen(tmp, "we");
        assert(f && fputs("VERSION=1\nBOUND_BY", f) >= 0 && fclose(f) == 0);
        assert(vfio_record_remove("0000:03:00.0") == 0);
        assert(vfio_record_read("0000:03:00.0", &out) == -ENOENT);
        assert(access(tmp, F_OK) < 0 && errno == ENOENT);
        f = fopen(tmp, "we");
        assert(f && fclose(f) == 0);
        assert(vfio_record_write("0000:03:00.0", &in) == 0 && access(tmp, F_OK) < 0);
        assert(vfio_record_remove("0000:03:00.0") == 0);

        _cleanup_free_ char *vd = xasprintf("%s/run/vxm/.state/vfio", dir), *st = xasprintf("%s/run/vxm/.state", dir),
                            *rv = xasprintf("%s/run/vxm", dir), *r = xasprintf("%s/run", dir);
        assert(rmdir(vd) == 0 && rmdir(st) == 0 && rmdir(rv) == 0 && rmdir(r) == 0 && rmdir(dir) == 0);
}

int main(void) {
        test_roundtrip();
        test_refused();
        test_files();
        printf("ok\n");
        return 0;
}
