/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cpu-set.h"
#include "basic/macro.h"

void cpu_set_done(CpuSet *s) {
        free(s->words);
        *s = (CpuSet){};
}

static void grow(CpuSet *s, size_t n_words) {
        if (n_words <= s->n_words)
                return;
        s->words = xrealloc(s->words, n_words * sizeof *s->words);
        memset(s->words + s->n_words, 0, (n_words - s->n_words) * sizeof *s->words);
        s->n_words = n_words;
}

void cpu_set_add(CpuSet *s, unsigned cpu) {
        if (cpu >= CPU_SET_MAX)
                abort();
        grow(s, cpu / 64 + 1);
        s->words[cpu / 64] |= 1ULL << (cpu % 64);
}

void cpu_set_remove(CpuSet *s, unsigned cpu) {
        if (cpu / 64 < s->n_words)
                s->words[cpu / 64] &= ~(1ULL << (cpu % 64));
}

bool cpu_set_has(const CpuSet *s, unsigned cpu) {
        return cpu / 64 < s->n_words && (s->words[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cpu_set_count(const CpuSet *s) {
        unsigned n = 0;
        for (size_t i = 0; i < s->n_words; i++)
                n += (unsigned) __builtin_popcountll(s->words[i]);
        return n;
}

bool cpu_set_is_empty(const CpuSet *s) {
        for (size_t i = 0; i < s->n_words; i++)
                if (s->words[i])
                        return false;
        return true;
}

int cpu_set_next(const CpuSet *s, unsigned from) {
        for (size_t i = from / 64; i < s->n_words; i++) {
                uint64_t w = s->words[i];
                if (i == from / 64)
                        w &= ~0ULL << (from % 64);
                if (w)
                        return (int) (i * 64 + (size_t) __builtin_ctzll(w));
        }
        return -1;
}

void cpu_set_copy(CpuSet *dst, const CpuSet *src) {
        cpu_set_done(dst);
        cpu_set_add_all(dst, src);
}

void cpu_set_add_all(CpuSet *dst, const CpuSet *src) {
        grow(dst, src->n_words);
        for (size_t i = 0; i < src->n_words; i++)
                dst->words[i] |= src->words[i];
}

void cpu_set_remove_all(CpuSet *dst, const CpuSet *src) {
        for (size_t i = 0; i < dst->n_words && i < src->n_words; i++)
                dst->words[i] &= ~src->words[i];
}

void cpu_set_intersect(CpuSet *dst, const CpuSet *src) {
        for (size_t i = 0; i < dst->n_words; i++)
                dst->words[i] &= i < src->n_words ? src->words[i] : 0;
}

static uint64_t word(const CpuSet *s, size_t i) {
        return i < s->n_words ? s->words[i] : 0;
}

bool cpu_set_equal(const CpuSet *a, const CpuSet *b) {
        size_t n = a->n_words > b->n_words ? a->n_words : b->n_words;
        for (size_t i = 0; i < n; i++)
                if (word(a, i) != word(b, i))
                        return false;
        return true;
}

bool cpu_set_is_subset(const CpuSet *sub, const CpuSet *super) {
        for (size_t i = 0; i < sub->n_words; i++)
                if (sub->words[i] & ~word(super, i))
                        return false;
        return true;
}

bool cpu_set_overlaps(const CpuSet *a, const CpuSet *b) {
        for (size_t i = 0; i < a->n_words; i++)
                if (a->words[i] & word(b, i))
                        return true;
        return false;
}

/* A CPU number: decimal digits only (no sign, no blanks, no hex), below CPU_SET_MAX. */
static int parse_cpu(const char *s, size_t len, unsigned *ret) {
        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!isdigit((unsigned char) s[i]))
                        return -EINVAL;
        unsigned v = 0;
        for (size_t i = 0; i < len && v < CPU_SET_MAX; i++)
                v = v * 10 + (unsigned) (s[i] - '0');
        if (v >= CPU_SET_MAX)
                return -ERANGE;
        *ret = v;
        return 0;
}

int cpu_set_parse(const char *s, CpuSet *ret, const char **ret_reason) {
        _cleanup_cpu_set_ CpuSet set = {};
        const char *reason = NULL;
        int r = 0;

        for (const char *p = s; *p && r == 0;) {
                size_t len = strcspn(p, ", \t");
                if (len == 0) {
                        p++;
                        continue;
                }
                const char *dash = memchr(p, '-', len);
                unsigned lo = 0, hi = 0;
                if (dash) {
                        r = parse_cpu(p, (size_t) (dash - p), &lo);
                        if (r == 0)
                                r = parse_cpu(dash + 1, len - (size_t) (dash - p) - 1, &hi);
                        if (r == 0 && lo > hi) {
                                r = -EINVAL;
                                reason = "a range must go from the lower to the higher CPU";
                        }
                } else {
                        r = parse_cpu(p, len, &lo);
                        hi = lo;
                }
                if (r == -ERANGE)
                        reason = "CPU numbers go up to 8191";
                else if (r < 0 && !reason)
                        reason = "expected CPU numbers and ranges such as 2-7,10-15";
                for (unsigned c = lo; r == 0 && c <= hi; c++)
                        cpu_set_add(&set, c);
                p += len;
        }
        if (r < 0) {
                if (ret_reason)
                        *ret_reason = reason;
                return r;
        }
        cpu_set_done(ret);
        *ret = set;
        set = (CpuSet){};
        return 0;
}

char *cpu_set_format(const CpuSet *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                abort();
        const char *sep = "";
        for (int c = cpu_set_next(s, 0); c >= 0;) {
                int end = c;
                while (cpu_set_has(s, (unsigned) end + 1))
                        end++;
                if (end == c)
                        fprintf(f, "%s%d", sep, c);
                else
                        fprintf(f, "%s%d-%d", sep, c, end);
                sep = ",";
                c = cpu_set_next(s, (unsigned) end + 1);
        }
        if (fclose(f) != 0)
                abort();
        return buf;
}

void cpu_set_to_bytes(const CpuSet *s, uint8_t **ret, size_t *ret_size) {
        int last = -1;
        for (int c = cpu_set_next(s, 0); c >= 0; c = cpu_set_next(s, (unsigned) c + 1))
                last = c;
        size_t n = last < 0 ? 0 : (size_t) last / 8 + 1;
        uint8_t *b = xmalloc(n);
        for (int c = cpu_set_next(s, 0); c >= 0; c = cpu_set_next(s, (unsigned) c + 1))
                b[c / 8] |= (uint8_t) (1u << (c % 8));
        *ret = b;
        *ret_size = n;
}

int cpu_set_from_bytes(const uint8_t *bytes, size_t size, CpuSet *ret) {
        if (size > CPU_SET_MAX / 8)
                return -ERANGE;
        CpuSet set = {};
        for (size_t i = 0; i < size; i++)
                for (unsigned bit = 0; bit < 8; bit++)
                        if (bytes[i] & (1u << bit))
                                cpu_set_add(&set, (unsigned) (i * 8 + bit));
        cpu_set_done(ret);
        *ret = set;
        return 0;
}
