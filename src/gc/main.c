/* gc: rkt's stage1 entrypoint for rkt gc: its flags, then gc_pod (stopgc.h). */
#include <stdio.h>
#include <string.h>

#include "stage1c/args.h"
#include "stage1c/log.h"
#include "stage1c/stopgc.h"
#include "stage1c/util.h"

static const char usage[] =
    "Usage: gc [--debug] [--local-config DIR] UUID\n"
    "Free what the pod in the working directory holds outside it: kill what\n"
    "is left in its cgroups, remove them, and detach the app's mounts.\n";

static int parse_args(int argc, char **argv, struct s1_gc_args *args, struct s1_err *err)
{
	memset(args, 0, sizeof(*args));
	const struct s1_flag flags[] = {
	    {"help", S1_FLAG_BOOL, &args->help},
	    {"h", S1_FLAG_BOOL, &args->help},
	    {"debug", S1_FLAG_BOOL, &args->debug},
	    {"local-config", S1_FLAG_STRING, &args->local_config},
	};
	int first, r;
	if ((r = args_parse_flags(argc, argv, flags, S1_ARRAY_SIZE(flags), &first, err)) < 0)
		return r;
	return args->help ? 0 : args_parse_pod_uuid(argc, argv, first, &args->uuid, err);
}

int main(int argc, char **argv)
{
	struct s1_gc_args args;
	struct s1_err err = {0};

	s1_log_init("gc", false);
	int r = parse_args(argc, argv, &args, &err);
	if (r == 0 && args.help) {
		fputs(usage, stdout);
		return 0;
	}
	if (r == 0) {
		s1_log_init("gc", args.debug);
		r = gc_pod(&args, &err);
	}
	return s1_exit_code(r, &err);
}
