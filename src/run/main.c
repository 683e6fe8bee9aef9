/* run: rkt's stage1 entrypoint that starts a pod (see include/stage1c/run.h). */
#include <stdio.h>
#include <stdlib.h>

#include "stage1c/args.h"
#include "stage1c/log.h"
#include "stage1c/run.h"

int main(int argc, char **argv)
{
	struct s1_run_args args;
	struct s1_err err = {0};

	s1_log_init("run", false);
	/* No sealed re-execution here, unlike enter: rkt execs run from the pod's own stage1
	 * rootfs (an overlay whose writes land in the pod's upper directory, or a copy made for
	 * the pod), so an app that reaches this file through /proc/PID/exe rewrites only its own
	 * pod's run, which never runs again. enter runs from rkt's shared tree store. */
	int r = args_parse_run(argc, argv, &args, &err);
	if (r == 0 && args.help) {
		fputs(args_run_usage, stdout);
		return 0;
	}
	if (r == 0) {
		s1_log_init("run", args.debug);
		r = run_pod(&args, &err);
	}
	return s1_exit_code(r, &err);
}
