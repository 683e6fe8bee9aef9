/* stop and gc: ending a pod's app, and freeing what run made outside the pod directory. */
#ifndef STAGE1C_STOPGC_H
#define STAGE1C_STOPGC_H

#include <stdbool.h>

#include "stage1c/error.h"

struct s1_stop_args {
	bool help;
	bool force;
	const char *uuid;
};

struct s1_gc_args {
	bool help;
	bool debug;
	const char *local_config;
	const char *uuid;
};

/* SIGTERM to the app (or SIGKILL to every process of its cgroups with force). A pod whose app
 * already exited is not an error. */
int stop_pod(const struct s1_stop_args *args, struct s1_err *err);

/* Kill what is left in the pod's cgroups and remove them, detach run's mounts. Idempotent. */
int gc_pod(const struct s1_gc_args *args, struct s1_err *err);

#endif
