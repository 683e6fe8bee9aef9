/* The pod's cgroups after run: the record, killing what is in them, removing them. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stage1c/cgroupgc.h"
#include "stage1c/util.h"

#define PROCS_MAX (16u << 20)
#define WALK_DEPTH_MAX 64
#define REMOVE_WAIT_NS 2000000000LL
#define REMOVE_POLL_NS 20000000L

void cgroup_record_add(struct s1_record *rec, const struct s1_cgroup_plan *plan)
{
	for (size_t i = 0; i < plan->n_dirs; i++)
		record_add(rec, S1_REC_CGROUPS, plan->dirs[i]);
}

int cgroup_record_read(int podfd, char ***dirs, size_t *n, struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	*dirs = NULL;
	*n = 0;
	int r = record_read(podfd, S1_REC_CGROUPS, NULL, &text);
	if (r < 0)
		return s1_error(err, r, "reading the %s record", S1_REC_CGROUPS);
	size_t lines = 0;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	char **v = s1_xcalloc(lines + 2, sizeof(*v));
	size_t nv = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		v[nv++] = s1_xstrdup(line);
	*dirs = v;
	*n = nv;
	return 0;
}

void cgroup_record_free(char **dirs, size_t n)
{
	cgroupfs_names_free(dirs, n);
}

/* Which lines have an app leaf and a leader leaf recorded below them (dirs[i] + "/app"), found
 * through an index of the lines: linear in the record's length. */
static void find_recorded_leaves(char *const *dirs, size_t n, bool *has_app, bool *has_leader)
{
	_cleanup_name_index_ struct s1_name_index ix = {0};
	size_t longest = 0;
	for (size_t i = 0; i < n; i++) {
		s1_name_index_add(&ix, dirs[i], i);
		size_t len = strlen(dirs[i]);
		longest = len > longest ? len : longest;
	}
	_cleanup_free_ char *parent = s1_xmalloc(longest + 1);
	for (size_t k = 0; k < n; k++) {
		const char *slash = strrchr(dirs[k], '/');
		if (!slash)
			continue;
		bool app = strcmp(slash + 1, S1_CGROUP_APP_LEAF) == 0;
		if (!app && strcmp(slash + 1, S1_CGROUP_LEADER_LEAF) != 0)
			continue;
		size_t len = (size_t)(slash - dirs[k]);
		memcpy(parent, dirs[k], len);
		parent[len] = '\0';
		size_t i = s1_name_index_get(&ix, parent);
		if (i != S1_NAME_ABSENT)
			(app ? has_app : has_leader)[i] = true;
	}
	/* A line recorded twice: the index holds its first place. */
	for (size_t i = 0; i < n; i++) {
		size_t first = s1_name_index_get(&ix, dirs[i]);
		has_app[i] = has_app[first];
		has_leader[i] = has_leader[first];
	}
}

/* Every line a cgroup of a stage1-c pod, on a cgroup file system (or gone), or err set. */
static int check_record(const struct s1_cgroup_fs *fs, char *const *dirs, size_t n,
			enum s1_cgroup_dir_kind *kinds, struct s1_err *err)
{
	for (size_t i = 0; i < n; i++) {
		kinds[i] = cgroup_dir_kind(dirs[i]);
		if (kinds[i] == S1_CGROUP_DIR_FOREIGN || fs->is_cgroup(fs->ctx, dirs[i]) != 1)
			return s1_error(err, 0,
					"cgroup record: refusing \"%s\": not a stage1-c pod cgroup",
					dirs[i]);
	}
	return 0;
}

struct pidset {
	pid_t *v;
	size_t n;
};

static void pidset_add(struct pidset *s, pid_t pid)
{
	s->v = s1_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = pid;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* The processes of a cgroup and the cgroups below it, except the subtree exclude. A cgroup
 * that went meanwhile has none. */
static int collect_pids(const struct s1_cgroup_fs *fs, const char *path, const char *exclude,
			int depth, struct pidset *s)
{
	if (depth > WALK_DEPTH_MAX)
		return -ELOOP;
	_cleanup_free_ char *procs = s1_xasprintf("%s/cgroup.procs", path);
	_cleanup_free_ char *text = NULL;
	int r = fs->read(fs->ctx, procs, PROCS_MAX, &text);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	char *save = NULL;
	for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		long long pid;
		if (s1_parse_ll(w, 1, INT_MAX, &pid) == 0)
			pidset_add(s, (pid_t)pid);
	}
	char **subs;
	size_t n;
	if ((r = fs->subdirs(fs->ctx, path, &subs, &n)) < 0)
		return r == -ENOENT ? 0 : r;
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *sub = s1_xasprintf("%s/%s", path, subs[i]);
		if (exclude && strcmp(sub, exclude) == 0)
			continue;
		r = collect_pids(fs, sub, exclude, depth + 1, s);
		if (r < 0 && first == 0)
			first = r;
	}
	cgroupfs_names_free(subs, n);
	return first;
}

struct target {
	const char *path;
	char *exclude; /* a subtree left alone: the leader's leaf */
};

static void targets_free(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].exclude);
	free(t);
}

/* Signal every process in the targets once (never the caller). With SIGKILL, a target with
 * nothing excluded and without the caller inside is also killed through cgroup.kill (v2,
 * Linux 5.14), which catches what forks meanwhile. *found: the processes signalled (a listed
 * one that is gone does not count). 0 or the first -errno; err says which cgroup. */
static int signal_targets(const struct s1_cgroup_fs *fs, const struct target *t, size_t nt, int sig,
			  size_t *found, struct s1_err *err)
{
	struct pidset all = {0};
	pid_t self = getpid();
	int first = 0, r;
	for (size_t i = 0; i < nt; i++) {
		struct pidset mine = {0};
		if ((r = collect_pids(fs, t[i].path, t[i].exclude, 0, &mine)) < 0 && first == 0)
			first = s1_error(err, r, "listing the processes of cgroup %s", t[i].path);
		bool self_inside = false;
		for (size_t j = 0; j < mine.n; j++) {
			self_inside |= mine.v[j] == self;
			pidset_add(&all, mine.v[j]);
		}
		free(mine.v);
		if (sig != SIGKILL || t[i].exclude || self_inside)
			continue;
		_cleanup_free_ char *kill_file = s1_xasprintf("%s/cgroup.kill", t[i].path);
		r = fs->write(fs->ctx, kill_file, "1");
		/* v1, or a kernel without it, or the cgroup gone: kill(2) below does it all. */
		if (r < 0 && r != -ENOENT && first == 0)
			first = s1_error(err, r, "writing 1 to %s", kill_file);
	}
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), pid_cmp);
	size_t seen = 0;
	for (size_t i = 0; i < all.n; i++) {
		if ((i > 0 && all.v[i] == all.v[i - 1]) || all.v[i] == self)
			continue;
		if (kill(all.v[i], sig) == 0)
			seen++;
		else if (errno != ESRCH && first == 0)
			first = s1_error(err, errno, "signalling process %ld of the pod",
					 (long)all.v[i]);
	}
	free(all.v);
	*found = seen;
	return first;
}

int cgroup_kill_all(const struct s1_cgroup_fs *fs, char *const *dirs, size_t n, int sig,
		    struct s1_err *err)
{
	_cleanup_free_ enum s1_cgroup_dir_kind *kinds = s1_xcalloc(n + 1, sizeof(*kinds));
	int r = check_record(fs, dirs, n, kinds, err);
	if (r < 0)
		return r;
	/* The app's cgroups: its leaf where the pod has leaves, else the pod cgroup itself. */
	_cleanup_free_ bool *has_app = s1_xcalloc(n + 1, sizeof(bool));
	_cleanup_free_ bool *has_leader = s1_xcalloc(n + 1, sizeof(bool));
	find_recorded_leaves(dirs, n, has_app, has_leader);
	struct target *t = s1_xcalloc(n + 1, sizeof(*t));
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		if (kinds[i] == S1_CGROUP_DIR_LEADER ||
		    (kinds[i] == S1_CGROUP_DIR_POD && has_app[i]))
			continue;
		t[nt].path = dirs[i];
		if (kinds[i] == S1_CGROUP_DIR_POD && has_leader[i])
			t[nt].exclude = s1_xasprintf("%s/" S1_CGROUP_LEADER_LEAF, dirs[i]);
		nt++;
	}
	size_t found;
	r = signal_targets(fs, t, nt, sig, &found, err);
	targets_free(t, nt);
	return r;
}

int cgroup_kill_joined(const struct s1_cgroup_fs *fs, char *const *files, size_t n, int sig,
		       struct s1_err *err)
{
	char **dirs = s1_xcalloc(n + 1, sizeof(*dirs));
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(files[i], '/');
		dirs[i] = slash ? s1_xstrndup(files[i], (size_t)(slash - files[i]))
				: s1_xstrdup(files[i]);
	}
	int r = cgroup_kill_all(fs, dirs, n, sig, err);
	cgroup_record_free(dirs, n);
	return r;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Remove a recorded cgroup and whatever sub-cgroups were made below it, deepest first. */
static int remove_tree(const struct s1_cgroup_fs *fs, const char *path, int depth)
{
	if (depth > WALK_DEPTH_MAX)
		return -ELOOP;
	char **subs;
	size_t n;
	int r = fs->subdirs(fs->ctx, path, &subs, &n);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *sub = s1_xasprintf("%s/%s", path, subs[i]);
		if ((r = remove_tree(fs, sub, depth + 1)) < 0 && first == 0)
			first = r;
	}
	cgroupfs_names_free(subs, n);
	r = fs->rmdir(fs->ctx, path);
	if (r == -ENOENT)
		r = 0;
	return first ? first : r;
}

static int by_length_desc(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
	return (x < y) - (x > y);
}

/* gc's usual case: the pod has ended and left its cgroups empty. Each is removed as it is,
 * deepest first (order); false as soon as one holds a process or a sub-cgroup, which the whole
 * walk then takes care of. */
static bool remove_if_empty(const struct s1_cgroup_fs *fs, char *const *order, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = fs->rmdir(fs->ctx, order[i]);
		if (r < 0 && r != -ENOENT)
			return false;
	}
	return true;
}

int cgroup_remove(const struct s1_cgroup_fs *fs, char *const *dirs, size_t n, struct s1_err *err)
{
	_cleanup_free_ enum s1_cgroup_dir_kind *kinds = s1_xcalloc(n + 1, sizeof(*kinds));
	int r = check_record(fs, dirs, n, kinds, err);
	if (r < 0)
		return r;
	_cleanup_free_ char **order = s1_xcalloc(n + 1, sizeof(*order));
	memcpy(order, dirs, n * sizeof(*order));
	qsort(order, n, sizeof(*order), by_length_desc);
	if (remove_if_empty(fs, order, n))
		return 0;

	/* Until nothing is left to signal, or the time is up. A failure to list or signal is
	 * not final by itself: what it leaves makes the removal fail, and says why. */
	struct target *t = s1_xcalloc(n + 1, sizeof(*t));
	for (size_t i = 0; i < n; i++)
		t[i].path = dirs[i];
	struct s1_err serr = {0};
	int sr;
	long long deadline = now_ns() + REMOVE_WAIT_NS;
	for (;;) {
		size_t found = 0;
		sr = signal_targets(fs, t, n, SIGKILL, &found, &serr);
		if (found == 0 || now_ns() >= deadline)
			break;
		nanosleep(&(struct timespec){0, REMOVE_POLL_NS}, NULL);
	}
	targets_free(t, n);

	int first = 0;
	for (size_t i = 0; i < n; i++) {
		if ((r = remove_tree(fs, order[i], 0)) < 0 && first == 0)
			first = s1_error(err, r, "removing cgroup %s%s", order[i],
					 r == -EBUSY ? " (processes are still in it)" : "");
	}
	if (first < 0 && sr < 0 && err) {
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof(err->msg) - l, " (after %s)", serr.msg);
	}
	return first;
}

int cgroup_kill_recorded(const struct s1_cgroup_fs *fs, int podfd, int sig, struct s1_err *err)
{
	char **dirs;
	size_t n;
	int r = cgroup_record_read(podfd, &dirs, &n, err);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = cgroup_kill_all(fs, dirs, n, sig, err);
	cgroup_record_free(dirs, n);
	return r;
}

int cgroup_remove_recorded(const struct s1_cgroup_fs *fs, int podfd, struct s1_err *err)
{
	char **dirs;
	size_t n;
	int r = cgroup_record_read(podfd, &dirs, &n, err);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = cgroup_remove(fs, dirs, n, err);
	cgroup_record_free(dirs, n);
	return r;
}
