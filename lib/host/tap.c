/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/state-file.h"
#include "host/tap.h"

#define RECORD_KIND "tap"

void guest_tap_name(const char *guest, char buf[static TAP_NAME_MAX]) {
        uint32_t h = 2166136261u;
        for (const unsigned char *c = (const unsigned char *) guest; *c; c++)
                h = (h ^ *c) * 16777619u;
        snprintf(buf, TAP_NAME_MAX, "vxm%08x", h);
}

/* IFF_TUN_EXCL: the kernel refuses (EBUSY) instead of attaching us to an existing interface of that name. Until
 * TUNSETPERSIST the interface lives only as long as this descriptor. */
static int tun_create(const char *name) {
        int fd = root_open("/dev/net/tun", O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
        if (fd < 0)
                return fd;
        struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL };
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* RTM_DELLINK by ifindex: exactly the interface that was made, whatever has its name now. */
static int link_delete(int ifindex) {
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        struct {
                struct nlmsghdr nh;
                struct ifinfomsg ifi;
        } req = {
                .nh = { .nlmsg_len = sizeof req, .nlmsg_type = RTM_DELLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
                .ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
        };
        if (send(fd, &req, sizeof req, 0) < 0)
                return -errno;
        struct {
                struct nlmsghdr nh;
                struct nlmsgerr err;
        } ack;
        ssize_t n = recv(fd, &ack, sizeof ack, 0);
        if (n < 0)
                return -errno;
        if ((size_t) n < sizeof ack || ack.nh.nlmsg_type != NLMSG_ERROR)
                return -EBADMSG;
        return ack.err.error;
}

static int bridge_and_up(const char *name, int ifindex, const char *bridge) {
        _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        struct ifreq br = { .ifr_ifindex = ifindex };
        snprintf(br.ifr_name, IFNAMSIZ, "%s", bridge);
        if (ioctl(s, SIOCBRADDIF, &br) < 0)
                return -errno;
        struct ifreq up = {};
        snprintf(up.ifr_name, IFNAMSIZ, "%s", name);
        if (ioctl(s, SIOCGIFFLAGS, &up) < 0)
                return -errno;
        up.ifr_flags |= IFF_UP;
        return ioctl(s, SIOCSIFFLAGS, &up) < 0 ? -errno : 0;
}

static bool record_names(const StateFile *s, const void *name) {
        const char *v = state_file_get(s, "NAME");
        return v && strcmp(v, name) == 0;
}

static int refuse_taken(const char *guest, const char *name) {
        _cleanup_free_ char *other = state_file_find_other(RECORD_KIND, guest, record_names, name);
        if (other)
                return log_error_errno(EEXIST,
                                       "Tap device %s exists already and was not made by vxm for guest %s: it is "
                                       "guest %s's (both names give the same tap name). Rename one of the guests.",
                                       name, guest, other);
        return log_error_errno(EEXIST,
                               "A network interface %s exists already and was not made by vxm for guest %s; it is not "
                               "taken over. Remove it (ip link del %s) if nothing uses it.",
                               name, guest, name);
}

int tap_up(const char *guest, uid_t uid, const char *bridge) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, guest);
        char name[TAP_NAME_MAX];
        guest_tap_name(guest, name);

        if (root_exists(rec)) {
                log_info("Found the tap record of an earlier run of guest %s; removing its tap first.", guest);
                int r = tap_down(guest);
                if (r < 0)
                        return r;
        }

        _cleanup_close_ int fd = tun_create(name);
        if (fd == -EBUSY)
                return refuse_taken(guest, name);
        if (fd < 0)
                return log_error_errno(fd, "Failed to create tap device %s: %m", name);
        int ifindex = (int) if_nametoindex(name);
        if (ifindex <= 0)
                return log_error_errno(errno, "Failed to look up the tap device %s just made: %m", name);

        /* Recorded before TUNSETPERSIST, the first moment it can outlive us. */
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment = xasprintf("vxm-guest network-up: the tap of guest %s; network-down deletes this interface "
                               "(by its ifindex) only.",
                               guest);
        state_file_set(s, "NAME", name);
        state_file_setf(s, "IFINDEX", "%d", ifindex);
        int r = state_file_save(rec, s);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", rec);

        if (ioctl(fd, TUNSETOWNER, (unsigned long) uid) < 0 || ioctl(fd, TUNSETPERSIST, 1UL) < 0)
                r = -errno;
        else
                r = bridge_and_up(name, ifindex, bridge);
        if (r < 0) {
                log_error_errno(r, "Failed to set up tap device %s on bridge %s: %m", name, bridge);
                (void) tap_down(guest);
                return r;
        }
        return 0;
}

int tap_down(const char *guest) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, guest);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int r = state_file_load_for_undo(rec, &s);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", rec);
        const char *name = state_file_get(s, "NAME");
        int ifindex;
        if (!name || state_file_get_int(s, "IFINDEX", &ifindex) < 0 || ifindex <= 0)
                return log_error_errno(EBADMSG, "%s is malformed; not deleting any interface.", rec);

        char now[IF_NAMESIZE];
        if (!if_indextoname((unsigned) ifindex, now))
                log_info("Tap device %s (ifindex %d) of guest %s is gone already.", name, ifindex, guest);
        else {
                if (strcmp(now, name) != 0)
                        log_notice("Tap device %s of guest %s is called %s now; deleting it (ifindex %d).", name, guest,
                                   now, ifindex);
                r = link_delete(ifindex);
                if (r < 0 && r != -ENODEV)
                        return log_error_errno(r, "Failed to delete tap device %s (ifindex %d) of guest %s: %m", now,
                                               ifindex, guest);
                log_info("Deleted tap device %s (ifindex %d) of guest %s.", now, ifindex, guest);
        }
        r = state_file_remove(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", rec);
        return 0;
}
