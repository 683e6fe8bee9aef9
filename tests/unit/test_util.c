/* Unit tests of the shared helpers: the name index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stage1c/util.h"

static void test_name_index_add_get(void **state)
{
	(void)state;
	struct s1_name_index ix = {0};
	assert_int_equal(s1_name_index_get(&ix, "a"), S1_NAME_ABSENT);
	assert_int_equal(s1_name_index_add(&ix, "a", 0), S1_NAME_ABSENT);
	assert_int_equal(s1_name_index_add(&ix, "b", 1), S1_NAME_ABSENT);
	assert_int_equal(s1_name_index_add(&ix, "a", 2), 0);
	assert_int_equal(s1_name_index_get(&ix, "a"), 0);
	assert_int_equal(s1_name_index_get(&ix, "b"), 1);
	assert_int_equal(s1_name_index_get(&ix, ""), S1_NAME_ABSENT);
	assert_int_equal(s1_name_index_add(&ix, "", 3), S1_NAME_ABSENT);
	assert_int_equal(s1_name_index_get(&ix, ""), 3);
	s1_name_index_free(&ix);
	assert_int_equal(s1_name_index_get(&ix, "a"), S1_NAME_ABSENT);
}

/* Many names: every one found through the growths, none confused with another. */
static void test_name_index_grows(void **state)
{
	(void)state;
	enum { N = 20000 };
	static char names[N][16];
	_cleanup_name_index_ struct s1_name_index ix = {0};
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "V%zu", i);
		assert_int_equal(s1_name_index_add(&ix, names[i], i), S1_NAME_ABSENT);
	}
	for (size_t i = 0; i < N; i++)
		assert_int_equal(s1_name_index_get(&ix, names[i]), i);
	assert_int_equal(s1_name_index_add(&ix, "V19999", 7), 19999);
	assert_int_equal(s1_name_index_get(&ix, "V20000"), S1_NAME_ABSENT);
	assert_int_equal(ix.n, N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_index_add_get),
	    cmocka_unit_test(test_name_index_grows),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
