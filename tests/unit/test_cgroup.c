/* Unit tests of the cgroup parser and planner (pure): the hierarchies read from crafted
 * mountinfo and /proc/self/cgroup texts, and the plans for v1, v2 and hybrid hosts with and
 * without limits: which directories, which writes, in which order, and the names gc accepts.
 * Applying, joining and gc: test_cgroup_fs.c; this machine's real cgroups: test_cgroup_host.c.
 * Longer than 500 lines: one test per layout (v1 with and without name=systemd, v2, hybrid),
 * each spelling out the directories it expects, is what the planner is for. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/cgroupparse.h"
#include "stage1c/cgroupplan.h"
#include "stage1c/util.h"

#define UUID "6f2c1c4e-93a5-4b8e-8d9f-0123456789ab"
#define POD "stage1-c-" UUID
#define MEMCG "/process_api/fc47f07eabc527c0c4ba637bcb5fb9e6"

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
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
#define MI_SYSTEMD                                                                                 \
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
#define MI_UNIFIED "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
#define MI_V1 MI_HEAD MI_MEMORY MI_TAIL MI_SYSTEMD
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

#define SYSTEMD_POD "/sys/fs/cgroup/systemd/" POD
#define MEMORY_POD "/sys/fs/cgroup/memory" MEMCG "/" POD
#define CPU_POD "/sys/fs/cgroup/cpu/" POD
#define UNIFIED_POD "/sys/fs/cgroup/unified/" POD

static const struct s1_cgroup_limits all_limits = {true, 64 << 20, true, 250, true, 512};
static const struct s1_cgroup_limits memory_limit = {.has_memory = true, .memory_bytes = 1 << 20};

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

/* v[0..n) is exactly the NULL-terminated list want. */
static void assert_strv(const char *what, char *const *v, size_t n, const char *const *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		if (i >= n)
			fail_msg("%zu %s; missing %s", n, what, want[i]);
		assert_string_equal(v[i], want[i]);
	}
	if (i != n)
		fail_msg("%zu %s, not %zu: %s ...", n, what, i, v[i]);
}

/* The plan's directories are exactly these, in this order. */
#define assert_dirs(p, ...) assert_dirs_are((p), (const char *const[]){__VA_ARGS__, NULL})
static void assert_dirs_are(const struct s1_cgroup_plan *p, const char *const *want)
{
	assert_strv("directories", p->dirs, p->n_dirs, want);
	/* Every directory is made by exactly one op. */
	assert_int_equal(count_ops(p, S1_CGROUP_MKDIR), p->n_dirs);
}

/* The app joins through exactly these files, in this order. */
#define assert_app_procs(p, ...)                                                                   \
	assert_strv("join files", (p)->app_procs, (p)->n_app_procs,                                \
		    (const char *const[]){__VA_ARGS__, NULL})

static void plan_ok(const char *mi, const char *cg, const struct s1_cgroup_limits *lim,
		    struct s1_cgroup_plan *p)
{
	struct s1_err err = {0};
	if (cgroup_plan_build(mi, cg, POD, lim, p, &err) != 0)
		fail_msg("plan: %s", err.msg);
}

/* ---- Parsing ---- */

static void test_hiers(void **state)
{
	(void)state;
	struct s1_cgroup_hiers h;
	struct s1_err err = {0};
	assert_int_equal(cgroup_hiers_parse(MI_HYBRID, CG_HYBRID, &h, &err), 0);
	assert_int_equal(h.n, 10);
	assert_string_equal(h.v[0].controllers, "name=systemd");
	assert_string_equal(h.v[0].start, "/sys/fs/cgroup/systemd");
	assert_string_equal(h.v[5].cgpath, MEMCG);
	assert_string_equal(h.v[5].start, "/sys/fs/cgroup/memory" MEMCG);
	assert_true(cgroup_hier_has(&h.v[5], "memory"));
	assert_false(cgroup_hier_has(&h.v[5], "mem"));
	assert_true(h.v[9].v2);
	assert_string_equal(h.v[9].controllers, "");
	assert_string_equal(h.v[9].start, "/sys/fs/cgroup/unified");
	cgroup_hiers_free(&h);
	cgroup_hiers_free(&h); /* twice is harmless */

	/* Joined controllers: the mount must carry every one of them. */
	assert_int_equal(
	    cgroup_hiers_parse("50 1 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup "
			       "rw,cpu,cpuacct\n"
			       "51 1 0:30 / /sys/fs/cgroup/net_cls rw - cgroup cgroup rw,net_cls\n",
			       "2:cpu,cpuacct:/a\n1:net_cls,net_prio:/\n", &h, &err),
	    0);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.v[0].start, "/sys/fs/cgroup/cpu,cpuacct/a");
	assert_true(cgroup_hier_has(&h.v[0], "cpu"));
	assert_true(cgroup_hier_has(&h.v[0], "cpuacct"));
	cgroup_hiers_free(&h);

	/* Errors leave nothing to free. */
	assert_int_equal(cgroup_hiers_parse(MI_V2, CG_V2 "bad\n", &h, &err), -EINVAL);
	assert_contains(err.msg, "/proc/self/cgroup line 2: malformed");
	assert_int_equal(h.n, 0);
	assert_null(h.v);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	assert_int_equal(cgroup_plan_build(MI_V2, CG_V2, "stage1-c-xyz", NULL, &p, &err), -EINVAL);
	assert_contains(err.msg, "stage1-c-<UUID>");
	assert_int_equal(p.n_dirs, 0);
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
	/* A newline in a mount point (\012): the record is one path per line. */
	assert_int_equal(cgroup_plan_build("30 23 0:26 / /sys/fs/a\\012b rw - cgroup2 cgroup2 rw\n",
					   "0::/\n", POD, NULL, &p, &err),
			 -EINVAL);
	assert_contains(err.msg, "a newline in the path");
	assert_int_equal(p.n_ops, 0);
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
	assert_dirs(&p, "/sys/fs/my cgroups/user.slice/my unit.service/" POD,
		    "/mnt/mem\\x/a b/" POD);
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
	plan_ok(mi, cg, &memory_limit, &p);
	assert_dirs(&p, "/sys/fs/cgroup/memory/sub/" POD);
	assert_null(p.subcgroup);
	cgroup_plan_free(&p);
	/* Without a limit: one hierarchy for stop and gc, pids. */
	plan_ok(mi, cg, NULL, &p);
	assert_dirs(&p, "/sys/fs/cgroup/pids/docker/abc/" POD);
	cgroup_plan_free(&p);
}

/* ---- Plans: which cgroups ---- */

static void test_plan_v1(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	/* No limits: name=systemd alone, where subcgroup points and stop and gc find everything. */
	plan_ok(MI_V1, CG_V1, NULL, &p);
	assert_int_equal(p.layout, S1_CGROUP_V1);
	assert_dirs(&p, SYSTEMD_POD);
	assert_app_procs(&p, SYSTEMD_POD "/tasks");
	assert_int_equal(p.n_ops, 1);
	assert_string_equal(p.subcgroup, POD);
	cgroup_plan_free(&p);

	/* Every limit: the memory and cpu hierarchies too, and nothing else (no cpuset). */
	plan_ok(MI_V1, CG_V1, &all_limits, &p);
	assert_dirs(&p, SYSTEMD_POD, MEMORY_POD, CPU_POD);
	/* v1: the app's child joins through "tasks" (no threadgroup lock). */
	assert_app_procs(&p, SYSTEMD_POD "/tasks", MEMORY_POD "/tasks", CPU_POD "/tasks");
	assert_write(&p, MEMORY_POD "/memory.limit_in_bytes", "67108864");
	/* The quota for a new cgroup's period (the kernel's default, 100 ms): not written. */
	assert_write(&p, CPU_POD "/cpu.cfs_quota_us", "25000");
	assert_write(&p, CPU_POD "/cpu.shares", "512");
	assert_null(find_op(&p, S1_CGROUP_WRITE, CPU_POD "/cpu.cfs_period_us"));
	assert_int_equal(count_ops(&p, S1_CGROUP_WRITE), 3);
	/* Each limit after its directory. */
	assert_true(op_index(&p, find_op(&p, S1_CGROUP_MKDIR, CPU_POD)) <
		    op_index(&p, find_op(&p, S1_CGROUP_WRITE, CPU_POD "/cpu.cfs_quota_us")));
	/* v1: the leader stays where it is, no controllers to enable. */
	assert_int_equal(count_ops(&p, S1_CGROUP_JOIN), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_ENABLE), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_REQUIRE), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_COPY), 0);
	cgroup_plan_free(&p);

	/* Memory alone. */
	plan_ok(MI_V1, CG_V1, &memory_limit, &p);
	assert_dirs(&p, SYSTEMD_POD, MEMORY_POD);
	cgroup_plan_free(&p);
}

/* Without name=systemd and without v2: a limit's hierarchy does for stop and gc; else pids;
 * else the first that is not cpuset; cpuset last, its CPUs and memory nodes copied. */
static void test_plan_v1_without_systemd(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	plan_ok(MI_HEAD MI_MEMORY MI_TAIL, CG_V1, &memory_limit, &p);
	assert_dirs(&p, MEMORY_POD);
	assert_null(p.subcgroup);
	cgroup_plan_free(&p);

	plan_ok(MI_HEAD MI_MEMORY MI_TAIL, CG_V1, NULL, &p);
	assert_dirs(&p, "/sys/fs/cgroup/pids/" POD);
	cgroup_plan_free(&p);

	plan_ok(MI_HEAD, CG_V1, NULL, &p); /* cpu, cpuacct, cpuset */
	assert_dirs(&p, "/sys/fs/cgroup/cpuacct/" POD);
	cgroup_plan_free(&p);

	const char *cpuset = "34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n";
	plan_ok(cpuset, "3:cpuset:/a\n", NULL, &p);
	assert_dirs(&p, "/sys/fs/cgroup/cpuset/a/" POD);
	const struct s1_cgroup_op *cpus =
	    find_op(&p, S1_CGROUP_COPY, "/sys/fs/cgroup/cpuset/a/" POD "/cpuset.cpus");
	const struct s1_cgroup_op *mems =
	    find_op(&p, S1_CGROUP_COPY, "/sys/fs/cgroup/cpuset/a/" POD "/cpuset.mems");
	assert_non_null(cpus);
	assert_non_null(mems);
	assert_string_equal(cpus->value, "/sys/fs/cgroup/cpuset/a/cpuset.cpus");
	assert_string_equal(mems->value, "/sys/fs/cgroup/cpuset/a/cpuset.mems");
	assert_int_equal(op_index(&p, cpus), 1); /* right after the mkdir */
	cgroup_plan_free(&p);

	/* cpu joined with cpuset in one hierarchy: a cpu limit there needs the copy too. */
	const char *joined = "34 31 0:31 / /c rw - cgroup cgroup rw,cpuset,cpu,cpuacct\n";
	struct s1_cgroup_limits cpu = {.has_cpu = true, .cpu_milli = 500};
	plan_ok(joined, "3:cpuset,cpu,cpuacct:/\n", &cpu, &p);
	assert_dirs(&p, "/c/" POD);
	assert_int_equal(count_ops(&p, S1_CGROUP_COPY), 2);
	assert_write(&p, "/c/" POD "/cpu.cfs_quota_us", "50000");
	cgroup_plan_free(&p);
}

static void test_plan_v2(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	plan_ok(MI_V2, CG_V2, &all_limits, &p);
	assert_int_equal(p.layout, S1_CGROUP_V2);
	const char *pod = V2_START "/" POD;
	assert_dirs(&p, pod, V2_START "/" POD "/leader", V2_START "/" POD "/app");
	assert_app_procs(&p, V2_START "/" POD "/app/cgroup.procs");
	assert_string_equal(p.subcgroup, "user.slice/session-1.scope/" POD);

	/* The controllers are checked first, then the leader leaves the start cgroup, then
	 * they are enabled in start and pod, then the app leaf gets the limits. */
	const struct s1_cgroup_op *req_mem = find_op(&p, S1_CGROUP_REQUIRE, V2_START);
	assert_non_null(req_mem);
	assert_int_equal(op_index(&p, req_mem), 0);
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
	/* Nothing to delegate: the leader stays where it was started, and has no leaf; the only
	 * app is in the pod's cgroup itself. */
	assert_dirs(&p, "/sys/fs/cgroup/" POD);
	assert_app_procs(&p, "/sys/fs/cgroup/" POD "/cgroup.procs");
	assert_int_equal(p.n_ops, 1);
	assert_string_equal(p.subcgroup, POD);
	cgroup_plan_free(&p);
}

static void test_plan_hybrid(void **state)
{
	(void)state;
	struct s1_cgroup_plan p;
	/* No limits: the unified hierarchy alone (stop and gc find everything there). */
	plan_ok(MI_HYBRID, CG_HYBRID, NULL, &p);
	assert_int_equal(p.layout, S1_CGROUP_HYBRID);
	assert_dirs(&p, UNIFIED_POD);
	assert_app_procs(&p, UNIFIED_POD "/cgroup.procs");
	assert_string_equal(p.subcgroup, POD);
	assert_int_equal(p.n_ops, 1);
	cgroup_plan_free(&p);

	/* Every limit: on v1, where the controllers are; no controller used on v2, so the leader
	 * stays where it is. */
	plan_ok(MI_HYBRID, CG_HYBRID, &all_limits, &p);
	assert_dirs(&p, UNIFIED_POD, MEMORY_POD, CPU_POD);
	assert_app_procs(&p, UNIFIED_POD "/cgroup.procs", MEMORY_POD "/tasks", CPU_POD "/tasks");
	assert_int_equal(count_ops(&p, S1_CGROUP_JOIN), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_REQUIRE), 0);
	assert_int_equal(count_ops(&p, S1_CGROUP_ENABLE), 0);
	assert_write(&p, MEMORY_POD "/memory.limit_in_bytes", "67108864");
	assert_write(&p, CPU_POD "/cpu.cfs_quota_us", "25000");
	assert_write(&p, CPU_POD "/cpu.shares", "512");
	assert_int_equal(count_ops(&p, S1_CGROUP_WRITE), 3);
	cgroup_plan_free(&p);

	/* Shares alone: cpu only. */
	struct s1_cgroup_limits shares = {.has_shares = true, .shares = 100};
	plan_ok(MI_HYBRID, CG_HYBRID, &shares, &p);
	assert_dirs(&p, UNIFIED_POD, CPU_POD);
	cgroup_plan_free(&p);

	/* Nested under a systemd unit: subcgroup is the unified path. */
	plan_ok(MI_HYBRID,
		"9:name=systemd:/system.slice/rkt.service\n4:memory:/system.slice\n"
		"0::/system.slice/rkt.service\n",
		&memory_limit, &p);
	assert_string_equal(p.subcgroup, "system.slice/rkt.service/" POD);
	assert_dirs(&p, "/sys/fs/cgroup/unified/system.slice/rkt.service/" POD,
		    "/sys/fs/cgroup/memory/system.slice/" POD);
	cgroup_plan_free(&p);

	/* A limit whose controller only v2 has goes there, with the leader's leaf. */
	plan_ok(MI_HEAD MI_TAIL MI_SYSTEMD MI_UNIFIED, CG_HYBRID, &memory_limit, &p);
	assert_dirs(&p, UNIFIED_POD, UNIFIED_POD "/leader", UNIFIED_POD "/app");
	assert_non_null(find_op(&p, S1_CGROUP_REQUIRE, "/sys/fs/cgroup/unified"));
	assert_non_null(find_op(&p, S1_CGROUP_JOIN, UNIFIED_POD "/leader/cgroup.procs"));
	assert_write(&p, UNIFIED_POD "/app/memory.max", "1048576");
	cgroup_plan_free(&p);
}

/* ---- Plans: the limits ---- */

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
	assert_write(&p, CPU_POD "/cpu.cfs_quota_us", "1000");
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
	/* v1 without a memory hierarchy (and no cgroup2 to fall back on). */
	assert_int_equal(
	    cgroup_plan_build(MI_HEAD MI_TAIL MI_SYSTEMD, CG_V1, POD, &memory_limit, &p, &err),
	    -EINVAL);
	assert_contains(err.msg, "memory limit");
	assert_contains(err.msg, "memory controller is not mounted");
	assert_int_equal(p.n_ops, 0);
	/* Without the limit, the same layout is fine. */
	plan_ok(MI_HEAD MI_TAIL MI_SYSTEMD, CG_V1, NULL, &p);
	assert_dirs(&p, SYSTEMD_POD);
	cgroup_plan_free(&p);
	/* cpu shares without a cpu hierarchy. */
	struct s1_cgroup_limits shares = {.has_shares = true, .shares = 100};
	const char *mi = "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
	assert_int_equal(cgroup_plan_build(mi, CG_V1, POD, &shares, &p, &err), -EINVAL);
	assert_contains(err.msg, "cpu shares: the cpu controller is not mounted");
	/* Hierarchies in /proc/self/cgroup that no mount shows get nothing. */
	plan_ok(mi, CG_V1, NULL, &p);
	assert_dirs(&p, MEMORY_POD);
	cgroup_plan_free(&p);
}

/* ---- The names stop, gc and enter accept ---- */

static void test_dir_kind(void **state)
{
	(void)state;
	assert_int_equal(cgroup_dir_kind("/sys/fs/cgroup/memory/" POD), S1_CGROUP_DIR_POD);
	assert_int_equal(cgroup_dir_kind("/x/" POD "/app"), S1_CGROUP_DIR_APP);
	assert_int_equal(cgroup_dir_kind("/x/" POD "/leader"), S1_CGROUP_DIR_LEADER);
	assert_int_equal(cgroup_dir_kind("/" POD), S1_CGROUP_DIR_POD);
	static const char *const foreign[] = {
	    "/sys/fs/cgroup/memory",
	    "/sys/fs/cgroup/memory/" POD "/other",
	    "/sys/fs/cgroup/memory/" POD "/../x/" POD,
	    "/sys/fs/cgroup/memory/" POD "/./app",
	    "/sys/fs/cgroup/memory/stage1-c-6f2c1c4e",
	    "/sys/fs/cgroup/memory/x" POD,
	    "/sys/fs/cgroup/memory/app",
	    "/sys/fs/cgroup//memory/" POD,
	    "/sys/fs/cgroup/memory/" POD "/",
	    "/sys/fs/cgroup/memory/" POD "/app/app",
	    "relative/" POD,
	    "/",
	    "",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(foreign); i++)
		if (cgroup_dir_kind(foreign[i]) != S1_CGROUP_DIR_FOREIGN)
			fail_msg("accepted \"%s\"", foreign[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hiers),
	    cmocka_unit_test(test_bad_inputs),
	    cmocka_unit_test(test_path_with_space),
	    cmocka_unit_test(test_empty_source_mount),
	    cmocka_unit_test(test_mount_root),
	    cmocka_unit_test(test_plan_v1),
	    cmocka_unit_test(test_plan_v1_without_systemd),
	    cmocka_unit_test(test_plan_v2),
	    cmocka_unit_test(test_plan_v2_membership_only),
	    cmocka_unit_test(test_plan_hybrid),
	    cmocka_unit_test(test_cpu_weight),
	    cmocka_unit_test(test_small_cpu_quota),
	    cmocka_unit_test(test_missing_controller),
	    cmocka_unit_test(test_dir_kind),
	};
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
