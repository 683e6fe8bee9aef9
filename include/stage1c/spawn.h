/* Starting a process inside the app's root: chroot, credentials, clean descriptors, exec. */
#ifndef STAGE1C_SPAWN_H
#define STAGE1C_SPAWN_H

#include <sys/types.h>

#include "stage1c/confine.h"
#include "stage1c/error.h"
#include "stage1c/user.h"

struct s1_spawn {
	int rootfd;	     /* O_PATH fd of the app's root mount */
	const char *workdir; /* inside the root; NULL is "/" */
	const char *path;    /* the executable, resolved inside the root */
	char *const *argv;
	char *const *envp;
	const struct s1_ids *ids;
	const struct s1_confine *confine; /* NULL: no confinement (tests) */
};

/* Fork a child that enters the root and execs spec->path. Returns once the exec has succeeded
 * (*pid set) or failed (the child reaped, err set: "can't execute ..."). The child keeps only
 * fds 0-2, gets default signal dispositions and an empty mask, and is killed when the calling
 * process dies. */
int spawn_in_root(const struct s1_spawn *spec, pid_t *pid, struct s1_err *err);

/* The same setup in the calling process, then exec (enter). Returns only on failure. */
int spawn_exec_in_root(const struct s1_spawn *spec, struct s1_err *err);

/* Wait for pid; returns its exit code, or 128+signal. */
int spawn_wait(pid_t pid);

/* The status rkt and a shell report for a waitpid() status: code, or 128+signal. */
int spawn_exit_code(int wstatus);

#endif
