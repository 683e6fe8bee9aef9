/* System calls that not every C library wraps (musl 1.2.3 has neither wrapper), called
 * directly so that the entrypoints build with glibc and with musl alike. */
#ifndef STAGE1C_SYSCALLS_H
#define STAGE1C_SYSCALLS_H

#include <stdint.h>

#define S1_CLOSE_RANGE_CLOEXEC (1U << 2)
#define S1_MOUNT_ATTR_RDONLY 0x00000001ULL
#define S1_AT_RECURSIVE 0x8000

/* close_range(2), Linux 5.9 (CLOSE_RANGE_CLOEXEC: 5.11). 0 or -1 with errno. */
int s1_close_range(unsigned first, unsigned last, unsigned flags);

/* mount_setattr(2), Linux 5.12, setting attr_set on the mount at dfd/path. 0 or -1/errno. */
int s1_mount_setattr(int dfd, const char *path, unsigned flags, uint64_t attr_set);

#endif
