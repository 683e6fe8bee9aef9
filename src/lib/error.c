/* Error recording for the core library (see include/stage1c/error.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stage1c/error.h"

const char *s1_strerror(int errnum)
{
	/* The common ones in rkt's style ("no such file or directory"); libc's text otherwise. */
	switch (errnum) {
	case ENOENT:
		return "no such file or directory";
	case EACCES:
		return "permission denied";
	case EPERM:
		return "operation not permitted";
	case ENOTDIR:
		return "not a directory";
	case EISDIR:
		return "is a directory";
	case EEXIST:
		return "file exists";
	case ELOOP:
		return "too many levels of symbolic links";
	case ENOEXEC:
		return "exec format error";
	case EXDEV:
		return "path escapes the root";
	default:
		return strerror(errnum);
	}
}

static int error_code(int errnum)
{
	if (errnum < 0)
		errnum = -errnum;
	return errnum ? errnum : EINVAL;
}

int s1_error(struct s1_err *err, int errnum, const char *fmt, ...)
{
	int code = error_code(errnum);

	if (!err)
		return -code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (errnum && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 s1_strerror(errnum < 0 ? -errnum : errnum));
	err->code = code;
	return -code;
}

int s1_error_wrap(struct s1_err *err, const char *fmt, ...)
{
	if (!err)
		return -EINVAL;
	char prefix[S1_ERR_MSG_MAX / 2];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t plen = n < 0 ? 0 : strnlen(prefix, sizeof(prefix));
	/* Shift the old message right and put "prefix: " in front, truncating its tail. */
	size_t room = sizeof(err->msg) - 1 - plen - 2;
	size_t olen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (olen > room)
		olen = room;
	memmove(err->msg + plen + 2, err->msg, olen);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	err->msg[plen + 2 + olen] = '\0';
	if (!err->code)
		err->code = EINVAL;
	return -err->code;
}
