/* SPDX-License-Identifier: BSD-3-Clause */
/* A fake monitor for the tests of the switching policy (ddc.c), kept in a file so that separate helper runs (start,
 * crash, stop) see one display. The product path (libddcutil against an emulated I2C monitor) is tested in
 * tests/helpers/ddc/; this one is for the decisions above it, and for scenarios without a monitor at all.
 *
 *   bus=5  display=1  model=U2720Q  serial=ABC123  edid=00ffffffffffff00...   (what Monitor= can match)
 *   input=0x0f                     (current value of the input feature, updated by writes)
 *   inputs=0x0f,0x11               (the values its capabilities list; none: no capabilities string)
 *   behaviour=ok|unresponsive|hang|no-readback|wrong-readback|flaky|absent|mute
 *   reply_delay_ms=N               (a slow monitor: it switches at once, but acknowledges a set only N ms later)
 *
 * Every set is appended to PATH.log as "set 0xFF 0xVV" (or "set-failed ..."), so tests check the sequence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "basic/macro.h"
#include "host/ddc.h"
#include "host/state-file.h"

typedef struct Fake {
        char *path;
        DdcDisplay *display; /* what list() returned last */
} Fake;

/* The fake's files are test files, not host paths: they are not under VXM_ROOT, so plain stdio. */
static StateFile *fake_load(Fake *f) {
        _cleanup_fclose_ FILE *in = fopen(f->path, "re");
        StateFile *s = state_file_new();
        if (!in)
                return s;
        char line[1024];
        while (fgets(line, sizeof line, in)) {
                line[strcspn(line, "\n")] = '\0';
                char *eq = strchr(line, '=');
                if (eq && line[0] != '#') {
                        *eq = '\0';
                        state_file_set(s, line, eq + 1);
                }
        }
        return s;
}

static void fake_save(Fake *f, const StateFile *s) {
        _cleanup_fclose_ FILE *out = fopen(f->path, "we");
        for (size_t i = 0; out && i < s->n; i++)
                fprintf(out, "%s=%s\n", s->keys[i], s->values[i]);
}

static void fake_log(Fake *f, const char *what, uint8_t feature, uint16_t v) {
        _cleanup_free_ char *p = xasprintf("%s.log", f->path);
        _cleanup_fclose_ FILE *out = fopen(p, "ae");
        if (out)
                fprintf(out, "%s 0x%02x 0x%02x\n", what, feature, v);
}

static const char *behaviour(const StateFile *s) {
        const char *b = state_file_get(s, "behaviour");
        return b ? b : "ok";
}

static void fake_display_free(Fake *f) {
        free(f->display);
        f->display = NULL;
}

static int fake_list(DdcBackend *b, bool rescan, const DdcDisplay **ret, size_t *ret_n) {
        Fake *f = b->userdata;
        _cleanup_(state_file_freep) StateFile *s = fake_load(f);
        uint64_t v;

        fake_display_free(f);
        *ret = NULL;
        *ret_n = 0;
        if (strcmp(behaviour(s), "absent") == 0)
                return 0;
        DdcDisplay *d = f->display = xmalloc(sizeof *d);
        *d = (DdcDisplay){ .bus = state_file_get_u64(s, "bus", &v) >= 0 ? (int) v : -1,
                           .dispno = strcmp(behaviour(s), "mute") == 0           ? -1
                                     : state_file_get_u64(s, "display", &v) >= 0 ? (int) v
                                                                                 : 1 };
        snprintf(d->model, sizeof d->model, "%s", state_file_get(s, "model") ?: "");
        snprintf(d->serial, sizeof d->serial, "%s", state_file_get(s, "serial") ?: "");
        const char *edid = state_file_get(s, "edid");
        for (size_t i = 0; edid && i < sizeof d->edid && strlen(edid) >= 2 * (i + 1); i++) {
                unsigned byte;
                if (sscanf(edid + 2 * i, "%2x", &byte) == 1)
                        d->edid[i] = (uint8_t) byte;
        }
        *ret = d;
        *ret_n = 1;
        return 0;
}

static int fake_count_buses(DdcBackend *b) {
        return 1;
}

static int fake_open(DdcBackend *b, const DdcDisplay *d, void **ret) {
        Fake *f = b->userdata;
        StateFile *s = fake_load(f);
        if (strcmp(behaviour(s), "hang") == 0)
                for (;;)
                        pause();
        *ret = s;
        return 0;
}

static int fake_set(DdcBackend *b, void *display, uint8_t feature, uint16_t value) {
        Fake *f = b->userdata;
        StateFile *s = display;
        const char *beh = behaviour(s);
        if (strcmp(beh, "unresponsive") == 0) {
                fake_log(f, "set-failed", feature, value);
                snprintf(b->error, sizeof b->error, "the fake monitor does not answer");
                return -EIO;
        }
        /* flaky: the first set fails, the next one works */
        if (strcmp(beh, "flaky") == 0 && !state_file_get(s, "flaked")) {
                state_file_set(s, "flaked", "1");
                fake_save(f, s);
                fake_log(f, "set-failed", feature, value);
                return -EIO;
        }
        state_file_setf(s, "input", "0x%02x", value);
        fake_save(f, s);
        fake_log(f, "set", feature, value);
        uint64_t delay;
        if (state_file_get_u64(s, "reply_delay_ms", &delay) >= 0)
                (void) usleep((useconds_t) (delay < 60000 ? delay : 60000) * 1000);
        return 0;
}

static int fake_get(DdcBackend *b, void *display, uint8_t feature, uint16_t *ret) {
        StateFile *s = display;
        const char *beh = behaviour(s);
        uint64_t v;
        if (strcmp(beh, "no-readback") == 0)
                return -EOPNOTSUPP;
        if (state_file_get_u64(s, "input", &v) < 0)
                return -EIO;
        *ret = strcmp(beh, "wrong-readback") == 0 ? (uint16_t) (v ^ 0x1) : (uint16_t) v;
        return 0;
}

static int fake_capabilities(DdcBackend *b, void *display, uint8_t feature, uint8_t **ret_values, size_t *ret_n,
                             char **ret_raw) {
        StateFile *s = display;
        const char *inputs = state_file_get(s, "inputs");
        if (!inputs) {
                snprintf(b->error, sizeof b->error, "the fake monitor has no capabilities string");
                return -EIO;
        }
        uint8_t *values = xmalloc(strlen(inputs) + 1);
        size_t n = 0;
        for (const char *p = inputs; *p;) {
                char *end;
                unsigned long v = strtoul(p, &end, 0);
                if (end == p)
                        break;
                values[n++] = (uint8_t) v;
                p = *end == ',' ? end + 1 : end;
        }
        *ret_values = values;
        *ret_n = n;
        if (ret_raw)
                *ret_raw = xasprintf("vcp(60(%s))", inputs);
        return 0;
}

static void fake_close(DdcBackend *b, void *display) {
        state_file_free(display);
}

static void fake_free(DdcBackend *b) {
        Fake *f = b->userdata;
        fake_display_free(f);
        free(f->path);
        free(f);
        free(b);
}

DdcBackend *ddc_backend_fake_new(const char *state_path) {
        DdcBackend *b = xmalloc(sizeof *b);
        Fake *f = xmalloc(sizeof *f);
        *f = (Fake){ .path = xstrdup(state_path) };
        *b = (DdcBackend){ .name = "the fake backend",
                           .list = fake_list,
                           .count_buses = fake_count_buses,
                           .open = fake_open,
                           .set_vcp = fake_set,
                           .get_vcp = fake_get,
                           .capabilities = fake_capabilities,
                           .close = fake_close,
                           .free = fake_free,
                           .userdata = f };
        return b;
}
