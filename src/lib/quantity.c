/* Parsing of appc (Kubernetes-style) resource quantities into exact thousandths. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage1c/quantity.h"
#include "stage1c/util.h"

/* Exponents beyond this only matter as "overflow" or "rounds to one thousandth", and
 * saturating keeps the arithmetic below in range whatever the input says. */
#define EXP_SATURATE 100000

struct suffix {
	const char *text;
	int dec_exp;	  /* power of ten */
	unsigned bin_pow; /* power of 1024 */
};

static const struct suffix suffixes[] = {
    {"", 0, 0},	  {"m", -3, 0}, {"k", 3, 0},  {"M", 6, 0},  {"G", 9, 0},
    {"T", 12, 0}, {"P", 15, 0}, {"E", 18, 0}, {"Ki", 0, 1}, {"Mi", 0, 2},
    {"Gi", 0, 3}, {"Ti", 0, 4}, {"Pi", 0, 5}, {"Ei", 0, 6},
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int too_large(const char *s, struct s1_err *err)
{
	return s1_error(err, 0,
			"invalid quantity \"%s\": too large (its value in thousandths does not fit "
			"in 64 bits)",
			s);
}

/* "e3", "E-2", "e+07": the exponent, saturated at +-EXP_SATURATE. Returns false when p is not
 * an exponent running to the end of the string. */
static bool parse_exponent(const char *p, long *out)
{
	if (*p != 'e' && *p != 'E')
		return false;
	p++;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!is_digit(*p))
		return false;
	long v = 0;
	for (; is_digit(*p); p++)
		if (v < EXP_SATURATE)
			v = v * 10 + (*p - '0');
	if (*p)
		return false;
	*out = neg ? -v : v;
	return true;
}

int quantity_parse(const char *s, int64_t *milli_out, struct s1_err *err)
{
	if (!s)
		return s1_error(err, 0, "invalid quantity: missing");
	if (!*s)
		return s1_error(err, 0, "invalid quantity \"\": empty");

	const char *p = s;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	const char *int_digits = p;
	while (is_digit(*p))
		p++;
	size_t int_len = (size_t)(p - int_digits);
	const char *frac_digits = p;
	size_t frac_len = 0;
	if (*p == '.') {
		frac_digits = ++p;
		while (is_digit(*p))
			p++;
		frac_len = (size_t)(p - frac_digits);
	}
	if (int_len + frac_len == 0)
		return s1_error(err, 0,
				"invalid quantity \"%s\": expected a number such as 128Mi, 500m or "
				"0.5",
				s);

	long dec_exp = 0;
	unsigned bin_pow = 0;
	if (!parse_exponent(p, &dec_exp)) {
		const struct suffix *found = NULL;
		for (size_t i = 0; i < S1_ARRAY_SIZE(suffixes) && !found; i++)
			if (strcmp(p, suffixes[i].text) == 0)
				found = &suffixes[i];
		if (!found && strcmp(p, "K") == 0)
			return s1_error(err, 0,
					"invalid quantity \"%s\": unknown suffix \"K\" (kilo is k, "
					"kibi is Ki)",
					s);
		if (!found)
			return s1_error(
			    err, 0,
			    "invalid quantity \"%s\": unknown suffix \"%s\" (expected m, "
			    "k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent)",
			    s, p);
		dec_exp = found->dec_exp;
		bin_pow = found->bin_pow;
	}

	/* All the significant digits as one integer D, the value being D * 10^t * 1024^bin_pow
	 * thousandths. */
	_cleanup_free_ char *d = s1_xmalloc(int_len + frac_len + 1);
	memcpy(d, int_digits, int_len);
	memcpy(d + int_len, frac_digits, frac_len);
	size_t len = int_len + frac_len, lead = 0;
	while (lead < len && d[lead] == '0')
		lead++;
	const char *digits = d + lead;
	len -= lead;
	if (len == 0) {
		*milli_out = 0;
		return 0;
	}
	long t = dec_exp + 3 - (long)frac_len;
	unsigned __int128 mult = (unsigned __int128)1 << (10 * bin_pow);
	const unsigned __int128 limit = INT64_MAX;
	unsigned __int128 v = 0;

	/* The integral part: the leading digits that stay left of the decimal point. */
	size_t int_part = t >= 0 ? len : (len > (size_t)-t ? len - (size_t)-t : 0);
	if (int_part > 19)
		return too_large(s, err);
	for (size_t i = 0; i < int_part; i++)
		v = v * 10 + (unsigned)(digits[i] - '0');
	v *= mult;
	if (v > limit)
		return too_large(s, err);
	if (t >= 0) {
		for (long i = 0; i < t; i++) {
			v *= 10;
			if (v > limit)
				return too_large(s, err);
		}
	} else {
		/* The fraction F (the -t last digits, some possibly implicit leading zeros) times
		 * mult, divided by 10^-t: long multiplication from the last digit, keeping the
		 * carry (which ends as the integral part) and whether any digit below the point is
		 * non-zero (which rounds the result away from zero). */
		unsigned __int128 carry = 0;
		bool sticky = false;
		for (size_t i = len; i > int_part; i--) {
			unsigned __int128 tmp = (unsigned)(digits[i - 1] - '0') * mult + carry;
			sticky |= tmp % 10 != 0;
			carry = tmp / 10;
		}
		for (long i = (long)(len - int_part); i < -t && carry; i++) {
			sticky |= carry % 10 != 0;
			carry /= 10;
		}
		v += carry + (sticky ? 1 : 0);
		if (v > limit)
			return too_large(s, err);
	}
	*milli_out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int quantity_from_json(const struct json_t *v, int64_t *milli_out, struct s1_err *err)
{
	if (!v)
		return s1_error(err, 0, "invalid quantity: missing");
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strlen(s) != json_string_length(v))
			return s1_error(err, 0, "invalid quantity \"%s\": contains a NUL character",
					s);
		return quantity_parse(s, milli_out, err);
	}
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		int64_t out;
		if (__builtin_mul_overflow((int64_t)n, (int64_t)1000, &out))
			return s1_error(err, 0,
					"invalid quantity %" JSON_INTEGER_FORMAT
					": too large (its value in thousandths does not fit in 64 "
					"bits)",
					n);
		*milli_out = out;
		return 0;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);
		if (!isfinite(x))
			return s1_error(err, 0, "invalid quantity: not a finite number");
		/* The shortest text that reads back as the same double: 0.1 is "0.1", not the
		 * 0.1000000000000000055 the double holds, which would round up a thousandth. */
		char buf[64];
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, x);
			if (strtod(buf, NULL) == x)
				break;
		}
		return quantity_parse(buf, milli_out, err);
	}
	return s1_error(err, 0, "invalid quantity: must be a string or a number");
}
