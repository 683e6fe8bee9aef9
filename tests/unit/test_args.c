/* Unit tests of the Go-style flag parser and of run's flags (contract §2). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/args.h"
#include "stage1c/util.h"

#define UUID "6f2c1b2e-0d1f-4c3a-9e7b-123456789abc"

/* args_parse_run over "run" and the NULL-terminated words. Every parsed string points at one
 * of the (static) literals, so they outlive the local argv. */
static int run_parse(struct s1_run_args *a, struct s1_err *err, ...)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = "run";
	va_list ap;
	va_start(ap, err);
	for (char *s; (s = va_arg(ap, char *));)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	memset(err, 0, sizeof(*err));
	return args_parse_run(argc, argv, a, err);
}
#define PARSE(a, err, ...) run_parse((a), (err), __VA_ARGS__, (char *)NULL)

static void expect_ok(int r, const struct s1_err *err)
{
	if (r != 0)
		fail_msg("unexpected error: %s", err->msg);
}

static void expect_err(int r, const struct s1_err *err, const char *needle)
{
	if (r == 0)
		fail_msg("accepted; expected an error containing \"%s\"", needle);
	assert_int_equal(r, -EINVAL);
	assert_contains(err->msg, needle);
}

static void test_rkt_argv(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	/* Exactly what rkt 1.30 passes (contract §2). */
	expect_ok(PARSE(&a, &err, "--net=default", "--local-config=/etc/rkt", UUID), &err);
	assert_string_equal(a.net, "default");
	assert_string_equal(a.local_config, "/etc/rkt");
	assert_string_equal(a.uuid, UUID);
	assert_false(a.debug);
	assert_false(a.interactive);
	assert_false(a.help);
	assert_false(a.disable_paths);
	assert_null(a.hostname);
	assert_null(a.mds_token);
	assert_int_equal(a.resolv, S1_RESOLV_DEFAULT);
	assert_int_equal(a.hosts, S1_HOSTS_DEFAULT);
	assert_int_equal(a.ipc, S1_IPC_AUTO);
}

static void test_every_flag(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_ok(PARSE(&a, &err, "--debug", "--net=default", "--interactive", "--mds-token=TOK",
			"--local-config=/etc/rkt", "--hostname=h1",
			"--dns-conf-mode=resolv=host,hosts=stage0",
			"--disable-capabilities-restriction", "--disable-paths",
			"--disable-seccomp", "--ipc=parent", UUID),
		  &err);
	assert_true(a.debug);
	assert_true(a.interactive);
	assert_true(a.disable_capabilities);
	assert_true(a.disable_paths);
	assert_true(a.disable_seccomp);
	assert_string_equal(a.mds_token, "TOK");
	assert_string_equal(a.hostname, "h1");
	assert_int_equal(a.resolv, S1_RESOLV_HOST);
	assert_int_equal(a.hosts, S1_HOSTS_STAGE0);
	assert_int_equal(a.ipc, S1_IPC_PARENT);
	assert_string_equal(a.uuid, UUID);
}

static void test_valued_flag_forms(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_ok(PARSE(&a, &err, "--hostname", "myhost", "--local-config", "/etc/rkt", UUID),
		  &err);
	assert_string_equal(a.hostname, "myhost");
	assert_string_equal(a.local_config, "/etc/rkt");
	assert_string_equal(a.uuid, UUID);

	/* "=" inside the value stays in the value; an empty value is a value. */
	expect_ok(PARSE(&a, &err, "--mds-token=a=b", "--hostname=", UUID), &err);
	assert_string_equal(a.mds_token, "a=b");
	assert_string_equal(a.hostname, "");

	/* Go takes the next word as the value, whatever it looks like. */
	expect_ok(PARSE(&a, &err, "--hostname", "--debug", UUID), &err);
	assert_string_equal(a.hostname, "--debug");
	assert_false(a.debug);

	expect_err(PARSE(&a, &err, UUID, "--hostname"), &err, "unexpected argument \"--hostname\"");
	expect_err(PARSE(&a, &err, "--hostname"), &err, "flag needs an argument: --hostname");
}

static void test_bool_flag_forms(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	static const char *const yes[] = {"--debug=true", "--debug=1",	  "--debug=t",
					  "--debug=T",	  "--debug=TRUE", "--debug=True"};
	static const char *const no[] = {"--debug=false", "--debug=0",	   "--debug=f",
					 "--debug=F",	  "--debug=FALSE", "--debug=False"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(yes); i++) {
		expect_ok(PARSE(&a, &err, (char *)yes[i], UUID), &err);
		assert_true(a.debug);
	}
	for (size_t i = 0; i < S1_ARRAY_SIZE(no); i++) {
		expect_ok(PARSE(&a, &err, "--debug", (char *)no[i], UUID), &err);
		assert_false(a.debug);
	}
	expect_err(PARSE(&a, &err, "--debug=yes", UUID), &err,
		   "invalid boolean value \"yes\" for flag --debug");
	expect_err(PARSE(&a, &err, "--debug=", UUID), &err, "invalid boolean value \"\"");
	expect_err(PARSE(&a, &err, "--debug=tru", UUID), &err, "invalid boolean value");
}

/* A boolean never takes the next word: "--interactive UUID" leaves the UUID positional. */
static void test_bool_does_not_eat_uuid(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_ok(PARSE(&a, &err, "--interactive", UUID), &err);
	assert_true(a.interactive);
	assert_string_equal(a.uuid, UUID);

	/* "false" after a boolean is a positional, not the flag's value. */
	expect_err(PARSE(&a, &err, "--debug", "false"), &err, "\"false\" is not a pod UUID");
	expect_err(PARSE(&a, &err, "--debug", "false", UUID), &err,
		   "unexpected argument \"" UUID "\"");
}

static void test_single_dash_and_double_dash(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_ok(PARSE(&a, &err, "-debug", "-net=host", "-hostname", "x", UUID), &err);
	assert_true(a.debug);
	assert_string_equal(a.net, "host");
	assert_string_equal(a.hostname, "x");

	expect_ok(PARSE(&a, &err, "--debug", "--", UUID), &err);
	assert_true(a.debug);
	assert_string_equal(a.uuid, UUID);

	/* After "--" everything is positional, flags included. */
	expect_err(PARSE(&a, &err, "--", "--interactive", UUID), &err,
		   "unexpected argument \"" UUID "\"");
	expect_err(PARSE(&a, &err, "--", "--interactive"), &err,
		   "\"--interactive\" is not a pod UUID");
	assert_false(a.interactive);

	/* Parsing stops at the first positional: a flag after the UUID is an extra argument. */
	expect_err(PARSE(&a, &err, UUID, "--debug"), &err, "unexpected argument \"--debug\"");
	assert_false(a.debug);

	/* A lone "-" is a positional, as in Go. */
	expect_err(PARSE(&a, &err, "-"), &err, "\"-\" is not a pod UUID");
}

static void test_unknown_and_malformed_flags(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_err(PARSE(&a, &err, "--frobnicate", UUID), &err,
		   "flag provided but not defined: -frobnicate");
	expect_err(PARSE(&a, &err, "--frobnicate=1", UUID), &err,
		   "flag provided but not defined: -frobnicate");
	assert_null(strstr(err.msg, "=1"));
	/* No prefix matching. */
	expect_err(PARSE(&a, &err, "--debu", UUID), &err, "not defined: -debu");
	expect_err(PARSE(&a, &err, "--debugx", UUID), &err, "not defined: -debugx");
	expect_err(PARSE(&a, &err, "--DEBUG", UUID), &err, "not defined: -DEBUG");
	expect_err(PARSE(&a, &err, "---debug", UUID), &err, "bad flag syntax: ---debug");
	expect_err(PARSE(&a, &err, "--=x", UUID), &err, "bad flag syntax: --=x");
	expect_err(PARSE(&a, &err, "-=x", UUID), &err, "bad flag syntax: -=x");
}

static void test_refused_flags(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_err(PARSE(&a, &err, "--private-users=1000:65536", UUID), &err,
		   "--private-users=1000:65536");
	expect_err(PARSE(&a, &err, "--private-users", "0:1", UUID), &err, "--private-users=0:1");
	expect_err(PARSE(&a, &err, "--mutable", UUID), &err, "--mutable");
	expect_ok(PARSE(&a, &err, "--mutable=false", UUID), &err);

	expect_err(PARSE(&a, &err, "--ipc=private", UUID), &err, "--ipc=private");
	expect_err(PARSE(&a, &err, "--ipc=bogus", UUID), &err,
		   "--ipc=bogus: expected auto, private or parent");
	expect_ok(PARSE(&a, &err, "--ipc=auto", UUID), &err);
	assert_int_equal(a.ipc, S1_IPC_AUTO);
	expect_ok(PARSE(&a, &err, "--ipc", "parent", UUID), &err);
	assert_int_equal(a.ipc, S1_IPC_PARENT);
}

static void test_net(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_ok(PARSE(&a, &err, "--net=host", UUID), &err);
	assert_string_equal(a.net, "host");
	expect_ok(PARSE(&a, &err, "--net=default", UUID), &err);
	assert_string_equal(a.net, "default");
	expect_ok(PARSE(&a, &err, UUID), &err);
	assert_null(a.net);

	static const char *const bad[] = {"--net=foo", "--net=none", "--net=default,host",
					  "--net=", "--net=HOST"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		expect_err(PARSE(&a, &err, (char *)bad[i], UUID), &err, bad[i]);
		assert_contains(err.msg, "only --net=host");
	}
}

static void test_dns_conf_mode(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum s1_dns_resolv resolv;
		enum s1_dns_hosts hosts;
	} good[] = {
	    {"resolv=host,hosts=host", S1_RESOLV_HOST, S1_HOSTS_HOST},
	    {"resolv=stage0", S1_RESOLV_STAGE0, S1_HOSTS_DEFAULT},
	    {"hosts=stage0", S1_RESOLV_DEFAULT, S1_HOSTS_STAGE0},
	    {"resolv=none,hosts=default", S1_RESOLV_NONE, S1_HOSTS_DEFAULT},
	    {"hosts=host,resolv=default", S1_RESOLV_DEFAULT, S1_HOSTS_HOST},
	    {"resolv=stage0,hosts=stage0", S1_RESOLV_STAGE0, S1_HOSTS_STAGE0},
	    {"", S1_RESOLV_DEFAULT, S1_HOSTS_DEFAULT},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(good); i++) {
		enum s1_dns_resolv r = S1_RESOLV_NONE;
		enum s1_dns_hosts h = S1_HOSTS_HOST;
		struct s1_err err = {0};
		if (args_parse_dns_conf_mode(good[i].in, &r, &h, &err) != 0)
			fail_msg("\"%s\": %s", good[i].in, err.msg);
		assert_int_equal(r, good[i].resolv);
		assert_int_equal(h, good[i].hosts);
	}

	static const struct {
		const char *in, *msg;
	} bad[] = {
	    {"resolv=bogus", "invalid value \"bogus\" for resolv"},
	    {"hosts=none", "invalid value \"none\" for hosts"},
	    {"resolv=HOST", "invalid value \"HOST\" for resolv"},
	    {"resolv=", "invalid value \"\" for resolv"},
	    {"dns=host", "unknown key \"dns\""},
	    {"resolv", "\"resolv\" is not key=value"},
	    {"resolv=host;hosts=host", "invalid value \"host;hosts=host\""},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		enum s1_dns_resolv r;
		enum s1_dns_hosts h;
		struct s1_err err = {0};
		if (args_parse_dns_conf_mode(bad[i].in, &r, &h, &err) == 0)
			fail_msg("\"%s\" accepted", bad[i].in);
		assert_contains(err.msg, "--dns-conf-mode");
		assert_contains(err.msg, bad[i].msg);
	}

	struct s1_run_args a;
	struct s1_err err;
	expect_ok(PARSE(&a, &err, "--dns-conf-mode", "resolv=stage0,hosts=host", UUID), &err);
	assert_int_equal(a.resolv, S1_RESOLV_STAGE0);
	assert_int_equal(a.hosts, S1_HOSTS_HOST);
	expect_err(PARSE(&a, &err, "--dns-conf-mode=resolv=bogus", UUID), &err,
		   "invalid value \"bogus\" for resolv");
}

static void test_positionals(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_err(PARSE(&a, &err, "--net=default", "--local-config=/etc/rkt"), &err,
		   "missing pod UUID");
	char *argv0[] = {"run", NULL};
	memset(&err, 0, sizeof(err));
	expect_err(args_parse_run(1, argv0, &a, &err), &err, "missing pod UUID");

	expect_err(PARSE(&a, &err, UUID, "extra"), &err,
		   "unexpected argument \"extra\" after the pod UUID");
	expect_err(PARSE(&a, &err, "not-a-uuid"), &err, "\"not-a-uuid\" is not a pod UUID");
	expect_err(PARSE(&a, &err, "6F2C1B2E-0D1F-4C3A-9E7B-123456789ABC"), &err,
		   "is not a pod UUID");
	expect_err(PARSE(&a, &err, "../../etc"), &err, "\"../../etc\" is not a pod UUID");
}

static void test_help(void **state)
{
	(void)state;
	struct s1_run_args a;
	struct s1_err err;
	expect_ok(PARSE(&a, &err, "--help"), &err);
	assert_true(a.help);
	expect_ok(PARSE(&a, &err, "-h"), &err);
	assert_true(a.help);
	assert_non_null(strstr(args_run_usage, "Usage: run"));
}

/* The generic parser with its own table: where positionals start. */
static void test_parse_flags_generic(void **state)
{
	(void)state;
	bool force = false;
	const char *pid = NULL;
	const struct s1_flag flags[] = {
	    {"force", S1_FLAG_BOOL, &force},
	    {"pid", S1_FLAG_STRING, &pid},
	};
	char *argv[] = {"enter", "--pid=42", "--force", "--", "--", "cmd", NULL};
	int first = -1;
	struct s1_err err = {0};
	assert_int_equal(args_parse_flags(6, argv, flags, 2, &first, &err), 0);
	assert_true(force);
	assert_string_equal(pid, "42");
	assert_int_equal(first, 4); /* only the first "--" is eaten */

	char *argv2[] = {"stop", "x", "--force", NULL};
	force = false;
	assert_int_equal(args_parse_flags(3, argv2, flags, 2, &first, &err), 0);
	assert_int_equal(first, 1);
	assert_false(force);

	char *argv3[] = {"gc", NULL};
	assert_int_equal(args_parse_flags(1, argv3, flags, 2, &first, &err), 0);
	assert_int_equal(first, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rkt_argv),
	    cmocka_unit_test(test_every_flag),
	    cmocka_unit_test(test_valued_flag_forms),
	    cmocka_unit_test(test_bool_flag_forms),
	    cmocka_unit_test(test_bool_does_not_eat_uuid),
	    cmocka_unit_test(test_single_dash_and_double_dash),
	    cmocka_unit_test(test_unknown_and_malformed_flags),
	    cmocka_unit_test(test_refused_flags),
	    cmocka_unit_test(test_net),
	    cmocka_unit_test(test_dns_conf_mode),
	    cmocka_unit_test(test_positionals),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_parse_flags_generic),
	};
	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
