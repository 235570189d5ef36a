/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "output.h"

int json_mode_parse(const char *arg, JsonMode *ret) {
        if (!arg)
                *ret = isatty(STDOUT_FILENO) ? JSON_MODE_PRETTY : JSON_MODE_SHORT;
        else if (strcmp(arg, "pretty") == 0)
                *ret = JSON_MODE_PRETTY;
        else if (strcmp(arg, "short") == 0)
                *ret = JSON_MODE_SHORT;
        else
                return log_error_errno(EINVAL, "--json=%s: the mode is \"pretty\" or \"short\".", arg);
        return 0;
}

int parse_show_options(int argc, char *argv[], void (*help)(FILE *f), JsonMode *ret_json) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", optional_argument, NULL, ARG_JSON },
                {},
        };
        int c;

        *ret_json = JSON_MODE_OFF;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help(stdout);
                        return 1;
                case ARG_JSON:
                        if (json_mode_parse(optarg, ret_json) < 0)
                                return -EINVAL;
                        break;
                default:
                        help(stderr);
                        return -EINVAL;
                }
        return 0;
}

int json_print(const JsonValue *v, JsonMode mode) {
        _cleanup_free_ char *text = mode == JSON_MODE_PRETTY ? json_format_pretty(v) : json_format(v);
        if (puts(text) < 0 || fflush(stdout) != 0)
                return log_error_errno(EIO, "Failed to write the JSON output: %m");
        return 0;
}

bool colors_enabled(void) {
        static int cached = -1;
        if (cached < 0) {
                const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
                cached = isatty(STDOUT_FILENO) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
        }
        return cached;
}

#define ANSI(name, seq)                                                                                                \
        const char *name(void) {                                                                                       \
                return colors_enabled() ? seq : "";                                                                    \
        }
ANSI(ansi_red, "\x1b[0;1;31m")
ANSI(ansi_green, "\x1b[0;1;32m")
ANSI(ansi_yellow, "\x1b[0;1;33m")
ANSI(ansi_bold, "\x1b[0;1;39m")
ANSI(ansi_normal, "\x1b[0m")

const char *ansi_for_state(const char *state) {
        if (!state)
                return "";
        if (strcmp(state, "failed") == 0)
                return ansi_red();
        if (strcmp(state, "active") == 0)
                return ansi_green();
        if (strcmp(state, "activating") == 0 || strcmp(state, "deactivating") == 0 || strcmp(state, "reloading") == 0)
                return ansi_yellow();
        return "";
}

size_t text_width(const char *s) {
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                n += (*p & 0xc0) != 0x80;
        return n;
}

void print_cell(const char *s, size_t width, const char *color, const char *sep) {
        size_t w = text_width(s);
        bool colored = color && *color;

        if (colored)
                fputs(color, stdout);
        if (w <= width) {
                fputs(s, stdout);
                if (colored)
                        fputs(ansi_normal(), stdout);
                if (!strchr(sep, '\n')) /* a cell that ends the line is not padded */
                        printf("%*s", (int) (width - w), "");
        } else {
                /* Cut at a character boundary, leaving room for "...". */
                size_t keep = width > 3 ? width - 3 : 0, chars = 0;
                const char *p = s;
                for (; *p; p++) {
                        if ((*p & 0xc0) != 0x80 && chars++ == keep)
                                break;
                }
                fwrite(s, 1, (size_t) (p - s), stdout);
                fputs(width >= 3 ? "..." : "", stdout);
                if (colored)
                        fputs(ansi_normal(), stdout);
        }
        fputs(sep, stdout);
}

size_t output_width(size_t max) {
        struct winsize ws;
        if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_col < max)
                return ws.ws_col;
        return max;
}

typedef struct Capture {
        char ***errors, ***warnings;
} Capture;
static Capture capture;

static void capture_sink(int level, const char *message, void *userdata) {
        Capture *c = userdata;
        fprintf(stderr, "vxm: %s\n", message);
        if (level <= LOG_ERR && c->errors)
                strv_push(c->errors, message);
        else if (level == LOG_WARNING && c->warnings)
                strv_push(c->warnings, message);
}

void log_capture_begin(char ***errors, char ***warnings) {
        capture = (Capture){ errors, warnings };
        log_set_sink(capture_sink, &capture);
}

void log_capture_end(void) {
        log_set_sink(NULL, NULL);
}
