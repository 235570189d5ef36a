/* SPDX-License-Identifier: BSD-3-Clause */
/* The real DDC backend: libddcutil (1.4 API), loaded with dlopen() only when a monitor is actually switched or probed.
 * The library probes every I2C bus and DRM connector when it is loaded and prints about what it finds, which slows down
 * and clutters every run that has nothing to switch (and `--help`); and a host without it can still run guests that
 * do not use [Display].
 *
 * libddcutil returns its own status codes (DDCRC_*, -3001 and below) mixed with negative errnos from the I2C layer;
 * everything here turns them into a negative errno for the caller and a sentence in b->error that says what happened
 * at the monitor, with ddcutil's name of the code for searching. */
#include <ddcutil_c_api.h>
#include <ddcutil_status_codes.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "host/ddc.h"

#define LIBDDCUTIL "libddcutil.so.4"
/* The display number libddcutil 1.4 gives a display whose DDC/CI address another driver holds (not in its headers). */
#define DISPNO_BUSY (-4)

static struct {
        void *dl;
        __typeof__(ddca_rc_name) *rc_name;
        __typeof__(ddca_set_fout) *set_fout;
        __typeof__(ddca_set_ferr) *set_ferr;
        __typeof__(ddca_enable_verify) *enable_verify;
        __typeof__(ddca_get_error_detail) *get_error_detail;
        __typeof__(ddca_free_error_detail) *free_error_detail;
        __typeof__(ddca_get_display_info_list2) *get_display_info_list2;
        __typeof__(ddca_free_display_info_list) *free_display_info_list;
        __typeof__(ddca_redetect_displays) *redetect_displays;
        __typeof__(ddca_open_display2) *open_display2;
        __typeof__(ddca_close_display) *close_display;
        __typeof__(ddca_set_non_table_vcp_value) *set_vcp;
        __typeof__(ddca_get_non_table_vcp_value) *get_vcp;
        __typeof__(ddca_get_capabilities_string) *get_capabilities_string;
        __typeof__(ddca_parse_capabilities_string) *parse_capabilities_string;
        __typeof__(ddca_free_parsed_capabilities) *free_parsed_capabilities;
} lib;

typedef struct Ddcutil {
        DDCA_Display_Info_List *infos;
        DdcDisplay *displays;
        size_t n_displays;
} Ddcutil;

static void set_error(DdcBackend *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(DdcBackend *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b->error, sizeof b->error, fmt, ap);
        va_end(ap);
}

static int lib_load(DdcBackend *b) {
        if (lib.dl)
                return 0;
        void *dl = dlopen(LIBDDCUTIL, RTLD_NOW | RTLD_LOCAL);
        if (!dl) {
                set_error(b, "cannot load %s (%s): install libddcutil4 to switch monitor inputs", LIBDDCUTIL,
                          dlerror());
                return -EOPNOTSUPP;
        }
#define SYM(field, name)                                                                                               \
        if (!(*(void **) &lib.field = dlsym(dl, #name))) {                                                             \
                set_error(b, "%s has no %s: libddcutil 1.4 or newer is needed", LIBDDCUTIL, #name);                    \
                dlclose(dl);                                                                                           \
                return -EOPNOTSUPP;                                                                                    \
        }
        SYM(rc_name, ddca_rc_name);
        SYM(set_fout, ddca_set_fout);
        SYM(set_ferr, ddca_set_ferr);
        SYM(enable_verify, ddca_enable_verify);
        SYM(get_error_detail, ddca_get_error_detail);
        SYM(free_error_detail, ddca_free_error_detail);
        SYM(get_display_info_list2, ddca_get_display_info_list2);
        SYM(free_display_info_list, ddca_free_display_info_list);
        SYM(redetect_displays, ddca_redetect_displays);
        SYM(open_display2, ddca_open_display2);
        SYM(close_display, ddca_close_display);
        SYM(set_vcp, ddca_set_non_table_vcp_value);
        SYM(get_vcp, ddca_get_non_table_vcp_value);
        SYM(get_capabilities_string, ddca_get_capabilities_string);
        SYM(parse_capabilities_string, ddca_parse_capabilities_string);
        SYM(free_parsed_capabilities, ddca_free_parsed_capabilities);
#undef SYM
        lib.dl = dl;
        /* Its own messages would duplicate ours without the context; keep them for debugging. */
        if (log_get_max_level() < LOG_DEBUG) {
                lib.set_fout(NULL);
                lib.set_ferr(NULL);
        }
        /* We read back ourselves, over a longer window: ddcutil's own verification would double the I2C traffic and
         * fail a switch that a monitor only reports after a second. */
        (void) lib.enable_verify(false);
        return 0;
}

/* What a libddcutil status code means at the monitor, and the errno the rest of vxm sees. */
static const struct {
        DDCA_Status rc;
        int err;
        const char *what;
} statuses[] = {
        { DDCRC_DDC_DATA, EBADMSG, "the monitor's reply was garbled (wrong checksum, length or address)" },
        { DDCRC_NULL_RESPONSE, ENODATA, "the monitor answered with a DDC/CI Null Message (it had nothing to say)" },
        { DDCRC_ALL_RESPONSES_NULL, ENODATA,
          "the monitor answered every try with a DDC/CI Null Message: it does not support this, or is busy" },
        { DDCRC_MULTI_PART_READ_FRAGMENT, EBADMSG, "a part of the monitor's multi-part reply was garbled" },
        { DDCRC_ALL_TRIES_ZERO, EBADMSG, "the monitor's replies were all zero bytes" },
        { DDCRC_READ_ALL_ZERO, EBADMSG, "the monitor's reply was all zero bytes" },
        { DDCRC_REPORTED_UNSUPPORTED, EOPNOTSUPP, "the monitor says it does not support this feature" },
        { DDCRC_DETERMINED_UNSUPPORTED, EOPNOTSUPP, "the monitor does not support this feature" },
        { DDCRC_RETRIES, EIO, "the monitor did not answer correctly in any of libddcutil's tries" },
        { DDCRC_EDID, EIO, "the monitor's EDID could not be read" },
        { DDCRC_READ_EDID, EIO, "the monitor's EDID could not be read" },
        { DDCRC_INVALID_EDID, EBADMSG, "the monitor's EDID is invalid" },
        { DDCRC_ARG, EINVAL, "libddcutil refused an argument" },
        { DDCRC_INVALID_OPERATION, EPERM, "libddcutil refused the operation (e.g. writing a read-only feature)" },
        { DDCRC_UNIMPLEMENTED, ENOSYS, "this libddcutil does not implement the operation" },
        { DDCRC_UNINITIALIZED, EIO, "libddcutil is not initialized" },
        { DDCRC_UNKNOWN_FEATURE, EOPNOTSUPP, "libddcutil does not know this feature" },
        { DDCRC_INTERPRETATION_FAILED, EBADMSG, "the monitor's value could not be interpreted" },
        { DDCRC_MULTI_FEATURE_ERROR, EIO, "one of several features failed" },
        { DDCRC_INVALID_DISPLAY, ENODEV,
          "the monitor does not answer DDC/CI (off, asleep, or DDC/CI disabled in its on-screen menu)" },
        { DDCRC_INTERNAL_ERROR, EIO, "libddcutil failed internally" },
        { DDCRC_OTHER, EIO, "libddcutil failed" },
        { DDCRC_VERIFY, EIO, "the value read back after the write differs" },
        { DDCRC_NOT_FOUND, ENODEV, "no such display" },
        { DDCRC_LOCKED, EBUSY, "the display is in use by another thread of this program" },
        { DDCRC_ALREADY_OPEN, EBUSY, "the display is already open" },
        { DDCRC_BAD_DATA, EBADMSG, "the monitor sent invalid data" },
};

/* The I2C layer's errnos, as they show at a monitor. */
static const char *errno_meaning(int err) {
        switch (err) {
        case EBUSY:
                return "the monitor's I2C address is claimed by a kernel driver or another program (display busy)";
        case EACCES:
        case EPERM:
                return "no permission to open the I2C bus (/dev/i2c-N); run as root";
        case ENXIO:
        case EREMOTEIO:
                return "the monitor did not acknowledge on the I2C bus (off, unplugged, or DDC/CI disabled)";
        case ETIMEDOUT:
                return "the I2C transfer timed out";
        case ENOENT:
        case ENODEV:
                return "the I2C bus is gone";
        default:
                return NULL;
        }
}

/* Maps rc to -errno and says in b->error what it means; what: the operation, for the message. */
static int status(DdcBackend *b, DDCA_Status rc, const char *what) {
        if (rc == 0)
                return 0;
        const char *name = lib.rc_name(rc) ?: "?";
        int err = EIO;
        const char *meaning = NULL;
        for (size_t i = 0; i < ELEMENTSOF(statuses); i++)
                if (statuses[i].rc == rc) {
                        err = statuses[i].err;
                        meaning = statuses[i].what;
                }
        if (!meaning && rc < 0 && rc > -RCRANGE_DDC_START) {
                err = -rc;
                meaning = errno_meaning(err) ?: strerror(err);
        }
        if (!meaning)
                meaning = "unknown libddcutil status";

        /* After several tries, the causes say more than "retries" (e.g. a garbled reply each time). */
        char causes[96] = "";
        DDCA_Error_Detail *detail = lib.get_error_detail();
        if (detail && detail->status_code == rc && detail->cause_ct > 0) {
                DDCA_Status last = detail->causes[detail->cause_ct - 1]->status_code;
                snprintf(causes, sizeof causes, "; %u tries, the last: %s", detail->cause_ct, lib.rc_name(last) ?: "?");
        }
        if (detail)
                lib.free_error_detail(detail);
        set_error(b, "%s: %s (%s%s)", what, meaning, name, causes);
        log_debug("libddcutil: %s: %s (%d)", what, name, rc);
        return -err;
}

static void infos_free(Ddcutil *u) {
        if (u->infos)
                lib.free_display_info_list(u->infos);
        u->infos = NULL;
        free(u->displays);
        u->displays = NULL;
        u->n_displays = 0;
}

static int ddcutil_list(DdcBackend *b, bool rescan, const DdcDisplay **ret, size_t *ret_n) {
        Ddcutil *u = b->userdata;
        int r = lib_load(b);
        if (r < 0)
                return r;
        if (rescan && u->infos) {
                infos_free(u);
                r = status(b, lib.redetect_displays(), "looking for displays again");
                if (r < 0)
                        return r;
        }
        if (!u->infos) {
                /* Displays that do not answer DDC/CI are included (dispno -1): a monitor with DDC/CI switched off is
                 * "there, but mute", not "not there". */
                r = status(b, lib.get_display_info_list2(true, &u->infos), "looking for displays");
                if (r < 0)
                        return r;
                u->displays = xmalloc((size_t) (u->infos->ct + 1) * sizeof *u->displays);
                for (int i = 0; i < u->infos->ct; i++) {
                        const DDCA_Display_Info *info = &u->infos->info[i];
                        DdcDisplay *d = &u->displays[u->n_displays++];
                        *d = (DdcDisplay){ .bus = info->path.io_mode == DDCA_IO_I2C ? info->path.path.i2c_busno : -1,
                                           .dispno = info->dispno > 0 ? info->dispno : -1,
                                           .busy = info->dispno == DISPNO_BUSY,
                                           .ref = info->dref };
                        snprintf(d->mfg, sizeof d->mfg, "%s", info->mfg_id);
                        snprintf(d->model, sizeof d->model, "%s", info->model_name);
                        snprintf(d->serial, sizeof d->serial, "%s", info->sn);
                        memcpy(d->edid, info->edid_bytes, sizeof d->edid);
                }
        }
        *ret = u->displays;
        *ret_n = u->n_displays;
        return 0;
}

/* libddcutil looks at /dev/i2c-N itself, not through VXM_ROOT: so does this count. */
static int ddcutil_count_buses(DdcBackend *b) {
        _cleanup_closedir_ DIR *d = opendir("/dev");
        struct dirent *de;
        int n = 0;
        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, "i2c-", 4) == 0)
                        n++;
        return n;
}

static int ddcutil_open(DdcBackend *b, const DdcDisplay *d, void **ret) {
        DDCA_Display_Handle dh = NULL;
        int r = status(b, lib.open_display2(d->ref, false, &dh), "opening the display");
        if (r < 0)
                return r;
        *ret = dh;
        return 0;
}

static int ddcutil_set(DdcBackend *b, void *h, uint8_t feature, uint16_t value) {
        char what[48];
        snprintf(what, sizeof what, "setting feature 0x%02x", feature);
        return status(b, lib.set_vcp(h, feature, (uint8_t) (value >> 8), (uint8_t) value), what);
}

static int ddcutil_get(DdcBackend *b, void *h, uint8_t feature, uint16_t *ret) {
        DDCA_Non_Table_Vcp_Value v;
        char what[48];
        snprintf(what, sizeof what, "reading feature 0x%02x", feature);
        int r = status(b, lib.get_vcp(h, feature, &v), what);
        if (r < 0)
                return r;
        *ret = (uint16_t) (v.sh << 8 | v.sl);
        return 0;
}

static int ddcutil_capabilities(DdcBackend *b, void *h, uint8_t feature, uint8_t **ret_values, size_t *ret_n,
                                char **ret_raw) {
        _cleanup_free_ char *raw = NULL;
        DDCA_Capabilities *caps = NULL;
        int r = status(b, lib.get_capabilities_string(h, &raw), "reading the capabilities string");
        if (r < 0)
                return r;
        r = status(b, lib.parse_capabilities_string(raw, &caps), "parsing the capabilities string");
        if (r < 0)
                return r;
        r = -EOPNOTSUPP;
        set_error(b, "the capabilities string does not list feature 0x%02x", feature);
        for (int i = 0; i < caps->vcp_code_ct; i++) {
                const DDCA_Cap_Vcp *c = &caps->vcp_codes[i];
                if (c->feature_code != feature)
                        continue;
                uint8_t *values = xmalloc((size_t) c->value_ct + 1);
                if (c->value_ct > 0)
                        memcpy(values, c->values, (size_t) c->value_ct);
                *ret_values = values;
                *ret_n = (size_t) c->value_ct;
                b->error[0] = '\0';
                r = 0;
        }
        lib.free_parsed_capabilities(caps);
        if (ret_raw)
                *ret_raw = TAKE_PTR(raw);
        return r;
}

static void ddcutil_close(DdcBackend *b, void *h) {
        (void) lib.close_display(h);
}

static void ddcutil_free(DdcBackend *b) {
        Ddcutil *u = b->userdata;
        if (lib.dl)
                infos_free(u);
        free(u);
        free(b);
}

DdcBackend *ddc_backend_ddcutil_new(void) {
        DdcBackend *b = xmalloc(sizeof *b);
        *b = (DdcBackend){ .name = "libddcutil",
                           .list = ddcutil_list,
                           .count_buses = ddcutil_count_buses,
                           .open = ddcutil_open,
                           .set_vcp = ddcutil_set,
                           .get_vcp = ddcutil_get,
                           .capabilities = ddcutil_capabilities,
                           .close = ddcutil_close,
                           .free = ddcutil_free,
                           .userdata = xmalloc(sizeof(Ddcutil)) };
        *(Ddcutil *) b->userdata = (Ddcutil){};
        return b;
}

DdcBackend *ddc_backend_new(void) {
        const char *fake = getenv("VXM_DDC_FAKE");
        return fake && *fake ? ddc_backend_fake_new(fake) : ddc_backend_ddcutil_new();
}
