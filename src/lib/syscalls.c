/* The raw system calls of syscalls.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage1c/syscalls.h"
#include "stage1c/util.h"

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

int s1_close_range(unsigned first, unsigned last, unsigned flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

int s1_mount_setattr(int dfd, const char *path, unsigned flags, uint64_t attr_set,
		     unsigned long propagation)
{
	/* struct mount_attr of <linux/mount.h>, which clashes with glibc's <sys/mount.h>. */
	struct {
		uint64_t attr_set, attr_clr, propagation, userns_fd;
	} attr = {.attr_set = attr_set, .propagation = propagation};
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr));
}

int s1_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

int s1_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path,
		  unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

#define S1_FSCONFIG_SET_STRING 1
#define S1_FSCONFIG_CMD_CREATE 6
#define S1_FSOPEN_CLOEXEC 1U
#define S1_FSMOUNT_CLOEXEC 1U

int s1_tmpfs_detached(const char *const *options, uint64_t attrs)
{
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, "tmpfs", S1_FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	for (const char *const *o = options; o && o[0]; o += 2)
		if (syscall(SYS_fsconfig, fs, S1_FSCONFIG_SET_STRING, o[0], o[1], 0) < 0)
			return -1;
	if (syscall(SYS_fsconfig, fs, S1_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	return (int)syscall(SYS_fsmount, fs, S1_FSMOUNT_CLOEXEC, attrs);
}

/* struct statx up to stx_mnt_id, as <linux/stat.h> lays it out. */
struct s1_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct {
		int64_t sec;
		uint32_t nsec;
		int32_t reserved;
	} times[4];
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint64_t spare[14];
};

#define S1_STATX_MNT_ID 0x00001000U

static int fdinfo_mount_id(int fd, uint64_t *id)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	_cleanup_free_ char *text = NULL;
	int r = s1_read_file_at(AT_FDCWD, path, 4096, &text, NULL);
	if (r < 0)
		return r;
	const char *p = strstr(text, "mnt_id:");
	unsigned long long v;
	if (!p || sscanf(p, "mnt_id: %llu", &v) != 1)
		return -EINVAL;
	*id = v;
	return 0;
}

int s1_fd_mount_id(int fd, uint64_t *id)
{
	struct s1_statx sx;
	memset(&sx, 0, sizeof(sx));
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, S1_STATX_MNT_ID, &sx) ==
		0 &&
	    (sx.mask & S1_STATX_MNT_ID)) {
		*id = sx.mnt_id;
		return 0;
	}
	return fdinfo_mount_id(fd, id);
}

#define S1_STATX_MNT_ID_UNIQUE 0x00004000U

static int mount_id_unique(int dfd, const char *path, int flags, uint64_t *id)
{
	struct s1_statx sx;
	memset(&sx, 0, sizeof(sx));
	if (syscall(SYS_statx, dfd, path, flags, S1_STATX_MNT_ID_UNIQUE, &sx) < 0)
		return -1;
	if (!(sx.mask & S1_STATX_MNT_ID_UNIQUE)) {
		errno = ENOSYS;
		return -1;
	}
	*id = sx.mnt_id;
	return 0;
}

#define S1_STATX_ATTR_MOUNT_ROOT 0x00002000ULL

int s1_fd_is_mount_root(int fd)
{
	struct s1_statx sx;
	memset(&sx, 0, sizeof(sx));
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, &sx) < 0)
		return -1;
	if (!(sx.attributes_mask & S1_STATX_ATTR_MOUNT_ROOT)) {
		errno = ENOSYS;
		return -1;
	}
	return (sx.attributes & S1_STATX_ATTR_MOUNT_ROOT) != 0;
}

int s1_fd_mount_id_unique(int fd, uint64_t *id)
{
	return mount_id_unique(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, id);
}

int s1_fd_mount_id_unique_at(const char *path, uint64_t *id)
{
	return mount_id_unique(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, id);
}

/* struct mnt_id_req, its first version (Linux 6.8). */
struct mnt_id_req0 {
	uint32_t size, spare;
	uint64_t mnt_id, param;
};

int s1_listmount(uint64_t last_id, uint64_t *ids, size_t n)
{
	struct mnt_id_req0 req = {.size = sizeof(req), .mnt_id = S1_LSMT_ROOT, .param = last_id};
	return (int)syscall(SYS_listmount, &req, ids, n, 0);
}

int s1_statmount(uint64_t id, uint64_t mask, void *buf, size_t size)
{
	struct mnt_id_req0 req = {.size = sizeof(req), .mnt_id = id, .param = mask};
	return (int)syscall(SYS_statmount, &req, buf, size, 0);
}
