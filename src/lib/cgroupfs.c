/* The cgroup modules' file-system table filled with the real system calls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "stage1c/cgroupfs.h"
#include "stage1c/util.h"

static int host_mkdir(void *ctx, const char *path)
{
	(void)ctx;
	return mkdir(path, 0755) == 0 ? 0 : -errno;
}

static int host_rmdir(void *ctx, const char *path)
{
	(void)ctx;
	return rmdir(path) == 0 ? 0 : -errno;
}

static int host_write(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	_cleanup_close_ int fd =
	    openat(AT_FDCWD, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return s1_write_all(fd, value, strlen(value));
}

static int host_read(void *ctx, const char *path, size_t max, char **text)
{
	(void)ctx;
	return s1_read_file_at(AT_FDCWD, path, max, text, NULL);
}

static int host_open(void *ctx, const char *path, int flags)
{
	(void)ctx;
	int fd = openat(AT_FDCWD, path, flags | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 ? fd : -errno;
}

/* A sub-directory entry (not "." or ".."), by d_type or, where the file system gives none,
 * by lstat. */
static bool is_subdir(DIR *d, const struct dirent *de)
{
	struct stat st;
	if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
		return false;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int host_subdirs(void *ctx, const char *path, char ***names, size_t *n)
{
	(void)ctx;
	*names = NULL;
	*n = 0;
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	*names = s1_xcalloc(1, sizeof(**names));
	for (struct dirent *de; (de = readdir(d));) {
		if (!is_subdir(d, de))
			continue;
		*names = s1_xrealloc(*names, (*n + 2) * sizeof(**names));
		(*names)[(*n)++] = s1_xstrdup(de->d_name);
		(*names)[*n] = NULL;
	}
	closedir(d);
	return 0;
}

static int host_is_cgroup(void *ctx, const char *path)
{
	(void)ctx;
	struct statfs sf;
	if (statfs(path, &sf) < 0)
		return errno == ENOENT;
	return sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC;
}

const struct s1_cgroup_fs cgroupfs_host = {
    .ctx = NULL,
    .mkdir = host_mkdir,
    .rmdir = host_rmdir,
    .write = host_write,
    .read = host_read,
    .open = host_open,
    .subdirs = host_subdirs,
    .is_cgroup = host_is_cgroup,
};

void cgroupfs_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
