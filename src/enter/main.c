/* enter: rkt's stage1 entrypoint for rkt enter (see include/stage1c/enter.h). */
#include <stdio.h>
#include <string.h>

#include "stage1c/args.h"
#include "stage1c/enter.h"
#include "stage1c/log.h"
#include "stage1c/names.h"
#include "stage1c/selfexec.h"
#include "stage1c/util.h"

extern char **environ;

/* enter allocates about 20 KB before its command starts: the allocator populates 32 KB at the
 * first allocation, not its default 64 (src/compat/malloc.c; each page populated costs about
 * 1.5 µs on a VM). */
extern const size_t s1_malloc_first_arena;
const size_t s1_malloc_first_arena = 32 << 10;

static const char usage[] =
    "Usage: enter --pid=PID --appname=APP -- CMD [ARGS...]\n"
    "Run CMD in app APP of the pod in the working directory (as rkt enter\n"
    "does), with the app's root, user, groups, environment, capabilities,\n"
    "cgroups and seccomp filter, and the caller's TERM. PID is a process of\n"
    "the pod's apps (rkt passes the pod's pid file). Exits with CMD's exit\n"
    "code, 254 on its own failure.\n";

static int parse_args(int argc, char **argv, struct s1_enter_args *args, struct s1_err *err)
{
	const char *pid = NULL;
	memset(args, 0, sizeof(*args));
	const struct s1_flag flags[] = {
	    {"help", S1_FLAG_BOOL, &args->help},
	    {"h", S1_FLAG_BOOL, &args->help},
	    {"pid", S1_FLAG_STRING, &pid},
	    {"appname", S1_FLAG_STRING, &args->app},
	};
	int first, r;
	if ((r = args_parse_flags(argc, argv, flags, S1_ARRAY_SIZE(flags), &first, err)) < 0)
		return r;
	if (args->help)
		return 0;
	long long v;
	if (!pid)
		return s1_error(err, 0, "missing --pid");
	if (s1_parse_ll(pid, 1, 1 << 30, &v) < 0)
		return s1_error(err, 0, "--pid=%s is not a process id", pid);
	args->pid = (pid_t)v;
	if (!args->app)
		return s1_error(err, 0, "missing --appname");
	if (!names_is_acname(args->app))
		return s1_error(err, 0, "--appname=%s is not an app name", args->app);
	if (first >= argc)
		return s1_error(err, 0, "missing command");
	args->cmd = &argv[first];
	return 0;
}

int main(int argc, char **argv)
{
	struct s1_enter_args args;
	struct s1_err err = {0};

	s1_log_init("enter", false);
	/* First thing: run from a file nothing can write, so that CMD can never reach ours on the
	 * host. */
	int r = selfexec_sealed(argv, environ);
	if (r < 0) {
		s1_log_error("can't re-execute from a file nothing can write: %s", s1_strerror(-r));
		return S1_EXIT_FAILURE;
	}
	if ((r = parse_args(argc, argv, &args, &err)) == 0 && args.help) {
		fputs(usage, stdout);
		return 0;
	}
	return s1_exit_code(r < 0 ? r : enter_pod(&args, &err), &err);
}
