/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/tap.h"

void guest_tap_name(const char *guest, char buf[static TAP_NAME_MAX]) {
        uint32_t h = 2166136261u;
        for (const unsigned char *c = (const unsigned char *) guest; *c; c++)
                h = (h ^ *c) * 16777619u;
        snprintf(buf, TAP_NAME_MAX, "vxm%08x", h);
}

static int tun_open(const char *name, struct ifreq *ifr) {
        int fd = root_open("/dev/net/tun", O_RDWR | O_NOCTTY, 0);
        if (fd < 0)
                return fd;
        *ifr = (struct ifreq){ .ifr_flags = IFF_TAP | IFF_NO_PI };
        snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
        if (ioctl(fd, TUNSETIFF, ifr) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int tap_create(const char *name, uid_t uid, const char *bridge) {
        struct ifreq ifr;
        _cleanup_close_ int fd = tun_open(name, &ifr);
        if (fd < 0)
                return fd;
        if (ioctl(fd, TUNSETOWNER, (unsigned long) uid) < 0 || ioctl(fd, TUNSETPERSIST, 1UL) < 0)
                return -errno;

        _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        unsigned index = if_nametoindex(name);
        if (index == 0)
                return -errno;

        struct ifreq br = { .ifr_ifindex = (int) index };
        snprintf(br.ifr_name, IFNAMSIZ, "%s", bridge);
        if (ioctl(s, SIOCBRADDIF, &br) < 0 && errno != EBUSY) /* EBUSY: already a port of it (stale tap) */
                return -errno;

        struct ifreq up = {};
        snprintf(up.ifr_name, IFNAMSIZ, "%s", name);
        if (ioctl(s, SIOCGIFFLAGS, &up) < 0)
                return -errno;
        up.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &up) < 0)
                return -errno;
        return 0;
}

int tap_remove(const char *name) {
        if (if_nametoindex(name) == 0)
                return 0;
        struct ifreq ifr;
        _cleanup_close_ int fd = tun_open(name, &ifr);
        if (fd < 0)
                return fd;
        return ioctl(fd, TUNSETPERSIST, 0UL) < 0 ? -errno : 0;
}
