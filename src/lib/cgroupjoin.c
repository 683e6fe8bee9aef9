/* Joining the app's cgroups: the join files opened (from the plan, or from the record for
 * enter), recorded, and written in the child. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stage1c/cgroupjoin.h"
#include "stage1c/util.h"

static bool is_v2_procs(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && strcmp(slash, "/cgroup.procs") == 0;
}

static int open_one(const struct s1_cgroup_fs *fs, const char *path, int flags, int *fd,
		    struct s1_err *err)
{
	*fd = fs->open(fs->ctx, path, flags);
	return *fd < 0 ? s1_error(err, *fd, "opening %s", path) : 0;
}

/* The v2 join file's cgroup, for clone3 to create the child in. Its cgroup.procs is opened
 * only where clone3 cannot (cgroupjoin_join): a file less to open for every process started. */
static int open_v2(const struct s1_cgroup_fs *fs, const char *path, struct s1_confine *c,
		   struct s1_err *err)
{
	_cleanup_free_ char *dir = s1_xstrndup(path, (size_t)(strrchr(path, '/') - path));
	return open_one(fs, dir, O_PATH | O_DIRECTORY, &c->cgroup2_dir, err);
}

int cgroupjoin_open_files(const struct s1_cgroup_fs *fs, char *const *paths, size_t n,
			  struct s1_confine *c, struct s1_err *err)
{
	c->n_cgroup_fds = 0;
	if (n > S1_MAX_CGROUP_FDS)
		return s1_error(err, 0, "the app joins %zu cgroups, more than %d", n,
				S1_MAX_CGROUP_FDS);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (c->cgroup2_dir < 0 && is_v2_procs(paths[i]))
			r = open_v2(fs, paths[i], c, err);
		else if ((r = open_one(fs, paths[i], O_WRONLY, &c->cgroup_fds[c->n_cgroup_fds],
				       err)) == 0)
			c->n_cgroup_fds++;
	}
	if (r < 0)
		confine_close_fds(c);
	return r;
}

int cgroupjoin_open_plan(const struct s1_cgroup_fs *fs, const struct s1_cgroup_plan *plan,
			 size_t app, struct s1_confine *c, struct s1_err *err)
{
	size_t first = plan->app_first[app];
	return cgroupjoin_open_files(fs, plan->app_procs + first, plan->app_first[app + 1] - first,
				     c, err);
}

void cgroupjoin_record_add(struct s1_record *rec, const struct s1_cgroup_plan *plan, size_t app)
{
	for (size_t i = plan->app_first[app]; i < plan->app_first[app + 1]; i++)
		record_add(rec, S1_REC_APP_CGROUPS, plan->app_procs[i]);
}

bool cgroupjoin_is_app_file(const struct s1_cgroup_fs *fs, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || (strcmp(slash, "/cgroup.procs") != 0 && strcmp(slash, "/tasks") != 0))
		return false;
	_cleanup_free_ char *dir = s1_xstrndup(path, (size_t)(slash - path));
	enum s1_cgroup_dir_kind kind = cgroup_dir_kind(dir);
	return (kind == S1_CGROUP_DIR_POD || kind == S1_CGROUP_DIR_APP) &&
	       fs->is_cgroup(fs->ctx, dir) == 1;
}

int cgroupjoin_recorded_files(const struct s1_cgroup_fs *fs, const struct s1_record *rec,
			      const char *app, char **text, char **paths, size_t *n,
			      struct s1_err *err)
{
	*n = 0;
	int r = record_get(rec, S1_REC_APP_CGROUPS, app, text);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return s1_error(err, r, "reading the %s record", S1_REC_APP_CGROUPS);
	char *save = NULL;
	for (char *line = strtok_r(*text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* Only the join file of a pod cgroup, never anything else the record could name. */
		if (!cgroupjoin_is_app_file(fs, line))
			return s1_error(err, 0, "%s record: bad entry \"%s\"", S1_REC_APP_CGROUPS,
					line);
		if (*n == S1_MAX_CGROUP_FDS)
			return s1_error(err, 0, "%s record: too many entries", S1_REC_APP_CGROUPS);
		paths[(*n)++] = line;
	}
	return 0;
}

int cgroupjoin_open_recorded(const struct s1_cgroup_fs *fs, const struct s1_record *rec,
			     const char *app, struct s1_confine *c, struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	char *paths[S1_MAX_CGROUP_FDS];
	size_t n;
	c->n_cgroup_fds = 0;
	int r = cgroupjoin_recorded_files(fs, rec, app, &text, paths, &n, err);
	return r < 0 ? r : cgroupjoin_open_files(fs, paths, n, c, err);
}

int cgroupjoin_open_app(const struct s1_record *rec, const char *app, struct s1_confine *c,
			struct s1_err *err)
{
	return cgroupjoin_open_recorded(&cgroupfs_host, rec, app, c, err);
}

int cgroup_join_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t w;
		do
			w = write(fds[i], "0", 1);
		while (w < 0 && errno == EINTR);
		if (w != 1)
			return w < 0 ? -errno : -EIO;
	}
	return 0;
}

int cgroupjoin_join(const struct s1_confine *c, bool in_cgroup2)
{
	int r = cgroup_join_fds(c->cgroup_fds, c->n_cgroup_fds);
	if (r < 0 || in_cgroup2 || c->cgroup2_dir < 0)
		return r;
	int fd = openat(c->cgroup2_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = cgroup_join_fds(&fd, 1);
	close(fd);
	return r;
}
