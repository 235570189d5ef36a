/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Records of host changes under /run/vxm/.state/ (through the root prefix): one KEY=VALUE per line, written atomically,
 * so a helper that is killed half-way leaves either the old record or the new one, never a torn one. A record is
 * written *before* the change it describes and removed only after the change has been undone. */

typedef struct StateFile {
        char **keys;
        char **values;
        unsigned *lines; /* line of each key in the parsed text, 0 when set by the program */
        size_t n;
        char *comment; /* written first, as '#' lines (what the record is for); not read back */
} StateFile;

/* The canonical record path for helper KIND and instance NAME: /run/vxm/.state/KIND/NAME (like vxm-vfio's
 * /run/vxm/.state/vfio/BDF).
 */
char *state_file_path(const char *kind, const char *name);
/* Directory holding all records of KIND (to look at other guests' records). */
char *state_file_dir(const char *kind);

StateFile *state_file_new(void);
StateFile *state_file_free(StateFile *s);
static inline void state_file_freep(StateFile **s) {
        state_file_free(*s);
}
#define _cleanup_state_file_free_ __attribute__((cleanup(state_file_freep)))

/* The one record format: KEY=VALUE lines; '#' comments and blank lines are skipped, the last line may lack its
 * newline, a later KEY replaces an earlier one. Returns 0, or -EBADMSG for a line without '=' or with an empty key,
 * and then sets *ret_bad_line (when not NULL) to its number. */
int state_file_parse(const char *text, StateFile **ret, unsigned *ret_bad_line);
/* The file's text: the comment, then one KEY=VALUE per line. -EINVAL for what would not read back: a key that is
 * empty, starts with '#', or holds '=' or a newline; a value with a newline. */
int state_file_format(const StateFile *s, char **ret);
/* Reads and parses path. Returns 0, -ENOENT when there is no record, -EBADMSG for a malformed line, or -errno. */
int state_file_load(const char *path, StateFile **ret);
/* For the undo step: the same, but when there is no record, also removes the temp file that a writer killed during
 * the record's first write may have left (that writer had changed nothing yet, so there is nothing else to undo). */
int state_file_load_for_undo(const char *path, StateFile **ret);
/* Creates the parent directories (0755) and atomically replaces path (0644). */
int state_file_save(const char *path, const StateFile *s);
/* Removes the record; a missing one is fine. */
int state_file_remove(const char *path);

/* Values must not contain newlines (asserted by returning -EINVAL from save). */
void state_file_set(StateFile *s, const char *key, const char *value);
void state_file_setf(StateFile *s, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *state_file_get(const StateFile *s, const char *key);
/* The line KEY was read from (for messages about a damaged record); 0 when absent or set by the program. */
unsigned state_file_line(const StateFile *s, const char *key);
/* -ENOENT if absent, -EBADMSG if not a number. */
int state_file_get_u64(const StateFile *s, const char *key, uint64_t *ret);
int state_file_get_int(const StateFile *s, const char *key, int *ret);

/* The first other instance of KIND (not self) whose record matches, e.g. another guest that already holds a device;
 * NULL when none. Returns the instance name (malloc'd). */
typedef bool (*StateFileMatch)(const StateFile *s, const void *userdata);
char *state_file_find_other(const char *kind, const char *self, StateFileMatch match, const void *userdata);

/* Every instance of KIND whose record matches (e.g. all records a guest owns), sorted by name; NULL when none. */
char **state_file_find_all(const char *kind, StateFileMatch match, const void *userdata);
/* A StateFileMatch: the record's OWNER= is the guest named by owner (a const char *). */
bool state_file_owned_by(const StateFile *s, const void *owner);
