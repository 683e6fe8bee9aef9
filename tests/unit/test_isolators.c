/* Unit tests for isolator decoding and the capability sets computed from it. */
#include <jansson.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "isolators_parse.h"

#include "stage1c/confine.h"
#include "stage1c/isolators.h"
#include "stage1c/manifest.h"

#define BIT(c) (1ULL << (c))

static void test_default_set(void **state)
{
	(void)state;
	uint64_t d = confine_default_caps();
	assert_int_equal(__builtin_popcountll(d), 14);
	assert_true(d & BIT(CAP_SYS_CHROOT));
	assert_true(d & BIT(CAP_NET_BIND_SERVICE));
	assert_false(d & BIT(CAP_SYS_ADMIN));
	assert_false(d & BIT(CAP_SYS_PTRACE));
	assert_int_equal(d, 0xa80425fbULL);
}

/* The confinement of iso, without its seccomp program, which these tests do not look at. */
static void compute(const struct s1_isolators *iso, bool disable_caps, uid_t uid,
		    struct s1_confine *c)
{
	confine_compute(iso, disable_caps, uid, c);
	seccomp_prog_free(&c->seccomp);
}

static void test_no_isolator(void **state)
{
	(void)state;
	struct s1_isolators iso;
	struct s1_err err = {0};
	struct s1_confine c;
	assert_int_equal(tu_parse_isolators("[]", false, &iso, &err), 0);
	compute(&iso, false, 0, &c);
	assert_int_equal(c.bounding, confine_default_caps());
	assert_int_equal(c.granted, confine_default_caps());
	assert_false(c.ambient);
	/* The default set must not turn a non-root user into root. */
	compute(&iso, false, 1000, &c);
	assert_int_equal(c.bounding, confine_default_caps());
	assert_int_equal(c.granted, 0);
	assert_false(c.ambient);
	isolators_free(&iso);
}

static void test_retain_set(void **state)
{
	(void)state;
	struct s1_isolators iso;
	struct s1_err err = {0};
	struct s1_confine c;
	assert_int_equal(
	    tu_parse_isolators("[{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":"
			       "[\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_ADMIN\"]}}]",
			       false, &iso, &err),
	    0);
	compute(&iso, false, 0, &c);
	assert_int_equal(c.bounding, BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_ADMIN));
	assert_int_equal(c.granted, c.bounding);
	compute(&iso, false, 1000, &c);
	assert_int_equal(c.granted, c.bounding);
	assert_true(c.ambient);
	isolators_free(&iso);
}

static void test_remove_set(void **state)
{
	(void)state;
	struct s1_isolators iso;
	struct s1_err err = {0};
	struct s1_confine c;
	assert_int_equal(
	    tu_parse_isolators("[{\"name\":\"os/linux/capabilities-remove-set\",\"value\":{\"set\":"
			       "[\"CAP_NET_RAW\",\"CAP_SYS_ADMIN\"]}}]",
			       false, &iso, &err),
	    0);
	compute(&iso, false, 0, &c);
	assert_int_equal(c.bounding, confine_default_caps() & ~BIT(CAP_NET_RAW));
	compute(&iso, false, 1000, &c);
	assert_int_equal(c.granted, 0);
	assert_false(c.ambient);
	isolators_free(&iso);
}

static void test_disable_restriction(void **state)
{
	(void)state;
	struct s1_isolators iso;
	struct s1_err err = {0};
	struct s1_confine c;
	assert_int_equal(
	    tu_parse_isolators("[{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":"
			       "[\"CAP_CHOWN\"]}}]",
			       false, &iso, &err),
	    0);
	compute(&iso, true, 0, &c);
	assert_true(c.keep_caps);
	isolators_free(&iso);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	static const struct {
		const char *json, *message;
	} cases[] = {
	    {"[{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":[\"CAP_X\"]}}]",
	     "unknown capability \"CAP_X\""},
	    {"[{\"name\":\"os/linux/"
	     "capabilities-retain-set\",\"value\":{\"set\":[\"cap_chown\"]}}]",
	     "unknown capability \"cap_chown\""},
	    {"[{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":[\"10\"]}}]",
	     "unknown capability \"10\""},
	    {"[{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":[]}}]",
	     "value must be"},
	    {"[{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":[\"CAP_CHOWN\"]}},"
	     "{\"name\":\"os/linux/capabilities-remove-set\",\"value\":{\"set\":[\"CAP_KILL\"]}}]",
	     "mutually exclusive"},
	    {"[{\"name\":\"os/linux/oom-score-adj\",\"value\":-1001}]", "out of range"},
	    {"[{\"name\":\"os/linux/oom-score-adj\",\"value\":\"5\"}]", "must be an integer"},
	    {"[{\"name\":\"os/linux/cpu-shares\",\"value\":1}]", "out of range"},
	    {"[{\"name\":\"os/linux/no-new-privileges\",\"value\":1}]", "true or false"},
	    {"[{\"name\":\"resource/memory\",\"value\":{\"limit\":\"64K\"}}]", "resource/memory"},
	    {"[{\"name\":\"resource/memory\",\"value\":{\"limit\":\"-1Mi\"}}]", "positive"},
	    {"[{\"name\":\"resource/memory\",\"value\":{\"limit\":\"100\"}}]", "4096 bytes"},
	    {"[{\"name\":\"resource/cpu\",\"value\":\"1\"}]", "must be an object"},
	    {"[{\"name\":\"os/linux/seccomp-remove-set\",\"value\":{\"set\":[\"reboots\"]}}]",
	     "unknown system call \"reboots\""},
	    {"[{\"name\":\"os/linux/selinux-context\",\"value\":{\"user\":\"u\"}}]", "selinux"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct s1_isolators iso;
		struct s1_err err = {0};
		if (tu_parse_isolators(cases[i].json, false, &iso, &err) >= 0)
			fail_msg("accepted: %s", cases[i].json);
		if (!strstr(err.msg, cases[i].message))
			fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].json, err.msg,
				 cases[i].message);
	}
}

static void test_limits_and_seccomp_opt_out(void **state)
{
	(void)state;
	struct s1_isolators iso;
	struct s1_err err = {0};
	assert_int_equal(
	    tu_parse_isolators(
		"[{\"name\":\"resource/"
		"memory\",\"value\":{\"request\":\"32Mi\",\"limit\":\"64M\"}},"
		"{\"name\":\"resource/cpu\",\"value\":{\"request\":\"250m\",\"limit\":\"1.5\"}},"
		"{\"name\":\"os/linux/cpu-shares\",\"value\":512},"
		"{\"name\":\"os/linux/oom-score-adj\",\"value\":-500},"
		"{\"name\":\"os/linux/no-new-privileges\",\"value\":true},"
		"{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{\"set\":[\"@rkt/"
		"default-whitelist\"]}}]",
		true, &iso, &err),
	    0);
	assert_true(iso.has_memory_limit);
	assert_int_equal(iso.memory_limit_bytes, 64000000);
	assert_true(iso.has_cpu_limit);
	assert_int_equal(iso.cpu_limit_milli, 1500);
	assert_int_equal(iso.cpu_shares, 512);
	assert_int_equal(iso.oom_score_adj, -500);
	assert_true(iso.no_new_privs);
	/* --disable-seccomp: no filter, the isolator's or the default. */
	assert_int_equal(iso.seccomp_mode, S1_SECCOMP_OFF);
	assert_int_equal(iso.seccomp.len, 0);
	/* A request alone sets no limit. */
	assert_int_equal(
	    tu_parse_isolators("[{\"name\":\"resource/memory\",\"value\":{\"request\":\"1Gi\"}}]",
			       false, &iso, &err),
	    0);
	assert_false(iso.has_memory_limit);
	isolators_free(&iso);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_set),
	    cmocka_unit_test(test_no_isolator),
	    cmocka_unit_test(test_retain_set),
	    cmocka_unit_test(test_remove_set),
	    cmocka_unit_test(test_disable_restriction),
	    cmocka_unit_test(test_bad_inputs),
	    cmocka_unit_test(test_limits_and_seccomp_opt_out),
	};
	return cmocka_run_group_tests_name("isolators", tests, NULL, NULL);
}
