/* Resolution of paths inside a root directory fd: openat2(RESOLVE_IN_ROOT) where the kernel
 * has it, else a component-by-component walk with O_NOFOLLOW that applies the same rules. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage1c/path.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

#define MAX_SYMLINKS 40

static int have_openat2 = -1; /* unknown */

const char *path_fd(int fd, char buf[S1_FD_PATH_MAX])
{
	snprintf(buf, S1_FD_PATH_MAX, "/proc/self/fd/%d", fd);
	return buf;
}

static int open_openat2(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	for (;;) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		/* EAGAIN: a concurrent rename raced the lookup; the kernel asks us to retry. */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

/* procfs's magic links (/proc/PID/{cwd,root,exe}, fd/N, ns/X, map_files/X) read as an
 * absolute path, "pipe:[N]", "net:[N]" or "(unreachable)/..."; its ordinary links ("self",
 * "mounts" -> "self/mounts") are relative words. openat2 refuses the magic ones with ELOOP. */
static bool is_magic_link(int fd, const char *target)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return false;
	return target[0] == '/' || strpbrk(target, ":( ") != NULL;
}

/* What a walk creates where a component is missing (NULL: nothing, -ENOENT). */
struct create_spec {
	enum s1_path_kind kind; /* of the last component; those before it are directories */
	mode_t mode;		/* of a directory made */
	const struct s1_mount_set *where;
};

static int create_entry(int dirfd, const char *name, bool dir, const struct create_spec *c)
{
	if (c->where && !path_on_mount_in(dirfd, c->where))
		return -EXDEV;
	if (dir)
		return mkdirat(dirfd, name, c->mode) < 0 ? -errno : 0;
	/* O_EXCL|O_NOFOLLOW: whatever appeared there meanwhile is not followed. */
	int f = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f < 0)
		return -errno;
	close(f);
	return 0;
}

/* The walk keeps the chain of directory fds from the root, so ".." pops to the real parent
 * and can never rise above the root. With create, a missing component is made (and a dangling
 * symlink's target with it, as the walk follows the link inside the root). */
static int open_walk(int rootfd, const char *path, int flags, const struct create_spec *create)
{
	/* Grown as needed: the kernel sets no depth limit, so neither may the fallback. */
	_cleanup_free_ int *stack = NULL;
	size_t cap = 0;
	int depth = 0, links = 0, ret;
	char buf[2 * PATH_MAX + 2];
	char *rest;

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (*path == '\0')
		return -ENOENT; /* as openat2 says: "" names nothing */
	snprintf(buf, sizeof(buf), "%s", path);
	rest = buf;

	int cur = openat(rootfd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
	if (cur < 0)
		return -errno;

	for (;;) {
		while (*rest == '/')
			rest++;
		if (*rest == '\0') {
			/* Path named a directory we are in (root, or trailing "/" / "."). */
			break;
		}
		char *slash = strchr(rest, '/');
		size_t clen = slash ? (size_t)(slash - rest) : strlen(rest);
		char comp[NAME_MAX + 1];
		if (clen > NAME_MAX) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, rest, clen);
		comp[clen] = '\0';
		rest += clen;
		bool last = true;
		for (const char *p = rest; *p; p++)
			if (*p != '/') {
				last = false;
				break;
			}

		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (depth > 0) {
				close(cur);
				cur = stack[--depth];
			}
			continue;
		}

		int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			/* A trailing "/" asks for a directory, as in the kernel. */
			bool dir = !last || *rest || create->kind == S1_PATH_DIR;
			int r = create_entry(cur, comp, dir, create);
			if (r < 0 && r != -EEXIST) {
				ret = r;
				goto out;
			}
			fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			ret = -errno;
			goto out;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			ret = -errno;
			close(fd);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
			if (n >= 0)
				target[n] = '\0';
			if (n >= 0 && is_magic_link(fd, target)) {
				close(fd);
				ret = -ELOOP; /* as RESOLVE_NO_MAGICLINKS */
				goto out;
			}
			close(fd);
			if (n < 0) {
				ret = -errno;
				goto out;
			}
			if (++links > MAX_SYMLINKS) {
				ret = -ELOOP;
				goto out;
			}
			/* Splice the target in front of what is left of the path (which is empty or
			 * starts with "/"): no "/" of our own, as one after a last component would
			 * demand a directory. */
			char next[sizeof(buf)];
			int m = snprintf(next, sizeof(next), "%s%s", target, rest);
			if (m < 0 || (size_t)m >= sizeof(next)) {
				ret = -ENAMETOOLONG;
				goto out;
			}
			memcpy(buf, next, (size_t)m + 1);
			rest = buf;
			if (target[0] == '/') {
				while (depth > 0) {
					close(cur);
					cur = stack[--depth];
				}
			}
			continue;
		}
		if (last) {
			/* A trailing "/" (left in rest) asks for a directory, as in the kernel. */
			if (*rest && !S_ISDIR(st.st_mode)) {
				close(fd);
				ret = -ENOTDIR;
				goto out;
			}
			close(cur);
			cur = fd;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			ret = -ENOTDIR;
			goto out;
		}
		if ((size_t)depth == cap) {
			cap = cap ? 2 * cap : 64;
			stack = s1_xrealloc(stack, cap * sizeof(*stack));
		}
		stack[depth++] = cur;
		cur = fd;
	}

	/* cur is an O_PATH fd of the final object; reopen it with the caller's flags. */
	if ((flags & O_PATH) && !(flags & O_DIRECTORY)) {
		ret = cur;
		cur = -1;
	} else {
		char p[S1_FD_PATH_MAX];
		struct stat st;
		if ((flags & O_DIRECTORY) && (fstat(cur, &st) < 0 || !S_ISDIR(st.st_mode))) {
			ret = -ENOTDIR;
			goto out;
		}
		if (flags & O_PATH) {
			ret = cur;
			cur = -1;
		} else {
			ret = openat(AT_FDCWD, path_fd(cur, p), flags | O_CLOEXEC);
			if (ret < 0)
				ret = -errno;
		}
	}
out:
	if (cur >= 0)
		close(cur);
	while (depth > 0)
		close(stack[--depth]);
	return ret;
}

int path_open_in_root(int rootfd, const char *path, int flags)
{
	if (flags & O_CREAT)
		return -EINVAL;
	if (have_openat2 != 0) {
		int fd = open_openat2(rootfd, path, flags);
		if (fd != -ENOSYS) {
			have_openat2 = 1;
			return fd;
		}
		have_openat2 = 0;
	}
	return open_walk(rootfd, path, flags, NULL);
}

int path_ensure_in_root(int rootfd, const char *path, enum s1_path_kind kind,
			const struct s1_mount_set *where)
{
	int fd = path_open_in_root(rootfd, path, O_PATH);
	if (fd != -ENOENT)
		return fd;
	const struct create_spec c = {.kind = kind, .mode = 0755, .where = where};
	return open_walk(rootfd, path, O_PATH, &c);
}

int path_mkdir_in_root(int rootfd, const char *path, mode_t mode)
{
	int fd = path_open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
	if (fd != -ENOENT)
		return fd;
	const struct create_spec c = {.kind = S1_PATH_DIR, .mode = mode};
	return open_walk(rootfd, path, O_PATH | O_DIRECTORY, &c);
}

bool path_on_mount_in(int fd, const struct s1_mount_set *set)
{
	uint64_t id;
	if (s1_fd_mount_id(fd, &id) < 0)
		return false;
	for (size_t i = 0; i < set->n; i++)
		if (set->ids[i] == id)
			return true;
	return false;
}

void path_mount_set_add(struct s1_mount_set *set, uint64_t id)
{
	set->ids = s1_xrealloc(set->ids, (set->n + 1) * sizeof(*set->ids));
	set->ids[set->n++] = id;
}

void path_mount_set_free(struct s1_mount_set *set)
{
	free(set->ids);
	set->ids = NULL;
	set->n = 0;
}
