/* Unit tests of the app's environment: defaults, forced variables, the rkt/env file format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/env.h"
#include "stage1c/util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static size_t env_count(char *const *envp)
{
	size_t n = 0;
	while (envp[n])
		n++;
	return n;
}

/* How many entries define name (each variable must appear exactly once). */
static size_t env_occurrences(char *const *envp, const char *name)
{
	size_t n = 0, len = strlen(name);
	for (; *envp; envp++)
		n += strncmp(*envp, name, len) == 0 && (*envp)[len] == '=';
	return n;
}

static void assert_env(char *const *envp, const char *name, const char *value)
{
	const char *v = env_get(envp, name);
	if (!v)
		fail_msg("%s is not set", name);
	if (strcmp(v, value) != 0)
		fail_msg("%s=\"%s\", want \"%s\"", name, v, value);
	if (env_occurrences(envp, name) != 1)
		fail_msg("%s is set %zu times", name, env_occurrences(envp, name));
}

static void test_defaults_for_empty_app(void **state)
{
	(void)state;
	struct s1_app app = {0};
	/* Nothing of the caller's environment leaks in. */
	setenv("S1_TEST_HOST_ONLY", "leak", 1);
	setenv("HOME", "/home/host-user", 1);
	char **envp = env_build(&app, "busybox", NULL);
	assert_int_equal(env_count(envp), 7);
	assert_env(envp, "PATH", DEFAULT_PATH);
	assert_env(envp, "SHELL", "/bin/sh");
	assert_env(envp, "USER", "root");
	assert_env(envp, "LOGNAME", "root");
	assert_env(envp, "HOME", "/root");
	assert_env(envp, "AC_APP_NAME", "busybox");
	assert_env(envp, "container", "rkt");
	assert_null(env_get(envp, "S1_TEST_HOST_ONLY"));
	env_free(envp);
}

static void test_app_values_win_over_defaults(void **state)
{
	(void)state;
	struct s1_kv vars[] = {
	    {"FOO", "bar"},  {"PATH", "/custom/bin"}, {"HOME", "/home/app"}, {"EMPTY", ""},
	    {"EQ", "a=b=c"}, {"container", "docker"}, {"path", "lower"},
	};
	struct s1_app app = {.environment = vars, .n_environment = S1_ARRAY_SIZE(vars)};
	char **envp = env_build(&app, "web", NULL);
	assert_env(envp, "FOO", "bar");
	assert_env(envp, "PATH", "/custom/bin");
	assert_env(envp, "HOME", "/home/app");
	assert_env(envp, "EMPTY", "");
	assert_env(envp, "EQ", "a=b=c");
	assert_env(envp, "container", "docker"); /* a default, only where unset */
	assert_env(envp, "path", "lower");	 /* names are case-sensitive */
	assert_env(envp, "SHELL", "/bin/sh");
	assert_env(envp, "USER", "root");
	assert_env(envp, "LOGNAME", "root");
	assert_env(envp, "AC_APP_NAME", "web");
	/* 7 from the app, SHELL, USER, LOGNAME, AC_APP_NAME. */
	assert_int_equal(env_count(envp), 11);
	env_free(envp);
}

/* The app's own AC_APP_NAME must not lie about its name: it is replaced, not duplicated. */
static void test_ac_app_name_forced(void **state)
{
	(void)state;
	struct s1_kv vars[] = {{"A", "1"}, {"AC_APP_NAME", "liar"}, {"B", "2"}, {"C", "3"}};
	struct s1_app app = {.environment = vars, .n_environment = S1_ARRAY_SIZE(vars)};
	char **envp = env_build(&app, "real-name", NULL);
	assert_env(envp, "AC_APP_NAME", "real-name");
	assert_env(envp, "A", "1");
	assert_env(envp, "B", "2");
	assert_env(envp, "C", "3");
	/* A, B, C, the five defaults, AC_APP_NAME once, container. */
	assert_int_equal(env_count(envp), 10);
	env_free(envp);

	struct s1_kv last[] = {{"AC_APP_NAME", "liar"}};
	struct s1_app app2 = {.environment = last, .n_environment = 1};
	envp = env_build(&app2, "x", NULL);
	assert_env(envp, "AC_APP_NAME", "x");
	assert_int_equal(env_count(envp), 7);
	env_free(envp);

	/* A name that merely starts like it is a different variable. */
	struct s1_kv similar[] = {{"AC_APP_NAMES", "keep"}, {"AC_APP_NAME_", "keep2"}};
	struct s1_app app3 = {.environment = similar, .n_environment = 2};
	envp = env_build(&app3, "y", NULL);
	assert_env(envp, "AC_APP_NAMES", "keep");
	assert_env(envp, "AC_APP_NAME_", "keep2");
	assert_env(envp, "AC_APP_NAME", "y");
	env_free(envp);
}

static void test_env_get(void **state)
{
	(void)state;
	char *envp[] = {"PATHX=1", "PATH=/bin", "A=", "B==x", "NOEQUALS", NULL};
	assert_string_equal(env_get(envp, "PATH"), "/bin");
	assert_string_equal(env_get(envp, "PATHX"), "1");
	assert_null(env_get(envp, "PAT"));
	assert_string_equal(env_get(envp, "A"), "");
	assert_string_equal(env_get(envp, "B"), "=x");
	assert_null(env_get(envp, "NOEQUALS"));
	assert_null(env_get(envp, "MISSING"));
	assert_null(env_get(NULL, "PATH"));
}

static void assert_envp_equal(char *const *a, char *const *b)
{
	size_t n = env_count(a);
	assert_int_equal(env_count(b), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(a[i], b[i]);
}

static void test_serialize_round_trip(void **state)
{
	(void)state;
	char *envp[] = {"PLAIN=value",
			"NL=line1\nline2\n",
			"BS=C:\\dir\\",
			"LITERAL=a\\nb",
			"BOTH=\\\n\\\\n\n\n",
			"EMPTY=",
			"EQ=x=y",
			"TAB=\t\r",
			"UTF8=caf\xc3\xa9",
			"_X.y-z=1",
			NULL};
	struct s1_err err = {0};
	_cleanup_free_ char *text = env_serialize(envp);
	/* One variable per line, however many newlines the values hold. */
	size_t lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, env_count(envp));
	assert_non_null(strstr(text, "NL=line1\\nline2\\n\n"));
	assert_non_null(strstr(text, "BS=C:\\\\dir\\\\\n"));
	assert_non_null(strstr(text, "LITERAL=a\\\\nb\n"));

	char **back = NULL;
	if (env_parse(text, &back, &err) < 0)
		fail_msg("env_parse: %s", err.msg);
	if (!back)
		fail_msg("env_parse: %s", err.msg);
	assert_envp_equal(envp, back);
	env_free(back);

	/* And the whole chain, from a manifest's app. */
	struct s1_kv vars[] = {{"MULTI", "a\nb\\c"}};
	struct s1_app app = {.environment = vars, .n_environment = 1};
	char **built = env_build(&app, "a", NULL);
	_cleanup_free_ char *t2 = env_serialize(built);
	back = NULL;
	if (env_parse(t2, &back, &err) < 0)
		fail_msg("env_parse: %s", err.msg);
	assert_non_null(back);
	assert_envp_equal(built, back);
	assert_string_equal(env_get(back, "MULTI"), "a\nb\\c");
	env_free(back);
	env_free(built);
}

static void test_serialize_empty(void **state)
{
	(void)state;
	char *envp[] = {NULL};
	struct s1_err err = {0};
	_cleanup_free_ char *text = env_serialize(envp);
	assert_string_equal(text, "");
	char **back = NULL;
	if (env_parse(text, &back, &err) < 0)
		fail_msg("env_parse: %s", err.msg);
	assert_non_null(back);
	assert_null(back[0]);
	env_free(back);
}

static void test_parse_lenient_forms(void **state)
{
	(void)state;
	struct s1_err err = {0};
	/* Without the final newline; an unknown escape is kept as written. */
	char **e = NULL;
	if (env_parse("A=1\nB=x\\ty\\", &e, &err) < 0)
		fail_msg("env_parse: %s", err.msg);
	assert_non_null(e);
	assert_int_equal(env_count(e), 2);
	assert_string_equal(e[0], "A=1");
	assert_string_equal(e[1], "B=x\\ty\\");
	env_free(e);
}

static void test_parse_rejects_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"FOO=bar\nnot a line\n", "line 2: not NAME=value"},
	    {"=value\n", "line 1: not NAME=value"},
	    {"1A=x\n", "line 1: not NAME=value"},
	    {"A=1\n\nB=2\n", "line 2: not NAME=value"},
	    {"A B=1\n", "line 1"},
	    {"A=1\nB=2\nNOEQUALS", "line 3: not NAME=value"},
	    {"A\\n=1\n", "line 1"},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		struct s1_err err = {0};
		char **e = NULL;
		assert_true(env_parse(bad[i].text, &e, &err) < 0 || e);
		if (e) {
			env_free(e);
			fail_msg("\"%s\" accepted", bad[i].text);
		}
		assert_contains(err.msg, bad[i].msg);
	}
	env_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_for_empty_app),
	    cmocka_unit_test(test_app_values_win_over_defaults),
	    cmocka_unit_test(test_ac_app_name_forced),
	    cmocka_unit_test(test_env_get),
	    cmocka_unit_test(test_serialize_round_trip),
	    cmocka_unit_test(test_serialize_empty),
	    cmocka_unit_test(test_parse_lenient_forms),
	    cmocka_unit_test(test_parse_rejects_malformed),
	};
	return cmocka_run_group_tests_name("env", tests, NULL, NULL);
}
