/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <syslog.h>

/* Where messages go. LOG_TARGET_AUTO picks: the journal when stderr is connected to it (JOURNAL_STREAM),
 * /dev/kmsg for the generator under systemd, stderr otherwise. */
typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_KMSG,
} LogTarget;

/* ident is the program name used as prefix/SYSLOG_IDENTIFIER. Reads SYSTEMD_LOG_LEVEL. */
void log_setup(const char *ident, LogTarget target);
void log_set_max_level(int level);
int log_get_max_level(void);

/* Context attached to every following message as structured journal fields (VXM_GUEST=, VXM_DEVICE=) and, on
 * stderr, nowhere (messages name the guest/device themselves). NULL clears. Strings are copied. */
void log_set_guest(const char *guest);
void log_set_device(const char *device);

/* Tests: capture formatted messages instead of printing them. */
typedef void (*LogSink)(int level, const char *message, void *userdata);
void log_set_sink(LogSink sink, void *userdata);

/* Logs and returns -abs(error) (or -EINVAL when error is 0), so callers can "return log_error_errno(r, ...)".
 * %m in fmt expands to strerror(abs(error)). */
int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

#define log_full_errno(level, error, ...) log_internal(level, error, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

int log_level_from_string(const char *s);
