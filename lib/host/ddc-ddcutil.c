/* SPDX-License-Identifier: BSD-3-Clause */
/* The real DDC backend: libddcutil (1.4 API), loaded with dlopen() only when a monitor is actually switched. The
 * library probes every I2C bus and DRM connector when it is loaded and prints about what it finds, which slows down
 * and clutters every run of vxm-ddc that has nothing to switch (and `--help`); and a host without it can still run
 * guests that do not use [Display]. */
#include <ddcutil_c_api.h>
#include <ddcutil_status_codes.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/ddc.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"

#define LIBDDCUTIL "libddcutil.so.4"

static struct {
        void *dl;
        __typeof__(ddca_rc_name) *rc_name;
        __typeof__(ddca_set_fout) *set_fout;
        __typeof__(ddca_set_ferr) *set_ferr;
        __typeof__(ddca_enable_verify) *enable_verify;
        __typeof__(ddca_create_busno_display_identifier) *create_busno;
        __typeof__(ddca_create_dispno_display_identifier) *create_dispno;
        __typeof__(ddca_create_mfg_model_sn_display_identifier) *create_mms;
        __typeof__(ddca_create_edid_display_identifier) *create_edid;
        __typeof__(ddca_free_display_identifier) *free_identifier;
        __typeof__(ddca_get_display_ref) *get_display_ref;
        __typeof__(ddca_dref_repr) *dref_repr;
        __typeof__(ddca_open_display2) *open_display2;
        __typeof__(ddca_close_display) *close_display;
        __typeof__(ddca_set_non_table_vcp_value) *set_vcp;
        __typeof__(ddca_get_non_table_vcp_value) *get_vcp;
} lib;

static int lib_load(void) {
        if (lib.dl)
                return 0;
        void *dl = dlopen(LIBDDCUTIL, RTLD_NOW | RTLD_LOCAL);
        if (!dl) {
                log_warning("Cannot load %s (%s): install libddcutil to switch monitor inputs.", LIBDDCUTIL, dlerror());
                return -EOPNOTSUPP;
        }
#define SYM(field, name)                                                                                               \
        if (!(*(void **) &lib.field = dlsym(dl, #name))) {                                                             \
                log_warning("%s has no %s; ddcutil 1.4 or newer is needed.", LIBDDCUTIL, #name);                       \
                dlclose(dl);                                                                                           \
                return -EOPNOTSUPP;                                                                                    \
        }
        SYM(rc_name, ddca_rc_name);
        SYM(set_fout, ddca_set_fout);
        SYM(set_ferr, ddca_set_ferr);
        SYM(enable_verify, ddca_enable_verify);
        SYM(create_busno, ddca_create_busno_display_identifier);
        SYM(create_dispno, ddca_create_dispno_display_identifier);
        SYM(create_mms, ddca_create_mfg_model_sn_display_identifier);
        SYM(create_edid, ddca_create_edid_display_identifier);
        SYM(free_identifier, ddca_free_display_identifier);
        SYM(get_display_ref, ddca_get_display_ref);
        SYM(dref_repr, ddca_dref_repr);
        SYM(open_display2, ddca_open_display2);
        SYM(close_display, ddca_close_display);
        SYM(set_vcp, ddca_set_non_table_vcp_value);
        SYM(get_vcp, ddca_get_non_table_vcp_value);
#undef SYM
        lib.dl = dl;
        /* Its own messages ("Display not found") would duplicate ours without the context; keep them for debugging. */
        if (log_get_max_level() < LOG_DEBUG) {
                lib.set_fout(NULL);
                lib.set_ferr(NULL);
        }
        /* We read back ourselves; ddcutil's own verification would double the I2C traffic. */
        (void) lib.enable_verify(false);
        return 0;
}

static int status_to_errno(DDCA_Status rc) {
        switch (rc) {
        case 0:
                return 0;
        case DDCRC_INVALID_DISPLAY:
        case DDCRC_NOT_FOUND:
                return -ENODEV;
        case DDCRC_REPORTED_UNSUPPORTED:
        case DDCRC_DETERMINED_UNSUPPORTED:
                return -EOPNOTSUPP;
        case DDCRC_ARG:
                return -EINVAL;
        default:
                return rc < 0 && rc > -4096 ? rc : -EIO; /* small negatives are errnos from the OS layer */
        }
}

static int parse_edid(const char *hex, uint8_t edid[static 128]) {
        if (strlen(hex) != 256)
                return -EINVAL;
        for (size_t i = 0; i < 128; i++) {
                unsigned v;
                if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                edid[i] = (uint8_t) v;
        }
        return 0;
}

static int create_identifier(const char *spec, DDCA_Display_Identifier *did) {
        unsigned long n;
        DDCA_Status rc;
        if (strncmp(spec, "bus:", 4) == 0) {
                if (parse_unsigned(spec + 4, 255, &n) < 0)
                        return -EINVAL;
                rc = lib.create_busno((int) n, did);
        } else if (strncmp(spec, "display:", 8) == 0) {
                if (parse_unsigned(spec + 8, 255, &n) < 0 || n == 0)
                        return -EINVAL;
                rc = lib.create_dispno((int) n, did);
        } else if (strncmp(spec, "model:", 6) == 0)
                rc = lib.create_mms(NULL, spec + 6, NULL, did);
        else if (strncmp(spec, "serial:", 7) == 0)
                rc = lib.create_mms(NULL, NULL, spec + 7, did);
        else if (strncmp(spec, "edid:", 5) == 0) {
                uint8_t edid[128];
                if (parse_edid(spec + 5, edid) < 0)
                        return -EINVAL;
                rc = lib.create_edid(edid, did);
        } else
                return -EINVAL;
        return status_to_errno(rc);
}

static int ddcutil_open(DdcBackend *b, const char *spec, void **ret, char **desc) {
        DDCA_Display_Identifier did = NULL;
        DDCA_Display_Ref dref = NULL;
        DDCA_Display_Handle dh = NULL;

        int r = lib_load();
        if (r < 0)
                return r;
        r = create_identifier(spec, &did);
        if (r < 0)
                return r;
        DDCA_Status rc = lib.get_display_ref(did, &dref);
        lib.free_identifier(did);
        if (rc != 0) {
                log_debug("ddca_get_display_ref(%s): %s", spec, lib.rc_name(rc));
                return status_to_errno(rc) == -EINVAL ? -EINVAL : -ENODEV;
        }
        rc = lib.open_display2(dref, false, &dh);
        if (rc != 0) {
                log_debug("ddca_open_display2(%s): %s", spec, lib.rc_name(rc));
                return status_to_errno(rc) == -ENODEV ? -EIO : status_to_errno(rc);
        }
        const char *repr = lib.dref_repr(dref);
        *desc = xasprintf("monitor %s (%s)", spec, repr ? repr : "?");
        *ret = dh;
        return 0;
}

static int ddcutil_set(DdcBackend *b, void *display, uint8_t value) {
        DDCA_Status rc = lib.set_vcp(display, VCP_INPUT_SOURCE, 0, value);
        if (rc != 0)
                log_debug("ddca_set_non_table_vcp_value: %s", lib.rc_name(rc));
        return status_to_errno(rc);
}

static int ddcutil_get(DdcBackend *b, void *display, uint8_t *ret) {
        DDCA_Non_Table_Vcp_Value v;
        DDCA_Status rc = lib.get_vcp(display, VCP_INPUT_SOURCE, &v);
        if (rc != 0) {
                log_debug("ddca_get_non_table_vcp_value: %s", lib.rc_name(rc));
                return status_to_errno(rc);
        }
        *ret = v.sl;
        return 0;
}

static void ddcutil_close(DdcBackend *b, void *display) {
        lib.close_display(display);
}

static void ddcutil_free(DdcBackend *b) {
        free(b);
}

DdcBackend *ddc_backend_ddcutil_new(void) {
        DdcBackend *b = xmalloc(sizeof *b);
        *b = (DdcBackend){ .name = "ddcutil",
                           .open = ddcutil_open,
                           .set_input = ddcutil_set,
                           .get_input = ddcutil_get,
                           .close = ddcutil_close,
                           .free = ddcutil_free };
        return b;
}
