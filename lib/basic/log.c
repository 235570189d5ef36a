/* SPDX-License-Identifier: BSD-3-Clause */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "basic/log.h"

static const char *log_ident = "vxm";
static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;
static int kmsg_fd = -1;
static char *log_guest, *log_device;
static LogSink log_sink;
static void *log_sink_userdata;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",     [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i <= LOG_DEBUG; i++)
                if (strcmp(s, level_names[i]) == 0)
                        return i;
        if (strlen(s) == 1 && s[0] >= '0' && s[0] <= '7')
                return s[0] - '0';
        return -EINVAL;
}

/* stderr is the journal's stream when JOURNAL_STREAM names its device:inode (systemd.exec(5)). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(const char *ident, LogTarget target) {
        log_ident = ident;

        if (target == LOG_TARGET_AUTO)
                target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
        if (target == LOG_TARGET_KMSG) {
                kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
                if (kmsg_fd < 0)
                        target = LOG_TARGET_STDERR;
        }
        log_target = target;

        int l = log_level_from_string(getenv("SYSTEMD_LOG_LEVEL"));
        if (l >= 0)
                log_max_level = l;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static void set_field(char **field, const char *value) {
        free(*field);
        *field = value ? strdup(value) : NULL;
}

void log_set_guest(const char *guest) {
        set_field(&log_guest, guest);
}

void log_set_device(const char *device) {
        set_field(&log_device, device);
}

void log_set_sink(LogSink sink, void *userdata) {
        log_sink = sink;
        log_sink_userdata = userdata;
}

static void write_kmsg(int level, const char *msg) {
        char buf[2048];
        /* Facility daemon (3) so the journal files it like a service message, not a kernel one. */
        int n = snprintf(buf, sizeof buf, "<%d>%s[%d]: %s\n", 3 << 3 | level, log_ident, (int) getpid(), msg);
        if (n > 0 && write(kmsg_fd, buf, (size_t) n < sizeof buf ? (size_t) n : sizeof buf - 1) < 0)
                fprintf(stderr, "%s: %s\n", log_ident, msg);
}

static void write_journal(int level, const char *msg, const char *file, int line) {
        char prio[4];
        snprintf(prio, sizeof prio, "%d", level);
        /* Optional fields last, terminated by NULL at the first absent one. */
        const char *f1 = log_guest ? "VXM_GUEST=%s" : NULL;
        const char *f2 = log_device ? "VXM_DEVICE=%s" : NULL;
        const char *v1 = log_guest, *v2 = log_device;
        if (!f1) {
                f1 = f2;
                v1 = v2;
                f2 = NULL;
        }
        int r = sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%s", prio, "SYSLOG_IDENTIFIER=%s", log_ident,
                                "CODE_FILE=%s", file, "CODE_LINE=%d", line, f1, v1, f2, v2, NULL);
        if (r < 0)
                fprintf(stderr, "%s\n", msg);
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) {
        int saved_errno = errno;
        int ret = error == 0 ? -EINVAL : (error < 0 ? error : -error);

        if (level > log_max_level)
                return ret;

        /* %m means our error, not whatever errno happens to hold. */
        errno = error < 0 ? -error : error;
        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);

        if (log_sink)
                log_sink(level, msg, log_sink_userdata);
        else
                switch (log_target) {
                case LOG_TARGET_KMSG:
                        write_kmsg(level, msg);
                        break;
                case LOG_TARGET_JOURNAL:
                        write_journal(level, msg, file, line);
                        break;
                default:
                        fprintf(stderr, "%s: %s\n", log_ident, msg);
                }

        errno = saved_errno;
        return ret;
}
