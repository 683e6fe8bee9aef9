/* Starting a process inside the app's root: chroot, credentials, clean descriptors, exec. */
#ifndef STAGE1C_SPAWN_H
#define STAGE1C_SPAWN_H

#include <signal.h>
#include <sys/types.h>

#include "stage1c/confine.h"
#include "stage1c/error.h"
#include "stage1c/user.h"

struct s1_spawn {
	int rootfd;	     /* O_PATH fd of the app's root mount */
	int workdirfd;	     /* O_PATH fd of the working directory inside the root; <0: "/" */
	const char *workdir; /* its name, for messages; NULL is "/" */
	const char *path;    /* the executable, resolved inside the root */
	char *const *argv;
	char *const *envp;
	const struct s1_ids *ids;
	const struct s1_confine *confine; /* NULL: no confinement (tests) */
};

/* Fork a child that enters the root and execs spec->path. Returns once the exec has succeeded
 * (*pid set) or failed (the child reaped, err set: "can't execute ..."). The child keeps only
 * fds 0-2, gets default signal dispositions and an empty mask, and is killed when the calling
 * process dies; its seccomp filter (spec->confine) is the last thing it sets up. */
int spawn_in_root(const struct s1_spawn *spec, pid_t *pid, struct s1_err *err);

/* Block SIGCHLD and the signals a supervisor passes on (HUP, INT, QUIT, USR1, USR2, TERM,
 * WINCH, ALRM) in the calling process; *set receives them, for spawn_supervise. A child
 * started afterwards gets an empty mask. */
void spawn_block_signals(sigset_t *set);

/* Wait for child, passing on the signals of set that a process sent (kill, sigqueue); those
 * from the terminal reached the child already. Returns its exit code, or 128+signal. Other
 * children are reaped on the way. */
int spawn_supervise(pid_t child, const sigset_t *set);

/* Was the signal sent by a process (kill, sigqueue, tkill)? Then a supervisor passes it on;
 * one from the terminal reached its children already. */
bool spawn_signal_from_process(const siginfo_t *si);

/* Wait for pid; returns its exit code, or 128+signal. */
int spawn_wait(pid_t pid);

/* The status rkt and a shell report for a waitpid() status: code, or 128+signal. */
int spawn_exit_code(int wstatus);

#endif
