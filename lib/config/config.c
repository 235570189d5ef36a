/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "basic/safe-open.h"
#include "basic/strv.h"
#include "basic/uuid-util.h"

const char *const config_dirs[] = { "/etc/vxm", "/run/vxm", "/usr/lib/vxm", NULL };

/* inih (as Debian builds it) has a fixed 200-byte line buffer including "\r\n\0", cuts names at 49 characters and
 * calls the handler without a line number. Our reader checks every line first and counts lines, so the handler
 * knows where it is and nothing is silently misread. */
#define INI_LINE_MAX 197
#define INI_NAME_MAX 48

typedef struct Parser {
        const char *buf; /* the whole file, read at once: no stdio buffering to set up per small file */
        size_t size, pos;
        const char *file;
        unsigned line;
        unsigned errors;
        Guest *guest;
        char section[INI_NAME_MAX + 1];
} Parser;

static void parser_error(Parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void parser_error(Parser *p, const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        log_error("%s:%u: %s", p->file, p->line, msg);
        p->errors++;
}

/* Checks a raw line; returns false (after logging) if inih must not see it. */
static bool line_is_acceptable(Parser *p, const char *line, size_t len) {
        if (strlen(line) != len) {
                parser_error(p, "line contains a NUL byte");
                return false;
        }
        /* Strip one "\n" or "\r\n", no more: the reader copies the whole line into inih's 200-byte buffer. */
        size_t n = len;
        if (n > 0 && line[n - 1] == '\n')
                n--;
        if (n > 0 && line[n - 1] == '\r')
                n--;
        if (n > INI_LINE_MAX) {
                parser_error(p, "line is %zu bytes long, at most %d are allowed", n, INI_LINE_MAX);
                return false;
        }
        const char *s = line;
        if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
                s += 3;
        size_t indent = strspn(s, " \t");
        const char *t = s + indent;
        /* Blank or comment: never reaches a unit, whatever bytes it holds. Blank means nothing before the line end:
         * inih skips a leading '\r' like a blank, so "  \rKey=..." would become a continuation line. */
        if ((size_t) (t - line) >= n || *t == ';' || *t == '#')
                return true;

        /* systemd ends a unit file line at '\r' too, so a value must never carry one (or any control character)
         * into a generated unit. Tabs are whitespace. */
        for (size_t i = 0; i < n; i++)
                if (((unsigned char) line[i] < ' ' && line[i] != '\t') || line[i] == 0x7f) {
                        parser_error(p, "line contains the control character 0x%02x", (unsigned char) line[i]);
                        return false;
                }
        /* systemd ignores a unit line that is not UTF-8 (with a warning): refuse it here, where the user sees why. */
        if (!utf8_is_valid_n(line, n)) {
                parser_error(p, "line is not valid UTF-8");
                return false;
        }
        if (indent > 0) {
                parser_error(p, "indented line: continuation lines are not supported, remove the leading whitespace");
                return false;
        }
        if (*t == '[') {
                const char *close = strchr(t, ']');
                if (!close) {
                        parser_error(p, "section header without closing ']'");
                        return false;
                }
                if ((size_t) (close - t - 1) > INI_NAME_MAX) {
                        parser_error(p, "section name longer than %d characters", INI_NAME_MAX);
                        return false;
                }
                return true;
        }

        size_t key_end = strcspn(t, "=:");
        if (t[key_end] != '=') {
                parser_error(p, "expected KEY=VALUE%s", t[key_end] == ':' ? " (':' is not a separator, use '=')" : "");
                return false;
        }
        if (key_end > INI_NAME_MAX) {
                parser_error(p, "key name longer than %d characters", INI_NAME_MAX);
                return false;
        }
        return true;
}

static char *reader(char *str, int num, void *stream) {
        Parser *p = stream;
        if (p->pos >= p->size)
                return NULL;

        const char *start = p->buf + p->pos;
        const char *nl = memchr(start, '\n', p->size - p->pos);
        size_t n = nl ? (size_t) (nl - start) + 1 : p->size - p->pos;
        p->pos += n;
        p->line++;

        /* A NUL-terminated copy; an embedded NUL makes it shorter than n, which line_is_acceptable() refuses. */
        _cleanup_free_ char *line = xstrndup(start, n);

        /* A refused line reaches inih as a blank one, so it neither errors twice nor misreads it. */
        if (!line_is_acceptable(p, line, n) || num < INI_LINE_MAX + 3) {
                str[0] = '\n';
                str[1] = '\0';
                return str;
        }
        memcpy(str, line, n + 1);
        return str;
}

/* --- value parsers --- */

typedef int (*ValueParser)(Parser *p, const char *key, const char *value, void *field);

#define FIELD(member) offsetof(Guest, member)

static int parse_string_value(Parser *p, const char *key, const char *value, void *field) {
        char **s = field;
        free(*s);
        *s = *value ? xstrdup(value) : NULL;
        return 0;
}

/* A path as the units the generator writes will name it (see path_simplify_absolute()); logs why not. */
static int simplify_path(Parser *p, const char *key, const char *value, char **ret) {
        int r = path_simplify_absolute(value, ret);
        if (r == -EBADMSG)
                parser_error(p, "%s=%s: a path must not contain \"..\" (systemd refuses such paths)", key, value);
        else if (r < 0)
                parser_error(p, "%s=%s: not an absolute path", key, value);
        return r < 0 ? -EINVAL : 0;
}

static int parse_absolute_path_value(Parser *p, const char *key, const char *value, void *field) {
        _cleanup_free_ char *path = NULL;
        if (*value && simplify_path(p, key, value, &path) < 0)
                return -EINVAL;
        return parse_string_value(p, key, path ? path : "", field);
}

/* The one free-form text that goes into a unit: Description=. systemd reads a line that ends in an odd number of
 * backslashes as continued on the next one; no escaping can carry such a value through unchanged. */
static int parse_description_value(Parser *p, const char *key, const char *value, void *field) {
        size_t n = strlen(value), backslashes = 0;
        while (backslashes < n && value[n - 1 - backslashes] == '\\')
                backslashes++;
        if (backslashes % 2 == 1) {
                parser_error(p, "%s=%s: must not end in a backslash (systemd would read it as a line continuation)",
                             key, value);
                return -EINVAL;
        }
        return parse_string_value(p, key, value, field);
}

static int parse_bool_value(Parser *p, const char *key, const char *value, void *field) {
        if (parse_boolean(value, field) < 0) {
                parser_error(p, "%s=%s: not a boolean (use yes or no)", key, value);
                return -EINVAL;
        }
        return 0;
}

static int parse_memory_value(Parser *p, const char *key, const char *value, void *field) {
        uint64_t v;
        if (parse_size(value, &v) < 0) {
                parser_error(p, "%s=%s: not a size (e.g. 16G, 8192M)", key, value);
                return -EINVAL;
        }
        if (v < 64ULL << 20 || v > 16ULL << 40) {
                parser_error(p, "%s=%s: out of range (64M to 16T)", key, value);
                return -EINVAL;
        }
        *(uint64_t *) field = v;
        return 0;
}

static int parse_cpus_value(Parser *p, const char *key, const char *value, void *field) {
        unsigned long v;
        int r = parse_unsigned(value, 1024, &v);
        if (r < 0 || v == 0) {
                parser_error(p, "%s=%s: %s", key, value, r == -EINVAL ? "not a number" : "out of range (1 to 1024)");
                return -EINVAL;
        }
        *(unsigned *) field = (unsigned) v;
        return 0;
}

static int parse_user_value(Parser *p, const char *key, const char *value, void *field) {
        size_t n = strlen(value);
        if (n == 0 || n > 31 ||
            strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n || value[0] == '-' ||
            strcmp(value, "root") == 0) {
                parser_error(p, "%s=%s: %s", key, value,
                             strcmp(value, "root") == 0 ? "QEMU must not run as root; use an unprivileged user"
                                                        : "not a valid user name");
                return -EINVAL;
        }
        return parse_string_value(p, key, value, field);
}

static int parse_accelerator_value(Parser *p, const char *key, const char *value, void *field) {
        if (strcmp(value, "kvm") == 0)
                *(Accelerator *) field = ACCELERATOR_KVM;
        else if (strcmp(value, "tcg") == 0)
                *(Accelerator *) field = ACCELERATOR_TCG;
        else {
                parser_error(p, "%s=%s: expected kvm or tcg", key, value);
                return -EINVAL;
        }
        return 0;
}

/* 0 is allowed: ShutdownTimeout=0 skips the power button and quits QEMU at once (vxm-guest stop). */
static int parse_timeout_value(Parser *p, const char *key, const char *value, void *field) {
        unsigned v;
        if (parse_seconds(value, &v) < 0) {
                parser_error(p, "%s=%s: not a time span (e.g. 120, 90s, 2min)", key, value);
                return -EINVAL;
        }
        *(unsigned *) field = v;
        return 0;
}

static int parse_hugepages_value(Parser *p, const char *key, const char *value, void *field) {
        bool b;
        if (strcasecmp(value, "2M") == 0)
                *(HugepageSize *) field = HUGEPAGES_2M;
        else if (strcasecmp(value, "1G") == 0)
                *(HugepageSize *) field = HUGEPAGES_1G;
        else if (parse_boolean(value, &b) == 0 && !b)
                *(HugepageSize *) field = HUGEPAGES_NO;
        else {
                parser_error(p, "%s=%s: expected no, 2M or 1G", key, value);
                return -EINVAL;
        }
        return 0;
}

static int parse_resolution_value(Parser *p, const char *key, const char *value, void *field) {
        Guest *g = p->guest;
        unsigned w, h;
        int end = 0;
        /* sscanf's %u would also take blanks and signs ("+1920x 1080"). */
        if (strspn(value, "0123456789x") != strlen(value) || sscanf(value, "%5u%*1[x]%5u%n", &w, &h, &end) != 2 ||
            value[end] != '\0' || w < 320 || h < 200 || w > 16384 || h > 16384) {
                parser_error(p, "%s=%s: expected WIDTHxHEIGHT, e.g. 2560x1440", key, value);
                return -EINVAL;
        }
        g->lg_width = w;
        g->lg_height = h;
        g->looking_glass = true;
        return 0;
}

static int parse_lg_size_value(Parser *p, const char *key, const char *value, void *field) {
        uint64_t v;
        if (parse_size(value, &v) < 0 || v < (1 << 20) || (v & (v - 1)) != 0 || v > (4ULL << 30)) {
                parser_error(p, "%s=%s: expected a power of two between 1M and 4G, e.g. 64M", key, value);
                return -EINVAL;
        }
        p->guest->lg_size = v;
        p->guest->looking_glass = true;
        return 0;
}

static int parse_lg_file_value(Parser *p, const char *key, const char *value, void *field) {
        if (strncmp(value, "/dev/shm/", 9) != 0 || strchr(value + 9, '/') || !value[9] ||
            strcmp(value + 9, "..") == 0 || strcmp(value + 9, ".") == 0) {
                parser_error(p, "%s=%s: expected a file directly in /dev/shm/, e.g. /dev/shm/looking-glass", key,
                             value);
                return -EINVAL;
        }
        p->guest->looking_glass = true;
        return parse_string_value(p, key, value, field);
}

/* [LookingGlass] Viewer=: repeatable, an empty assignment empties the list. */
static int parse_viewer_value(Parser *p, const char *key, const char *value, void *field) {
        char ***list = field;
        if (!*value) {
                *list = strv_free(*list);
                return 0;
        }
        if (strcmp(value, "root") == 0) {
                parser_error(p, "%s=%s: name the desktop user who runs the Looking Glass client, not root", key, value);
                return -EINVAL;
        }
        _cleanup_free_ char *user = NULL;
        int r = parse_user_value(p, key, value, &user);
        if (r < 0)
                return r;
        if (!strv_contains(*list, user))
                strv_push(list, user);
        return 0;
}

static int parse_input_list_value(Parser *p, const char *key, const char *value, void *field) {
        char ***list = field;
        bool *is_auto = strcmp(key, "Keyboard") == 0 ? &p->guest->keyboard_auto : &p->guest->mouse_auto;

        if (!*value) { /* empty assignment resets */
                *list = strv_free(*list);
                *is_auto = false;
                return 0;
        }
        if (strcmp(value, "auto") == 0) {
                *is_auto = true;
                return 0;
        }
        _cleanup_free_ char *path = NULL;
        if (path_simplify_absolute(value, &path) < 0 || strncmp(path, "/dev/input/", 11) != 0) {
                parser_error(p,
                             "%s=%s: expected auto or a path under /dev/input/ (e.g. /dev/input/by-id/...-event-kbd)",
                             key, value);
                return -EINVAL;
        }
        if (!strv_contains(*list, path))
                strv_push(list, path);
        return 0;
}

static int parse_grab_toggle_value(Parser *p, const char *key, const char *value, void *field) {
        static const char *const allowed[] = { "ctrl-ctrl",  "alt-alt",         "shift-shift", "meta-meta",
                                               "scrolllock", "ctrl-scrolllock", NULL };
        for (size_t i = 0; allowed[i]; i++)
                if (strcmp(value, allowed[i]) == 0)
                        return parse_string_value(p, key, value, field);
        parser_error(p,
                     "%s=%s: expected one of ctrl-ctrl, alt-alt, shift-shift, meta-meta, scrolllock, ctrl-scrolllock",
                     key, value);
        return -EINVAL;
}

static int parse_monitor_value(Parser *p, const char *key, const char *value, void *field) {
        MonitorSpec spec;
        const char *why;
        if (monitor_spec_parse(value, &spec, &why) < 0) {
                parser_error(p, "%s=%s: %s", key, value, why);
                return -EINVAL;
        }
        char **s = field;
        free(*s);
        *s = monitor_spec_to_string(&spec);
        return 0;
}

static int parse_vcp_feature_value(Parser *p, const char *key, const char *value, void *field) {
        unsigned long v;
        if (parse_unsigned(value, 0xff, &v) < 0 || v == 0) {
                parser_error(p,
                             "%s=%s: expected a VCP feature code from 0x01 to 0xff (0x60 is Input Select; LG "
                             "monitors use 0xf4)",
                             key, value);
                return -EINVAL;
        }
        *(uint8_t *) field = (uint8_t) v;
        return 0;
}

static int parse_vcp_input_value(Parser *p, const char *key, const char *value, void *field) {
        bool named;
        int v = vcp_input_from_string(value, &named);
        if (v < 0) {
                parser_error(p, "%s=%s: expected an input value from 0x01 to 0xffff (e.g. 0x0f) or one of %s", key,
                             value, vcp_input_names());
                return -EINVAL;
        }
        *(int *) field = v;
        if (strcmp(key, "HostInput") == 0)
                p->guest->host_input_named = named;
        else
                p->guest->guest_input_named = named;
        return 0;
}

static int parse_network_value(Parser *p, const char *key, const char *value, void *field) {
        if (strcmp(value, "user") == 0)
                *(NetworkMode *) field = NETWORK_USER;
        else if (strcmp(value, "bridge") == 0)
                *(NetworkMode *) field = NETWORK_BRIDGE;
        else if (strcmp(value, "none") == 0)
                *(NetworkMode *) field = NETWORK_NONE;
        else {
                parser_error(p, "%s=%s: expected user, bridge or none", key, value);
                return -EINVAL;
        }
        return 0;
}

static int parse_bridge_value(Parser *p, const char *key, const char *value, void *field) {
        size_t n = strlen(value);
        if (n == 0 || n > 15 ||
            strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n) {
                parser_error(p, "%s=%s: not a valid network interface name", key, value);
                return -EINVAL;
        }
        return parse_string_value(p, key, value, field);
}

static int parse_mac_value(Parser *p, const char *key, const char *value, void *field) {
        unsigned b[6];
        int end = 0;
        /* sscanf's %x would also take blanks, signs and "0x". */
        if (strspn(value, "0123456789abcdefABCDEF:") != strlen(value) ||
            sscanf(value, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6 ||
            value[end] != '\0' || strlen(value) != 17 || (b[0] & 1)) {
                parser_error(p, "%s=%s: expected a unicast MAC address like 52:54:00:12:34:56", key, value);
                return -EINVAL;
        }
        _cleanup_free_ char *lower = xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
        return parse_string_value(p, key, lower, field);
}

/* --- placement: CPUAffinity=, EmulatorCPUs=, [Memory] Node= --- */

/* A non-empty CPU list in systemd's syntax; an empty value resets the key to its default. */
static int parse_cpu_list(Parser *p, const char *key, const char *value, CpuSet *ret) {
        const char *why = NULL;
        _cleanup_cpu_set_ CpuSet set = {};
        if (cpu_set_parse(value, &set, &why) < 0) {
                parser_error(p, "%s=%s: %s", key, value, why);
                return -EINVAL;
        }
        if (*value && cpu_set_is_empty(&set)) {
                parser_error(p, "%s=%s: lists no CPU", key, value);
                return -EINVAL;
        }
        cpu_set_copy(ret, &set);
        return 0;
}

static int parse_cpu_affinity_value(Parser *p, const char *key, const char *value, void *field) {
        GuestPlacement *pl = field;
        if (strcmp(value, "auto") == 0) {
                cpu_set_done(&pl->cpu_affinity);
                pl->cpu_affinity_auto = true;
                return 0;
        }
        if (parse_cpu_list(p, key, value, &pl->cpu_affinity) < 0)
                return -EINVAL;
        pl->cpu_affinity_auto = false;
        return 0;
}

static int parse_emulator_cpus_value(Parser *p, const char *key, const char *value, void *field) {
        return parse_cpu_list(p, key, value, field);
}

static int parse_memory_node_value(Parser *p, const char *key, const char *value, void *field) {
        unsigned long v;
        if (strcmp(value, "auto") == 0 || !*value) {
                *(int *) field = MEMORY_NODE_AUTO;
                return 0;
        }
        /* Not "no": a boolean parser would also take "0", which is node 0 here. */
        if (strcmp(value, "none") == 0) {
                *(int *) field = MEMORY_NODE_NONE;
                return 0;
        }
        if (parse_unsigned(value, 1023, &v) < 0) {
                parser_error(p, "%s=%s: expected auto, none or a NUMA node number (0 to 1023)", key, value);
                return -EINVAL;
        }
        *(int *) field = (int) v;
        return 0;
}

/* Splits "HEAD,opt=val,opt=val" in place; calls fn for each option. */
typedef int (*OptionFn)(Parser *p, const char *key, const char *opt, const char *val, void *item);

static int parse_options(Parser *p, const char *key, char *opts, OptionFn fn, void *item) {
        int r = 0;
        for (char *o = opts; o;) {
                char *next = strchr(o, ',');
                if (next)
                        *next++ = '\0';
                char *eq = strchr(o, '=');
                if (!eq || eq == o) {
                        parser_error(p, "%s=: option '%s' is not of the form name=value", key, o);
                        r = -EINVAL;
                } else {
                        *eq = '\0';
                        if (fn(p, key, o, eq + 1, item) < 0)
                                r = -EINVAL;
                }
                o = next;
        }
        return r;
}

static int device_option(Parser *p, const char *key, const char *opt, const char *val, void *item) {
        GuestDevice *d = item;
        if (strcmp(opt, "romfile") == 0) {
                _cleanup_free_ char *path = NULL;
                int r = path_simplify_absolute(val, &path);
                if (r < 0) {
                        parser_error(p, "%s=: romfile=%s: %s", key, val,
                                     r == -EBADMSG ? "a path must not contain \"..\"" : "not an absolute path");
                        return -EINVAL;
                }
                free(d->rom_file);
                d->rom_file = TAKE_PTR(path);
                return 0;
        }
        parser_error(p, "%s=: unknown option '%s' (known: romfile=)", key, opt);
        return -EINVAL;
}

static void source_set(ConfigSource *s, Parser *p) {
        s->file = xstrdup(p->file);
        s->line = p->line;
}

static int parse_device_value(Parser *p, const char *key, const char *value, void *field) {
        Guest *g = p->guest;
        if (!*value) {
                for (size_t i = 0; i < g->n_devices; i++) {
                        free(g->devices[i].rom_file);
                        free(g->devices[i].source.file);
                }
                g->n_devices = 0;
                return 0;
        }

        _cleanup_free_ char *copy = xstrdup(value);
        char *opts = strchr(copy, ',');
        if (opts)
                *opts++ = '\0';

        GuestDevice d = {};
        const char *why;
        if (pci_address_parse(copy, &d.address, &why) < 0) {
                parser_error(p, "%s=%s: %s", key, value, why);
                return -EINVAL;
        }
        if (opts && parse_options(p, key, opts, device_option, &d) < 0) {
                free(d.rom_file);
                return -EINVAL;
        }
        for (size_t i = 0; i < g->n_devices; i++)
                if (pci_address_equal(&g->devices[i].address, &d.address)) {
                        char buf[PCI_ADDRESS_STRLEN];
                        parser_error(p, "%s=%s: %s is already listed at %s:%u", key, value,
                                     pci_address_format(&d.address, buf), g->devices[i].source.file,
                                     g->devices[i].source.line);
                        free(d.rom_file);
                        return -EINVAL;
                }
        source_set(&d.source, p);
        g->devices = xrealloc(g->devices, (g->n_devices + 1) * sizeof *g->devices);
        g->devices[g->n_devices++] = d;
        return 0;
}

/* --- [PCI] VirtualFunction= and Mdev=: devices shared with the host, chosen or created when the guest starts --- */

static int vf_option(Parser *p, const char *key, const char *opt, const char *val, void *item) {
        GuestVirtualFunction *vf = item;
        if (strcmp(opt, "vfs") == 0) {
                unsigned long n;
                int r = parse_unsigned(val, 65535, &n);
                if (r < 0 || n == 0) {
                        parser_error(p, "%s=: vfs=%s: %s", key, val,
                                     r == -EINVAL ? "not a number (how many virtual functions to enable, e.g. vfs=2)"
                                                  : "out of range (1 to 65535)");
                        return -EINVAL;
                }
                vf->vfs = (unsigned) n;
                return 0;
        }
        parser_error(p, "%s=: unknown option '%s' (known: vfs=)", key, opt);
        return -EINVAL;
}

static void vfs_clear(Guest *g) {
        for (size_t i = 0; i < g->n_vfs; i++)
                free(g->vfs[i].source.file);
        g->n_vfs = 0;
}

static int parse_virtual_function_value(Parser *p, const char *key, const char *value, void *field) {
        Guest *g = p->guest;
        if (!*value) {
                vfs_clear(g);
                return 0;
        }

        _cleanup_free_ char *copy = xstrdup(value);
        char *opts = strchr(copy, ',');
        if (opts)
                *opts++ = '\0';

        GuestVirtualFunction vf = {};
        const char *why;
        if (pci_address_parse(copy, &vf.pf, &why) < 0) {
                parser_error(p, "%s=%s: %s (the physical function's address)", key, value, why);
                return -EINVAL;
        }
        if (opts && parse_options(p, key, opts, vf_option, &vf) < 0)
                return -EINVAL;
        /* Two lines for one PF ask for two of its VFs; they must agree on how many the PF gets. */
        for (size_t i = 0; i < g->n_vfs; i++) {
                const GuestVirtualFunction *o = &g->vfs[i];
                if (pci_address_equal(&o->pf, &vf.pf) && vf.vfs && o->vfs && vf.vfs != o->vfs) {
                        parser_error(p, "%s=%s: vfs=%u, but %s:%u asks for vfs=%u on the same physical function", key,
                                     value, vf.vfs, o->source.file, o->source.line, o->vfs);
                        return -EINVAL;
                }
        }
        source_set(&vf.source, p);
        g->vfs = xrealloc(g->vfs, (g->n_vfs + 1) * sizeof *g->vfs);
        g->vfs[g->n_vfs++] = vf;
        return 0;
}

/* A name that is safe as one sysfs path component: a type directory or an mdev_bus entry. */
static bool sysfs_name_is_valid(const char *s) {
        size_t n = strlen(s);
        return n > 0 && n <= 64 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == n;
}

static int mdev_option(Parser *p, const char *key, const char *opt, const char *val, void *item) {
        GuestMdev *m = item;
        if (strcmp(opt, "type") == 0) {
                if (!sysfs_name_is_valid(val)) {
                        parser_error(p,
                                     "%s=: type=%s: not a type name (a directory of the parent's "
                                     "mdev_supported_types, e.g. i915-GVTg_V5_4; vxm gpus lists them)",
                                     key, val);
                        return -EINVAL;
                }
                free(m->type);
                m->type = xstrdup(val);
                return 0;
        }
        if (strcmp(opt, "uuid") == 0) {
                uint8_t u[16];
                char buf[UUID_STRLEN];
                if (uuid_parse(val, u) < 0) {
                        parser_error(p,
                                     "%s=: uuid=%s: not a UUID (expected 8-4-4-4-12 hex digits, e.g. "
                                     "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f)",
                                     key, val);
                        return -EINVAL;
                }
                free(m->uuid);
                m->uuid = xstrdup(uuid_format(u, buf));
                return 0;
        }
        parser_error(p, "%s=: unknown option '%s' (known: type=, uuid=)", key, opt);
        return -EINVAL;
}

static void mdev_done(GuestMdev *m) {
        free(m->parent);
        free(m->type);
        free(m->uuid);
        free(m->source.file);
}

static void mdevs_clear(Guest *g) {
        for (size_t i = 0; i < g->n_mdevs; i++)
                mdev_done(&g->mdevs[i]);
        g->n_mdevs = 0;
}

static int parse_mdev_value(Parser *p, const char *key, const char *value, void *field) {
        Guest *g = p->guest;
        if (!*value) {
                mdevs_clear(g);
                return 0;
        }

        _cleanup_free_ char *copy = xstrdup(value);
        char *opts = strchr(copy, ',');
        if (opts)
                *opts++ = '\0';

        _cleanup_(mdev_done) GuestMdev m = {};
        PciAddress a;
        char bdf[PCI_ADDRESS_STRLEN];
        if (pci_address_parse(copy, &a, NULL) == 0)
                m.parent = xstrdup(pci_address_format(&a, bdf));
        else if (strcmp(copy, "auto") != 0) {
                if (!sysfs_name_is_valid(copy)) {
                        parser_error(p,
                                     "%s=%s: '%s' is not a parent device: expected auto, a PCI address (e.g. "
                                     "0000:00:02.0) or a name from /sys/class/mdev_bus",
                                     key, value, copy);
                        return -EINVAL;
                }
                m.parent = xstrdup(copy);
        }
        if (opts && parse_options(p, key, opts, mdev_option, &m) < 0)
                return -EINVAL;
        if (!m.type) {
                parser_error(p,
                             "%s=%s: type= is missing (the kind of mediated device, e.g. type=i915-GVTg_V5_4; "
                             "vxm gpus lists the types each parent offers)",
                             key, value);
                return -EINVAL;
        }
        for (size_t i = 0; m.uuid && i < g->n_mdevs; i++)
                if (g->mdevs[i].uuid && strcmp(g->mdevs[i].uuid, m.uuid) == 0) {
                        parser_error(p, "%s=%s: uuid=%s is already used at %s:%u", key, value, m.uuid,
                                     g->mdevs[i].source.file, g->mdevs[i].source.line);
                        return -EINVAL;
                }
        source_set(&m.source, p);
        g->mdevs = xrealloc(g->mdevs, (g->n_mdevs + 1) * sizeof *g->mdevs);
        g->mdevs[g->n_mdevs++] = m;
        m = (GuestMdev){};
        return 0;
}

/* A device the guest takes whole (Device=) cannot also be shared by it with the host. */
static int validate_shared_devices(const Guest *g) {
        int r = 0;
        for (size_t i = 0; i < g->n_devices; i++) {
                const GuestDevice *d = &g->devices[i];
                char bdf[PCI_ADDRESS_STRLEN];
                pci_address_format(&d->address, bdf);
                for (size_t j = 0; j < g->n_vfs; j++)
                        if (pci_address_equal(&g->vfs[j].pf, &d->address))
                                r = log_error_errno(EINVAL,
                                                    "%s:%u: VirtualFunction=%s: %s is given whole by Device= at "
                                                    "%s:%u; a physical function shared through virtual functions "
                                                    "stays with the host. Remove one of the two lines.",
                                                    g->vfs[j].source.file, g->vfs[j].source.line, bdf, bdf,
                                                    d->source.file, d->source.line);
                for (size_t j = 0; j < g->n_mdevs; j++)
                        if (g->mdevs[j].parent && strcmp(g->mdevs[j].parent, bdf) == 0)
                                r = log_error_errno(EINVAL,
                                                    "%s:%u: Mdev=%s: %s is given whole by Device= at %s:%u; the "
                                                    "parent of mediated devices stays with the host. Remove one of "
                                                    "the two lines.",
                                                    g->mdevs[j].source.file, g->mdevs[j].source.line, bdf, bdf,
                                                    d->source.file, d->source.line);
        }
        return r;
}

static int disk_option(Parser *p, const char *key, const char *opt, const char *val, void *item) {
        GuestDisk *d = item;
        if (strcmp(opt, "bus") == 0) {
                if (strcmp(val, "virtio") == 0)
                        d->bus = DISK_BUS_VIRTIO;
                else if (strcmp(val, "nvme") == 0)
                        d->bus = DISK_BUS_NVME;
                else {
                        parser_error(p, "%s=: bus=%s: expected virtio or nvme", key, val);
                        return -EINVAL;
                }
                return 0;
        }
        if (strcmp(opt, "readonly") == 0) {
                if (parse_boolean(val, &d->read_only) < 0) {
                        parser_error(p, "%s=: readonly=%s: not a boolean", key, val);
                        return -EINVAL;
                }
                return 0;
        }
        parser_error(p, "%s=: unknown option '%s' (known: bus=, readonly=)", key, opt);
        return -EINVAL;
}

static int parse_disk_value(Parser *p, const char *key, const char *value, void *field) {
        Guest *g = p->guest;
        if (!*value) {
                for (size_t i = 0; i < g->n_disks; i++) {
                        free(g->disks[i].path);
                        free(g->disks[i].source.file);
                }
                g->n_disks = 0;
                return 0;
        }

        _cleanup_free_ char *copy = xstrdup(value), *path = NULL;
        char *opts = strchr(copy, ',');
        if (opts)
                *opts++ = '\0';
        if (simplify_path(p, key, copy, &path) < 0)
                return -EINVAL;
        GuestDisk d = { .bus = DISK_BUS_VIRTIO };
        if (opts && parse_options(p, key, opts, disk_option, &d) < 0)
                return -EINVAL;
        d.path = TAKE_PTR(path);
        source_set(&d.source, p);
        g->disks = xrealloc(g->disks, (g->n_disks + 1) * sizeof *g->disks);
        g->disks[g->n_disks++] = d;
        return 0;
}

typedef struct KeyTable {
        const char *section;
        const char *key;
        ValueParser parse;
        size_t offset;
} KeyTable;

static const KeyTable keys[] = {
        { "Guest", "Description", parse_description_value, FIELD(description) },
        { "Guest", "Memory", parse_memory_value, FIELD(memory) },
        { "Guest", "CPUs", parse_cpus_value, FIELD(cpus) },
        { "Guest", "Autostart", parse_bool_value, FIELD(autostart) },
        { "Guest", "User", parse_user_value, FIELD(user) },
        { "Guest", "Accelerator", parse_accelerator_value, FIELD(accelerator) },
        { "Guest", "ShutdownTimeout", parse_timeout_value, FIELD(shutdown_timeout) },
        { "Guest", "CPUAffinity", parse_cpu_affinity_value, FIELD(placement) },
        { "Guest", "EmulatorCPUs", parse_emulator_cpus_value, FIELD(placement.emulator_cpus) },
        { "Guest", "IsolateHost", parse_bool_value, FIELD(placement.isolate_host) },
        { "PCI", "Device", parse_device_value, 0 },
        { "PCI", "VirtualFunction", parse_virtual_function_value, 0 },
        { "PCI", "Mdev", parse_mdev_value, 0 },
        { "Firmware", "SecureBoot", parse_bool_value, FIELD(secure_boot) },
        { "Firmware", "Code", parse_absolute_path_value, FIELD(firmware_code) },
        { "Firmware", "Vars", parse_absolute_path_value, FIELD(firmware_vars) },
        { "TPM", "Enable", parse_bool_value, FIELD(tpm) },
        { "Boot", "Kernel", parse_absolute_path_value, FIELD(kernel) },
        { "Boot", "Initrd", parse_absolute_path_value, FIELD(initrd) },
        { "Boot", "Append", parse_string_value, FIELD(append) },
        { "Memory", "Hugepages", parse_hugepages_value, FIELD(hugepages) },
        { "Memory", "Node", parse_memory_node_value, FIELD(placement.memory_node) },
        { "LookingGlass", "Resolution", parse_resolution_value, 0 },
        { "LookingGlass", "Size", parse_lg_size_value, 0 },
        { "LookingGlass", "File", parse_lg_file_value, FIELD(lg_file) },
        { "LookingGlass", "Viewer", parse_viewer_value, FIELD(lg_viewers) },
        { "Input", "Keyboard", parse_input_list_value, FIELD(keyboards) },
        { "Input", "Mouse", parse_input_list_value, FIELD(mice) },
        { "Input", "GrabToggle", parse_grab_toggle_value, FIELD(grab_toggle) },
        { "Display", "Monitor", parse_monitor_value, FIELD(monitor) },
        { "Display", "Feature", parse_vcp_feature_value, FIELD(ddc_feature) },
        { "Display", "HostInput", parse_vcp_input_value, FIELD(host_input) },
        { "Display", "GuestInput", parse_vcp_input_value, FIELD(guest_input) },
        { "Storage", "Disk", parse_disk_value, 0 },
        { "Network", "Mode", parse_network_value, FIELD(network) },
        { "Network", "Bridge", parse_bridge_value, FIELD(bridge) },
        { "Network", "MACAddress", parse_mac_value, FIELD(mac) },
};

static bool section_is_known(const char *section) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(keys[i].section, section) == 0)
                        return true;
        return false;
}

static int handler(void *userdata, const char *section, const char *name, const char *value) {
        Parser *p = userdata;

        if (!*section) {
                parser_error(p, "%s= outside of any section (start with [Guest])", name);
                return 1;
        }
        if (!section_is_known(section)) {
                /* Warn once per section header, not per key. */
                if (strcmp(p->section, section) != 0)
                        log_warning("%s:%u: unknown section [%s], ignoring.", p->file, p->line, section);
                snprintf(p->section, sizeof p->section, "%s", section);
                return 1;
        }
        snprintf(p->section, sizeof p->section, "%s", section);

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (strcmp(keys[i].section, section) != 0)
                        continue;
                if (strcmp(keys[i].key, name) == 0) {
                        if (keys[i].parse(p, name, value, (char *) p->guest + keys[i].offset) >= 0) {
                                ConfigSource *src = &p->guest->key_sources[i];
                                if (!src->file || strcmp(src->file, p->file) != 0) {
                                        free(src->file);
                                        src->file = xstrdup(p->file);
                                }
                                src->line = p->line;
                        }
                        return 1;
                }
                if (strcasecmp(keys[i].key, name) == 0) {
                        log_warning("%s:%u: unknown key %s= in [%s] (did you mean %s=?), ignoring.", p->file, p->line,
                                    name, section, keys[i].key);
                        return 1;
                }
        }
        log_warning("%s:%u: unknown key %s= in [%s], ignoring.", p->file, p->line, name, section);
        return 1;
}

/* Configuration decides what vxm's root helpers do (which PCI devices, which user gets them), so only root may be
 * able to change it, as sshd and sudo demand of theirs. path is a file or a directory, st its stat. */
static int config_check_owner(const char *path, const struct stat *st) {
        if (stat_is_root_only(st))
                return 0;

        bool bad_owner = !uid_is_trusted(st->st_uid), bad_mode = st->st_mode & (S_IWGRP | S_IWOTH);
        _cleanup_free_ char *who = NULL, *fix = NULL;
        struct passwd *pw = st->st_uid != 0 ? getpwuid(st->st_uid) : NULL;
        if (st->st_uid == 0)
                who = xstrdup("root");
        else
                who = pw ? xasprintf("uid %u (%s)", (unsigned) st->st_uid, pw->pw_name)
                         : xasprintf("uid %u", (unsigned) st->st_uid);
        if (bad_owner && bad_mode)
                fix = xasprintf("chown root: %s; chmod go-w %s", path, path);
        else if (bad_owner)
                fix = xasprintf("chown root: %s", path);
        else
                fix = xasprintf("chmod go-w %s", path);
        log_error("%s is owned by %s and has mode %04o: vxm only reads configuration that root alone can change "
                  "(whoever can write it decides what vxm does as root). Run: %s",
                  path, who, (unsigned) (st->st_mode & 07777), fix);
        return -EPERM;
}

/* A configuration directory (/etc/vxm, NAME.conf.d/, ...) that is used for this guest. */
static int config_check_dir(const char *dir) {
        struct stat st;
        int r = root_stat(dir, &st);
        if (r < 0)
                return log_error_errno(r, "%s: cannot access: %m", dir);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(ENOTDIR, "%s is not a directory.", dir);
        return config_check_owner(dir, &st);
}

/* Opens a configuration file without following a link and without blocking (a FIFO in a config dir must not hang
 * the generator at boot), and only if it is a regular file that only root can change. Its directory is root's alone
 * (checked by the caller), so only root could have put anything else there: opening it directly is safe. */
static int config_open(const char *path) {
        _cleanup_close_ int fd = root_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
        if (fd == -ELOOP)
                return log_error_errno(ELOOP,
                                       "%s is a symbolic link: configuration is only read from regular files (a link "
                                       "to /dev/null masks, any other link is refused).",
                                       path);
        if (fd < 0)
                return log_error_errno(fd, "%s: cannot read: %m", path);

        struct stat st;
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "%s: cannot read: %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(EBADMSG,
                                       "%s is %s, not a regular file: configuration is only read from regular files.",
                                       path, file_type_to_string(st.st_mode));
        int r = config_check_owner(path, &st);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

static int parse_file(Guest *g, const char *path) {
        /* Errors are -EINVAL, as documented: -ENOENT from a dangling symlink would read as "no such guest". */
        _cleanup_free_ char *buf = NULL;
        size_t size;
        _cleanup_close_ int fd = config_open(path);
        if (fd < 0)
                return -EINVAL;
        int r = read_full_fd(fd, &buf, &size);
        if (r < 0) {
                log_error_errno(r, "%s: cannot read: %m", path);
                return -EINVAL;
        }

        Parser p = { .buf = buf, .size = size, .file = path, .guest = g };
        r = ini_parse_stream(reader, &p, handler, &p);
        if (r > 0 && p.errors == 0)
                /* inih found something our checks did not; p.line is the last line read. */
                log_error("%s:%d: syntax error", path, r), p.errors++;
        else if (r < 0)
                return log_error_errno(ENOMEM, "%s: cannot parse: %m", path);
        return p.errors > 0 ? -EINVAL : 0;
}

/* A file (or drop-in) that is a symlink to /dev/null, or empty and a symlink... masks. Only the symlink form counts,
 * as in systemd. */
static bool path_is_mask(const char *path) {
        _cleanup_free_ char *target = NULL;
        return root_readlink(path, &target) == 0 && strcmp(target, "/dev/null") == 0;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Collects the NAME.conf.d drop-ins (*.conf) over all dirs: a higher dir's file of the same name replaces a lower one.
 */
/* While a caller loads every guest (the generator at boot), each config dir is listed once, so a guest costs no
 * failing lstat()/opendir() probes in the dirs that do not have its files. Outside such a batch every lookup goes to
 * the file system, so a long-running caller never sees a stale listing. */
static char **dir_listing[3];
static size_t dir_listing_n[3];
static bool dir_listing_active;

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void config_cache_begin(void) {
        config_cache_end();
        for (size_t i = 0; config_dirs[i]; i++) {
                _cleanup_closedir_ DIR *d = root_opendir(config_dirs[i]);
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        /* "name\0T": compares as the name, and carries the d_type after it. */
                        size_t n = strlen(de->d_name);
                        char *e = xmalloc(n + 2);
                        memcpy(e, de->d_name, n + 1);
                        e[n + 1] = (char) de->d_type;
                        size_t k = dir_listing_n[i]++;
                        dir_listing[i] = xrealloc(dir_listing[i], (k + 2) * sizeof(char *));
                        dir_listing[i][k] = e;
                        dir_listing[i][k + 1] = NULL;
                }
                strv_sort(dir_listing[i]);
        }
        dir_listing_active = true;
}

void config_cache_end(void) {
        for (size_t i = 0; i < ELEMENTSOF(dir_listing); i++) {
                dir_listing[i] = strv_free(dir_listing[i]);
                dir_listing_n[i] = 0;
        }
        dir_listing_active = false;
}

/* false only when the cached listing of config_dirs[i] proves that entry is absent. *type is its d_type, or
 * DT_UNKNOWN when there is no listing or the file system does not say. */
static bool dir_may_have(size_t i, const char *entry, unsigned char *type) {
        *type = DT_UNKNOWN;
        if (!dir_listing_active)
                return true;
        char **e =
                dir_listing[i] ? bsearch(&entry, dir_listing[i], dir_listing_n[i], sizeof(char *), strcmp_ptr) : NULL;
        if (e)
                *type = (unsigned char) (*e)[strlen(*e) + 1];
        return e;
}

static int collect_dropins(const char *name, char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **paths = NULL;
        int r = 0;

        _cleanup_free_ char *dirname = xasprintf("%s.conf.d", name);
        for (size_t i = 0; config_dirs[i]; i++) {
                unsigned char type;
                if (!dir_may_have(i, dirname, &type))
                        continue;
                _cleanup_free_ char *dir = xasprintf("%s/%s", config_dirs[i], dirname);
                _cleanup_closedir_ DIR *d = root_opendir(dir);
                if (!d) {
                        if (errno != ENOENT)
                                r = log_error_errno(errno, "%s: cannot read the drop-in directory: %m", dir);
                        continue;
                }
                /* Both the directory that holds NAME.conf.d and NAME.conf.d itself: whoever can change either can
                 * add a drop-in. */
                if (config_check_dir(config_dirs[i]) < 0 || config_check_dir(dir) < 0) {
                        r = -EPERM;
                        continue;
                }
                struct dirent *de;
                while ((de = readdir(d)))
                        if (de->d_name[0] != '.' && has_suffix(de->d_name, ".conf") &&
                            !strv_contains(names, de->d_name)) {
                                strv_push(&names, de->d_name);
                                strv_consume(&paths, xasprintf("%s/%s", dir, de->d_name));
                        }
        }

        /* Sort by file name, not by directory. */
        size_t n = strv_length(names);
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        char *t = names[j];
                        names[j] = names[j - 1];
                        names[j - 1] = t;
                        t = paths[j];
                        paths[j] = paths[j - 1];
                        paths[j - 1] = t;
                }

        _cleanup_strv_free_ char **result = NULL;
        for (size_t i = 0; i < n; i++)
                if (!path_is_mask(paths[i]))
                        strv_push(&result, paths[i]);
        *ret = TAKE_PTR(result);
        return r;
}

static Guest *guest_new(const char *name) {
        Guest *g = xmalloc(sizeof *g);
        g->name = xstrdup(name);
        g->key_sources = xmalloc(ELEMENTSOF(keys) * sizeof *g->key_sources);
        g->memory = 4ULL << 30;
        g->cpus = 2;
        g->accelerator = ACCELERATOR_KVM;
        g->shutdown_timeout = 120;
        g->ddc_feature = VCP_INPUT_SOURCE;
        g->host_input = g->guest_input = -1;
        g->network = NETWORK_USER;
        g->placement.memory_node = MEMORY_NODE_AUTO;
        return g;
}

/* Checks that need the whole file: combinations of keys. */
const ConfigSource *guest_key_source(const Guest *g, const char *section, const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
                        return g->key_sources[i].file ? &g->key_sources[i] : NULL;
        return NULL;
}

/* An error about a combination of keys, reported at the line of the key that asks for the combination. */
static int combination_error(const Guest *g, const char *section, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int combination_error(const Guest *g, const char *section, const char *key, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);

        const ConfigSource *src = guest_key_source(g, section, key);
        if (src)
                log_error("%s:%u: %s", src->file, src->line, msg);
        else
                log_error("%s: %s", g->path, msg);
        return -EINVAL;
}

bool guest_vcpus_pinned(const Guest *g) {
        return g->placement.cpu_affinity_auto || !cpu_set_is_empty(&g->placement.cpu_affinity);
}

/* What the placement keys say together; what they mean on this host is checked when the guest starts. */
static int placement_validate(const Guest *g) {
        const GuestPlacement *pl = &g->placement;
        int r = 0;
        unsigned n = cpu_set_count(&pl->cpu_affinity);
        if (!pl->cpu_affinity_auto && n > 0 && n < g->cpus) {
                _cleanup_free_ char *list = cpu_set_format(&pl->cpu_affinity);
                r = combination_error(g, "Guest", "CPUAffinity",
                                      "CPUAffinity=%s has %u CPU%s, but CPUs=%u needs one host CPU per vCPU", list, n,
                                      n == 1 ? "" : "s", g->cpus);
        }
        if (pl->isolate_host && !guest_vcpus_pinned(g))
                r = combination_error(g, "Guest", "IsolateHost",
                                      "IsolateHost=yes needs CPUAffinity= (auto or a list): the CPUs to keep free of "
                                      "host processes");
        return r;
}

/* [Display]: the inputs are values of Feature=, which may come after them in the file. */
static int guest_validate_display(const Guest *g) {
        const struct {
                const char *key;
                int value;
                bool named;
        } inputs[] = { { "HostInput", g->host_input, g->host_input_named },
                       { "GuestInput", g->guest_input, g->guest_input_named } };
        char buf[32];
        int r = 0;

        if (!g->monitor) {
                for (size_t i = 0; i < ELEMENTSOF(inputs); i++)
                        if (inputs[i].value >= 0)
                                r = combination_error(g, "Display", inputs[i].key,
                                                      "%s= needs Monitor= (which monitor to switch)", inputs[i].key);
                return r;
        }
        if (g->host_input < 0 || g->guest_input < 0)
                return combination_error(g, "Display", "Monitor", "Monitor= needs both HostInput= and GuestInput=");
        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                if (g->ddc_feature != VCP_INPUT_SOURCE && inputs[i].named)
                        r = combination_error(g, "Display", inputs[i].key,
                                              "%s=%s: input names are values of feature 0x60; with Feature=0x%02x "
                                              "give the monitor's own value in hex (ddcutil capabilities lists them)",
                                              inputs[i].key, vcp_input_to_string(inputs[i].value), g->ddc_feature);
                else if (g->ddc_feature == VCP_INPUT_SOURCE && inputs[i].value > 0xff)
                        r = combination_error(g, "Display", inputs[i].key,
                                              "%s=0x%x: feature 0x60 takes values up to 0xff (set Feature= for a "
                                              "monitor's own input feature)",
                                              inputs[i].key, (unsigned) inputs[i].value);
        }
        if (r == 0 && g->host_input == g->guest_input)
                r = combination_error(
                        g, "Display", "GuestInput",
                        "GuestInput= is the same input as HostInput= (%s): the monitor would never switch",
                        vcp_value_format(g->ddc_feature, g->guest_input, buf));
        return r;
}

/* Checks that need the whole file: combinations of keys. */
static int guest_validate(Guest *g) {
        int r = 0;
        if (!g->user)
                g->user = xstrdup("vxm");
        if (!g->description)
                g->description = xasprintf("vxm guest %s", g->name);
        if (!g->grab_toggle)
                g->grab_toggle = xstrdup("ctrl-ctrl");
        if (g->looking_glass && !g->lg_file)
                g->lg_file = xstrdup("/dev/shm/looking-glass");
        if (g->looking_glass && g->lg_size == 0) {
                if (g->lg_width == 0)
                        r = combination_error(g, "LookingGlass", "File",
                                              "[LookingGlass] needs Resolution= (or Size=) to size the shared memory");
                else
                        g->lg_size = looking_glass_size(g->lg_width, g->lg_height);
        }
        if (!!g->firmware_code != !!g->firmware_vars)
                r = combination_error(g, "Firmware", g->firmware_code ? "Code" : "Vars",
                                      "Code= and Vars= must be set together (a CODE image needs its matching VARS "
                                      "template)");
        if (!g->kernel && (g->initrd || g->append))
                r = combination_error(
                        g, "Boot", g->initrd ? "Initrd" : "Append",
                        "%s= needs Kernel= (the initrd and the command line belong to a kernel QEMU loads "
                        "itself)",
                        g->initrd ? "Initrd" : "Append");
        if (g->kernel && (g->secure_boot || g->firmware_code))
                r = combination_error(
                        g, "Boot", "Kernel",
                        "Kernel= boots without UEFI firmware, so it cannot be combined with [Firmware] %s",
                        g->secure_boot ? "SecureBoot=yes" : "Code= and Vars=");
        if (g->network == NETWORK_BRIDGE && !g->bridge)
                r = combination_error(g, "Network", "Mode", "Mode=bridge needs Bridge=NAME");
        if (guest_validate_display(g) < 0)
                r = -EINVAL;
        if (validate_shared_devices(g) < 0)
                r = -EINVAL;
        uint64_t page = g->hugepages == HUGEPAGES_1G ? 1ULL << 30 : 2ULL << 20;
        if (g->hugepages != HUGEPAGES_NO && g->memory % page != 0)
                r = combination_error(g, "Guest", "Memory", "Memory= must be a multiple of the hugepage size (%s)",
                                      g->hugepages == HUGEPAGES_1G ? "1G" : "2M");
        if (placement_validate(g) < 0)
                r = -EINVAL;
        return r;
}

int guest_load_file(const char *name, const char *path, Guest **ret) {
        const char *why;
        if (!guest_name_is_valid(name, &why))
                return log_error_errno(EINVAL, "%s: invalid guest name \"%s\": %s", path, name, why);

        Guest *g = guest_new(name);
        g->path = xstrdup(path);
        int r = parse_file(g, path);
        if (r >= 0)
                r = guest_validate(g);
        if (r < 0) {
                guest_free(g);
                return r;
        }
        *ret = g;
        return 0;
}

int guest_load(const char *name, Guest **ret) {
        const char *why;
        _cleanup_free_ char *main_path = NULL;

        /* Never build a path from a name that could leave the config dirs. */
        if (!*name || strchr(name, '/') || strcmp(name, "..") == 0)
                return log_error_errno(EINVAL, "invalid guest name \"%s\": %s", name,
                                       !guest_name_is_valid(name, &why) ? why : "not a file name");

        bool is_link = false;
        size_t dir = 0;
        _cleanup_free_ char *filename = xasprintf("%s.conf", name);
        for (size_t i = 0; config_dirs[i] && !main_path; i++) {
                unsigned char type;
                if (!dir_may_have(i, filename, &type))
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", config_dirs[i], filename);
                struct stat st;
                if (type != DT_UNKNOWN)
                        is_link = type == DT_LNK;
                else if (root_lstat(p, &st) == 0)
                        is_link = S_ISLNK(st.st_mode);
                else
                        continue;
                main_path = TAKE_PTR(p);
                dir = i;
        }
        if (!main_path)
                return -ENOENT;
        /* Even a mask counts only from a directory that root alone can change. */
        if (config_check_dir(config_dirs[dir]) < 0)
                return -EINVAL;
        if (is_link && path_is_mask(main_path)) {
                log_debug("%s is masked, ignoring guest %s.", main_path, name);
                return -ENOENT;
        }
        if (!guest_name_is_valid(name, &why))
                return log_error_errno(EINVAL, "%s: invalid guest name \"%s\": %s", main_path, name, why);

        _cleanup_guest_free_ Guest *g = guest_new(name);
        g->path = xstrdup(main_path);
        int r = parse_file(g, main_path);

        if (collect_dropins(name, &g->dropins) < 0)
                r = -EINVAL;
        for (size_t i = 0; g->dropins && g->dropins[i]; i++)
                if (parse_file(g, g->dropins[i]) < 0)
                        r = -EINVAL;
        if (r >= 0)
                r = guest_validate(g);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(g);
        return 0;
}

Guest *guest_free(Guest *g) {
        if (!g)
                return NULL;
        for (size_t i = 0; g->key_sources && i < ELEMENTSOF(keys); i++)
                free(g->key_sources[i].file);
        free(g->key_sources);
        free(g->name);
        free(g->path);
        strv_free(g->dropins);
        free(g->description);
        free(g->user);
        for (size_t i = 0; i < g->n_devices; i++) {
                free(g->devices[i].rom_file);
                free(g->devices[i].source.file);
        }
        free(g->devices);
        vfs_clear(g);
        free(g->vfs);
        mdevs_clear(g);
        free(g->mdevs);
        free(g->firmware_code);
        free(g->firmware_vars);
        free(g->kernel);
        free(g->initrd);
        free(g->append);
        free(g->lg_file);
        strv_free(g->lg_viewers);
        strv_free(g->keyboards);
        strv_free(g->mice);
        free(g->grab_toggle);
        free(g->monitor);
        for (size_t i = 0; i < g->n_disks; i++) {
                free(g->disks[i].path);
                free(g->disks[i].source.file);
        }
        free(g->disks);
        free(g->bridge);
        free(g->mac);
        cpu_set_done(&g->placement.cpu_affinity);
        cpu_set_done(&g->placement.emulator_cpus);
        free(g);
        return NULL;
}

typedef struct ListEntry {
        char *name; /* without ".conf" */
        size_t dir; /* index into config_dirs: lower wins */
        unsigned char type;
} ListEntry;

static int list_entry_compare(const void *a, const void *b) {
        const ListEntry *x = a, *y = b;
        int r = strcmp(x->name, y->name);
        return r != 0 ? r : (x->dir > y->dir) - (x->dir < y->dir);
}

int guest_list(char ***ret) {
        ListEntry *entries = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; config_dirs[i] && r >= 0; i++) {
                _cleanup_closedir_ DIR *d = root_opendir(config_dirs[i]);
                if (!d) {
                        if (errno != ENOENT)
                                r = log_error_errno(errno, "Failed to open %s: %m", config_dirs[i]);
                        continue;
                }
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".conf"))
                                continue;
                        entries = xrealloc(entries, (n + 1) * sizeof *entries);
                        entries[n++] = (ListEntry){ xstrndup(de->d_name, strlen(de->d_name) - 5), i, de->d_type };
                }
        }

        /* Sorted by name, then precedence: the first of each name is the file that counts. */
        if (n > 0)
                qsort(entries, n, sizeof *entries, list_entry_compare);
        char **result = xmalloc((n + 1) * sizeof *result);
        size_t k = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                if (i > 0 && strcmp(entries[i].name, entries[i - 1].name) == 0)
                        continue;
                /* Only a symlink can mask: spare the readlink() for the common regular file. */
                bool masked = false;
                if (entries[i].type == DT_LNK || entries[i].type == DT_UNKNOWN) {
                        _cleanup_free_ char *path =
                                xasprintf("%s/%s.conf", config_dirs[entries[i].dir], entries[i].name);
                        masked = path_is_mask(path);
                }
                if (!masked)
                        result[k++] = xstrdup(entries[i].name);
        }
        result[k] = NULL;
        for (size_t i = 0; i < n; i++)
                free(entries[i].name);
        free(entries);
        if (r < 0) {
                strv_free(result);
                return r;
        }
        *ret = result;
        return 0;
}

bool guest_has_device(const Guest *g, const PciAddress *a) {
        for (size_t i = 0; i < g->n_devices; i++)
                if (pci_address_equal(&g->devices[i].address, a))
                        return true;
        return false;
}

bool guest_shares_device(const Guest *g, const PciAddress *a) {
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(a, bdf);
        for (size_t i = 0; i < g->n_vfs; i++)
                if (pci_address_equal(&g->vfs[i].pf, a))
                        return true;
        for (size_t i = 0; i < g->n_mdevs; i++)
                if (g->mdevs[i].parent && strcmp(g->mdevs[i].parent, bdf) == 0)
                        return true;
        return false;
}

unsigned guest_vfs_wanted(const Guest *g, const PciAddress *pf, const ConfigSource **ret_source) {
        for (size_t i = 0; i < g->n_vfs; i++)
                if (pci_address_equal(&g->vfs[i].pf, pf) && g->vfs[i].vfs > 0) {
                        if (ret_source)
                                *ret_source = &g->vfs[i].source;
                        return g->vfs[i].vfs;
                }
        return 0;
}

uint64_t looking_glass_size(unsigned width, unsigned height) {
        uint64_t need = (uint64_t) width * height * 4 * 2 + (10ULL << 20);
        uint64_t size = 1ULL << 20;
        while (size < need)
                size <<= 1;
        return size;
}
