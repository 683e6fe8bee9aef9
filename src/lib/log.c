/* One-line diagnostics on stderr, prefixed with the entrypoint's name. */
#include <stdarg.h>
#include <stdio.h>

#include "stage1c/log.h"

static const char *log_prog = "stage1-c";
static bool log_debug;

void s1_log_init(const char *prog, bool debug)
{
	log_prog = prog;
	log_debug = debug;
}

const char *s1_log_prog(void)
{
	return log_prog;
}

bool s1_log_debug_enabled(void)
{
	return log_debug;
}

static __attribute__((format(printf, 2, 0))) void vlog(const char *tag, const char *fmt, va_list ap)
{
	/* Built in one buffer and written in one call, so lines from the leader and the app's
	 * child never interleave mid-line. */
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s: %s", log_prog, tag);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void s1_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void s1_debug(const char *fmt, ...)
{
	if (!log_debug)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

void s1_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

int s1_exit_code(int r, const struct s1_err *err)
{
	if (r >= 0)
		return r;
	s1_log_error("%s", err->msg);
	return S1_EXIT_FAILURE;
}
