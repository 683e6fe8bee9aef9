/* Paths inside an app's root, resolved as if that root were "/" — never escaping it. */
#ifndef STAGE1C_PATH_H
#define STAGE1C_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stage1c/error.h"

/* Open path (absolute or relative, taken from the root either way) inside rootfd. Symlinks,
 * "..", and absolute link targets are resolved within the root. flags: open(2) flags without
 * O_CREAT (O_PATH is the usual). Returns an fd (O_CLOEXEC) or -errno. */
int path_open_in_root(int rootfd, const char *path, int flags);

/* Like mkdir -p inside the root; returns an O_PATH fd of the final directory or -errno.
 * Components that exist must be directories (or symlinks resolving to directories in root);
 * a dangling symlink's target is made, inside the root. */
int path_mkdir_in_root(int rootfd, const char *path, mode_t mode);

enum s1_path_kind { S1_PATH_DIR, S1_PATH_FILE };

/* A set of mounts, by ID (s1_fd_mount_id): where run may create or write. */
struct s1_mount_set {
	uint64_t *ids;
	size_t n;
};
bool path_on_mount_in(int fd, const struct s1_mount_set *set);
void path_mount_set_add(struct s1_mount_set *set, uint64_t id);
void path_mount_set_free(struct s1_mount_set *set);

/* Return an O_PATH fd of path inside the root, creating it (an empty directory or file 0644,
 * with its parent directories 0755, a dangling symlink's target included) when missing. An
 * existing object is accepted as is. With where, nothing is created in a directory that is
 * not on one of those mounts: -EXDEV. */
int path_ensure_in_root(int rootfd, const char *path, enum s1_path_kind kind,
			const struct s1_mount_set *where);

/* "/proc/self/fd/N" for mounting onto or reopening a resolved descriptor. */
#define S1_FD_PATH_MAX 32
const char *path_fd(int fd, char buf[S1_FD_PATH_MAX]);

#endif
