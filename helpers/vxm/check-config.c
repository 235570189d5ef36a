/* SPDX-License-Identifier: BSD-3-Clause */
/* The guest's configuration itself: every error and warning of the loader with its file:line, and which files the
 * precedence rules read, shadow or mask. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "basic/macro.h"
#include "check.h"
#include "config/config-files.h"

/* "/etc/vxm/win.conf:3: CPUs=lots: not a number" -> subject "/etc/vxm/win.conf:3", message "CPUs=lots: ...".
 * "/etc/vxm/win.conf: ..." -> subject the file. Anything else keeps the guest as subject. */
static void split_location(const char *msg, char **ret_subject, const char **ret_rest) {
        *ret_subject = NULL;
        *ret_rest = msg;
        if (msg[0] != '/')
                return;
        const char *colon = strstr(msg, ": ");
        if (!colon)
                return;
        *ret_subject = xstrndup(msg, (size_t) (colon - msg));
        *ret_rest = colon + 2;
}

static const char *error_hint(const char *subject, const char *message) {
        if (strstr(message, "invalid guest name"))
                return "name the guest (the NAME of /etc/vxm/NAME.conf) with letters, digits, '_', '.' and '-', not "
                       "starting with '.' or '-', at most 64 characters";
        if (subject && strchr(subject, ':'))
                return "fix this line (man 5 vxm.conf): until then vxm-generator skips the guest and every helper "
                       "refuses it";
        return "fix the file (man 5 vxm.conf): until then vxm-generator skips the guest and every helper refuses it";
}

static void report_load_log(CheckContext *c, bool *any_error) {
        for (size_t i = 0; c->load_log && c->load_log[i]; i++) {
                char *tab = strchr(c->load_log[i], '\t');
                if (!tab)
                        continue;
                int level = atoi(c->load_log[i]);
                _cleanup_free_ char *subject = NULL;
                const char *rest;
                split_location(tab + 1, &subject, &rest);
                if (level <= LOG_ERR) {
                        *any_error = true;
                        check_fail(c, subject, error_hint(subject, rest), "%s", rest);
                } else
                        check_warn(c, subject, "remove or correct the line (man 5 vxm.conf lists every key)", "%s",
                                   rest);
        }
}

static void run_config(CheckContext *c) {
        bool any_error = false;
        report_load_log(c, &any_error);

        if (c->guest) {
                const Guest *g = c->guest;
                size_t n = 0;
                while (g->dropins && g->dropins[n])
                        n++;
                check_ok(c, NULL, "%s%s loads without errors", g->path,
                         n == 0   ? ""
                         : n == 1 ? " with 1 drop-in"
                                  : " with its drop-ins");
                return;
        }
        if (c->load_error == -ENOENT) {
                ConfigFile *f = NULL;
                size_t n = 0;
                bool masked = guest_config_files(c->guest_name, &f, &n) >= 0 && n > 0 && f[0].state == CONFIG_FILE_MASK;
                config_files_free(f, n);
                if (!masked)
                        check_fail(c, NULL, "create /etc/vxm/NAME.conf (man 5 vxm.conf)",
                                   "no such guest: no %s.conf in /etc/vxm, /run/vxm or /usr/lib/vxm", c->guest_name);
                return; /* a masked guest: config-files says so */
        }
        if (!any_error) /* an error the loader did not tie to a line */
                check_fail(c, NULL, "see the messages above", "the configuration does not load: %s",
                           strerror(-c->load_error));
}
const Check check_config = { "config", CHECK_CONFIG, run_config,
                             "the guest's configuration loads; every error and warning with file:line" };

static bool winner_is_mask(const ConfigFile *f, size_t n, const char *path) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(f[i].path, path) == 0)
                        return f[i].state == CONFIG_FILE_MASK;
        return false;
}

static void run_config_files(CheckContext *c) {
        ConfigFile *f = NULL;
        size_t n = 0;
        if (guest_config_files(c->guest_name, &f, &n) < 0 || n == 0)
                return;

        for (size_t i = 0; i < n; i++) {
                const ConfigFile *x = &f[i];
                if (x->state == CONFIG_FILE_MASK && !x->dropin) {
                        _cleanup_free_ char *hint = xasprintf("remove the link (rm %s) to enable the guest", x->path);
                        check_warn(c, x->path, hint,
                                   "is a link to /dev/null: guest %s is masked, vxm-generator and the helpers "
                                   "ignore it%s",
                                   c->guest_name, i + 1 < n ? " and every file below" : "");
                        break;
                }
                if (x->state == CONFIG_FILE_MASK)
                        check_ok(c, x->path, "masks the drop-in %s of the directories below it",
                                 strrchr(x->path, '/') + 1);
                else if (x->state == CONFIG_FILE_SHADOWED && !x->dropin) {
                        _cleanup_free_ char *hint = xasprintf(
                                "edit %s (or remove one of the two); to change single keys, use a drop-in such as "
                                "/etc/vxm/%s.conf.d/50-local.conf",
                                x->winner, c->guest_name);
                        check_warn(c, x->path, hint,
                                   "is shadowed by %s, which is read instead: edits here have no "
                                   "effect",
                                   x->winner);
                } else if (x->state == CONFIG_FILE_SHADOWED && winner_is_mask(f, n, x->winner))
                        check_ok(c, x->path, "is masked by %s", x->winner);
                else if (x->state == CONFIG_FILE_SHADOWED) {
                        _cleanup_free_ char *hint = xasprintf("edit %s, or remove one of the two", x->winner);
                        check_warn(c, x->path, hint,
                                   "is shadowed by the drop-in of the same name %s, which is read instead: edits "
                                   "here have no effect",
                                   x->winner);
                }
        }

        /* What is read, in order: the first main file that is not a mask, then the drop-ins that count. */
        _cleanup_free_ char *order = NULL;
        for (size_t i = 0; i < n; i++)
                if (f[i].state == CONFIG_FILE_USED && (f[i].dropin || !order)) {
                        char *s = xasprintf("%s%s%s", order ? order : "", order ? ", then " : "", f[i].path);
                        free(order);
                        order = s;
                }
        if (order && f[0].state != CONFIG_FILE_MASK)
                check_ok(c, NULL, "reads %s", order);
        config_files_free(f, n);
}
const Check check_config_files = { "config-files", CHECK_CONFIG, run_config_files,
                                   "which configuration files are read, shadowed or masked" };
