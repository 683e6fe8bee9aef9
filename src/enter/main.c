/* enter: rkt's stage1 entrypoint for rkt enter (see include/stage1c/enter.h). */
#include <stdio.h>

#include "stage1c/enter.h"
#include "stage1c/log.h"
#include "stage1c/selfexec.h"

extern char **environ;

int main(int argc, char **argv)
{
	struct s1_enter_args args;
	struct s1_err err = {0};

	s1_log_init("enter", false);
	/* First thing: run from a sealed copy, so CMD can never reach our file on the host. */
	int r = selfexec_sealed(argv, environ);
	if (r < 0) {
		s1_log_error("can't re-execute from a sealed copy: %s", s1_strerror(-r));
		return 254;
	}
	if (enter_parse_args(argc, argv, &args, &err) < 0) {
		s1_log_error("%s", err.msg);
		return 254;
	}
	if (args.help) {
		fputs(enter_usage, stdout);
		return 0;
	}
	r = enter_pod(&args, &err);
	if (r < 0) {
		s1_log_error("%s", err.msg);
		return 254;
	}
	return r;
}
