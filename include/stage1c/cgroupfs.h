/* The file-system calls the cgroup modules make (apply, join, gc), as a table: cgroupfs_host
 * makes the real system calls; the unit tests pass an imitation of cgroupfs of their own, so
 * the product carries no test-only branch. Every call returns 0 (open: a descriptor) or
 * -errno; none follows a final symlink. */
#ifndef STAGE1C_CGROUPFS_H
#define STAGE1C_CGROUPFS_H

#include <stddef.h>

struct s1_cgroup_fs {
	void *ctx; /* passed to every call */
	/* mkdir(2), mode 0755: -EEXIST when the name is taken. */
	int (*mkdir)(void *ctx, const char *path);
	/* rmdir(2): a cgroup with processes is -EBUSY, one with sub-cgroups -ENOTEMPTY. */
	int (*rmdir)(void *ctx, const char *path);
	/* The whole value in one write(2) into the existing file (truncated, never created):
	 * cgroupfs takes each write as one command. */
	int (*write)(void *ctx, const char *path, const char *value);
	/* The whole file, NUL terminated, into *text (to free); more than max bytes: -EFBIG. */
	int (*read)(void *ctx, const char *path, size_t max, char **text);
	/* open(2) with O_CLOEXEC | O_NOFOLLOW added: the descriptor, or -errno. */
	int (*open)(void *ctx, const char *path, int flags);
	/* The names of the directories in path ("." and ".." left out), a NULL-terminated array
	 * to free with its strings. */
	int (*subdirs)(void *ctx, const char *path, char ***names, size_t *n);
	/* 1 when path is on a cgroup file system or does not exist (nothing to act on), else 0. */
	int (*is_cgroup)(void *ctx, const char *path);
};

/* The real system calls. */
extern const struct s1_cgroup_fs cgroupfs_host;

/* Frees what subdirs returned. */
void cgroupfs_names_free(char **names, size_t n);

#endif
