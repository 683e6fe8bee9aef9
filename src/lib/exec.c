/* Resolution of exec[0] inside the app's rootfs with execvp's rules. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "stage1c/exec.h"
#include "stage1c/path.h"
#include "stage1c/util.h"

/* 0 if path names a regular file with an execute bit inside the root, else -errno. */
static int check_executable(int rootfd, const char *path)
{
	_cleanup_close_ int fd = path_open_in_root(rootfd, path, O_PATH);
	struct stat st;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	if (n == 0)
		return s1_xasprintf("/%s", name);
	return s1_xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

int exec_resolve_in_root(int rootfd, const char *exec0, const char *workdir, const char *path_var,
			 char **out, struct s1_err *err)
{
	const char *wd = workdir ? workdir : "/";
	int r;
	*out = NULL;
	if (strchr(exec0, '/')) {
		char *p = exec0[0] == '/' ? s1_xstrdup(exec0) : join(wd, exec0);
		if ((r = check_executable(rootfd, p)) == 0) {
			*out = p;
			return 0;
		}
		free(p);
		return s1_error(err, r, "can't execute \"%s\"", exec0);
	}
	/* execvp: an empty PATH element means the working directory; EACCES is remembered but
	 * the search goes on, as a later directory may hold a usable file. */
	int first_err = -ENOENT;
	const char *p = path_var ? path_var : "";
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		_cleanup_free_ char *dir = len ? s1_xstrndup(p, len) : s1_xstrdup(wd);
		char *cand = dir[0] == '/' ? join(dir, exec0) : join(wd, exec0);
		if (dir[0] != '/' && len) {
			free(cand);
			_cleanup_free_ char *d2 = join(wd, dir);
			cand = join(d2, exec0);
		}
		r = check_executable(rootfd, cand);
		if (r == 0) {
			*out = cand;
			return 0;
		}
		free(cand);
		if (r != -ENOENT && r != -ENOTDIR && first_err == -ENOENT)
			first_err = r;
		if (!colon)
			break;
		p = colon + 1;
	}
	return s1_error(err, first_err, "can't execute \"%s\"", exec0);
}
