/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "basic/json.h"

/* What the commands share for printing: --json, colours, and columns. */

typedef enum JsonMode {
        JSON_MODE_OFF,
        JSON_MODE_SHORT,  /* one line */
        JSON_MODE_PRETTY, /* indented */
} JsonMode;

/* The value of --json[=MODE]: "pretty" or "short"; NULL (no MODE) is pretty on a terminal, short otherwise.
 * -EINVAL for anything else (logged). */
int json_mode_parse(const char *arg, JsonMode *ret);
/* The one JSON object of a command, and a newline, on stdout. 0, or -EIO when stdout could not take it. */
int json_print(const JsonValue *v, JsonMode mode);

/* The options of the commands that show things (list, status, show, gpus): -h/--help and --json[=MODE]. Returns
 * 0 to go on with optind at the first argument, 1 when the help was shown (exit 0), -EINVAL on a usage error (the
 * help or a message went to stderr: exit 2). */
int parse_show_options(int argc, char *argv[], void (*help)(FILE *f), JsonMode *ret_json);
/* Their help text for --json. */
#define OPTION_JSON_HELP "     --json[=MODE]   JSON on stdout (MODE pretty or short; default: pretty on a terminal)\n"

/* Colours only when stdout is a terminal, TERM is not "dumb" and NO_COLOR is unset or empty (no-color.org). */
bool colors_enabled(void);
/* Escape sequences, or "" when colours are off. */
const char *ansi_red(void);
const char *ansi_green(void);
const char *ansi_yellow(void);
const char *ansi_bold(void);
const char *ansi_normal(void);
/* Red for failed, green for active, yellow for the states in between, nothing otherwise (systemd's ActiveState). */
const char *ansi_for_state(const char *state);

static inline size_t size_max(size_t a, size_t b) {
        return a > b ? a : b;
}

/* Columns on the screen that s takes: one per UTF-8 character (vxm prints no wide characters). */
size_t text_width(const char *s);
/* s in exactly width columns: cut with "..." when longer, padded with spaces when shorter (unless sep ends the line),
 * coloured with color (NULL or "": none) and followed by sep. */
void print_cell(const char *s, size_t width, const char *color, const char *sep);
/* The width the output may take: the terminal's when stdout is one (at most max), else max. */
size_t output_width(size_t max);

/* Loader messages for --json: between begin and end, every message at warning level or worse is printed on stderr
 * as usual and also kept, errors in *errors and warnings in *warnings (both may be NULL). */
void log_capture_begin(char ***errors, char ***warnings);
void log_capture_end(void);
