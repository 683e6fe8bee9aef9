/* Unit test of the pod's cgroups on this machine's real hierarchies (as root; skipped
 * otherwise): planned from this process's own, applied, joined by a child, limits read back
 * from the kernel, killed, recorded and removed as gc does. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/cgroup.h"
#include "stage1c/util.h"

static const struct s1_cgroup_app one_app = {.name = "app1",
					     .lim = {true, 64 << 20, true, 250, true, 512}};

struct host {
	struct s1_cgroup_plan plan;
	struct s1_cgroup_hiers hiers;
	struct s1_confine join;
	bool applied;
	pid_t child;
	char poddir[64];
};

static int host_setup(void **state)
{
	struct host *h = s1_xcalloc(1, sizeof(*h));
	h->join.cgroup2_dir = -1;
	snprintf(h->poddir, sizeof(h->poddir), "/tmp/s1c-cgpod.XXXXXX");
	if (!mkdtemp(h->poddir))
		return -1;
	*state = h;
	return 0;
}

/* Runs even when an assertion failed: nothing of the test stays in the real hierarchies. */
static int host_teardown(void **state)
{
	struct host *h = *state;
	struct s1_err err = {0};
	if (h->child > 0) {
		kill(h->child, SIGKILL);
		waitpid(h->child, NULL, 0);
	}
	confine_close_fds(&h->join);
	if (h->applied && (cgroup_plan_leave(&cgroupfs_host, &h->plan, &err) < 0 ||
			   cgroup_remove(&cgroupfs_host, h->plan.dirs, h->plan.n_dirs, &err) < 0))
		fprintf(stderr, "# cleanup: %s\n", err.msg);
	cgroup_plan_free(&h->plan);
	cgroup_hiers_free(&h->hiers);
	_cleanup_free_ char *record = s1_xasprintf("%s/%s", h->poddir, S1_RECORD_FILE);
	unlink(record);
	rmdir(h->poddir);
	free(h);
	return 0;
}

static char *slurp(const char *path)
{
	char *text = NULL;
	int r = s1_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL);
	if (r < 0)
		fail_msg("reading %s: %s", path, strerror(-r));
	return text;
}

/* The path of hierarchy (its "ID:CONTROLLERS:" prefix) in a /proc/PID/cgroup text. */
static char *cgroup_of(const char *text, const char *controllers)
{
	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (c2 && (size_t)(c2 - c1 - 1) == strlen(controllers) &&
		    strncmp(c1 + 1, controllers, strlen(controllers)) == 0)
			return s1_xstrndup(c2 + 1, (size_t)(eol - c2 - 1));
		line = *eol ? eol + 1 : eol;
	}
	fail_msg("no cgroup line for \"%s\"", controllers);
	return NULL;
}

static bool in_plan(const struct s1_cgroup_plan *p, const char *dir)
{
	for (size_t i = 0; i < p->n_dirs; i++)
		if (strcmp(p->dirs[i], dir) == 0)
			return true;
	return false;
}

/* The limit's file in the plan (v1's name or v2's), as the kernel reads it back. */
static char *limit(const struct s1_cgroup_plan *p, const char *v1, const char *v2)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const char *slash = strrchr(p->ops[i].path, '/');
		if (p->ops[i].type == S1_CGROUP_WRITE &&
		    (strcmp(slash + 1, v1) == 0 || strcmp(slash + 1, v2) == 0))
			return slurp(p->ops[i].path);
	}
	fail_msg("no %s or %s in the plan", v1, v2);
	return NULL;
}

static void test_host_cgroups(void **state)
{
	struct host *h = *state;
	struct s1_err err = {0};
	if (geteuid() != 0 || access("/sys/fs/cgroup", F_OK) != 0)
		skip();
	_cleanup_free_ char *uuid = slurp("/proc/sys/kernel/random/uuid");
	uuid[strcspn(uuid, "\n")] = '\0';
	_cleanup_free_ char *pod = s1_xasprintf(S1_CGROUP_POD_PREFIX "%s", uuid);
	_cleanup_free_ char *before = slurp("/proc/self/cgroup");

	if (cgroup_plan_build_current(pod, &one_app, 1, &h->plan, &err) != 0)
		fail_msg("plan: %s", err.msg);
	assert_int_equal(cgroup_hiers_read(&h->hiers, NULL, &err), 0);
	print_message("# %zu cgroup directories on this host (every limit)\n", h->plan.n_dirs);
	h->applied = true; /* from here on, teardown cleans up whatever apply left */
	if (cgroup_plan_apply(&cgroupfs_host, &h->plan, &err) != 0)
		fail_msg("apply: %s", err.msg);

	/* A child joins as the app does (by moving, here: clone3 is spawn.c's). */
	int ready[2];
	assert_int_equal(cgroupjoin_open_plan(&cgroupfs_host, &h->plan, 0, &h->join, &err), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	h->child = fork();
	assert_true(h->child >= 0);
	if (h->child == 0) {
		int rc = cgroupjoin_join(&h->join, false);
		(void)!write(ready[1], &rc, sizeof(rc));
		for (;;)
			pause();
	}
	confine_close_fds(&h->join);
	close(ready[1]);
	int rc = 1;
	assert_int_equal(read(ready[0], &rc, sizeof(rc)), sizeof(rc));
	close(ready[0]);
	assert_int_equal(rc, 0);

	/* The child is in the pod's cgroup in each hierarchy the plan made one in (its app leaf
	 * on v2, when the plan made one: limits there), and where this process is in the others. */
	char path[128];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", h->child);
	_cleanup_free_ char *child_cg = slurp(path);
	size_t joined = 0;
	for (size_t i = 0; i < h->hiers.n; i++) {
		const struct s1_cgroup_hier *hi = &h->hiers.v[i];
		_cleanup_free_ char *dir = s1_xasprintf("%s/%s", hi->start, pod);
		_cleanup_free_ char *got = cgroup_of(child_cg, hi->controllers);
		_cleanup_free_ char *leaf = s1_xasprintf("%s/app", dir);
		_cleanup_free_ char *want =
		    in_plan(&h->plan, dir)
			? s1_xasprintf("%s/%s%s", strcmp(hi->cgpath, "/") ? hi->cgpath : "", pod,
				       hi->v2 && in_plan(&h->plan, leaf) ? "/app" : "")
			: s1_xstrdup(hi->cgpath);
		joined += in_plan(&h->plan, dir);
		assert_string_equal(got, want);
	}
	assert_int_equal(joined, h->plan.n_app_procs);

	/* The limits, as the kernel reads them back. */
	_cleanup_free_ char *mem = limit(&h->plan, "memory.limit_in_bytes", "memory.max");
	assert_string_equal(mem, "67108864\n");
	_cleanup_free_ char *quota = limit(&h->plan, "cpu.cfs_quota_us", "cpu.max");
	assert_true(strcmp(quota, "25000\n") == 0 || strcmp(quota, "25000 100000\n") == 0);
	_cleanup_free_ char *shares = limit(&h->plan, "cpu.shares", "cpu.weight");
	assert_true(strcmp(shares, "512\n") == 0 || strcmp(shares, "20\n") == 0);

	/* Recorded, killed as stop --force does, then removed as gc does, the leader out of the
	 * way first. */
	_cleanup_close_ int podfd = open(h->poddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct s1_record rec = {0};
	cgroup_record_add(&rec, &h->plan);
	assert_int_equal(record_commit(podfd, &rec, &err), 0);
	if (cgroup_kill_recorded(&cgroupfs_host, podfd, SIGKILL, &err) != 0)
		fail_msg("kill: %s", err.msg);
	int status;
	assert_int_equal(waitpid(h->child, &status, 0), h->child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	h->child = 0;
	assert_int_equal(cgroup_plan_leave(&cgroupfs_host, &h->plan, &err), 0);
	_cleanup_free_ char *after = slurp("/proc/self/cgroup");
	assert_string_equal(after, before);
	if (cgroup_remove_recorded(&cgroupfs_host, podfd, &err) != 0)
		fail_msg("remove: %s", err.msg);
	for (size_t i = 0; i < h->plan.n_dirs; i++)
		if (access(h->plan.dirs[i], F_OK) == 0)
			fail_msg("%s is still there", h->plan.dirs[i]);
	h->applied = false;
}

static bool hier_equal(const struct s1_cgroup_hier *x, const struct s1_cgroup_hier *y)
{
	return x->v2 == y->v2 && strcmp(x->controllers, y->controllers) == 0 &&
	       strcmp(x->cgpath, y->cgpath) == 0 && strcmp(x->start, y->start) == 0;
}

/* Is every hierarchy of b, in order, the same as one of a's, and is each of a's that want asks
 * for (NULL: every one; without a v2 tree: every one) in b? */
static bool hiers_cover(const struct s1_cgroup_hiers *a, const struct s1_cgroup_hiers *b,
			const struct s1_cgroup_want *want)
{
	bool has_v2 = false;
	for (size_t i = 0; i < a->n; i++)
		has_v2 |= a->v[i].v2;
	size_t j = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct s1_cgroup_hier *x = &a->v[i];
		bool wanted = !want || !has_v2 || x->v2 ||
			      (want->memory && cgroup_hier_has(x, "memory")) ||
			      (want->cpu && cgroup_hier_has(x, "cpu"));
		if (j < b->n && hier_equal(x, &b->v[j]))
			j++;
		else if (wanted)
			return false;
	}
	return j == b->n && b->v1_lines == a->v1_lines;
}

/* In the child: do the hierarchies this process is in read the same through the whole mount
 * table and through cgroup_hiers_read (which asks about the usual mount points of the wanted
 * ones, and of every one in a long table), whatever is wanted? */
static bool hiers_agree(void)
{
	static const struct s1_cgroup_want wants[] = {
	    {0}, {.memory = true}, {.cpu = true}, {.memory = true, .cpu = true}};
	struct s1_err err = {0};
	_cleanup_free_ char *mi = slurp("/proc/self/mountinfo");
	_cleanup_free_ char *self = slurp("/proc/self/cgroup");
	struct s1_cgroup_hiers a, b;
	if (cgroup_hiers_parse(mi, self, &a, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return false;
	}
	bool same = a.n > 0;
	for (size_t k = 0; k <= S1_ARRAY_SIZE(wants) && same; k++) {
		const struct s1_cgroup_want *want = k < S1_ARRAY_SIZE(wants) ? &wants[k] : NULL;
		if (cgroup_hiers_read(&b, want, &err) < 0) {
			fprintf(stderr, "# %s\n", err.msg);
			same = false;
			break;
		}
		same = want ? hiers_cover(&a, &b, want) : a.n == b.n && hiers_cover(&a, &b, NULL);
		if (!same)
			fprintf(stderr, "# want %zu: %zu hierarchies from mountinfo, %zu read\n", k,
				a.n, b.n);
		cgroup_hiers_free(&b);
	}
	cgroup_hiers_free(&a);
	return same;
}

static int hiers_child(const char *dir)
{
	if (!hiers_agree())
		return 1;
	if (tu_mount_many(dir, 40) < 0)
		return 2;
	return hiers_agree() ? 0 : 1;
}

/* With a short mount table and with a long one. */
static void test_hiers_read(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/sys/fs/cgroup", F_OK) != 0)
		skip();
	tu_in_own_mount_ns(hiers_child);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_host_cgroups, host_setup, host_teardown),
	    cmocka_unit_test(test_hiers_read),
	};
	return cmocka_run_group_tests_name("cgroup_host", tests, NULL, NULL);
}
