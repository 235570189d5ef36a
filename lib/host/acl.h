/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* POSIX access ACLs, read and written as the system.posix_acl_access xattr in the kernel's format
 * (include/uapi/linux/posix_acl_xattr.h), so that no libacl is needed. Nothing here recomputes a mask behind the
 * caller's back: what is written is exactly the entries given. */

enum {
        ACL_TAG_USER_OBJ = 0x01,
        ACL_TAG_USER = 0x02,
        ACL_TAG_GROUP_OBJ = 0x04,
        ACL_TAG_GROUP = 0x08,
        ACL_TAG_MASK = 0x10,
        ACL_TAG_OTHER = 0x20,
};
#define ACL_NO_ID ((uint32_t) -1)
#define ACL_MAX_ENTRIES 64
/* The largest xattr value: the version header and ACL_MAX_ENTRIES entries of 8 bytes. */
#define ACL_XATTR_MAX (4 + ACL_MAX_ENTRIES * 8)

typedef struct AclEntry {
        uint16_t tag, perm;
        uint32_t id;
} AclEntry;

typedef struct Acl {
        AclEntry e[ACL_MAX_ENTRIES];
        size_t n;
} Acl;

/* Every function takes a file descriptor, which may be an O_PATH one (the xattr calls then go through
 * /proc/self/fd/N): a device node is never opened for real, and what is changed is the inode that was checked. */

/* The ACL, or the three entries the mode implies when the file has none. */
int acl_read_fd(int fd, Acl *ret);
/* Writes exactly these entries, sorted as the kernel wants them. Only the three base entries: the kernel folds them
 * into the mode and drops the xattr, which is exactly "no ACL". */
int acl_write_fd(int fd, const Acl *acl);

/* The raw xattr, for records that must give back exactly what was there: *ret_size 0 when the file has none. */
int acl_get_raw_fd(int fd, uint8_t buf[static ACL_XATTR_MAX], size_t *ret_size);
/* Puts the raw xattr back, or removes it (size 0). */
int acl_set_raw_fd(int fd, const uint8_t *buf, size_t size);
/* Hex text of a raw xattr for a record, "none" for size 0; and back (-EBADMSG on anything else). */
char *acl_raw_to_string(const uint8_t *buf, size_t size);
int acl_raw_from_string(const char *s, uint8_t buf[static ACL_XATTR_MAX], size_t *ret_size);

AclEntry *acl_find(Acl *acl, uint16_t tag, uint32_t id);
/* Adds or replaces an entry; -E2BIG when the ACL is full. */
int acl_put(Acl *acl, uint16_t tag, uint32_t id, uint16_t perm);
void acl_drop(Acl *acl, uint16_t tag, uint32_t id);
bool acl_has_named(const Acl *acl);
/* The permissions of the group class (owning group and named entries): what a mask computed by setfacl would be. */
uint16_t acl_group_class(const Acl *acl);

/* Opens path through the root prefix as O_PATH, not following a final symlink, and reads its ACL: the descriptor, or
 * -errno. */
int acl_open_read(const char *path, Acl *ret);

/* Path versions through the root prefix (not following a final symlink), for tests and `vxm check`: the permission
 * bits of uid's named entry (0..7), or -ENODATA when it has none; set (perm 0..7) or remove (perm < 0) it, widening
 * the mask just enough for it to take effect. */
int acl_get_user_perm(const char *path, uid_t uid);
int acl_set_user_perm(const char *path, uid_t uid, int perm);
