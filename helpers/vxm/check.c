/* SPDX-License-Identifier: BSD-3-Clause */
/* The findings framework of vxm check (check.h): runs the registered checks over the host and the guests, collects
 * their findings and prints them as text or JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "check.h"
#include "output.h"
#include "host/pci-names.h"

/* The registry: one CHECK(name) line per check in check-list.h, in report order. */
#define CHECK(name) extern const Check check_##name;
#include "check-list.h"
#undef CHECK
#define CHECK(name) &check_##name,
const Check *const check_registry[] = {
#include "check-list.h"
        NULL,
};
#undef CHECK

typedef struct Finding {
        const char *id;
        Verdict verdict;
        char *subject;
        char *guest; /* NULL for host findings */
        char *message;
        char *hint;
        size_t section; /* index into CheckRun.sections, for the text output's headings */
} Finding;

typedef struct CheckRun {
        Finding *findings;
        size_t n;
        char **sections; /* "Host", "Guest win (/etc/vxm/win.conf)" */
        char **log;      /* what lib/ logged during the running check */
        unsigned count[3];
} CheckRun;

static const char *const verdict_names[] = { [VERDICT_OK] = "ok", [VERDICT_WARN] = "warn", [VERDICT_FAIL] = "fail" };

void check_finding(CheckContext *c, Verdict v, const char *subject, const char *hint, const char *fmt, ...) {
        CheckRun *run = c->run;
        va_list ap;
        va_start(ap, fmt);
        char *message;
        if (vasprintf(&message, fmt, ap) < 0)
                abort();
        va_end(ap);

        if (!subject)
                subject = c->guest_name ? c->guest_name : "host";
        run->findings = xrealloc(run->findings, (run->n + 1) * sizeof *run->findings);
        run->findings[run->n++] = (Finding){
                .id = c->check->id,
                .verdict = v,
                .subject = xstrdup(subject),
                .guest = c->guest_name ? xstrdup(c->guest_name) : NULL,
                .message = message,
                .hint = hint && v != VERDICT_OK ? xstrdup(hint) : NULL,
                .section = strv_length(run->sections) - 1,
        };
        run->count[v]++;
}

static void capture(int level, const char *message, void *userdata) {
        CheckRun *run = userdata;
        if (level <= LOG_WARNING)
                strv_push(&run->log, message);
}

char *check_take_log(CheckContext *c) {
        CheckRun *run = c->run;
        if (!run->log)
                return NULL;
        size_t len = 1;
        for (size_t i = 0; run->log[i]; i++)
                len += strlen(run->log[i]) + 1;
        char *s = xmalloc(len), *e = s;
        *e = '\0';
        for (size_t i = 0; run->log[i]; i++)
                e = stpcpy(stpcpy(e, i > 0 ? "\n" : ""), run->log[i]);
        run->log = strv_free(run->log);
        return s;
}

static void run_one(CheckContext *c, const Check *check) {
        c->check = check;
        log_set_sink(capture, c->run);
        check->run(c);
        log_set_sink(NULL, NULL);
        /* What the check did not use still deserves to be seen, next to the output it explains. */
        for (size_t i = 0; c->run->log && c->run->log[i]; i++)
                fprintf(stderr, "vxm: %s\n", c->run->log[i]);
        c->run->log = strv_free(c->run->log);
}

static void run_scope(CheckContext *c, CheckScope scope) {
        for (size_t i = 0; check_registry[i]; i++)
                if (check_registry[i]->scope == scope)
                        run_one(c, check_registry[i]);
}

static void run_devices(CheckContext *c, const Guest *g) {
        for (size_t d = 0; d < g->n_devices; d++) {
                _cleanup_pci_device_free_ PciDevice *dev = NULL;
                if (pci_device_load(&g->devices[d].address, &dev) < 0)
                        continue; /* check_pci_device reported it */
                _cleanup_free_ char *label = xasprintf("%s %s", dev->bdf, dev->name ? dev->name : "");
                c->device = &g->devices[d];
                c->dev = dev;
                c->label = label;
                run_scope(c, CHECK_DEVICE);
                c->device = NULL;
                c->dev = NULL;
                c->label = NULL;
        }
}

static void capture_with_level(int level, const char *message, void *userdata) {
        if (level <= LOG_WARNING)
                strv_consume(userdata, xasprintf("%d\t%s", level, message));
}

/* Loads a guest with the loader's messages captured, as "LEVEL\tmessage" lines for the config check. */
static int load_guest(const char *name, Guest **ret, char ***ret_log) {
        char **lines = NULL;
        log_set_sink(capture_with_level, &lines);
        int r = guest_load(name, ret);
        log_set_sink(NULL, NULL);
        *ret_log = lines;
        return r;
}

static void check_guest(CheckRun *run, const char *name) {
        _cleanup_guest_free_ Guest *g = NULL;
        _cleanup_strv_free_ char **load_log = NULL;
        int r = load_guest(name, &g, &load_log);

        strv_consume(&run->sections, g ? xasprintf("Guest %s (%s)", name, g->path) : xasprintf("Guest %s", name));
        CheckContext c = { .run = run, .guest_name = name, .guest = g, .load_log = load_log, .load_error = r };
        bool devices_done = false;
        for (size_t i = 0; check_registry[i]; i++) {
                const Check *k = check_registry[i];
                if (k->scope == CHECK_CONFIG || (k->scope == CHECK_GUEST && g))
                        run_one(&c, k);
                else if (k->scope == CHECK_DEVICE && g && !devices_done) {
                        /* All device checks run where the first of them is listed, device by device. */
                        run_devices(&c, g);
                        devices_done = true;
                }
        }
}

static void print_indented(const char *s, const char *indent) {
        for (const char *p = s; *p;) {
                size_t n = strcspn(p, "\n");
                printf("%.*s\n", (int) n, p);
                p += n;
                if (*p == '\n' && *++p)
                        fputs(indent, stdout);
        }
}

static void print_text(const CheckRun *run) {
        static const char *const mark[] = {
                [VERDICT_OK] = "  ok  ", [VERDICT_WARN] = " warn ", [VERDICT_FAIL] = " FAIL "
        };
        const char *indent = "         ";
        for (size_t i = 0; i < run->n; i++) {
                const Finding *f = &run->findings[i];
                if (i == 0 || f->section != run->findings[i - 1].section)
                        printf("%s%s\n", i == 0 ? "" : "\n", run->sections[f->section]);
                /* The subject is left out where the heading already says it. */
                bool plain = strcmp(f->subject, "host") == 0 || (f->guest && strcmp(f->subject, f->guest) == 0);
                printf("[%s] %s%s%s: ", mark[f->verdict], f->id, plain ? "" : " ", plain ? "" : f->subject);
                print_indented(f->message, indent);
                if (f->hint) {
                        printf("%s-> ", indent);
                        print_indented(f->hint, "            ");
                }
        }
        printf("\n%u problem%s, %u warning%s.\n", run->count[VERDICT_FAIL], run->count[VERDICT_FAIL] == 1 ? "" : "s",
               run->count[VERDICT_WARN], run->count[VERDICT_WARN] == 1 ? "" : "s");
}

/* The schema in vxm(1): version, findings (each with exactly these members), summary. */
static int print_json(const CheckRun *run, JsonMode mode) {
        _cleanup_(json_freep) JsonValue *o = json_new_object();
        JsonValue *findings = json_new_array(), *summary = json_new_object();

        json_object_append(o, "version", json_new_number(1));
        for (size_t i = 0; i < run->n; i++) {
                const Finding *f = &run->findings[i];
                JsonValue *j = json_new_object();
                json_object_append(j, "id", json_new_string(f->id));
                json_object_append(j, "verdict", json_new_string(verdict_names[f->verdict]));
                json_object_append(j, "subject", json_new_string(f->subject));
                json_object_append(j, "guest", json_new_string(f->guest));
                json_object_append(j, "message", json_new_string(f->message));
                json_object_append(j, "hint", json_new_string(f->hint));
                json_array_append(findings, j);
        }
        json_object_append(o, "findings", findings);
        json_object_append(summary, "ok", json_new_number(run->count[VERDICT_OK]));
        json_object_append(summary, "warn", json_new_number(run->count[VERDICT_WARN]));
        json_object_append(summary, "fail", json_new_number(run->count[VERDICT_FAIL]));
        json_object_append(o, "summary", summary);
        return json_print(o, mode);
}

static void run_done(CheckRun *run) {
        for (size_t i = 0; i < run->n; i++) {
                free(run->findings[i].subject);
                free(run->findings[i].guest);
                free(run->findings[i].message);
                free(run->findings[i].hint);
        }
        free(run->findings);
        strv_free(run->sections);
        strv_free(run->log);
}

int check_run_all(char **names, JsonMode json) {
        _cleanup_(run_done) CheckRun run = {};
        _cleanup_strv_free_ char **all = NULL;

        if (!names) {
                int r = guest_list(&all);
                if (r < 0)
                        return 1; /* logged */
                names = all;
        }

        strv_push(&run.sections, "Host");
        CheckContext host = { .run = &run };
        run_scope(&host, CHECK_HOST);
        for (size_t i = 0; names && names[i]; i++)
                check_guest(&run, names[i]);
        pci_names_done();

        if (json != JSON_MODE_OFF) {
                if (print_json(&run, json) < 0)
                        return 1;
        } else {
                print_text(&run);
                if (!names || !names[0])
                        printf("No guest is configured: write /etc/vxm/NAME.conf (see vxm.conf(5)), then run vxm "
                               "check NAME.\n");
        }
        return run.count[VERDICT_FAIL] > 0 ? 1 : 0;
}

void check_print_list(void) {
        static const char *const scopes[] = {
                [CHECK_HOST] = "host", [CHECK_CONFIG] = "guest", [CHECK_GUEST] = "guest", [CHECK_DEVICE] = "device"
        };
        for (size_t i = 0; check_registry[i]; i++)
                printf("%-22s %-7s %s\n", check_registry[i]->id, scopes[check_registry[i]->scope],
                       check_registry[i]->about);
}
