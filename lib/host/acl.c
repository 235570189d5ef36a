/* SPDX-License-Identifier: BSD-3-Clause */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/acl.h"

#define XATTR_ACL "system.posix_acl_access"
#define ACL_XATTR_VERSION 2

/* The xattr calls have no O_PATH variant; the magic link reaches the very inode the descriptor holds. */
static void fd_path(int fd, char buf[static 32]) {
        snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

int acl_get_raw_fd(int fd, uint8_t buf[static ACL_XATTR_MAX], size_t *ret_size) {
        char p[32];
        fd_path(fd, p);
        ssize_t n = getxattr(p, XATTR_ACL, buf, ACL_XATTR_MAX);
        if (n < 0) {
                if (errno != ENODATA && errno != EOPNOTSUPP)
                        return -errno;
                n = 0;
        }
        *ret_size = (size_t) n;
        return 0;
}

int acl_set_raw_fd(int fd, const uint8_t *buf, size_t size) {
        char p[32];
        fd_path(fd, p);
        if (size == 0)
                return removexattr(p, XATTR_ACL) < 0 && errno != ENODATA ? -errno : 0;
        return setxattr(p, XATTR_ACL, buf, size, 0) < 0 ? -errno : 0;
}

char *acl_raw_to_string(const uint8_t *buf, size_t size) {
        if (size == 0)
                return xstrdup("none");
        char *s = xmalloc(size * 2 + 1);
        for (size_t i = 0; i < size; i++)
                snprintf(s + 2 * i, 3, "%02x", buf[i]);
        return s;
}

int acl_raw_from_string(const char *s, uint8_t buf[static ACL_XATTR_MAX], size_t *ret_size) {
        if (strcmp(s, "none") == 0) {
                *ret_size = 0;
                return 0;
        }
        size_t len = strlen(s);
        if (len == 0 || len % 2 != 0 || len / 2 > ACL_XATTR_MAX || strspn(s, "0123456789abcdef") != len)
                return -EBADMSG;
        for (size_t i = 0; i < len / 2; i++) {
                unsigned v;
                if (sscanf(s + 2 * i, "%2x", &v) != 1)
                        return -EBADMSG;
                buf[i] = (uint8_t) v;
        }
        *ret_size = len / 2;
        return 0;
}

int acl_read_fd(int fd, Acl *acl) {
        uint8_t buf[ACL_XATTR_MAX];
        size_t n;
        int r = acl_get_raw_fd(fd, buf, &n);
        if (r < 0)
                return r;
        acl->n = 0;
        if (n == 0) {
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return -errno;
                acl->e[0] = (AclEntry){ ACL_TAG_USER_OBJ, (st.st_mode >> 6) & 7, ACL_NO_ID };
                acl->e[1] = (AclEntry){ ACL_TAG_GROUP_OBJ, (st.st_mode >> 3) & 7, ACL_NO_ID };
                acl->e[2] = (AclEntry){ ACL_TAG_OTHER, st.st_mode & 7, ACL_NO_ID };
                acl->n = 3;
                return 0;
        }
        uint32_t version;
        if (n < 4 || (n - 4) % 8 != 0)
                return -EBADMSG;
        memcpy(&version, buf, 4);
        if (le32toh(version) != ACL_XATTR_VERSION)
                return -EBADMSG;
        for (size_t off = 4; off < n; off += 8) {
                uint16_t tag, perm;
                uint32_t id;
                memcpy(&tag, buf + off, 2);
                memcpy(&perm, buf + off + 2, 2);
                memcpy(&id, buf + off + 4, 4);
                acl->e[acl->n++] = (AclEntry){ le16toh(tag), le16toh(perm), le32toh(id) };
        }
        return 0;
}

static int entry_cmp(const void *a, const void *b) {
        const AclEntry *x = a, *y = b;
        if (x->tag != y->tag)
                return x->tag < y->tag ? -1 : 1;
        return x->id < y->id ? -1 : x->id > y->id;
}

int acl_write_fd(int fd, const Acl *acl) {
        Acl out = *acl;
        qsort(out.e, out.n, sizeof(AclEntry), entry_cmp);

        uint8_t buf[ACL_XATTR_MAX];
        uint32_t version = htole32(ACL_XATTR_VERSION);
        memcpy(buf, &version, 4);
        for (size_t i = 0; i < out.n; i++) {
                uint16_t tag = htole16(out.e[i].tag), perm = htole16(out.e[i].perm);
                uint32_t id = htole32(out.e[i].id);
                memcpy(buf + 4 + i * 8, &tag, 2);
                memcpy(buf + 4 + i * 8 + 2, &perm, 2);
                memcpy(buf + 4 + i * 8 + 4, &id, 4);
        }
        char p[32];
        fd_path(fd, p);
        return setxattr(p, XATTR_ACL, buf, 4 + out.n * 8, 0) < 0 ? -errno : 0;
}

AclEntry *acl_find(Acl *acl, uint16_t tag, uint32_t id) {
        for (size_t i = 0; i < acl->n; i++)
                if (acl->e[i].tag == tag && (acl->e[i].id == id || !(tag & (ACL_TAG_USER | ACL_TAG_GROUP))))
                        return &acl->e[i];
        return NULL;
}

int acl_put(Acl *acl, uint16_t tag, uint32_t id, uint16_t perm) {
        AclEntry *e = acl_find(acl, tag, id);
        if (e) {
                e->perm = perm;
                return 0;
        }
        if (acl->n >= ACL_MAX_ENTRIES)
                return -E2BIG;
        acl->e[acl->n++] = (AclEntry){ tag, perm, tag & (ACL_TAG_USER | ACL_TAG_GROUP) ? id : ACL_NO_ID };
        return 0;
}

void acl_drop(Acl *acl, uint16_t tag, uint32_t id) {
        AclEntry *e = acl_find(acl, tag, id);
        if (e)
                *e = acl->e[--acl->n];
}

bool acl_has_named(const Acl *acl) {
        for (size_t i = 0; i < acl->n; i++)
                if (acl->e[i].tag & (ACL_TAG_USER | ACL_TAG_GROUP))
                        return true;
        return false;
}

uint16_t acl_group_class(const Acl *acl) {
        uint16_t m = 0;
        for (size_t i = 0; i < acl->n; i++)
                if (acl->e[i].tag & (ACL_TAG_USER | ACL_TAG_GROUP | ACL_TAG_GROUP_OBJ))
                        m |= acl->e[i].perm;
        return m;
}

int acl_open_read(const char *path, Acl *ret) {
        int fd = root_open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
                return fd;
        int r = acl_read_fd(fd, ret);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

int acl_get_user_perm(const char *path, uid_t uid) {
        Acl acl;
        _cleanup_close_ int fd = acl_open_read(path, &acl);
        if (fd < 0)
                return fd;
        AclEntry *e = acl_find(&acl, ACL_TAG_USER, (uint32_t) uid);
        return e ? e->perm : -ENODATA;
}

int acl_set_user_perm(const char *path, uid_t uid, int perm) {
        Acl acl;
        _cleanup_close_ int fd = acl_open_read(path, &acl);
        if (fd < 0)
                return fd;
        int r;
        if (perm < 0) {
                acl_drop(&acl, ACL_TAG_USER, (uint32_t) uid);
                if (!acl_has_named(&acl))
                        acl_drop(&acl, ACL_TAG_MASK, 0);
                return acl_write_fd(fd, &acl);
        }
        r = acl_put(&acl, ACL_TAG_USER, (uint32_t) uid, (uint16_t) perm);
        if (r < 0)
                return r;
        AclEntry *mask = acl_find(&acl, ACL_TAG_MASK, 0);
        if (mask)
                mask->perm |= (uint16_t) perm;
        else
                r = acl_put(&acl, ACL_TAG_MASK, ACL_NO_ID, acl_group_class(&acl));
        return r < 0 ? r : acl_write_fd(fd, &acl);
}
