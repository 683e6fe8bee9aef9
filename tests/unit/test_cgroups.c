/* Unit tests for the cgroup plan (v1, v2, hybrid) and its application on a fake tree. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage1c/cgroups.h"
#include "stage1c/util.h"

#define POD "stage1-c-01234567-89ab-cdef-0123-456789abcdef"

static const char hybrid_mountinfo[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/sys\\040d rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
static const char hybrid_cgroup[] = "9:name=systemd:/user.slice/my unit\n"
				    "4:memory:/process_api/abc\n"
				    "3:cpuset:/\n"
				    "2:cpuacct:/\n"
				    "1:cpu:/\n"
				    "0::/user.slice\n";

static const char v2_mountinfo[] =
    "25 1 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
static const char v2_cgroup[] = "0::/user.slice/session-1.scope\n";

static bool has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static const char *write_value(const struct s1_cgroup_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_writes; i++)
		if (strcmp(p->writes[i].path, path) == 0)
			return p->writes[i].value ? p->writes[i].value : "(copy)";
	return NULL;
}

static void test_weight(void **state)
{
	(void)state;
	assert_int_equal(cgroups_shares_to_weight(2), 1);
	assert_int_equal(cgroups_shares_to_weight(1024), 39);
	assert_int_equal(cgroups_shares_to_weight(262144), 10000);
}

static void test_hybrid_plan(void **state)
{
	(void)state;
	struct s1_cgroup_limits lim = {.has_memory = true,
				       .memory_bytes = 67108864,
				       .has_cpu = true,
				       .cpu_milli = 250,
				       .has_shares = true,
				       .shares = 512};
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	assert_int_equal(
	    cgroups_plan_build(hybrid_mountinfo, hybrid_cgroup, "", POD, &lim, &p, &err), 0);
	/* Nested below where run was started, in every hierarchy (mountinfo escapes undone). */
	assert_true(has(p.dirs, p.n_dirs, "/sys/fs/cgroup/memory/process_api/abc/" POD));
	assert_true(has(p.dirs, p.n_dirs, "/sys/fs/cgroup/cpu/" POD));
	assert_true(has(p.dirs, p.n_dirs, "/sys/fs/cgroup/sys d/user.slice/my unit/" POD));
	assert_true(has(p.dirs, p.n_dirs, "/sys/fs/cgroup/unified/user.slice/" POD "/app"));
	assert_true(has(p.dirs, p.n_dirs, "/sys/fs/cgroup/unified/user.slice/" POD "/leader"));
	assert_int_equal(p.n_dirs, 8);
	/* Limits on v1; v2 is membership only: nothing to enable. */
	assert_string_equal(
	    write_value(&p, "/sys/fs/cgroup/memory/process_api/abc/" POD "/memory.limit_in_bytes"),
	    "67108864");
	assert_string_equal(write_value(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_quota_us"),
			    "25000");
	assert_string_equal(write_value(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.cfs_period_us"),
			    "100000");
	assert_string_equal(write_value(&p, "/sys/fs/cgroup/cpu/" POD "/cpu.shares"), "512");
	assert_string_equal(write_value(&p, "/sys/fs/cgroup/cpuset/" POD "/cpuset.cpus"), "(copy)");
	assert_int_equal(p.n_enable, 0);
	assert_true(has(p.app_procs, p.n_app_procs,
			"/sys/fs/cgroup/unified/user.slice/" POD "/app/cgroup.procs"));
	assert_true(has(p.leader_procs, p.n_leader_procs,
			"/sys/fs/cgroup/unified/user.slice/" POD "/leader/cgroup.procs"));
	assert_int_equal(p.n_app_procs, 6);
	assert_string_equal(p.subcgroup, "user.slice/my unit/" POD);
	cgroups_plan_free(&p);
}

static void test_v2_plan(void **state)
{
	(void)state;
	struct s1_cgroup_limits lim = {.has_memory = true,
				       .memory_bytes = 1 << 20,
				       .has_cpu = true,
				       .cpu_milli = 1500,
				       .has_shares = true,
				       .shares = 1024};
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	assert_int_equal(cgroups_plan_build(v2_mountinfo, v2_cgroup, "/x", POD, &lim, &p, &err), 0);
	const char *pod = "/x/sys/fs/cgroup/user.slice/session-1.scope/" POD;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s/app/memory.max", pod);
	assert_string_equal(write_value(&p, buf), "1048576");
	snprintf(buf, sizeof(buf), "%s/app/cpu.max", pod);
	assert_string_equal(write_value(&p, buf), "150000 100000");
	snprintf(buf, sizeof(buf), "%s/app/cpu.weight", pod);
	assert_string_equal(write_value(&p, buf), "39");
	assert_string_equal(p.enable_value, "+memory +cpu");
	assert_true(has(p.enable, p.n_enable,
			"/x/sys/fs/cgroup/user.slice/session-1.scope/cgroup.subtree_control"));
	snprintf(buf, sizeof(buf), "%s/cgroup.subtree_control", pod);
	assert_true(has(p.enable, p.n_enable, buf));
	assert_string_equal(p.subcgroup, "user.slice/session-1.scope/" POD);
	cgroups_plan_free(&p);
}

static void test_missing_controller(void **state)
{
	(void)state;
	static const char mi[] = "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
	struct s1_cgroup_limits lim = {.has_memory = true, .memory_bytes = 1 << 20};
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	assert_true(cgroups_plan_build(mi, "1:cpu:/\n", "", POD, &lim, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "memory limit"));
	assert_non_null(strstr(err.msg, "memory controller"));
}

/* A fake v2 tree: the plan is applied for real under a temporary directory. */
struct fake {
	char root[64];
};

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	snprintf(f->root, sizeof(f->root), "/tmp/test-cgroups.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	char p[256];
	snprintf(p, sizeof(p), "%s/sys", f->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/fs", f->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup", f->root);
	mkdir(p, 0755);
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	int r = system(cmd);
	free(f);
	return r == 0 ? 0 : -1;
}

static void test_apply_v2_fake(void **state)
{
	struct fake *f = *state;
	char p[512];
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/cgroup.controllers", f->root);
	write_text(p, "cpuset cpu io memory pids\n");
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/cgroup.subtree_control", f->root);
	write_text(p, "");
	struct s1_cgroup_limits lim = {.has_memory = true, .memory_bytes = 4096};
	struct s1_cgroup_plan plan;
	struct s1_err err = {0};
	assert_int_equal(cgroups_plan_build("25 1 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
					    "0::/\n", f->root, POD, &lim, &plan, &err),
			 0);
	/* A plain directory has no cgroup files: the test makes the ones the kernel would. */
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD, f->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD "/cgroup.subtree_control", f->root);
	write_text(p, "");
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD "/app", f->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD "/app/memory.max", f->root);
	write_text(p, "max\n");
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD "/leader", f->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD "/leader/cgroup.procs", f->root);
	write_text(p, "");
	assert_int_equal(cgroups_apply(&plan, &err), 0);

	_cleanup_free_ char *text = NULL;
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/cgroup.subtree_control", f->root);
	assert_int_equal(s1_read_file_at(AT_FDCWD, p, 1024, &text, NULL), 0);
	assert_string_equal(text, "+memory");
	free(text);
	text = NULL;
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD "/app/memory.max", f->root);
	assert_int_equal(s1_read_file_at(AT_FDCWD, p, 1024, &text, NULL), 0);
	assert_string_equal(text, "4096");
	cgroups_plan_free(&plan);
}

static void test_apply_v2_missing_controller(void **state)
{
	struct fake *f = *state;
	char p[512];
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/cgroup.controllers", f->root);
	write_text(p, "pids\n");
	struct s1_cgroup_limits lim = {.has_cpu = true, .cpu_milli = 100};
	struct s1_cgroup_plan plan;
	struct s1_err err = {0};
	assert_int_equal(cgroups_plan_build("25 1 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
					    "0::/\n", f->root, POD, &lim, &plan, &err),
			 0);
	assert_true(cgroups_apply(&plan, &err) < 0);
	assert_non_null(strstr(err.msg, "cpu limit: the cpu controller is not available"));
	/* Nothing was made. */
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/" POD, f->root);
	assert_int_equal(access(p, F_OK), -1);
	cgroups_plan_free(&plan);
}

static void test_record_refuses_foreign_dirs(void **state)
{
	struct fake *f = *state;
	char p[512];
	snprintf(p, sizeof(p), "%s/stage1-c", f->root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/stage1-c/cgroups", f->root);
	int podfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **dirs;
	size_t n;
	write_text(p, "/sys/fs/cgroup/memory/" POD "\n/sys/fs/cgroup/unified/" POD "/app\n");
	assert_int_equal(cgroups_record_read(podfd, &dirs, &n), 0);
	assert_int_equal(n, 2);
	cgroups_record_free(dirs, n);
	write_text(p, "/sys/fs/cgroup/memory/user.slice\n");
	assert_int_equal(cgroups_record_read(podfd, &dirs, &n), -EINVAL);
	write_text(p, "/sys/fs/cgroup/memory/" POD "/../../x\n");
	assert_int_equal(cgroups_record_read(podfd, &dirs, &n), -EINVAL);
	/* Removing directories that are already gone is success (gc is idempotent). */
	char *gone[] = {p};
	snprintf(p, sizeof(p), "%s/nonexistent/" POD, f->root);
	struct s1_err err = {0};
	assert_int_equal(cgroups_remove(gone, 1, &err), 0);
	close(podfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_weight),
	    cmocka_unit_test(test_hybrid_plan),
	    cmocka_unit_test(test_v2_plan),
	    cmocka_unit_test(test_missing_controller),
	    cmocka_unit_test_setup_teardown(test_apply_v2_fake, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_v2_missing_controller, fake_setup,
					    fake_teardown),
	    cmocka_unit_test_setup_teardown(test_record_refuses_foreign_dirs, fake_setup,
					    fake_teardown),
	};
	return cmocka_run_group_tests_name("cgroups", tests, NULL, NULL);
}
