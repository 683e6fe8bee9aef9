/* appc resource quantities ("250m", "64M", "1.5Gi"): Kubernetes quantity syntax, in thousandths. */
#ifndef STAGE1C_QUANTITY_H
#define STAGE1C_QUANTITY_H

#include <stdint.h>

#include "stage1c/error.h"

struct json_t;

/* Parse a quantity: an optional sign, a decimal number ("1", "1.5", ".5", "2."), then either
 * nothing, a decimal suffix (m k M G T P E: powers of 1000, m = 1/1000), a binary suffix
 * (Ki Mi Gi Ti Pi Ei: powers of 1024) or an exponent ("1e3", "5E-2"). Upper-case K is not a
 * suffix. *milli_out gets the value times 1000; a remainder below one thousandth rounds away
 * from zero (as Kubernetes' MilliValue does), so a non-zero quantity never becomes 0. Values
 * whose thousandths do not fit in int64 are refused. The sign is accepted as Kubernetes
 * does: whether a negative quantity makes sense is the caller's decision. */
int quantity_parse(const char *s, int64_t *milli_out, struct s1_err *err);

/* The same from a JSON value: a string as above, an integer, or a real (read as the shortest
 * decimal text that gives back the same double). */
int quantity_from_json(const struct json_t *v, int64_t *milli_out, struct s1_err *err);

#endif
