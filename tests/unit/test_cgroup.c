/* Unit tests of the pod's cgroups: plans for v1, v2 and hybrid layouts from crafted
 * mountinfo and /proc/self/cgroup texts, the apply step against a plain directory tree that
 * imitates /sys/fs/cgroup, the record, killing and removal; and, as root, one pod cgroup in
 * this machine's real hierarchies. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage1c/cgroup.h"
#include "stage1c/util.h"

#define UUID "6f2c1c4e-93a5-4b8e-8d9f-0123456789ab"
#define POD "stage1-c-" UUID
#define MEMCG "/process_api/fc47f07eabc527c0c4ba637bcb5fb9e6"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));               \
	} while (0)

/* This machine's /proc/self/mountinfo (hybrid), a few other lines kept around them. */
#define MI_HEAD                                                                                    \
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"                                          \
	"27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"                                   \
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"                      \
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"                     \
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"             \
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
#define MI_MEMORY "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
#define MI_TAIL                                                                                    \
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"             \
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"             \
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"                 \
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"                   \
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
#define MI_UNIFIED "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
#define MI_V1 MI_HEAD MI_MEMORY MI_TAIL
#define MI_HYBRID MI_V1 MI_UNIFIED

#define CG_V1                                                                                      \
	"9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:" MEMCG         \
	"\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n"
#define CG_HYBRID CG_V1 "0::/\n"

#define MI_V2                                                                                      \
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"                                          \
	"30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "  \
	"rw,nsdelegate,memory_recursiveprot\n"
#define V2_START "/sys/fs/cgroup/user.slice/session-1.scope"
#define CG_V2 "0::/user.slice/session-1.scope\n"

static const struct s1_cgroup_limits all_limits = {true, 64 << 20, true, 250, true, 512};

static const struct s1_cgroup_op *find_op(const struct s1_cgroup_plan *p,
					  enum s1_cgroup_op_type type, const char *path)
{
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].type == type && strcmp(p->ops[i].path, path) == 0)
			return &p->ops[i];
	return NULL;
}

static size_t count_ops(const struct s1_cgroup_plan *p, enum s1_cgroup_op_type type)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_ops; i++)
		n += p->ops[i].type == type;
	return n;
}

static ssize_t op_index(const struct s1_cgroup_plan *p, const struct s1_cgroup_op *op)
{
	return op ? op - p->ops : -1;
}

/* The op writing value into path exists. */
static void assert_write(const struct s1_cgroup_plan *p, const char *path, const char *value)
{
	const struct s1_cgroup_op *op = find_op(p, S1_CGROUP_WRITE, path);
	if (!op)
		fail_msg("no write to %s", path);
	assert_string_equal(op->value, value);
}

static bool has_str(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void plan_ok(const char *mi, const char *cg, const struct s1_cgroup_limits *lim,
		    struct s1_cgroup_plan *p)
{
	struct s1_err err = {0};
	if (cgroup_plan_build(mi, cg, POD, lim, p, &err) != 0)
		fail_msg("plan: %s", err.msg);
}

static int reset_prefix(void **state)
{
	(void)state;
	cgroup_set_root_prefix(NULL);
	return 0;
}

/* ---- Plans ---- */

static void test_plan_v1(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	plan_ok(MI_V1, CG_V1, &all_limits, &p);
	assert_int_equal(p.layout, S1_CGROUP_V1);
	static const char *const hiers[] = {"systemd", "pids",	 "blkio",   "freezer", "devices",
					    "memory",  "cpuset", "cpuacct", "cpu"};
	assert_int_equal(p.n_dirs, 9);
	assert_int_equal(p.n_app_procs, 9);
	for (size_t i = 0; i < S1_ARRAY_SIZE(hiers); i++) {
		const char *below = strcmp(hiers[i], "memory") == 0 ? MEMCG : "";
		_cleanup_free_ char *dir =
		    s1_xasprintf("/sys/fs/cgroup/%s%s/" POD, hiers[i], below);
		/* v1: the app's child joins through "tasks" (no threadgroup lock). */
		_cleanup_free_ char *procs = s1_xasprintf("%s/tasks", dir);
		assert_string_equal(p.dirs[i], dir);
		assert_true(has_str(p.app_procs, p.n_app_procs, procs));
	}
	assert_write(&p, "/sys/fs/cgroup/memory" MEMCG "/" POD "/memory.limit_in_bytes",
		     "67108864");
	assert_write(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_period_us", "100000");
	assert_write(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_quota_us", "25000");
	assert_write(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.shares", "512");
	assert_int_equal(count_ops(&p, S1_CGROUP_WRITE), 4);
	/* The period before the quota: the kernel checks the quota against it. */
	assert_true(op_index(&p, find_op(&p, S1_CGROUP_WRITE,
					 "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_period_us")) <
		    op_index(&p, find_op(&p, S1_CGROUP_WRITE,
					 "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_quota_us")));
	/* cpuset: CPUs and memory nodes copied from the start cgroup, after the mkdir. */
	const struct s1_cgroup_op *cpus =
	    find_op(&p, S1_CGROUP_COPY, "/sys/fs/cgroup/cpuset/" POD "/cpuset.cpus");
	const struct s1_cgroup_op *mems =
	    find_op(&p, S1_CGROUP_COPY, "/sys/fs/cgroup/cpuset/" POD "/cpuset.mems");
	assert_non_null(cpus);
	assert_non_null(mems);
	assert_string_equal(cpus->value, "/sys/fs/cgroup/cpuset/cpuset.cpus");
	assert_string_equal(mems->value, "/sys/fs/cgroup/cpuset/cpuset.mems");
	assert_true(op_index(&p, find_op(&p, S1_CGROUP_MKDIR, "/sys/fs/cgroup/cpuset/" POD)) <
		    op_index(&p, cpus));
	/* v1: the leader stays where it is, no controllers to enable. */
	assert_int_equal(count_ops(&p, S1_CGROUP_JOIN), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_ENABLE), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_REQUIRE), 0);
	assert_string_equal(p.subcgroup, POD);
	cgroup_plan_free(&p);
}

static void test_plan_v2(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	plan_ok(MI_V2, CG_V2, &all_limits, &p);
	assert_int_equal(p.layout, S1_CGROUP_V2);
	const char *pod = V2_START "/" POD;
	assert_int_equal(p.n_dirs, 3);
	assert_string_equal(p.dirs[0], pod);
	assert_string_equal(p.dirs[1], V2_START "/" POD "/leader");
	assert_string_equal(p.dirs[2], V2_START "/" POD "/app");
	assert_int_equal(p.n_app_procs, 1);
	assert_string_equal(p.app_procs[0], V2_START "/" POD "/app/cgroup.procs");
	assert_string_equal(p.subcgroup, "user.slice/session-1.scope/" POD);

	/* The controllers are checked first, then the leader leaves the start cgroup, then
	 * they are enabled in start and pod, then the app leaf gets the limits. */
	const struct s1_cgroup_op *req_mem = find_op(&p, S1_CGROUP_REQUIRE, V2_START);
	assert_non_null(req_mem);
	assert_string_equal(req_mem->value, "memory");
	assert_string_equal(req_mem->what, "memory limit");
	assert_int_equal(count_ops(&p, S1_CGROUP_REQUIRE), 2);
	const struct s1_cgroup_op *join =
	    find_op(&p, S1_CGROUP_JOIN, V2_START "/" POD "/leader/cgroup.procs");
	assert_non_null(join);
	assert_string_equal(join->value, V2_START "/cgroup.procs");
	const struct s1_cgroup_op *en_start = find_op(&p, S1_CGROUP_ENABLE, V2_START);
	const struct s1_cgroup_op *en_pod = find_op(&p, S1_CGROUP_ENABLE, pod);
	assert_non_null(en_start);
	assert_non_null(en_pod);
	assert_int_equal(count_ops(&p, S1_CGROUP_ENABLE), 4);
	ssize_t app_mkdir = op_index(&p, find_op(&p, S1_CGROUP_MKDIR, p.dirs[2]));
	assert_true(op_index(&p, req_mem) < op_index(&p, find_op(&p, S1_CGROUP_MKDIR, pod)));
	assert_true(op_index(&p, join) < op_index(&p, en_start));
	assert_true(op_index(&p, en_start) < op_index(&p, en_pod));
	assert_true(op_index(&p, en_pod) < app_mkdir);

	assert_write(&p, V2_START "/" POD "/app/memory.max", "67108864");
	assert_write(&p, V2_START "/" POD "/app/cpu.max", "25000 100000");
	assert_write(&p, V2_START "/" POD "/app/cpu.weight", "20");
	assert_int_equal(count_ops(&p, S1_CGROUP_WRITE), 3);
	assert_int_equal(count_ops(&p, S1_CGROUP_COPY), 0);
	cgroup_plan_free(&p);
}

static void test_plan_v2_membership_only(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	plan_ok(MI_V2, "0::/\n", NULL, &p);
	assert_int_equal(p.n_dirs, 3);
	assert_string_equal(p.dirs[0], "/sys/fs/cgroup/" POD);
	assert_int_equal(count_ops(&p, S1_CGROUP_REQUIRE), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_ENABLE), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_WRITE), 0);
	/* Nothing to delegate: the leader stays where it was started. */
	assert_int_equal(count_ops(&p, S1_CGROUP_JOIN), 0);
	assert_string_equal(p.subcgroup, POD);
	cgroup_plan_free(&p);
}

static void test_plan_hybrid(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	plan_ok(MI_HYBRID, CG_HYBRID, &all_limits, &p);
	assert_int_equal(p.layout, S1_CGROUP_HYBRID);
	assert_int_equal(p.n_dirs, 9 + 3);
	assert_int_equal(p.n_app_procs, 10);
	/* Membership in the unified hierarchy, with the leader and app leaves... */
	assert_true(has_str(p.dirs, p.n_dirs, "/sys/fs/cgroup/unified/" POD));
	assert_true(has_str(p.dirs, p.n_dirs, "/sys/fs/cgroup/unified/" POD "/leader"));
	assert_true(has_str(p.dirs, p.n_dirs, "/sys/fs/cgroup/unified/" POD "/app"));
	assert_true(
	    has_str(p.app_procs, p.n_app_procs, "/sys/fs/cgroup/unified/" POD "/app/cgroup.procs"));
	/* ...and no controller there: the limits are the v1 hierarchies', and the leader stays. */
	assert_null(
	    find_op(&p, S1_CGROUP_JOIN, "/sys/fs/cgroup/unified/" POD "/leader/cgroup.procs"));
	assert_int_equal(count_ops(&p, S1_CGROUP_REQUIRE), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_ENABLE), 0);
	assert_write(&p, "/sys/fs/cgroup/memory" MEMCG "/" POD "/memory.limit_in_bytes",
		     "67108864");
	assert_write(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_quota_us", "25000");
	assert_write(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.shares", "512");
	assert_int_equal(count_ops(&p, S1_CGROUP_WRITE), 4);
	/* subcgroup: the name=systemd hierarchy's path. */
	assert_string_equal(p.subcgroup, POD);
	cgroup_plan_free(&p);

	/* Nested under a systemd unit. */
	plan_ok(MI_HYBRID,
		"9:name=systemd:/system.slice/rkt.service\n4:memory:/system.slice\n"
		"0::/system.slice/rkt.service\n",
		NULL, &p);
	assert_string_equal(p.subcgroup, "system.slice/rkt.service/" POD);
	assert_true(
	    has_str(p.dirs, p.n_dirs, "/sys/fs/cgroup/systemd/system.slice/rkt.service/" POD));
	assert_true(has_str(p.dirs, p.n_dirs, "/sys/fs/cgroup/memory/system.slice/" POD));
	assert_true(has_str(p.dirs, p.n_dirs,
			    "/sys/fs/cgroup/unified/system.slice/rkt.service/" POD "/app"));
	assert_int_equal(p.n_dirs, 2 + 3);
	cgroup_plan_free(&p);
}

static void test_cpu_weight(void **state)
{
	(void)state;
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	static const struct {
		int64_t shares;
		const char *weight;
	} cases[] = {{2, "1"}, {1024, "39"}, {262144, "10000"}};
	for (size_t i = 0; i < S1_ARRAY_SIZE(cases); i++) {
		struct s1_cgroup_limits lim = {.has_shares = true, .shares = cases[i].shares};
		struct s1_cgroup_plan p;
		plan_ok(MI_V2, CG_V2, &lim, &p);
		assert_write(&p, V2_START "/" POD "/app/cpu.weight", cases[i].weight);
		assert_null(find_op(&p, S1_CGROUP_WRITE, V2_START "/" POD "/app/cpu.max"));
		assert_string_equal(find_op(&p, S1_CGROUP_REQUIRE, V2_START)->what, "cpu shares");
		cgroup_plan_free(&p);
	}
}

static void test_small_cpu_quota(void **state)
{
	(void)state;
	/* 5m would be a 500 µs quota; the kernel's least is 1000 µs. */
	struct s1_cgroup_limits lim = {.has_cpu = true, .cpu_milli = 5};
	struct s1_cgroup_plan p;
	plan_ok(MI_V1, CG_V1, &lim, &p);
	assert_write(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_quota_us", "1000");
	cgroup_plan_free(&p);
	lim.cpu_milli = 2500;
	plan_ok(MI_V2, CG_V2, &lim, &p);
	assert_write(&p, V2_START "/" POD "/app/cpu.max", "250000 100000");
	cgroup_plan_free(&p);
}

static void test_missing_controller(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	struct s1_cgroup_limits mem = {.has_memory = true, .memory_bytes = 1 << 20};
	/* v1 without a memory hierarchy (and no cgroup2 to fall back on). */
	assert_int_equal(cgroup_plan_build(MI_HEAD MI_TAIL, CG_V1, POD, &mem, &p, &err), -EINVAL);
	assert_contains(err.msg, "memory limit");
	assert_contains(err.msg, "memory controller is not mounted");
	/* Without the limit, the same layout is fine: membership in what is there. */
	plan_ok(MI_HEAD MI_TAIL, CG_V1, NULL, &p);
	assert_int_equal(p.n_dirs, 8);
	cgroup_plan_free(&p);
	/* cpu shares without a cpu hierarchy. */
	struct s1_cgroup_limits shares = {.has_shares = true, .shares = 100};
	const char *mi = "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
	assert_int_equal(cgroup_plan_build(mi, CG_V1, POD, &shares, &p, &err), -EINVAL);
	assert_contains(err.msg, "cpu shares: the cpu controller is not mounted");
	/* A hierarchy in /proc/self/cgroup that no mount shows gets nothing. */
	plan_ok(mi, CG_V1, NULL, &p);
	assert_int_equal(p.n_dirs, 1);
	assert_string_equal(p.dirs[0], "/sys/fs/cgroup/memory" MEMCG "/" POD);
	cgroup_plan_free(&p);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	assert_int_equal(cgroup_plan_build(MI_V2, CG_V2, "stage1-c-xyz", NULL, &p, &err), -EINVAL);
	assert_contains(err.msg, "stage1-c-<UUID>");
	assert_int_equal(cgroup_plan_build(MI_V2, CG_V2, "../" POD, NULL, &p, &err), -EINVAL);
	static const struct s1_cgroup_limits bad[] = {
	    {.has_shares = true, .shares = 1},	       {.has_shares = true, .shares = 262145},
	    {.has_memory = true, .memory_bytes = 0},   {.has_cpu = true, .cpu_milli = 0},
	    {.has_cpu = true, .cpu_milli = INT64_MAX},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++)
		assert_int_equal(cgroup_plan_build(MI_V2, CG_V2, POD, &bad[i], &p, &err), -EINVAL);
	assert_contains(err.msg, "cpu limit");
	assert_int_equal(cgroup_plan_build("1 2 3\n", CG_V2, POD, NULL, &p, &err), -EINVAL);
	assert_contains(err.msg, "mountinfo line 1");
	assert_int_equal(cgroup_plan_build(MI_V2, "garbage\n", POD, NULL, &p, &err), -EINVAL);
	assert_contains(err.msg, "/proc/self/cgroup line 1");
	assert_int_equal(
	    cgroup_plan_build("22 27 0:21 / /proc rw - proc proc rw\n", CG_V2, POD, NULL, &p, &err),
	    -EINVAL);
	assert_contains(err.msg, "no cgroup hierarchy");
	assert_int_equal(cgroup_plan_build(MI_V2, "0::/../../outside\n", POD, NULL, &p, &err),
			 -EINVAL);
	assert_contains(err.msg, "outside this cgroup namespace");
}

static void test_path_with_space(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	/* mountinfo escapes the space (\040) in the mount point and in the mounted root;
	 * /proc/self/cgroup does not. */
	const char *mi = "30 23 0:26 / /sys/fs/my\\040cgroups rw shared:4 - cgroup2 cgroup2 rw\n"
			 "35 31 0:32 /my\\040slice /mnt/mem\\134x rw - cgroup cgroup rw,memory\n";
	const char *cg = "4:memory:/my slice/a b\n0::/user.slice/my unit.service\n";
	struct s1_cgroup_limits lim = {.has_memory = true, .memory_bytes = 4096};
	plan_ok(mi, cg, &lim, &p);
	assert_string_equal(p.dirs[0], "/sys/fs/my cgroups/user.slice/my unit.service/" POD);
	assert_true(has_str(p.dirs, p.n_dirs, "/mnt/mem\\x/a b/" POD));
	assert_write(&p, "/mnt/mem\\x/a b/" POD "/memory.limit_in_bytes", "4096");
	assert_string_equal(p.subcgroup, "user.slice/my unit.service/" POD);
	cgroup_plan_free(&p);
}

static void test_empty_source_mount(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	/* A host mount made with source "" (as Go programs do) shows as two spaces in a row:
	 * every pod on such a host used to fail with "mountinfo line 2: malformed". */
	const char *mi = MI_V2 "90 27 0:50 / /run/x rw,relatime shared:40 - tmpfs  rw,size=4k\n";
	plan_ok(mi, CG_V2, NULL, &p);
	assert_string_equal(p.dirs[0], V2_START "/" POD);
	cgroup_plan_free(&p);
}

static void test_mount_root(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	/* A hierarchy mounted from a sub-directory (a container's view, say): paths are taken
	 * below that root; a mount that does not show the cgroup is not used, and one under
	 * /sys/fs/cgroup wins over a bind mount elsewhere. */
	const char *mi =
	    "50 1 0:32 /docker/abc /var/lib/x/memory rw - cgroup cgroup rw,memory\n"
	    "51 1 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	    "52 1 0:29 /other /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	    "53 1 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,xattr,pids\n"
	    "54 1 0:31 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
	const char *cg = "3:memory:/docker/abc/sub\n2:cpu,cpuacct:/docker/abc\n1:pids:/docker/"
			 "abc\n";
	plan_ok(mi, cg, NULL, &p);
	assert_int_equal(p.n_dirs, 2);
	assert_string_equal(p.dirs[0], "/sys/fs/cgroup/memory/sub/" POD);
	assert_string_equal(p.dirs[1], "/sys/fs/cgroup/pids/docker/abc/" POD);
	assert_null(p.subcgroup);
	cgroup_plan_free(&p);
}

/* ---- A plain directory tree standing in for /sys/fs/cgroup ---- */

struct tree {
	char root[64];
};

static int tree_setup(void **state)
{
	struct tree *t = s1_xcalloc(1, sizeof(*t));
	snprintf(t->root, sizeof(t->root), "/tmp/s1c-cgtest.XXXXXX");
	if (!mkdtemp(t->root))
		return -1;
	cgroup_set_root_prefix(t->root);
	*state = t;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	cgroup_set_root_prefix(NULL);
	nftw(t->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static char *at(const struct tree *t, const char *rel)
{
	return s1_xasprintf("%s%s", t->root, rel);
}

static void mkdirs(const char *path)
{
	_cleanup_free_ char *p = s1_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void put(const struct tree *t, const char *rel, const char *content)
{
	_cleanup_free_ char *path = at(t, rel);
	_cleanup_free_ char *dir = s1_xstrdup(path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	char *text = NULL;
	int r = s1_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL);
	if (r < 0)
		fail_msg("reading %s: %s", path, strerror(-r));
	return text;
}

static void assert_file(const struct tree *t, const char *rel, const char *content)
{
	_cleanup_free_ char *path = at(t, rel);
	_cleanup_free_ char *text = slurp(path);
	assert_string_equal(text, content);
}

static bool exists(const struct tree *t, const char *rel)
{
	_cleanup_free_ char *path = at(t, rel);
	return access(path, F_OK) == 0;
}

static void v2_tree(const struct tree *t, const char *controllers)
{
	put(t, V2_START "/cgroup.controllers", controllers);
	put(t, V2_START "/cgroup.subtree_control", "");
	put(t, V2_START "/cgroup.procs", "");
}

static void test_apply_v2(void **state)
{
	struct tree *t = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	v2_tree(t, "cpuset cpu io memory pids\n");
	plan_ok(MI_V2, CG_V2, &all_limits, &p);
	_cleanup_free_ char *pod = at(t, V2_START "/" POD);
	assert_string_equal(p.dirs[0], pod);
	if (cgroup_plan_apply(&p, &err) != 0)
		fail_msg("apply: %s", err.msg);

	/* Controllers enabled in start and pod, leaves made, the leader in its leaf. */
	assert_file(t, V2_START "/cgroup.subtree_control", "+memory+cpu");
	assert_file(t, V2_START "/" POD "/cgroup.subtree_control", "+memory+cpu");
	assert_true(exists(t, V2_START "/" POD "/leader"));
	assert_true(exists(t, V2_START "/" POD "/app"));
	assert_file(t, V2_START "/" POD "/leader/cgroup.procs", "0");
	/* Limits in the app leaf, none on the pod or the leader. */
	assert_file(t, V2_START "/" POD "/app/memory.max", "67108864");
	assert_file(t, V2_START "/" POD "/app/cpu.max", "25000 100000");
	assert_file(t, V2_START "/" POD "/app/cpu.weight", "20");
	assert_false(exists(t, V2_START "/" POD "/memory.max"));
	assert_false(exists(t, V2_START "/" POD "/leader/memory.max"));

	/* The app's child joins through the descriptors (cgroup.procs: what the kernel would
	 * have made with the directory). */
	put(t, V2_START "/" POD "/app/cgroup.procs", "");
	int fds[4];
	size_t n = 0;
	assert_int_equal(cgroup_plan_open_app_procs(&p, fds, 4, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cgroup_join_fds(fds, n), 0);
	close(fds[0]);
	assert_file(t, V2_START "/" POD "/app/cgroup.procs", "0");
	assert_int_equal(cgroup_plan_open_app_procs(&p, fds, 0, &n, &err), -EINVAL);

	/* Undo: the leader back where it started, the pod cgroup gone. */
	assert_int_equal(cgroup_plan_undo(&p), 0);
	assert_file(t, V2_START "/cgroup.procs", "0");
	assert_false(exists(t, V2_START "/" POD));
	assert_true(exists(t, V2_START));
	assert_int_equal(cgroup_plan_undo(&p), 0); /* twice is fine */
	cgroup_plan_free(&p);
}

static void test_apply_v2_controller_missing(void **state)
{
	struct tree *t = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	/* What a start cgroup without delegated memory controller looks like. */
	v2_tree(t, "cpu pids\n");
	plan_ok(MI_V2, CG_V2, &all_limits, &p);
	assert_int_equal(cgroup_plan_apply(&p, &err), -EINVAL);
	_cleanup_free_ char *msg =
	    s1_xasprintf("memory limit: controller memory is not available in %s" V2_START
			 " (cgroup.controllers)",
			 t->root);
	assert_contains(err.msg, msg);
	assert_false(exists(t, V2_START "/" POD));
	assert_file(t, V2_START "/cgroup.subtree_control", "");
	cgroup_plan_free(&p);

	/* The same with only shares requested: named as such. */
	v2_tree(t, "memory pids\n");
	struct s1_cgroup_limits shares = {.has_shares = true, .shares = 1024};
	plan_ok(MI_V2, CG_V2, &shares, &p);
	assert_int_equal(cgroup_plan_apply(&p, &err), -EINVAL);
	assert_contains(err.msg, "cpu shares: controller cpu is not available in ");
	cgroup_plan_free(&p);

	/* No limits: membership only, whatever cgroup.controllers says. */
	v2_tree(t, "");
	plan_ok(MI_V2, CG_V2, NULL, &p);
	if (cgroup_plan_apply(&p, &err) != 0)
		fail_msg("apply: %s", err.msg);
	assert_true(exists(t, V2_START "/" POD "/app"));
	assert_file(t, V2_START "/cgroup.subtree_control", "");
	assert_int_equal(cgroup_plan_undo(&p), 0);
	assert_false(exists(t, V2_START "/" POD));
	cgroup_plan_free(&p);
}

static const char *const v1_hiers[] = {"systemd",      "pids",	 "blkio",   "freezer", "devices",
				       "memory" MEMCG, "cpuset", "cpuacct", "cpu"};

static void v1_tree(const struct tree *t)
{
	for (size_t i = 0; i < S1_ARRAY_SIZE(v1_hiers); i++) {
		_cleanup_free_ char *f =
		    s1_xasprintf("/sys/fs/cgroup/%s/cgroup.procs", v1_hiers[i]);
		put(t, f, "");
	}
	put(t, "/sys/fs/cgroup/cpuset/cpuset.cpus", "0-3\n");
	put(t, "/sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
}

static void test_apply_v1(void **state)
{
	struct tree *t = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	v1_tree(t);
	plan_ok(MI_HYBRID, CG_HYBRID, &all_limits, &p);
	put(t, "/sys/fs/cgroup/unified/cgroup.procs", "");
	if (cgroup_plan_apply(&p, &err) != 0)
		fail_msg("apply: %s", err.msg);
	for (size_t i = 0; i < S1_ARRAY_SIZE(v1_hiers); i++) {
		_cleanup_free_ char *d = s1_xasprintf("/sys/fs/cgroup/%s/" POD, v1_hiers[i]);
		assert_true(exists(t, d));
	}
	assert_file(t, "/sys/fs/cgroup/cpuset/" POD "/cpuset.cpus", "0-3");
	assert_file(t, "/sys/fs/cgroup/cpuset/" POD "/cpuset.mems", "0");
	assert_file(t, "/sys/fs/cgroup/memory" MEMCG "/" POD "/memory.limit_in_bytes", "67108864");
	assert_file(t, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_period_us", "100000");
	assert_file(t, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_quota_us", "25000");
	assert_file(t, "/sys/fs/cgroup/cpu/" POD "/cpu.shares", "512");
	/* Hybrid: nothing to delegate on v2, so the leader does not move (no migration cost). */
	assert_false(exists(t, "/sys/fs/cgroup/unified/" POD "/leader/cgroup.procs"));
	assert_true(exists(t, "/sys/fs/cgroup/unified/" POD "/app"));
	assert_false(exists(t, "/sys/fs/cgroup/unified/cgroup.subtree_control"));
	assert_int_equal(cgroup_plan_undo(&p), 0);
	for (size_t i = 0; i < p.n_dirs; i++)
		assert_int_equal(access(p.dirs[i], F_OK), -1);
	assert_file(t, "/sys/fs/cgroup/unified/cgroup.procs", "");
	cgroup_plan_free(&p);
}

static void test_apply_undoes_on_error(void **state)
{
	struct tree *t = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	v1_tree(t);
	put(t, "/sys/fs/cgroup/unified/cgroup.procs", "");
	/* A file where the freezer hierarchy's pod cgroup goes: mkdir fails half-way. */
	put(t, "/sys/fs/cgroup/freezer/" POD, "");
	plan_ok(MI_HYBRID, CG_HYBRID, &all_limits, &p);
	assert_int_equal(cgroup_plan_apply(&p, &err), -ENOTDIR);
	assert_contains(err.msg, "/sys/fs/cgroup/freezer/" POD);
	assert_contains(err.msg, "not a directory");
	for (size_t i = 0; i < p.n_dirs; i++)
		if (!strstr(p.dirs[i], "/freezer/"))
			assert_int_equal(access(p.dirs[i], F_OK), -1);
	/* The leader never left where it started. */
	assert_file(t, "/sys/fs/cgroup/unified/cgroup.procs", "");
	cgroup_plan_free(&p);
}

/* ---- The record ---- */

static void test_record_round_trip(void **state)
{
	struct tree *t = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	plan_ok(MI_HYBRID, CG_HYBRID, NULL, &p);
	_cleanup_free_ char *poddir = at(t, "/pod");
	mkdir(poddir, 0755);
	_cleanup_close_ int podfd = open(poddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(podfd >= 0);
	char **dirs = NULL;
	size_t n = 99;
	assert_int_equal(cgroup_record_read(podfd, &dirs, &n), -ENOENT);
	assert_int_equal(n, 0);
	/* Among the record's other sections, which the cgroup lines do not absorb. */
	struct s1_record rec = {0};
	podstate_record_add(&rec, "leader", "42 1000");
	cgroup_record_add(&rec, &p);
	podstate_record_add(&rec, "app-cgroups", "/sys/fs/cgroup/x/tasks");
	if (podstate_record_commit(podfd, &rec, &err) != 0)
		fail_msg("record: %s", err.msg);
	assert_null(rec.text);
	_cleanup_free_ char *path = at(t, "/pod/" S1_RECORD_FILE);
	_cleanup_free_ char *text = slurp(path);
	_cleanup_free_ char *first = s1_xasprintf("leader 42 1000\ncgroups %s\n", p.dirs[0]);
	assert_true(strncmp(text, first, strlen(first)) == 0);
	assert_contains(text, "/sys/fs/cgroup/unified/" POD "/leader\ncgroups ");
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_int_equal(cgroup_record_read(podfd, &dirs, &n), 0);
	assert_int_equal(n, p.n_dirs);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(dirs[i], p.dirs[i]);
	assert_null(dirs[n]);
	cgroup_record_free(dirs, n);
	/* A record without the section: none. */
	podstate_record_add(&rec, "leader", "42 1000");
	assert_int_equal(podstate_record_commit(podfd, &rec, &err), 0);
	assert_int_equal(cgroup_record_read(podfd, &dirs, &n), -ENOENT);
	cgroup_plan_free(&p);
}

static void test_remove_refuses_foreign(void **state)
{
	struct tree *t = *state;
	struct s1_err err = {0};
	_cleanup_free_ char *ours = at(t, "/sys/fs/cgroup/memory/" POD);
	mkdirs(ours);
	char *bad[] = {
	    at(t, "/sys/fs/cgroup/memory"),
	    at(t, "/sys/fs/cgroup/memory/" POD "/other"),
	    at(t, "/sys/fs/cgroup/memory/" POD "/../x/" POD),
	    at(t, "/sys/fs/cgroup/memory/stage1-c-6f2c1c4e"),
	    at(t, "/sys/fs/cgroup/memory/x" POD),
	    at(t, "/sys/fs/cgroup/memory/app"),
	    at(t, "/sys/fs/cgroup//memory/" POD),
	    s1_xstrdup("/sys/fs/cgroup/memory/" POD), /* outside the prefix */
	    s1_xstrdup("relative/" POD),
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		char *record[] = {ours, bad[i]};
		assert_int_equal(cgroup_remove(record, 2, &err), -EINVAL);
		assert_contains(err.msg, "refusing");
		assert_contains(err.msg, bad[i]);
		assert_int_equal(cgroup_kill_all(record, 2, SIGTERM), -EINVAL);
		assert_int_equal(access(ours, F_OK), 0);
		free(bad[i]);
	}
	/* On the real system, a directory that is not on a cgroup file system is refused. */
	cgroup_set_root_prefix(NULL);
	char *record[] = {ours};
	assert_int_equal(cgroup_remove(record, 1, &err), -EINVAL);
	assert_contains(err.msg, ours);
	assert_int_equal(cgroup_kill_all(record, 1, SIGKILL), -EINVAL);
	assert_int_equal(access(ours, F_OK), 0);
	cgroup_set_root_prefix(t->root);
	/* The same line, in the test tree: removed. */
	assert_int_equal(cgroup_remove(record, 1, &err), 0);
	assert_int_equal(access(ours, F_OK), -1);
}

/* enter writes its command's PID only to the join files of the pod's app cgroups. */
static void test_app_join_file(void **state)
{
	struct tree *t = *state;
	static const char *const good[] = {
	    "/sys/fs/cgroup/memory/" POD "/tasks",
	    "/sys/fs/cgroup/unified/start/" POD "/app/cgroup.procs",
	    "/sys/fs/cgroup/" POD "/cgroup.procs",
	};
	static const char *const bad[] = {
	    "/sys/fs/cgroup/" POD "/leader/cgroup.procs", /* the leader's, not the app's */
	    "/sys/fs/cgroup/" POD "/app/memory.max",
	    "/sys/fs/cgroup/" POD "/app/cgroup.procs/",
	    "/sys/fs/cgroup/" POD "/other/cgroup.procs",
	    "/sys/fs/cgroup/cgroup.procs",
	    "/sys/fs/cgroup/memory/tasks",
	    "/sys/fs/cgroup/memory/" POD "/../tasks",
	    "/sys/fs/cgroup/memory/" POD "/./tasks",
	    "/etc/" POD "/tasks/x",
	    "tasks",
	    "",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(good); i++) {
		_cleanup_free_ char *p = at(t, good[i]);
		if (!cgroup_is_app_join_file(p))
			fail_msg("refused %s", p);
	}
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *p = at(t, bad[i]);
		if (cgroup_is_app_join_file(p))
			fail_msg("accepted %s", p);
	}
	/* Outside the test prefix, and then on the real system, off any cgroup file system. */
	assert_false(cgroup_is_app_join_file("/sys/fs/cgroup/" POD "/cgroup.procs"));
	_cleanup_free_ char *dir = at(t, "/sys/fs/cgroup/memory/" POD);
	_cleanup_free_ char *file = at(t, "/sys/fs/cgroup/memory/" POD "/tasks");
	mkdirs(dir);
	cgroup_set_root_prefix(NULL);
	assert_false(cgroup_is_app_join_file(file));
	cgroup_set_root_prefix(t->root);
}

static void test_remove_missing_is_success(void **state)
{
	struct tree *t = *state;
	struct s1_err err = {0};
	char *record[] = {
	    at(t, "/sys/fs/cgroup/unified/" POD), at(t, "/sys/fs/cgroup/unified/" POD "/leader"),
	    at(t, "/sys/fs/cgroup/unified/" POD "/app"), at(t, "/sys/fs/cgroup/pids/" POD)};
	assert_int_equal(cgroup_remove(record, 4, &err), 0);
	assert_int_equal(cgroup_kill_all(record, 4, SIGKILL), 0);
	assert_int_equal(cgroup_remove(record, 0, &err), 0);
	for (size_t i = 0; i < S1_ARRAY_SIZE(record); i++)
		free(record[i]);
	/* The real file system: a pod cgroup that is not there. */
	cgroup_set_root_prefix(NULL);
	char *real[] = {"/sys/fs/cgroup/memory/" POD, "/sys/fs/cgroup/unified/" POD "/app"};
	assert_int_equal(cgroup_remove(real, 2, &err), 0);
	cgroup_set_root_prefix(t->root);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static int reap(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

static void test_kill_all(void **state)
{
	struct tree *t = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	/* A hybrid pod: the app in the v1 pod cgroups and the unified app leaf, a sub-cgroup
	 * the app made, and a process in the leader's leaf that must be left alone. */
	v1_tree(t);
	put(t, "/sys/fs/cgroup/unified/cgroup.procs", "");
	plan_ok(MI_HYBRID, CG_HYBRID, NULL, &p);
	assert_int_equal(cgroup_plan_apply(&p, &err), 0);
	pid_t app = spawn_sleeper(), sub = spawn_sleeper(), leader = spawn_sleeper();
	char buf[64];
	snprintf(buf, sizeof(buf), "%d\n", app);
	put(t, "/sys/fs/cgroup/unified/" POD "/app/cgroup.procs", buf);
	put(t, "/sys/fs/cgroup/pids/" POD "/cgroup.procs", buf);
	snprintf(buf, sizeof(buf), "%d\n", sub);
	put(t, "/sys/fs/cgroup/pids/" POD "/made-by-app/cgroup.procs", buf);
	snprintf(buf, sizeof(buf), "%d\n", leader);
	put(t, "/sys/fs/cgroup/unified/" POD "/leader/cgroup.procs", buf);

	assert_int_equal(cgroup_kill_all(p.dirs, p.n_dirs, SIGTERM), 0);
	assert_int_equal(reap(app), SIGTERM);
	assert_int_equal(reap(sub), SIGTERM);
	nanosleep(&(struct timespec){0, 50000000}, NULL);
	assert_int_equal(waitpid(leader, NULL, WNOHANG), 0);
	kill(leader, SIGKILL);
	reap(leader);

	/* Those PIDs are free again: out of the lists before anything else is signalled. */
	put(t, "/sys/fs/cgroup/unified/" POD "/app/cgroup.procs", "");
	put(t, "/sys/fs/cgroup/pids/" POD "/cgroup.procs", "");
	put(t, "/sys/fs/cgroup/pids/" POD "/made-by-app/cgroup.procs", "");
	put(t, "/sys/fs/cgroup/unified/" POD "/leader/cgroup.procs", "");

	/* SIGKILL goes through cgroup.kill where the cgroup has one. */
	put(t, "/sys/fs/cgroup/unified/" POD "/app/cgroup.kill", "");
	put(t, "/sys/fs/cgroup/unified/" POD "/leader/cgroup.kill", "");
	assert_int_equal(cgroup_kill_all(p.dirs, p.n_dirs, SIGKILL), 0);
	assert_file(t, "/sys/fs/cgroup/unified/" POD "/app/cgroup.kill", "1");
	assert_file(t, "/sys/fs/cgroup/unified/" POD "/leader/cgroup.kill", "");

	/* gc: everything goes, the app's sub-cgroup with it; nothing is left in them, so no
	 * waiting. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cgroup_remove(p.dirs, p.n_dirs, &err) != 0)
		fail_msg("remove: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	for (size_t i = 0; i < p.n_dirs; i++)
		assert_int_equal(access(p.dirs[i], F_OK), -1);
	assert_true(exists(t, "/sys/fs/cgroup/pids/cgroup.procs"));
	assert_int_equal(cgroup_remove(p.dirs, p.n_dirs, &err), 0); /* idempotent */
	cgroup_plan_free(&p);
}

/* ---- This machine's real cgroups (root) ---- */

struct real {
	struct s1_cgroup_plan plan;
	bool applied;
	pid_t child;
	char poddir[64];
};

static int real_setup(void **state)
{
	struct real *r = s1_xcalloc(1, sizeof(*r));
	cgroup_set_root_prefix(NULL);
	snprintf(r->poddir, sizeof(r->poddir), "/tmp/s1c-cgpod.XXXXXX");
	if (!mkdtemp(r->poddir))
		return -1;
	*state = r;
	return 0;
}

/* Runs even when an assertion failed: nothing of the test stays in the real hierarchies. */
static int real_teardown(void **state)
{
	struct real *r = *state;
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
	}
	if (r->applied) {
		struct s1_err err = {0};
		cgroup_plan_leave(&r->plan);
		if (cgroup_remove(r->plan.dirs, r->plan.n_dirs, &err) < 0)
			fprintf(stderr, "# cleanup: %s\n", err.msg);
	}
	cgroup_plan_free(&r->plan);
	nftw(r->poddir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(r);
	return 0;
}

/* The line "ID:CONTROLLERS:" of a /proc/PID/cgroup text, its path into out. */
static bool cgroup_line(const char *text, const char *id_ctrl, char *out, size_t size)
{
	size_t l = strlen(id_ctrl);
	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');
		if (strncmp(line, id_ctrl, l) == 0) {
			snprintf(out, size, "%.*s", (int)(eol - line - (ptrdiff_t)l), line + l);
			return true;
		}
		line = *eol ? eol + 1 : eol;
	}
	return false;
}

static char *find_limit_file(const struct s1_cgroup_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const char *path = p->ops[i].path;
		size_t l = strlen(path), nl = strlen(name);
		if (p->ops[i].type == S1_CGROUP_WRITE && l > nl && strcmp(path + l - nl, name) == 0)
			return slurp(path);
	}
	fail_msg("no %s in the plan", name);
	return NULL;
}

static void test_real_cgroups(void **state)
{
	struct real *r = *state;
	struct s1_err err = {0};
	if (geteuid() != 0 || access("/sys/fs/cgroup", F_OK) != 0)
		skip();
	_cleanup_free_ char *uuid = slurp("/proc/sys/kernel/random/uuid");
	uuid[strcspn(uuid, "\n")] = '\0';
	_cleanup_free_ char *pod = s1_xasprintf(S1_CGROUP_POD_PREFIX "%s", uuid);
	_cleanup_free_ char *before = slurp("/proc/self/cgroup");

	if (cgroup_plan_build_current(pod, &all_limits, &r->plan, &err) != 0)
		fail_msg("plan: %s", err.msg);
	r->applied = true; /* from here on, teardown cleans up whatever apply left */
	if (cgroup_plan_apply(&r->plan, &err) != 0)
		fail_msg("apply: %s", err.msg);

	int fds[16], ready[2];
	size_t n = 0;
	assert_int_equal(cgroup_plan_open_app_procs(&r->plan, fds, 16, &n, &err), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	r->child = fork();
	assert_true(r->child >= 0);
	if (r->child == 0) {
		int rc = cgroup_join_fds(fds, n);
		(void)!write(ready[1], &rc, sizeof(rc));
		for (;;)
			pause();
	}
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	close(ready[1]);
	int rc = 1;
	assert_int_equal(read(ready[0], &rc, sizeof(rc)), sizeof(rc));
	close(ready[0]);
	assert_int_equal(rc, 0);

	/* The child is in the pod cgroup of every hierarchy this process started in. */
	char path[128];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", r->child);
	_cleanup_free_ char *child_cg = slurp(path);
	size_t checked = 0;
	for (const char *line = before; *line; checked++) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		assert_non_null(c1);
		const char *c2 = memchr(c1 + 1, ':', (size_t)(eol - c1 - 1));
		assert_non_null(c2);
		_cleanup_free_ char *id_ctrl = strndup(line, (size_t)(c2 - line + 1));
		_cleanup_free_ char *start = strndup(c2 + 1, (size_t)(eol - c2 - 1));
		_cleanup_free_ char *want =
		    s1_xasprintf("%s/%s%s", strcmp(start, "/") ? start : "", pod,
				 strcmp(id_ctrl, "0::") == 0 ? "/app" : "");
		char got[512];
		if (!cgroup_line(child_cg, id_ctrl, got, sizeof(got)))
			fail_msg("no %s in the child's cgroups", id_ctrl);
		assert_string_equal(got, want);
		line = *eol ? eol + 1 : eol;
	}
	assert_true(checked >= 2);

	/* The limits, as the kernel reads them back. */
	_cleanup_free_ char *mem = find_limit_file(&r->plan, "/memory.limit_in_bytes");
	assert_string_equal(mem, "67108864\n");
	_cleanup_free_ char *quota = find_limit_file(&r->plan, "/cpu.cfs_quota_us");
	assert_string_equal(quota, "25000\n");
	_cleanup_free_ char *shares = find_limit_file(&r->plan, "/cpu.shares");
	assert_string_equal(shares, "512\n");

	/* The leader (this process) moves on v2 only to let its start cgroup delegate
	 * controllers; on this hybrid host v2 holds none, so it stays where it started. */
	_cleanup_free_ char *self_cg = slurp("/proc/self/cgroup");
	char got[512];
	if (cgroup_line(before, "0::", got, sizeof(got))) {
		_cleanup_free_ char *start = s1_xstrdup(got);
		assert_true(cgroup_line(self_cg, "0::", got, sizeof(got)));
		_cleanup_free_ char *want =
		    r->plan.layout == S1_CGROUP_V2
			? s1_xasprintf("%s/%s/leader", strcmp(start, "/") ? start : "", pod)
			: s1_xstrdup(start);
		assert_string_equal(got, want);
	}

	/* Recorded, then removed as gc does, the leader out of the way first. */
	_cleanup_close_ int podfd = open(r->poddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct s1_record rec = {0};
	cgroup_record_add(&rec, &r->plan);
	assert_int_equal(podstate_record_commit(podfd, &rec, &err), 0);
	char **dirs = NULL;
	assert_int_equal(cgroup_record_read(podfd, &dirs, &n), 0);
	assert_int_equal(n, r->plan.n_dirs);
	assert_int_equal(cgroup_plan_leave(&r->plan), 0);
	_cleanup_free_ char *after = slurp("/proc/self/cgroup");
	assert_string_equal(after, before);
	int removed = cgroup_remove(dirs, n, &err);
	if (removed != 0)
		fail_msg("remove: %s", err.msg);
	for (size_t i = 0; i < n; i++)
		if (access(dirs[i], F_OK) == 0)
			fail_msg("%s is still there", dirs[i]);
	cgroup_record_free(dirs, n);
	assert_int_equal(reap(r->child), SIGKILL);
	r->child = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_plan_v1, reset_prefix),
	    cmocka_unit_test_setup(test_plan_v2, reset_prefix),
	    cmocka_unit_test_setup(test_plan_v2_membership_only, reset_prefix),
	    cmocka_unit_test_setup(test_plan_hybrid, reset_prefix),
	    cmocka_unit_test_setup(test_cpu_weight, reset_prefix),
	    cmocka_unit_test_setup(test_small_cpu_quota, reset_prefix),
	    cmocka_unit_test_setup(test_missing_controller, reset_prefix),
	    cmocka_unit_test_setup(test_bad_inputs, reset_prefix),
	    cmocka_unit_test_setup(test_path_with_space, reset_prefix),
	    cmocka_unit_test_setup(test_empty_source_mount, reset_prefix),
	    cmocka_unit_test_setup(test_mount_root, reset_prefix),
	    cmocka_unit_test_setup_teardown(test_apply_v2, tree_setup, tree_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_v2_controller_missing, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_v1, tree_setup, tree_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_undoes_on_error, tree_setup, tree_teardown),
	    cmocka_unit_test_setup_teardown(test_record_round_trip, tree_setup, tree_teardown),
	    cmocka_unit_test_setup_teardown(test_remove_refuses_foreign, tree_setup, tree_teardown),
	    cmocka_unit_test_setup_teardown(test_app_join_file, tree_setup, tree_teardown),
	    cmocka_unit_test_setup_teardown(test_remove_missing_is_success, tree_setup,
					    tree_teardown),
	    cmocka_unit_test_setup_teardown(test_kill_all, tree_setup, tree_teardown),
	    cmocka_unit_test_setup_teardown(test_real_cgroups, real_setup, real_teardown),
	};
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
