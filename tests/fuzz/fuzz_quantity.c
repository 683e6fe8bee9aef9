/* Fuzzes quantity_parse (the input as a C string) and quantity_from_json (the input as JSON). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "fuzz.h"
#include "stage1c/quantity.h"

/* Whether the number before any suffix or exponent has a non-zero digit. */
static bool has_nonzero_digit(const char *s)
{
	for (s += *s == '+' || *s == '-'; (*s >= '0' && *s <= '9') || *s == '.'; s++)
		if (*s >= '1' && *s <= '9')
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s1_err err = {0};
	char *s = fuzz_cstr(data, size);
	int64_t v, neg;
	if (quantity_parse(s, &v, &err) == 0) {
		/* A non-zero quantity never becomes 0, and a sign only negates. */
		FUZZ_CHECK((v != 0) == has_nonzero_digit(s));
		if (*s != '-' && *s != '+') {
			char *minus = s1_xasprintf("-%s", s);
			FUZZ_CHECK(quantity_parse(minus, &neg, &err) == 0 && neg == -v);
			free(minus);
		}
	}
	free(s);

	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (j) {
		quantity_from_json(j, &v, &err);
		json_decref(j);
	}
	return 0;
}
