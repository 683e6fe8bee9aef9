/* gc: rkt's stage1 entrypoint for rkt gc (see include/stage1c/stopgc.h). */
#include <stdio.h>

#include "stage1c/log.h"
#include "stage1c/stopgc.h"

int main(int argc, char **argv)
{
	struct s1_gc_args args;
	struct s1_err err = {0};

	s1_log_init("gc", false);
	if (gc_parse_args(argc, argv, &args, &err) < 0) {
		s1_log_error("%s", err.msg);
		return 254;
	}
	if (args.help) {
		fputs(gc_usage, stdout);
		return 0;
	}
	s1_log_init("gc", args.debug);
	if (gc_pod(&args, &err) < 0) {
		s1_log_error("%s", err.msg);
		return 254;
	}
	return 0;
}
