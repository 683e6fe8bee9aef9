/* Unit tests of the resource quantity parser: suffixes, fractions, rounding, overflow, JSON. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/quantity.h"
#include "stage1c/util.h"

#define SENTINEL ((int64_t)0x5a5a5a5a5a5a5a5a)

struct valid_case {
	const char *in;
	int64_t milli;
};

static void check_valid(const struct valid_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct s1_err err = {0};
		int64_t v = SENTINEL;
		int r = quantity_parse(cases[i].in, &v, &err);
		if (r != 0)
			fail_msg("\"%s\": unexpected error: %s", cases[i].in, err.msg);
		if (v != cases[i].milli)
			fail_msg("\"%s\": got %lld, want %lld", cases[i].in, (long long)v,
				 (long long)cases[i].milli);
	}
}

/* Every rejection returns -EINVAL, leaves the output alone, names the input and says why. */
static void check_invalid(const char *in, const char *reason)
{
	struct s1_err err = {0};
	int64_t v = SENTINEL;
	int r = quantity_parse(in, &v, &err);
	if (r == 0)
		fail_msg("\"%s\" was accepted as %lld", in, (long long)v);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_true(v == SENTINEL);
	_cleanup_free_ char *quoted = s1_xasprintf("invalid quantity \"%s\"", in);
	assert_contains(err.msg, quoted);
	assert_contains(err.msg, reason);
}

static void test_plain_numbers(void **state)
{
	(void)state;
	static const struct valid_case cases[] = {
	    {"0", 0},	     {"1", 1000},      {"512", 512000},
	    {"0.5", 500},    {".5", 500},      {"2.", 2000},
	    {"1.5", 1500},   {"00000.5", 500}, {"0000000000000000000000000001", 1000},
	    {"0.000", 0},    {"-0", 0},	       {"+1", 1000},
	    {"-250m", -250}, {"-1.5", -1500},
	};
	check_valid(cases, S1_ARRAY_SIZE(cases));
}

static void test_decimal_suffixes(void **state)
{
	(void)state;
	static const struct valid_case cases[] = {
	    {"250m", 250},
	    {"1000m", 1000},
	    {"1k", 1000000},
	    {"64M", 64000000000},
	    {"1G", 1000000000000},
	    {"2T", 2000000000000000},
	    {"1P", 1000000000000000000},
	    {"9P", 9000000000000000000},
	    {"0.001E", 1000000000000000000},
	    {"1.5k", 1500000},
	};
	check_valid(cases, S1_ARRAY_SIZE(cases));
}

static void test_binary_suffixes(void **state)
{
	(void)state;
	static const struct valid_case cases[] = {
	    {"1Ki", 1024000},
	    {"1Mi", 1048576000},
	    {"1Gi", 1073741824000},
	    {"1.5Gi", 1610612736000},
	    {"0.5Ki", 512000},
	    {"1Ti", 1099511627776000},
	    {"8Pi", 9007199254740992000}, /* 2^53 * 1000: still fits */
	    {"0.001Ki", 1024},
	    {"0.0001Ki", 103}, /* 102.4 thousandths, rounded up */
	    {"0.0078125Ei", 9007199254740992000},
	};
	check_valid(cases, S1_ARRAY_SIZE(cases));
}

static void test_exponents(void **state)
{
	(void)state;
	static const struct valid_case cases[] = {
	    {"1e3", 1000000},  {"1E3", 1000000}, /* E followed by digits is an exponent, not exa */
	    {"1e+3", 1000000}, {"5e-3", 5},	      {"1.5e2", 150000},
	    {"1e-07", 1},      {"0e999999999999", 0}, {"1e-999999999999", 1},
	};
	check_valid(cases, S1_ARRAY_SIZE(cases));
}

/* Kubernetes' MilliValue rounds a sub-thousandth remainder away from zero: a non-zero quantity
 * never reads as 0, and a tiny excess is never lost. */
static void test_rounding(void **state)
{
	(void)state;
	static const struct valid_case cases[] = {
	    {"0.1m", 1},
	    {"1.5m", 2},
	    {"1.0001m", 2},
	    {"0.0001", 1},
	    {"-0.0001", -1},
	    {"1e-30", 1},
	    {"1.000000000000000000000000000000001", 1001},
	    {"1.0000000000000000000000000000000000000000000", 1000},
	    {"9223372036854775.8069", INT64_MAX},
	};
	check_valid(cases, S1_ARRAY_SIZE(cases));
}

static void test_int64_boundaries(void **state)
{
	(void)state;
	static const struct valid_case cases[] = {
	    {"9223372036854775807m", INT64_MAX},
	    {"-9223372036854775807m", -INT64_MAX},
	    {"9223372036854775.807", INT64_MAX},
	    {"9223372036854775807e-3", INT64_MAX},
	};
	check_valid(cases, S1_ARRAY_SIZE(cases));

	static const char *const too_large[] = {
	    "9223372036854775808m",
	    "9223372036854775.808",
	    "9223372036854775.8071", /* rounding up crosses the limit */
	    "9223372036854776",
	    "10P",
	    "1E",
	    "9Pi",
	    "1Ei",
	    "1e19",
	    "1e999999999999",
	    "99999999999999999999999999999999999999999999999999",
	    "-9223372036854775808m", /* INT64_MIN itself is refused: magnitudes stop at MAX */
	    "18446744073709551616000000000000000000000m",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(too_large); i++)
		check_invalid(too_large[i], "too large");
}

static void test_invalid_syntax(void **state)
{
	(void)state;
	check_invalid("", "empty");
	check_invalid("1K", "kilo is k");
	check_invalid("1.5K", "unknown suffix \"K\"");

	static const char *const not_numbers[] = {"abc", ".",	"-",   "+",  "Ki",  "m", "e3",
						  " 1",	 "--1", "+-1", "-.", "\t1", "x1"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(not_numbers); i++)
		check_invalid(not_numbers[i], "expected a number");

	static const char *const bad_suffixes[] = {
	    "1ki", "1KiB", "1MB",   "1 Gi",  "1 ",   "1.2.3", "1e",  "1e+",
	    "1e-", "1Ki5", "1e3Ki", "0x10",  "1,5",  "1m5",   "1mi", "1i",
	    "1g",  "1Kb",  "1E3.5", "1e3e3", "1ee3", "1Gi ",  "1\n",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad_suffixes); i++)
		check_invalid(bad_suffixes[i], "unknown suffix");

	struct s1_err err = {0};
	int64_t v = SENTINEL;
	assert_int_equal(quantity_parse(NULL, &v, &err), -EINVAL);
	assert_contains(err.msg, "missing");
	assert_true(v == SENTINEL);
}

static void check_json(const char *json, int64_t want)
{
	json_error_t jerr;
	json_t *j = json_loads(json, JSON_DECODE_ANY, &jerr);
	if (!j)
		fail_msg("bad test JSON %s: %s", json, jerr.text);
	struct s1_err err = {0};
	int64_t v = SENTINEL;
	int r = quantity_from_json(j, &v, &err);
	json_decref(j);
	if (r != 0)
		fail_msg("%s: unexpected error: %s", json, err.msg);
	if (v != want)
		fail_msg("%s: got %lld, want %lld", json, (long long)v, (long long)want);
}

static void check_json_invalid(const char *json, const char *reason)
{
	json_error_t jerr;
	json_t *j = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!j)
		fail_msg("bad test JSON %s: %s", json, jerr.text);
	struct s1_err err = {0};
	int64_t v = SENTINEL;
	int r = quantity_from_json(j, &v, &err);
	json_decref(j);
	if (r == 0)
		fail_msg("%s was accepted as %lld", json, (long long)v);
	assert_int_equal(r, -EINVAL);
	assert_true(v == SENTINEL);
	assert_contains(err.msg, "invalid quantity");
	assert_contains(err.msg, reason);
}

static void test_json_values(void **state)
{
	(void)state;
	check_json("\"64M\"", 64000000000);
	check_json("\"250m\"", 250);
	check_json("512", 512000);
	check_json("0", 0);
	check_json("-2", -2000);
	check_json("9223372036854775", 9223372036854775000);
	check_json("0.5", 500);
	/* 0.1 and 0.3 are not exact doubles: read as the decimal the manifest wrote. */
	check_json("0.1", 100);
	check_json("0.3", 300);
	check_json("1.5e9", 1500000000000);
	check_json("0.0001", 1);
	check_json("1e-300", 1);
	check_json("2.0", 2000);

	check_json_invalid("9223372036854776", "9223372036854776: too large");
	check_json_invalid("-9223372036854776", "too large");
	check_json_invalid("1e300", "too large");
	check_json_invalid("\"1K\"", "\"1K\"");
	check_json_invalid("\"\"", "empty");
	check_json_invalid("\"1\\u0000K\"", "NUL");
	check_json_invalid("true", "must be a string or a number");
	check_json_invalid("null", "must be a string or a number");
	check_json_invalid("{\"value\": 1}", "must be a string or a number");
	check_json_invalid("[1]", "must be a string or a number");

	struct s1_err err = {0};
	int64_t v = SENTINEL;
	assert_int_equal(quantity_from_json(NULL, &v, &err), -EINVAL);
	assert_contains(err.msg, "missing");
	assert_true(v == SENTINEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_numbers),   cmocka_unit_test(test_decimal_suffixes),
	    cmocka_unit_test(test_binary_suffixes), cmocka_unit_test(test_exponents),
	    cmocka_unit_test(test_rounding),	    cmocka_unit_test(test_int64_boundaries),
	    cmocka_unit_test(test_invalid_syntax),  cmocka_unit_test(test_json_values),
	};
	return cmocka_run_group_tests_name("quantity", tests, NULL, NULL);
}
