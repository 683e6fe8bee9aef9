/* enter: run a command inside a running app, as the app and under the app's confinement. */
#ifndef STAGE1C_ENTER_H
#define STAGE1C_ENTER_H

#include <stdbool.h>
#include <sys/types.h>

#include "stage1c/error.h"

struct s1_enter_args {
	bool help;
	pid_t pid;
	const char *app;
	char **cmd; /* NULL-terminated, points into argv */
};

/* Check that PID is a process of the apps of the pod in the current directory, then run CMD
 * inside app APP and wait for it. Returns CMD's exit code (128+signal when a signal ended it), or
 * <0 with err set when CMD could not be started. */
int enter_pod(const struct s1_enter_args *args, struct s1_err *err);

#endif
