/* SPDX-License-Identifier: BSD-3-Clause */
/* An emulated DDC/CI monitor behind /dev/i2c-N, for running the real libddcutil in tests: an LD_PRELOAD shim over the
 * libc calls that reach an I2C bus (open, ioctl I2C_SLAVE/I2C_SLAVE_FORCE/I2C_FUNCS/I2C_RDWR, read, write, close).
 *
 * Why a shim and not CUSE: a CUSE device is a real /dev node, which needs root and /dev/cuse, and it would be visible
 * to every program on the machine (a host's ddcutil, a desktop's brightness daemon) while the tests run. The shim only
 * exists in the processes of the test. What libddcutil reads around the device node (/dev/i2c-N itself, the i2c-dev
 * class and the adapters in sysfs through libudev, /sys/class/drm) is real files: the test script builds them on
 * tmpfs in a private mount namespace (ddc-emulator.sh), so libudev, glib and the shell that libddcutil runs see one
 * consistent machine without any path rewriting. One more thing is faked: libudev accepts a device only on sysfs, so
 * statfs()/fstatfs() report sysfs's magic for the tmpfs on /sys.
 *
 * The monitor on bus N is described by $VXM_I2C_MONITOR_DIR/i2c-N (KEY=VALUE lines, rewritten as its state changes;
 * no file: nothing on the bus answers). Every message the monitor receives is appended to i2c-N.log, decoded, with its
 * bytes, for the tests to check. Keys (defaults in brackets):
 *
 *   present=yes|no     [yes]    no: nothing answers, not even the EDID (monitor off or unplugged)
 *   ddc=yes|no         [yes]    no: the EDID answers at 0x50, DDC/CI at 0x37 does not (DDC/CI off in its menu)
 *   mfg, model, serial, product [VXM, VXM-27, SN0001, 0x2701]   what the EDID says
 *   feature=0x60|0xf4  [0x60]   the feature that selects the input (0xf4: LG's; then 0x60 is unsupported)
 *   inputs=V,V,...     [0x0f,0x11,0x12]  the feature's values listed in the capabilities string
 *   input=V            [0x0f]   the current input (state)
 *   port=V             [input]  the input that this bus's cable is plugged into
 *   inactive=normal|ignore-set|mute [normal]  while another input is shown: input changes are ignored (acknowledged,
 *                                  not done), or the monitor does not answer on this cable at all
 *   null=N             [0]      the next N replies are DDC Null Messages ("nothing to say")
 *   badsum=N           [0]      the next N replies have a wrong checksum (-1: all of them)
 *   garble=0xNN        [-]      every reply about feature NN has a wrong checksum
 *   nack-set=yes       [no]     does not acknowledge a write that sets a feature
 *   ignore-set=yes     [no]     acknowledges input changes and does nothing
 *   revert-ms=T        [0]      T ms after an input change the monitor goes back to the input before it (auto scan)
 *   revert-times=N     [-1]     ... only the first N times (-1: every time)
 *   lie=V              [-]      reports V as its input whatever it shows
 *   source=0x51|0x50   [0x51]   the host source address it accepts
 *   f4-source=0x50     [source] the source address it takes a change of feature 0xf4 from (LG models that need 0x50)
 *   stall-ms=T         [0]      every transfer at 0x37 takes T ms (a hung bus)
 *   reply-ms=T         [20]     a reply is ready T ms after its request; a read before that gets a Null Message
 *   switch-ms=T        [0]      for T ms after an input change, reads still report the old input
 *   busy=yes           [no]     a kernel driver holds 0x37: I2C_SLAVE fails with EBUSY
 *   rdwr=ok|einval     [ok]     einval: I2C_RDWR fails with EINVAL (the nvidia driver bug; libddcutil then uses
 *                               read()/write())
 *   caps=STRING        [-]      the capabilities string, instead of the one made from model/feature/inputs
 *
 * DDC/CI framing (VESA DDC/CI 1.1): the host writes to 0x37 (8-bit 0x6E) "51 80|n DATA... CHK" with CHK the XOR of
 * 6E 51 80|n DATA; the monitor answers a read at 0x37 (0x6F) with "6E 80|n DATA... CHK", CHK the XOR of 50 6E 80|n
 * DATA (the spec's "virtual host address" 0x50). The EDID is read at 0x50 after writing its offset. */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 1024
#define MAX_KEYS 48
#define DDC_ADDR 0x37
#define EDID_ADDR 0x50

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_fstatfs)(int, struct statfs *);
static int (*real_statfs)(const char *, struct statfs *);
static int (*real_fstatfs64)(int, struct statfs64 *);
static int (*real_statfs64)(const char *, struct statfs64 *);

/* One open /dev/i2c-N: the i2c-dev state that the kernel keeps per file, and the reply the monitor has ready. */
typedef struct Bus {
        bool used;
        int busno;
        uint16_t slave; /* I2C_SLAVE */
        uint8_t offset; /* EDID read pointer */
        uint8_t reply[64];
        size_t reply_len; /* 0: nothing to say */
        uint64_t reply_ready_ms;
} Bus;

static Bus buses[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *dir;

static void init(void) {
        if (real_ioctl)
                return;
        real_open = dlsym(RTLD_NEXT, "open");
        real_openat = dlsym(RTLD_NEXT, "openat");
        real_close = dlsym(RTLD_NEXT, "close");
        real_read = dlsym(RTLD_NEXT, "read");
        real_write = dlsym(RTLD_NEXT, "write");
        real_fstatfs = dlsym(RTLD_NEXT, "fstatfs");
        real_statfs = dlsym(RTLD_NEXT, "statfs");
        real_fstatfs64 = dlsym(RTLD_NEXT, "fstatfs64");
        real_statfs64 = dlsym(RTLD_NEXT, "statfs64");
        dir = getenv("VXM_I2C_MONITOR_DIR");
        real_ioctl = dlsym(RTLD_NEXT, "ioctl");
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts); /* shared by the processes of a test (start, stop) */
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* --- the monitor's description and state: a small KEY=VALUE file, locked for each transaction --- */

typedef struct Monitor {
        int busno;
        int lock_fd;
        size_t n;
        char keys[MAX_KEYS][32];
        char values[MAX_KEYS][256];
        bool dirty;
} Monitor;

static const char *get(const Monitor *m, const char *key, const char *def) {
        for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->keys[i], key) == 0)
                        return m->values[i];
        return def;
}

static long get_num(const Monitor *m, const char *key, long def) {
        const char *v = get(m, key, NULL);
        return v && *v ? strtol(v, NULL, 0) : def;
}

static bool get_bool(const Monitor *m, const char *key, bool def) {
        const char *v = get(m, key, NULL);
        return v ? strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 : def;
}

static void set(Monitor *m, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set(Monitor *m, const char *key, const char *fmt, ...) {
        size_t i;
        for (i = 0; i < m->n && strcmp(m->keys[i], key) != 0; i++)
                ;
        if (i == m->n) {
                if (m->n == MAX_KEYS)
                        return;
                snprintf(m->keys[m->n++], sizeof m->keys[0], "%s", key);
        }
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->values[i], sizeof m->values[0], fmt, ap);
        va_end(ap);
        m->dirty = true;
}

static int file_open(const char *suffix, int flags) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, suffix);
        return real_open(path, flags | O_CLOEXEC, 0644);
}

/* Loads the monitor of bus N under its lock; false when nothing is attached to the bus. */
static bool monitor_load(int busno, Monitor *m) {
        char name[64];
        memset(m, 0, sizeof *m);
        m->busno = busno;
        snprintf(name, sizeof name, "i2c-%d", busno);
        int fd = file_open(name, O_RDWR);
        if (fd < 0)
                return false;
        flock(fd, LOCK_EX);
        m->lock_fd = fd;
        char buf[8192];
        ssize_t len = pread(fd, buf, sizeof buf - 1, 0);
        buf[len > 0 ? len : 0] = '\0';
        /* A later KEY= replaces an earlier one. */
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                char *eq = strchr(line, '=');
                if (!eq || line[0] == '#')
                        continue;
                *eq = '\0';
                set(m, line, "%s", eq + 1);
        }
        m->dirty = false;
        return true;
}

static void monitor_done(Monitor *m) {
        if (m->dirty) {
                char buf[8192];
                size_t len = 0;
                for (size_t i = 0; i < m->n && len < sizeof buf; i++)
                        len += (size_t) snprintf(buf + len, sizeof buf - len, "%s=%s\n", m->keys[i], m->values[i]);
                if (len > sizeof buf)
                        len = sizeof buf;
                if (ftruncate(m->lock_fd, 0) == 0)
                        (void) !pwrite(m->lock_fd, buf, len, 0);
        }
        real_close(m->lock_fd); /* drops the flock */
}

static void mlog(const Monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mlog(const Monitor *m, const char *fmt, ...) {
        char name[64], line[512];
        snprintf(name, sizeof name, "i2c-%d.log", m->busno);
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line, sizeof line - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n > sizeof line - 2)
                n = sizeof line - 2;
        line[n++] = '\n';
        int fd = file_open(name, O_WRONLY | O_APPEND | O_CREAT);
        if (fd >= 0) {
                (void) !real_write(fd, line, (size_t) n);
                real_close(fd);
        }
}

static const char *hex(const uint8_t *b, size_t n, char *buf, size_t size) {
        size_t len = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < n && len + 4 < size; i++)
                len += (size_t) snprintf(buf + len, size - len, "%s%02x", i ? " " : "", b[i]);
        return buf;
}

/* The input state, with the time-based behaviours applied: an auto scan that went back, a switch in progress. */
static long input_now(Monitor *m) {
        long revert_at = get_num(m, "revert-at", 0);
        if (revert_at > 0 && (uint64_t) revert_at <= now_ms()) {
                long to = get_num(m, "revert-to", 0);
                set(m, "input", "0x%02lx", to);
                set(m, "revert-at", "0");
                mlog(m, "reverted to 0x%02lx (automatic input scan)", to);
        }
        return get_num(m, "input", 0x0f);
}

static long input_feature(const Monitor *m) {
        return get_num(m, "feature", 0x60);
}

static bool on_active_input(Monitor *m) {
        long input = input_now(m);
        return get_num(m, "port", input) == input;
}

/* --- EDID --- */

static void edid_string(uint8_t *d, uint8_t tag, const char *s) {
        d[0] = d[1] = d[2] = 0;
        d[3] = tag;
        d[4] = 0;
        size_t n = strlen(s);
        if (n > 13)
                n = 13;
        memcpy(d + 5, s, n);
        if (n < 13)
                d[5 + n++] = 0x0a;
        for (; n < 13; n++)
                d[5 + n] = 0x20;
}

static void edid_build(const Monitor *m, uint8_t e[static 128]) {
        static const uint8_t dtd_1080p[18] = { 0x02, 0x3a, 0x80, 0x18, 0x71, 0x38, 0x2d, 0x40, 0x58,
                                               0x2c, 0x45, 0x00, 0x56, 0x50, 0x21, 0x00, 0x00, 0x1e };
        const char *mfg = get(m, "mfg", "VXM");
        unsigned product = (unsigned) get_num(m, "product", 0x2701);
        memset(e, 0, 128);
        memcpy(e, "\x00\xff\xff\xff\xff\xff\xff\x00", 8);
        unsigned id = 0;
        for (int i = 0; i < 3; i++)
                id = id << 5 | ((unsigned) (mfg[0] && mfg[1] && mfg[2] ? mfg[i] : "VXM"[i]) - '@') % 32;
        e[8] = (uint8_t) (id >> 8);
        e[9] = (uint8_t) id;
        e[10] = (uint8_t) product;
        e[11] = (uint8_t) (product >> 8);
        e[12] = (uint8_t) m->busno; /* binary serial */
        e[16] = 1;
        e[17] = 2024 - 1990;
        e[18] = 1;
        e[19] = 4;
        e[20] = 0xa5; /* digital, 8 bits, DisplayPort */
        e[21] = 60;
        e[22] = 34;
        e[23] = 120; /* gamma 2.2 */
        e[24] = 0x3a;
        memset(e + 38, 0x01, 16); /* no standard timings */
        memcpy(e + 54, dtd_1080p, 18);
        edid_string(e + 72, 0xfc, get(m, "model", "VXM-27"));
        edid_string(e + 90, 0xff, get(m, "serial", "SN0001"));
        memcpy(e + 108, "\x00\x00\x00\xfd\x00\x30\x4b\x1e\x53\x15\x00\x0a\x20\x20\x20\x20\x20\x20", 18);
        uint8_t sum = 0;
        for (int i = 0; i < 127; i++)
                sum = (uint8_t) (sum + e[i]);
        e[127] = (uint8_t) (0x100 - sum);
}

/* --- DDC/CI --- */

static void caps_string(Monitor *m, char *buf, size_t size) {
        const char *caps = get(m, "caps", NULL);
        if (caps) {
                snprintf(buf, size, "%s", caps);
                return;
        }
        char values[256] = "";
        const char *inputs = get(m, "inputs", "0x0f,0x11,0x12");
        size_t len = 0;
        for (const char *p = inputs; *p && len + 6 < sizeof values;) {
                char *end;
                long v = strtol(p, &end, 0);
                if (end == p)
                        break;
                len += (size_t) snprintf(values + len, sizeof values - len, "%s%02lX", len ? " " : "", v);
                p = *end == ',' ? end + 1 : end;
        }
        long f = input_feature(m);
        snprintf(
                buf, size,
                "(prot(monitor)type(LCD)model(%s)cmds(01 02 03 07 0C E3 F3)vcp(02 04 05 08 10 12 14(05 08 0B) 16 18 1A "
                "52 %s%02lX(%s) AC AE B2 B6 C6 C8 C9 D6(01 04 05) DF)mccs_ver(2.1))",
                get(m, "model", "VXM-27"), f == 0x60 ? "" : "60 ", f, values);
}

/* A reply for the next read: "6E 80|n DATA CHK", or with a wrong CHK while badsum= lasts. */
static void reply_set(Bus *b, Monitor *m, const uint8_t *data, size_t n, bool garble) {
        uint8_t *r = b->reply;
        r[0] = 0x6e;
        r[1] = (uint8_t) (0x80 | n);
        memcpy(r + 2, data, n);
        uint8_t chk = 0x50 ^ r[0] ^ r[1];
        for (size_t i = 0; i < n; i++)
                chk ^= data[i];
        long bad = get_num(m, "badsum", 0);
        if (bad != 0 || garble) {
                chk ^= 0x5a;
                if (bad > 0)
                        set(m, "badsum", "%ld", bad - 1);
        }
        r[2 + n] = chk;
        b->reply_len = n + 3;
        b->reply_ready_ms = now_ms() + (uint64_t) get_num(m, "reply-ms", 20);
}

static void get_vcp(Bus *b, Monitor *m, uint8_t code) {
        long feature = input_feature(m), value = -1, max = 0;
        if (code == feature) {
                value = input_now(m);
                /* Monitors report the old input until the switch is done. */
                uint64_t since = now_ms() - (uint64_t) get_num(m, "switched-at", 0);
                if (since < (uint64_t) get_num(m, "switch-ms", 0))
                        value = get_num(m, "previous", value);
                if (get(m, "lie", NULL))
                        value = get_num(m, "lie", value);
                max = 0x12;
        } else if (code == 0x10 || code == 0x12) {
                value = get_num(m, code == 0x10 ? "brightness" : "contrast", 50), max = 100;
        } else if (code == 0xd6) {
                value = 1, max = 5;
        } else if (code == 0xdf) {
                value = 0x0201, max = 0; /* MCCS 2.1 */
        }
        uint8_t reply[8] = { 0x02, value < 0 ? 0x01 : 0x00, code, 0x00 };
        if (value >= 0) {
                reply[4] = (uint8_t) (max >> 8), reply[5] = (uint8_t) max;
                reply[6] = (uint8_t) (value >> 8), reply[7] = (uint8_t) value;
        }
        reply_set(b, m, reply, sizeof reply, get(m, "garble", NULL) && code == get_num(m, "garble", -1));
}

static void set_vcp(Monitor *m, uint8_t source, uint8_t code, unsigned value, const char *raw) {
        long feature = input_feature(m);
        if (code == 0x10 || code == 0x12) {
                mlog(m, "set 0x%02x 0x%04x [%s]", code, value, raw);
                set(m, code == 0x10 ? "brightness" : "contrast", "%u", value);
                return;
        }
        if (code != feature) {
                mlog(m, "set 0x%02x 0x%04x (unsupported, ignored) [%s]", code, value, raw);
                return;
        }
        mlog(m, "set 0x%02x 0x%04x [%s]", code, value, raw);
        long input = input_now(m);
        if (code == 0xf4 && source != get_num(m, "f4-source", source)) {
                mlog(m, "ignored the input change: feature 0xf4 only from source address 0x%02lx",
                     get_num(m, "f4-source", 0));
                return;
        }
        if (get_bool(m, "ignore-set", false)) {
                mlog(m, "ignored the input change");
                return;
        }
        if (!on_active_input(m) && strcmp(get(m, "inactive", "normal"), "ignore-set") == 0) {
                mlog(m, "ignored the input change: it comes over 0x%02lx, not the input shown", get_num(m, "port", 0));
                return;
        }
        if ((long) value == input)
                return;
        set(m, "previous", "0x%02lx", input);
        set(m, "input", "0x%02x", value);
        set(m, "switched-at", "%llu", (unsigned long long) now_ms());
        long revert = get_num(m, "revert-ms", 0), times = get_num(m, "revert-times", -1);
        if (revert > 0 && times != 0) {
                set(m, "revert-at", "%llu", (unsigned long long) (now_ms() + (uint64_t) revert));
                set(m, "revert-to", "0x%02lx", input);
                if (times > 0)
                        set(m, "revert-times", "%ld", times - 1);
        }
}

static void caps_request(Bus *b, Monitor *m, unsigned offset) {
        char caps[1024];
        uint8_t reply[3 + 32] = { 0xe3, (uint8_t) (offset >> 8), (uint8_t) offset };
        caps_string(m, caps, sizeof caps);
        size_t len = strlen(caps), n = 0;
        if (offset < len) {
                n = len - offset < 32 ? len - offset : 32;
                memcpy(reply + 3, caps + offset, n);
        }
        reply_set(b, m, reply, 3 + n, false);
}

/* A write at 0x37: a request from the host. Malformed ones are logged and ignored, as a monitor does. */
static void ddc_request(Bus *b, Monitor *m, const uint8_t *w, size_t n) {
        char raw[256];
        hex(w, n, raw, sizeof raw);
        b->reply_len = 0;
        if (n == 1) {
                /* libddcutil's probe for a DDC/CI device at 0x37; a monitor acknowledges it and does nothing */
                mlog(m, "probe [%s]", raw);
                return;
        }
        if (n < 3 || (w[1] & 0x80) == 0 || (size_t) (w[1] & 0x7f) + 3 != n) {
                mlog(m, "malformed request [%s]", raw);
                return;
        }
        uint8_t chk = 0x6e;
        for (size_t i = 0; i < n - 1; i++)
                chk ^= w[i];
        if (chk != w[n - 1]) {
                mlog(m, "bad checksum 0x%02x, expected 0x%02x [%s]", w[n - 1], chk, raw);
                return;
        }
        if (w[0] != get_num(m, "source", 0x51) && !(w[0] == 0x50 && get(m, "f4-source", NULL))) {
                mlog(m, "ignored a request from source address 0x%02x [%s]", w[0], raw);
                return;
        }
        const uint8_t *d = w + 2;
        size_t len = n - 3;
        if (len == 2 && d[0] == 0x01) {
                mlog(m, "get 0x%02x [%s]", d[1], raw);
                get_vcp(b, m, d[1]);
        } else if (len == 4 && d[0] == 0x03)
                set_vcp(m, w[0], d[1], (unsigned) d[2] << 8 | d[3], raw);
        else if (len == 3 && d[0] == 0xf3) {
                mlog(m, "capabilities 0x%04x [%s]", (unsigned) d[1] << 8 | d[2], raw);
                caps_request(b, m, (unsigned) d[1] << 8 | d[2]);
        } else
                mlog(m, "command 0x%02x [%s]", d[0], raw);
}

/* A read at 0x37: the prepared reply, or a Null Message when there is none (yet), or one is due. */
static void ddc_reply(Bus *b, Monitor *m, uint8_t *buf, size_t n) {
        static const uint8_t null_msg[3] = { 0x6e, 0x80, 0xbe };
        const uint8_t *r = b->reply;
        size_t len = b->reply_len;
        long nulls = get_num(m, "null", 0);
        if (len > 0 && now_ms() < b->reply_ready_ms) {
                mlog(m, "read %llu ms before the reply was ready: null message",
                     (unsigned long long) (b->reply_ready_ms - now_ms()));
                r = null_msg, len = 3;
        } else if (len > 0 && nulls > 0) {
                set(m, "null", "%ld", nulls - 1);
                mlog(m, "null message instead of the reply");
                r = null_msg, len = 3;
                b->reply_len = 0;
        } else if (len == 0)
                r = null_msg, len = 3;
        else
                b->reply_len = 0;
        memset(buf, 0xff, n);
        memcpy(buf, r, len < n ? len : n);
}

/* One transfer to or from one address; -errno as the kernel's i2c-dev would fail it (ENXIO: no acknowledge). */
static int transfer(Bus *b, uint16_t addr, bool rd, uint8_t *buf, size_t n) {
        Monitor m;
        int r = 0;
        if (!monitor_load(b->busno, &m))
                return -ENXIO;
        if (!get_bool(&m, "present", true) || (addr != DDC_ADDR && addr != EDID_ADDR))
                r = -ENXIO;
        else if (addr == EDID_ADDR) {
                uint8_t edid[128];
                edid_build(&m, edid);
                if (rd) {
                        for (size_t i = 0; i < n; i++)
                                buf[i] = edid[(b->offset + i) % 128];
                        mlog(&m, "edid read %zu bytes at 0x%02x", n, b->offset);
                        b->offset = (uint8_t) (b->offset + n);
                } else if (n >= 1)
                        b->offset = buf[0];
        } else {
                unsigned stall = (unsigned) get_num(&m, "stall-ms", 0);
                if (stall)
                        sleep_ms(stall);
                if (!get_bool(&m, "ddc", true) ||
                    (!on_active_input(&m) && strcmp(get(&m, "inactive", "normal"), "mute") == 0)) {
                        mlog(&m, "no acknowledge at 0x37 (%s)", rd ? "read" : "write");
                        r = -ENXIO;
                } else if (rd)
                        ddc_reply(b, &m, buf, n);
                else if (n >= 3 && buf[2] == 0x03 && get_bool(&m, "nack-set", false)) {
                        mlog(&m, "no acknowledge for a set (%s)", rd ? "read" : "write");
                        r = -ENXIO;
                } else
                        ddc_request(b, &m, buf, n);
        }
        monitor_done(&m);
        return r;
}

/* --- the interposed calls --- */

static Bus *bus_of(int fd) {
        return fd >= 0 && fd < MAX_FDS && buses[fd].used ? &buses[fd] : NULL;
}

static int i2c_busno(const char *path) {
        int n, end = 0;
        if (!dir || !path || sscanf(path, "/dev/i2c-%d%n", &n, &end) != 1 || path[end] != '\0' || n < 0)
                return -1;
        return n;
}

static int track(int fd, const char *path) {
        int n = i2c_busno(path);
        if (fd >= 0 && fd < MAX_FDS && n >= 0) {
                pthread_mutex_lock(&lock);
                buses[fd] = (Bus){ .used = true, .busno = n };
                pthread_mutex_unlock(&lock);
        }
        return fd;
}

static int mode_arg(int flags, va_list ap) {
        return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
        va_list ap;
        va_start(ap, flags);
        int mode = mode_arg(flags, ap);
        va_end(ap);
        init();
        return track(real_open(path, flags, mode), path);
}

int open64(const char *path, int flags, ...) {
        va_list ap;
        va_start(ap, flags);
        int mode = mode_arg(flags, ap);
        va_end(ap);
        init();
        return track(real_open(path, flags | O_LARGEFILE, mode), path);
}

/* What _FORTIFY_SOURCE turns open() into; libddcutil calls these. */
int __open_2(const char *path, int flags) {
        init();
        return track(real_open(path, flags, 0), path);
}

int __open64_2(const char *path, int flags) {
        init();
        return track(real_open(path, flags | O_LARGEFILE, 0), path);
}

int openat(int dirfd, const char *path, int flags, ...) {
        va_list ap;
        va_start(ap, flags);
        int mode = mode_arg(flags, ap);
        va_end(ap);
        init();
        return track(real_openat(dirfd, path, flags, mode), path);
}

int close(int fd) {
        init();
        pthread_mutex_lock(&lock);
        if (bus_of(fd))
                buses[fd].used = false;
        pthread_mutex_unlock(&lock);
        return real_close(fd);
}

static ssize_t fail(int r) {
        errno = -r;
        return -1;
}

ssize_t read(int fd, void *buf, size_t n) {
        init();
        Bus *b = bus_of(fd);
        if (!b)
                return real_read(fd, buf, n);
        if (n > 8192)
                return fail(-EINVAL);
        pthread_mutex_lock(&lock);
        int r = b->slave ? transfer(b, b->slave, true, buf, n) : -EINVAL;
        pthread_mutex_unlock(&lock);
        return r < 0 ? fail(r) : (ssize_t) n;
}

ssize_t write(int fd, const void *buf, size_t n) {
        init();
        Bus *b = bus_of(fd);
        if (!b)
                return real_write(fd, buf, n);
        if (n > 8192)
                return fail(-EINVAL);
        uint8_t copy[8192];
        memcpy(copy, buf, n);
        pthread_mutex_lock(&lock);
        int r = b->slave ? transfer(b, b->slave, false, copy, n) : -EINVAL;
        pthread_mutex_unlock(&lock);
        return r < 0 ? fail(r) : (ssize_t) n;
}

static int bus_ioctl(Bus *b, unsigned long req, void *arg) {
        Monitor m;
        switch (req) {
        case I2C_SLAVE:
        case I2C_SLAVE_FORCE: {
                unsigned long addr = (unsigned long) arg;
                if (addr > 0x7f)
                        return -EINVAL;
                if (req == I2C_SLAVE && addr == DDC_ADDR && monitor_load(b->busno, &m)) {
                        bool busy = get_bool(&m, "busy", false);
                        monitor_done(&m);
                        if (busy)
                                return -EBUSY;
                }
                b->slave = (uint16_t) addr;
                return 0;
        }
        case I2C_FUNCS:
                *(unsigned long *) arg = I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL;
                return 0;
        case I2C_RDWR: {
                struct i2c_rdwr_ioctl_data *data = arg;
                if (monitor_load(b->busno, &m)) {
                        bool einval = strcmp(get(&m, "rdwr", "ok"), "einval") == 0;
                        if (einval)
                                mlog(&m, "I2C_RDWR refused with EINVAL");
                        monitor_done(&m);
                        if (einval)
                                return -EINVAL;
                }
                if (!data || data->nmsgs == 0 || data->nmsgs > 42)
                        return -EINVAL;
                for (unsigned i = 0; i < data->nmsgs; i++) {
                        struct i2c_msg *msg = &data->msgs[i];
                        if (msg->len > 8192)
                                return -EINVAL;
                        int r = transfer(b, msg->addr, msg->flags & I2C_M_RD, msg->buf, msg->len);
                        if (r < 0)
                                return r;
                }
                return (int) data->nmsgs;
        }
        default:
                return -ENOTTY;
        }
}

int ioctl(int fd, unsigned long req, ...) {
        va_list ap;
        va_start(ap, req);
        void *arg = va_arg(ap, void *);
        va_end(ap);
        init();
        Bus *b = bus_of(fd);
        if (!b)
                return real_ioctl(fd, req, arg);
        pthread_mutex_lock(&lock);
        int r = bus_ioctl(b, req, arg);
        pthread_mutex_unlock(&lock);
        return r < 0 ? (int) fail(r) : r;
}

/* libudev accepts a device only on sysfs (it checks the file system of its directory); the test's /sys is a tmpfs
 * that stands in for it. */
static bool in_fake_sys(const char *path) {
        return dir && path && (strncmp(path, "/sys/", 5) == 0 || strcmp(path, "/sys") == 0);
}

static bool fd_in_fake_sys(int fd) {
        char link[64], path[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = dir ? readlink(link, path, sizeof path - 1) : -1;
        path[n > 0 ? n : 0] = '\0';
        return in_fake_sys(path);
}

#define SYSFS_TYPE(r, st, cond)                                                                                        \
        do {                                                                                                           \
                if ((r) == 0 && (st)->f_type == TMPFS_MAGIC && (cond))                                                 \
                        (st)->f_type = SYSFS_MAGIC;                                                                    \
        } while (0)

int fstatfs(int fd, struct statfs *st) {
        init();
        int r = real_fstatfs(fd, st);
        SYSFS_TYPE(r, st, fd_in_fake_sys(fd));
        return r;
}

int fstatfs64(int fd, struct statfs64 *st) {
        init();
        int r = real_fstatfs64(fd, st);
        SYSFS_TYPE(r, st, fd_in_fake_sys(fd));
        return r;
}

int statfs(const char *path, struct statfs *st) {
        init();
        int r = real_statfs(path, st);
        SYSFS_TYPE(r, st, in_fake_sys(path));
        return r;
}

int statfs64(const char *path, struct statfs64 *st) {
        init();
        int r = real_statfs64(path, st);
        SYSFS_TYPE(r, st, in_fake_sys(path));
        return r;
}
