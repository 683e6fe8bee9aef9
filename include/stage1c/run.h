/* The pod leader: everything run does between rkt's exec and the app's exit. */
#ifndef STAGE1C_RUN_H
#define STAGE1C_RUN_H

#include "stage1c/args.h"
#include "stage1c/error.h"

/* Run the pod in the current directory. Returns the app's exit code (>= 0), or <0 with err
 * set when stage1 itself failed, having undone every mount it made. */
int run_pod(const struct s1_run_args *args, struct s1_err *err);

#endif
