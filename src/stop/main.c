/* stop: rkt's stage1 entrypoint for rkt stop: its flags, then stop_pod (stopgc.h). */
#include <stdio.h>
#include <string.h>

#include "stage1c/args.h"
#include "stage1c/log.h"
#include "stage1c/stopgc.h"
#include "stage1c/util.h"

static const char usage[] = "Usage: stop [--force] UUID\n"
			    "Stop the pod in the working directory: SIGTERM to its app, or with\n"
			    "--force SIGKILL to every process in the app's cgroups.\n";

static int parse_args(int argc, char **argv, struct s1_stop_args *args, struct s1_err *err)
{
	memset(args, 0, sizeof(*args));
	const struct s1_flag flags[] = {
	    {"help", S1_FLAG_BOOL, &args->help},
	    {"h", S1_FLAG_BOOL, &args->help},
	    {"force", S1_FLAG_BOOL, &args->force},
	};
	int first, r;
	if ((r = args_parse_flags(argc, argv, flags, S1_ARRAY_SIZE(flags), &first, err)) < 0)
		return r;
	return args->help ? 0 : args_parse_pod_uuid(argc, argv, first, &args->uuid, err);
}

int main(int argc, char **argv)
{
	struct s1_stop_args args;
	struct s1_err err = {0};

	s1_log_init("stop", false);
	int r = parse_args(argc, argv, &args, &err);
	if (r == 0 && args.help) {
		fputs(usage, stdout);
		return 0;
	}
	return s1_exit_code(r < 0 ? r : stop_pod(&args, &err), &err);
}
