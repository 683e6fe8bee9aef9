/* System calls that not every C library wraps (musl 1.2.3 wraps none of these), called
 * directly so that the entrypoints build with glibc and with musl alike. Each returns what
 * the kernel does: a value >= 0, or -1 with errno set (ENOSYS on a kernel without it). */
#ifndef STAGE1C_SYSCALLS_H
#define STAGE1C_SYSCALLS_H

#include <stdint.h>

#define S1_CLOSE_RANGE_CLOEXEC (1U << 2)
#define S1_AT_RECURSIVE 0x8000

/* open_tree(2) flags */
#define S1_OPEN_TREE_CLONE 1U
#define S1_OPEN_TREE_CLOEXEC 02000000U
/* move_mount(2) flags */
#define S1_MOVE_MOUNT_F_EMPTY_PATH 0x00000004U
#define S1_MOVE_MOUNT_T_EMPTY_PATH 0x00000040U
/* mount attributes (mount_setattr(2), fsmount(2)) */
#define S1_MOUNT_ATTR_RDONLY 0x00000001ULL
#define S1_MOUNT_ATTR_NOSUID 0x00000002ULL
#define S1_MOUNT_ATTR_NODEV 0x00000004ULL

/* close_range(2), Linux 5.9 (CLOSE_RANGE_CLOEXEC: 5.11). */
int s1_close_range(unsigned first, unsigned last, unsigned flags);

/* mount_setattr(2), Linux 5.12: set attr_set on the mount at dfd/path and, when propagation
 * is not 0, its propagation (MS_PRIVATE, MS_SLAVE, MS_SHARED). */
int s1_mount_setattr(int dfd, const char *path, unsigned flags, uint64_t attr_set,
		     unsigned long propagation);

/* open_tree(2), Linux 5.2. */
int s1_open_tree(int dfd, const char *path, unsigned flags);

/* move_mount(2), Linux 5.2. */
int s1_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path,
		  unsigned flags);

/* statmount(2) and listmount(2), Linux 6.8 (STATMOUNT_MNT_OPTS: 6.11). The fixed part of
 * struct statmount, as far as we read it; its strings are at offsets from str, which starts
 * S1_STATMOUNT_STR bytes in (the kernel keeps the struct at that size). */
#define S1_STATMOUNT_SB_BASIC 0x01U
#define S1_STATMOUNT_MNT_BASIC 0x02U
#define S1_STATMOUNT_MNT_ROOT 0x08U
#define S1_STATMOUNT_MNT_POINT 0x10U
#define S1_STATMOUNT_FS_TYPE 0x20U
#define S1_STATMOUNT_MNT_OPTS 0x80U
#define S1_STATMOUNT_STR 512
#define S1_LSMT_ROOT UINT64_MAX
struct s1_statmount {
	uint32_t size, mnt_opts;
	uint64_t mask;
	uint32_t sb_dev_major, sb_dev_minor;
	uint64_t sb_magic;
	uint32_t sb_flags, fs_type;
	uint64_t mnt_id, mnt_parent_id;
	uint32_t mnt_id_old, mnt_parent_id_old;
	uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
	uint32_t mnt_root, mnt_point;
};
/* The unique IDs of the mounts of this mount namespace after last_id (0: from the first), at
 * most n, in order. */
int s1_listmount(uint64_t last_id, uint64_t *ids, size_t n);
/* What mask asks of mount id into buf (size bytes, at least S1_STATMOUNT_STR). */
int s1_statmount(uint64_t id, uint64_t mask, void *buf, size_t size);

/* A detached tmpfs (fsopen, fsconfig, fsmount: Linux 5.2) with the given options ("mode",
 * "1777"; NULL-terminated key/value pairs) and mount attributes. Returns its fd. */
int s1_tmpfs_detached(const char *const *options, uint64_t attrs);

/* The ID of the mount fd lives on, as /proc/self/mountinfo numbers it: statx(STATX_MNT_ID),
 * Linux 5.8, else /proc/self/fdinfo (3.15). Returns 0 or -errno. */
int s1_fd_mount_id(int fd, uint64_t *id);
/* The unique (64-bit, never reused) ID of that mount, which statmount takes: statx's
 * STATX_MNT_ID_UNIQUE, Linux 6.8 (ENOSYS before). */
int s1_fd_mount_id_unique(int fd, uint64_t *id);
/* The same for the file at path (not following a last symbolic link). */
int s1_fd_mount_id_unique_at(const char *path, uint64_t *id);
/* Is the file at fd the root of its mount (statx's STATX_ATTR_MOUNT_ROOT, Linux 5.8)? 1, 0, or
 * -1 (errno; ENOSYS before 5.8). */
int s1_fd_is_mount_root(int fd);

#endif
