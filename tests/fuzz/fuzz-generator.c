/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-generator's drop-in writer, run in-process on the fuzzed guest of fuzz-guest.h next to a fixed guest "other"
 * that shares 0000:03:00.0 with it. The drop-ins are read back by a reader of systemd's unit file syntax written
 * here (src/shared/conf-parser.c and extract-word.c as of systemd 252; with FUZZ_SYSTEMD_ANALYZE=1, the test
 * fuzz-generator-systemd, it is checked against `systemd-analyze verify` on every input), and must satisfy:
 *   - no line holds more than one directive: every physical line is blank, a comment, a section header or exactly
 *     one KEY=VALUE with a known key; none continues onto the next line, none holds CR or NUL, all are UTF-8;
 *   - every value reads back unchanged: Description=, SourcePath=, User=, and each disk's ReadWritePaths= or
 *     DeviceAllow= word are, as systemd reads them (unquoted, specifiers expanded, paths simplified), exactly what
 *     the loader gave; systemd would refuse none of them;
 *   - a guest the loader refuses gets no units, and the other guest still gets its own.
 * The generator's source is compiled into this harness (its main() renamed), so what runs is the product code. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "config/config.h"
#include "fuzz-guest.h"
#include "fuzz.h"

#define main vxm_generator_main
#include "../../generator/vxm-generator.c"
#undef main

/* --- a reader of systemd's unit file syntax --- */

typedef struct Directive {
        char *section, *key, *value;
        unsigned line;
} Directive;

typedef struct Unit {
        Directive *d;
        size_t n;
} Unit;

static void unit_free(Unit *u) {
        for (size_t i = 0; i < u->n; i++) {
                free(u->d[i].section);
                free(u->d[i].key);
                free(u->d[i].value);
        }
        free(u->d);
}

/* Every directive the generator writes. A new one must be added here, after making sure its value reads back. */
static const char *const known_keys[] = {
        "SourcePath",  "Description",    "Requires",    "After",          "Wants",
        "Conflicts",   "OnFailure",      "User",        "TimeoutStopSec", "LimitMEMLOCK",
        "DeviceAllow", "ReadWritePaths", "ProtectHome", "PrivateNetwork", NULL,
};

static char *strip(char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                s[--n] = '\0';
        return s;
}

/* The property "one directive per line" is checked on the physical lines, before any joining, so the reader does
 * not need to implement continuation: a line that would continue is a violation. */
static void read_unit(const char *file, const char *content, size_t size, Unit *ret) {
        fuzz_check(memchr(content, '\0', size) == NULL && memchr(content, '\r', size) == NULL,
                   "%s holds a NUL or CR byte (systemd ends a line there)", file);
        fuzz_check(utf8_is_valid_n(content, size), "%s is not UTF-8 (systemd ignores such a line)", file);
        fuzz_check(size > 0 && content[size - 1] == '\n', "%s does not end with a newline", file);

        *ret = (Unit){};
        _cleanup_free_ char *section = NULL;
        unsigned line = 0;
        for (const char *p = content; *p;) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *raw = xstrndup(p, (size_t) (nl - p));
                p = nl + 1;
                line++;

                size_t backslashes = 0;
                for (size_t i = strlen(raw); i > 0 && raw[i - 1] == '\\'; i--)
                        backslashes++;
                char *l = strip(raw);
                if (!*l || *l == '#' || *l == ';')
                        continue;
                fuzz_check(backslashes % 2 == 0, "%s:%u continues onto the next line: %s", file, line, raw);
                if (*l == '[') {
                        fuzz_check(strcmp(l, "[Unit]") == 0 || strcmp(l, "[Service]") == 0, "%s:%u: section %s", file,
                                   line, l);
                        free(section);
                        section = xstrdup(l);
                        continue;
                }
                char *eq = strchr(l, '=');
                fuzz_check(eq && eq != l && section, "%s:%u is not a directive in a section: %s", file, line, l);
                *eq = '\0';
                const char *key = strip(l);
                size_t k = 0;
                while (known_keys[k] && strcmp(known_keys[k], key) != 0)
                        k++;
                fuzz_check(known_keys[k], "%s:%u: unexpected key %s=", file, line, key);
                ret->d = xrealloc(ret->d, (ret->n + 1) * sizeof *ret->d);
                ret->d[ret->n++] = (Directive){ xstrdup(section), xstrdup(key), xstrdup(strip(eq + 1)), line };
        }
}

/* Specifier expansion as systemd does it for these keys: "%%" is '%'; the generator never means another. */
static char *expand_specifiers(const char *s, const char *what) {
        char *out = xmalloc(strlen(s) + 1), *o = out;
        for (; *s; s++) {
                if (*s == '%') {
                        fuzz_check(s[1] == '%', "%s: '%%%c' would be expanded as a specifier", what, s[1]);
                        s++;
                }
                *o++ = *s;
        }
        *o = '\0';
        return out;
}

/* extract_first_word(EXTRACT_UNQUOTE): words split at blanks; '"' and '\'' quote; a backslash takes the next
 * character literally, inside quotes too. Returns NULL at the end; aborts on unbalanced quoting (systemd would
 * refuse the whole value). */
static char *next_word(const char **p, const char *what) {
        const char *s = *p;
        while (*s == ' ' || *s == '\t')
                s++;
        if (!*s)
                return NULL;
        char *out = xmalloc(strlen(s) + 1), *o = out;
        char quote = 0;
        for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
                if (*s == '\\') {
                        fuzz_check(s[1], "%s: a trailing backslash", what);
                        *o++ = *++s;
                } else if (quote && *s == quote)
                        quote = 0;
                else if (!quote && (*s == '"' || *s == '\''))
                        quote = *s;
                else
                        *o++ = *s;
        }
        fuzz_check(!quote, "%s: unbalanced quoting", what);
        *o = '\0';
        *p = s;
        return out;
}

/* systemd's path_simplify() and path_is_normalized(): what a path setting turns into, or NULL when systemd refuses
 * it ("path is not normalized"). */
static char *systemd_path(const char *path) {
        if (path[0] != '/')
                return NULL;
        char *out = xmalloc(strlen(path) + 2), *o = out;
        for (const char *s = path; *s;) {
                while (*s == '/')
                        s++;
                const char *e = strchrnul(s, '/');
                size_t n = (size_t) (e - s);
                if (n == 2 && s[0] == '.' && s[1] == '.') {
                        free(out);
                        return NULL;
                }
                if (n > 0 && !(n == 1 && s[0] == '.')) {
                        *o++ = '/';
                        memcpy(o, s, n);
                        o += n;
                }
                s = e;
        }
        if (o == out)
                *o++ = '/';
        *o = '\0';
        return out;
}

/* --- the generator's output against the guest --- */

static char *read_output(const char *rel, size_t *ret_size) {
        _cleanup_free_ char *p = xasprintf("%s/out/%s", fuzz_root(), rel);
        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        char *buf = xmalloc(1 << 16);
        ssize_t n = read(fd, buf, (1 << 16) - 1);
        fuzz_check(n >= 0 && n < (1 << 16) - 1, "%s: cannot read, or too large", rel);
        buf[n] = '\0';
        *ret_size = (size_t) n;
        return buf;
}

static const Directive *find(const Unit *u, const char *key, size_t *index) {
        for (; *index < u->n; (*index)++)
                if (strcmp(u->d[*index].key, key) == 0)
                        return &u->d[(*index)++];
        return NULL;
}

static void check_single(const Unit *u, const char *key, const char *want, const char *file) {
        size_t i = 0;
        const Directive *d = find(u, key, &i);
        fuzz_check(d, "%s: no %s=", file, key);
        fuzz_check(!find(u, key, &i), "%s: %s= twice", file, key);
        _cleanup_free_ char *v = expand_specifiers(d->value, key);
        fuzz_check(strcmp(v, want) == 0, "%s:%u: %s= reads back as \"%s\", the guest has \"%s\"", file, d->line, key, v,
                   want);
}

/* The entries of every KEY= line as systemd stores them (and `systemd-analyze verify` prints them):
 * ReadWritePaths= "[-]PATH" per word, DeviceAllow= "PATH PERM" per line. A path systemd would refuse breaks the
 * property: the setting would silently not apply. */
static char **systemd_entries(const Unit *u, const char *key) {
        char **entries = NULL;
        bool device = strcmp(key, "DeviceAllow") == 0;
        for (size_t i = 0; i < u->n; i++) {
                if (strcmp(u->d[i].key, key) != 0)
                        continue;
                const char *p = u->d[i].value;
                for (char *w; (w = next_word(&p, key));) {
                        _cleanup_free_ char *word = w;
                        _cleanup_free_ char *v = expand_specifiers(word, key);
                        bool dash = !device && v[0] == '-';
                        bool class = device && (strncmp(v, "char-", 5) == 0 || strncmp(v, "block-", 6) == 0);
                        _cleanup_free_ char *path = class ? xstrdup(v) : systemd_path(v + dash);
                        fuzz_check(path && (class || !device || strncmp(path, "/dev/", 5) == 0),
                                   "%s=%s: systemd refuses this path (not absolute, not normalized, not a device)", key,
                                   v);
                        if (!device) {
                                strv_consume(&entries, xasprintf("%s%s", dash ? "-" : "", path));
                                continue;
                        }
                        _cleanup_free_ char *perm = next_word(&p, key);
                        fuzz_check(!perm || (*perm && strspn(perm, "rwm") == strlen(perm)), "DeviceAllow=%s %s", v,
                                   perm);
                        fuzz_check(!next_word(&p, key), "DeviceAllow=%s: more than a path and permissions", v);
                        strv_consume(&entries, xasprintf("%s %s", path, perm ? perm : "rwm"));
                }
        }
        return entries;
}

/* With FUZZ_SYSTEMD_ANALYZE=1 (suite fuzz, check-unit-reader): the reader above against systemd itself. The drop-in
 * goes next to a minimal template in a scratch root, and `systemd-analyze verify` at debug level prints the unit as
 * PID 1 would load it. */
static const char *dump_field(const char *line, const char *name) {
        line += strspn(line, " \t");
        size_t n = strlen(name);
        return strncmp(line, name, n) == 0 && line[n] == ':' && line[n + 1] == ' ' ? line + n + 2 : NULL;
}

static void cross_check_systemd(const Unit *u, char **rw, char **dev) {
        _cleanup_free_ char *sa = xasprintf("%s/sa", fuzz_root());
        static const char template[] = "[Service]\nExecStart=/bin/true\n";
        fuzz_write_file("/sa/etc/systemd/system/vxm-guest@.service", template, sizeof template - 1);
        size_t size;
        _cleanup_free_ char *content = read_output("vxm-guest@fuzz.service.d/50-vxm-generator.conf", &size);
        fuzz_write_file("/sa/etc/systemd/system/vxm-guest@fuzz.service.d/50-vxm-generator.conf", content, size);

        _cleanup_free_ char *cmd =
                xasprintf("SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no --root='%s' "
                          "'%s/etc/systemd/system/vxm-guest@.service:vxm-guest@fuzz.service' 2>/dev/null",
                          sa, sa);
        FILE *f = popen(cmd, "re");
        fuzz_check(f, "cannot run systemd-analyze");
        _cleanup_strv_free_ char **got_dev = NULL;
        _cleanup_free_ char *got_rw = NULL, *got_description = NULL;
        char line[8192];
        while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = '\0';
                const char *v;
                if ((v = dump_field(line, "Description")))
                        got_description = xstrdup(v);
                else if ((v = dump_field(line, "ReadWritePaths")))
                        got_rw = xstrdup(v);
                else if ((v = dump_field(line, "DeviceAllow")))
                        strv_push(&got_dev, v);
        }
        fuzz_check(pclose(f) != -1, "systemd-analyze did not run");

        size_t i = 0;
        const Directive *d = find(u, "Description", &i);
        _cleanup_free_ char *description = expand_specifiers(d->value, "Description");
        fuzz_check(got_description && strcmp(got_description, description) == 0,
                   "systemd reads Description=\"%s\", the reader \"%s\"", got_description, description);
        size_t len = 1;
        for (char **e = rw; e && *e; e++)
                len += strlen(*e) + 1;
        _cleanup_free_ char *want_rw = xmalloc(len);
        for (char **e = rw; e && *e; e++)
                strcat(strcat(want_rw, e == rw ? "" : " "), *e);
        fuzz_check(strcmp(got_rw ? got_rw : "", want_rw) == 0, "systemd reads ReadWritePaths=\"%s\", the reader \"%s\"",
                   got_rw, want_rw);
        fuzz_check(strv_length(got_dev) == strv_length(dev), "systemd reads %zu DeviceAllow=, the reader %zu",
                   strv_length(got_dev), strv_length(dev));
        for (char **e = dev; e && *e; e++)
                fuzz_check(strv_contains(got_dev, *e), "systemd does not read DeviceAllow=%s", *e);
}

static void check_guest_unit(const Guest *g) {
        const char *file = "vxm-guest@fuzz.service.d/50-vxm-generator.conf";
        size_t size;
        _cleanup_free_ char *content = read_output(file, &size);
        fuzz_check(content, "the guest was accepted but %s was not written", file);
        Unit u;
        read_unit(file, content, size, &u);

        check_single(&u, "Description", g->description, file);
        check_single(&u, "SourcePath", g->path, file);
        check_single(&u, "User", g->user, file);

        _cleanup_strv_free_ char **rw = systemd_entries(&u, "ReadWritePaths");
        _cleanup_strv_free_ char **dev = systemd_entries(&u, "DeviceAllow");
        _cleanup_free_ char *state = xasprintf("/var/lib/vxm/%s/", g->name);
        for (size_t i = 0; i < g->n_disks; i++) {
                const GuestDisk *d = &g->disks[i];
                if (strncmp(d->path, "/dev/", 5) == 0) {
                        _cleanup_free_ char *want = xasprintf("%s %s", d->path, d->read_only ? "r" : "rw");
                        fuzz_check(strv_contains(dev, want), "Disk=%s: no DeviceAllow= that reads back as \"%s\"",
                                   d->path, want);
                } else if (!d->read_only && strncmp(d->path, state, strlen(state)) != 0) {
                        _cleanup_free_ char *want = xasprintf("-%s", d->path);
                        fuzz_check(strv_contains(rw, want), "Disk=%s: no ReadWritePaths= that reads back as \"%s\"",
                                   d->path, want);
                }
        }
        if (getenv("FUZZ_SYSTEMD_ANALYZE"))
                cross_check_systemd(&u, rw, dev);
        unit_free(&u);
}

/* Every other file the generator wrote has the same shape (one directive per line, known keys). */
static void check_all_shapes(const char *dir) {
        _cleanup_free_ char *full = xasprintf("%s/out/%s", fuzz_root(), dir);
        _cleanup_closedir_ DIR *d = opendir(full);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *rel = xasprintf("%s%s%s", dir, *dir ? "/" : "", de->d_name);
                if (de->d_type == DT_DIR) {
                        check_all_shapes(rel);
                        continue;
                }
                size_t size;
                _cleanup_free_ char *content = de->d_type == DT_REG ? read_output(rel, &size) : NULL;
                if (!content)
                        continue;
                Unit u;
                read_unit(rel, content, size, &u);
                unit_free(&u);
        }
}

/* Empties the output directory but keeps the directories (the generator remembers that it made .wants). */
static void clear_output(const char *dir) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
                if (de->d_type == DT_DIR)
                        clear_output(p);
                else
                        (void) unlink(p);
        }
}

static void setup(void) {
        static bool done;
        if (done)
                return;
        fuzz_write_file("/proc/cmdline", "quiet\n", 6);
        static const char other[] = "[Guest]\nAutostart=yes\n[PCI]\nDevice=0000:03:00.0\n";
        fuzz_write_file("/etc/vxm/other.conf", other, sizeof other - 1);
        _cleanup_free_ char *out = xasprintf("%s/out", fuzz_root());
        (void) mkdir(out, 0755);
        dest = xstrdup(out);
        dest_fd = open(out, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (dest_fd < 0)
                abort();
        fuzz_log_capture();
        done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 16384)
                return 0;
        setup();
        FuzzGuestFiles files;
        fuzz_guest_write(data, size, &files);
        clear_output(dest);
        fuzz_log_reset();

        int r = run();

        fuzz_log_reset();
        _cleanup_guest_free_ Guest *g = NULL;
        int k = guest_load("fuzz", &g);
        fuzz_check((r == 0) == (k == 0), "the generator returned %d, the loader %d", r, k);
        fuzz_check(root_exists("/out/vxm-guest@other.service.d/50-vxm-generator.conf"),
                   "the other guest got no drop-in");
        check_all_shapes("");
        if (k < 0) {
                fuzz_check(!root_exists("/out/vxm-guest@fuzz.service.d/50-vxm-generator.conf") &&
                                   !root_exists("/out/vxm-swtpm@fuzz.service.d/50-vxm-generator.conf"),
                           "a refused guest got units");
                return 0;
        }
        check_guest_unit(g);
        struct stat st;
        fuzz_check((root_lstat("/out/multi-user.target.wants/vxm-guest@fuzz.service", &st) == 0) == g->autostart,
                   "Autostart=%s but the .wants link %s", g->autostart ? "yes" : "no",
                   g->autostart ? "is missing" : "exists");
        return 0;
}
