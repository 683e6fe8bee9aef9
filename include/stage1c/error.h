/* Error reporting for the core library: a message built once where the context is known. */
#ifndef STAGE1C_ERROR_H
#define STAGE1C_ERROR_H

#include <stddef.h>

#define S1_ERR_MSG_MAX 1024

/* Filled by a failing library call; the entrypoint prints it once, prefixed by its name. */
struct s1_err {
	int code; /* positive errno-style value, 0 when unset */
	char msg[S1_ERR_MSG_MAX];
};

/* Record an error and return -errnum (or -EINVAL when errnum is 0). When errnum is
 * non-zero, ": strerror(errnum)" is appended to the message. */
int s1_error(struct s1_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an already recorded message with more context ("ctx: old message"). Returns -code. */
int s1_error_wrap(struct s1_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lower-case, English strerror text for a message ("no such file or directory"). */
const char *s1_strerror(int errnum);

#endif
