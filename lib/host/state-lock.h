/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* One lock per kind of record (/run/vxm/.state/KIND/.lock), for the steps where guests starting at the same time pick
 * from one pool (the free virtual functions of a PF, the free instances of an mdev type): look, choose and write the
 * record while holding it, so two guests never choose the same thing. The lock is an flock(2): the kernel drops it
 * when its holder dies, so a killed helper never leaves it taken, and nothing ever waits on a timeout. */

/* Blocks until the lock is ours. Returns the fd that holds it (close it to let go) or -errno. */
int state_lock_take(const char *kind);
