/* Unit tests of the appc name validators: ACName, ACIdentifier, UUID, env names, image ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

#include "stage1c/names.h"
#include "stage1c/util.h"

static void check(bool (*fn)(const char *), const char *what, const char *const *good,
		  size_t n_good, const char *const *bad, size_t n_bad)
{
	for (size_t i = 0; i < n_good; i++)
		if (!fn(good[i]))
			fail_msg("%s: \"%s\" refused", what, good[i]);
	for (size_t i = 0; i < n_bad; i++)
		if (fn(bad[i]))
			fail_msg("%s: \"%s\" accepted", what, bad[i]);
	if (fn(NULL))
		fail_msg("%s: NULL accepted", what);
}

static void test_acname(void **state)
{
	(void)state;
	static const char *const good[] = {"a",	  "abc",   "a-b",     "a1-2b", "0",
					   "123", "a-b-c", "busybox", "x9-0"};
	static const char *const bad[] = {"",	      "a--b", "-a",  "a-",  "-",   "A",
					  "aB",	      "a/b",  "a_b", "a.b", "a b", "a\n",
					  "\xc3\xa9", "a~b",  "a:b", " a",  "a ",  "a\tb"};
	check(names_is_acname, "ACName", good, S1_ARRAY_SIZE(good), bad, S1_ARRAY_SIZE(bad));
}

static void test_acidentifier(void **state)
{
	(void)state;
	static const char *const good[] = {"a",
					   "example.com/busybox",
					   "coreos.com/rkt/stage1/run",
					   "coreos.com/rkt/stage1/interface-version",
					   "a~b",
					   "a_b",
					   "a.b",
					   "a-b",
					   "0.1/2",
					   "os"};
	static const char *const bad[] = {"",	 "a//b",  "/a",	  "a/",	  "a..b", ".a",
					  "a.",	 "A.com", "a_",	  "a-_b", "a b",  "a:b",
					  "a+b", "a@b",	  "a\\b", "~a",	  "a/B",  "é"};
	check(names_is_acidentifier, "ACIdentifier", good, S1_ARRAY_SIZE(good), bad,
	      S1_ARRAY_SIZE(bad));
}

static void test_uuid(void **state)
{
	(void)state;
	static const char *const good[] = {"6f2c1b2e-0d1f-4c3a-9e7b-123456789abc",
					   "00000000-0000-0000-0000-000000000000",
					   "ffffffff-ffff-ffff-ffff-ffffffffffff"};
	static const char *const bad[] = {
	    "",
	    "6F2C1B2E-0D1F-4C3A-9E7B-123456789ABC", /* rkt prints lower case */
	    "6f2c1b2e0d1f4c3a9e7b123456789abc",
	    "6f2c1b2e-0d1f-4c3a-9e7b-123456789abc0",
	    "6f2c1b2e-0d1f-4c3a-9e7b-123456789ab",
	    "6f2c1b2e-0d1f-4c3a-9e7b-123456789abg",
	    "6f2c1b2e-0d1f-4c3a-9e7b--23456789abc",
	    "6f2c1b2e-0d1f-4c3a9-e7b-123456789abc",
	    "{6f2c1b2e-0d1f-4c3a-9e7b-123456789abc}",
	    " 6f2c1b2e-0d1f-4c3a-9e7b-123456789abc",
	    "6f2c1b2e-0d1f-4c3a-9e7b-123456789abc\n",
	    "6f2c1b2e-0d1f-4c3a-9e7b",
	    "../../../../etc/passwd",
	};
	check(names_is_uuid, "UUID", good, S1_ARRAY_SIZE(good), bad, S1_ARRAY_SIZE(bad));
}

static void test_env_name(void **state)
{
	(void)state;
	static const char *const good[] = {"FOO", "_",	"a",	"A1",	      "A.B",
					   "A-B", "_1", "path", "AC_APP_NAME"};
	static const char *const bad[] = {"",	"1A",  ".A", "-A", "A=B", "A B",
					  "A$", "A\n", "=",  "É",  "A:B"};
	check(names_is_env_name, "env name", good, S1_ARRAY_SIZE(good), bad, S1_ARRAY_SIZE(bad));
}

static void test_image_id(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "sha512-881ea65611af1ae2cd281645061199779d833338fa274bec3369bb88232485d3", "sha512-0",
	    "sha512-abcdef"};
	static const char *const bad[] = {"sha512-",	    "sha256-abc",  "sha512-ABC",
					  "sha512-xyz",	    "sha512abc",   "SHA512-abc",
					  "sha512-abc def", "sha512--abc", "abc"};
	check(names_is_image_id, "image id", good, S1_ARRAY_SIZE(good), bad, S1_ARRAY_SIZE(bad));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acname),   cmocka_unit_test(test_acidentifier),
	    cmocka_unit_test(test_uuid),     cmocka_unit_test(test_env_name),
	    cmocka_unit_test(test_image_id),
	};
	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
