/* run: rkt's stage1 entrypoint that starts a pod (see include/stage1c/run.h). */
#include <stdio.h>
#include <stdlib.h>

#include "stage1c/args.h"
#include "stage1c/log.h"
#include "stage1c/run.h"
#include "stage1c/selfexec.h"

extern char **environ;

int main(int argc, char **argv)
{
	struct s1_run_args args;
	struct s1_err err = {0};

	s1_log_init("run", false);
	/* The leader outlives the app's start: like enter, it runs from a sealed copy. */
	int r = selfexec_sealed(argv, environ);
	if (r < 0) {
		s1_log_error("can't re-execute from a sealed copy: %s", s1_strerror(-r));
		return 254;
	}
	if (args_parse_run(argc, argv, &args, &err) < 0) {
		s1_log_error("%s", err.msg);
		return 254;
	}
	if (args.help) {
		fputs(args_run_usage, stdout);
		return 0;
	}
	s1_log_init("run", args.debug);
	int code = run_pod(&args, &err);
	if (code < 0) {
		s1_log_error("%s", err.msg);
		return 254;
	}
	return code;
}
