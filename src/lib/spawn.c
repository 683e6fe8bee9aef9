/* fork/exec into the app's root, with exec failures reported back through a CLOEXEC pipe. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stage1c/confine.h"
#include "stage1c/log.h"
#include "stage1c/spawn.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

enum child_step {
	STEP_FDS = 1,
	STEP_CONFINE,
	STEP_CHROOT,
	STEP_CHDIR,
	STEP_SETGROUPS,
	STEP_SETGID,
	STEP_SETUID,
	STEP_CAPS,
	STEP_PDEATHSIG,
	STEP_SECCOMP,
	STEP_EXEC,
};

struct child_report {
	int step;
	int err;
};

static const char *step_name(int step)
{
	switch (step) {
	case STEP_FDS:
		return "closing inherited descriptors";
	case STEP_CONFINE:
		return "joining the pod's cgroups and dropping capabilities";
	case STEP_CAPS:
		return "setting the app's capabilities";
	case STEP_CHROOT:
		return "entering the app's root";
	case STEP_CHDIR:
		return "changing to the working directory";
	case STEP_SETGROUPS:
		return "setting supplementary groups";
	case STEP_SETGID:
		return "setting the group id";
	case STEP_SETUID:
		return "setting the user id";
	case STEP_PDEATHSIG:
		return "tying the app to its leader";
	case STEP_SECCOMP:
		return "loading the seccomp filter";
	default:
		return "starting the app";
	}
}

/* Every descriptor above 2 closes at exec, the lock fd and the report pipe included. */
static int mark_fds_cloexec(void)
{
	if (s1_close_range(3, ~0U, S1_CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	/* Before Linux 5.11: walk the open descriptors. */
	long max = sysconf(_SC_OPEN_MAX);
	for (int fd = 3; fd < (max > 0 ? max : 1024); fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	return 0;
}

static void reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL); /* fails harmlessly for KILL, STOP and reserved ones */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: enter the root and exec, tied to its parent (leader) with PR_SET_PDEATHSIG.
 * Returns only on failure: the step that failed, errno in *e. */
static int enter_and_exec(const struct s1_spawn *spec, pid_t leader, bool in_cgroup2, int *e)
{
	const struct s1_ids *ids = spec->ids;
	int r;
	*e = 0;
	reset_signals();
	if (mark_fds_cloexec() < 0)
		return *e = errno, STEP_FDS;
	if (spec->confine && (r = confine_before_setuid(spec->confine, in_cgroup2)) < 0) {
		*e = -r;
		return STEP_CONFINE;
	}
	if (fchdir(spec->rootfd) < 0 || chroot(".") < 0)
		return *e = errno, STEP_CHROOT;
	/* The working directory was resolved inside the root once, as a descriptor: nothing the
	 * app (or a handler) did to that path since can move the process out of its root. */
	if (spec->workdirfd >= 0 ? fchdir(spec->workdirfd) < 0 : chdir("/") < 0)
		return *e = errno, STEP_CHDIR;
	if (setgroups(ids->n_groups, ids->groups) < 0)
		return *e = errno, STEP_SETGROUPS;
	if (setresgid(ids->gid, ids->gid, ids->gid) < 0)
		return *e = errno, STEP_SETGID;
	if (setresuid(ids->uid, ids->uid, ids->uid) < 0)
		return *e = errno, STEP_SETUID;
	if (spec->confine && (r = confine_after_setuid(spec->confine)) < 0) {
		*e = -r;
		return STEP_CAPS;
	}
	/* After the last credential change, which would clear it; then make sure the leader did
	 * not die before it was set. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return *e = errno, STEP_PDEATHSIG;
	if (getppid() != leader)
		_exit(137);
	/* Last: from here on the filter applies. Should execve fail, reporting it takes write and
	 * exit_group; a filter that blocks those kills the child instead (status 128+SIGSYS). */
	if (spec->confine && (r = confine_load_seccomp(spec->confine)) < 0) {
		*e = -r;
		return STEP_SECCOMP;
	}
	execve(spec->path, spec->argv, spec->envp);
	return *e = errno, STEP_EXEC;
}

static int report_error(const struct s1_spawn *spec, int step, int e, struct s1_err *err)
{
	if (step == STEP_EXEC)
		return s1_error(err, e, "can't execute \"%s\"", spec->argv[0]);
	if (step == STEP_CHDIR)
		return s1_error(err, e, "%s %s", step_name(step),
				spec->workdir ? spec->workdir : "/");
	return s1_error(err, e, "%s", step_name(step));
}

/* fork(), or where a v2 cgroup is given, clone3 straight into it: a process created in its
 * cgroup is not migrated, and a migration waits for an RCU grace period (milliseconds). */
static pid_t fork_into_cgroup(int cgroup_dir, bool *in_cgroup)
{
	*in_cgroup = false;
	if (cgroup_dir >= 0) {
		struct clone_args args = {
		    .flags = CLONE_INTO_CGROUP,
		    .exit_signal = SIGCHLD,
		    .cgroup = (uint64_t)cgroup_dir,
		};
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*in_cgroup = true;
			return (pid_t)pid;
		}
		/* Before Linux 5.7, or a cgroup clone3 cannot use: the child joins by itself. */
	}
	return fork();
}

int spawn_in_root(const struct s1_spawn *spec, pid_t *pid_out, struct s1_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return s1_error(err, errno, "pipe");
	pid_t leader = getpid();
	bool in_cgroup2 = false;
	pid_t pid = fork_into_cgroup(spec->confine ? spec->confine->cgroup2_dir : -1, &in_cgroup2);
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return s1_error(err, e, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		struct child_report rep;
		rep.step = enter_and_exec(spec, leader, in_cgroup2, &rep.err);
		(void)!write(p[1], &rep, sizeof(rep));
		_exit(127);
	}
	close(p[1]);
	struct child_report rep;
	ssize_t n;
	do
		n = read(p[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == 0) {
		*pid_out = pid;
		return 0;
	}
	if (n < 0) {
		/* We cannot tell whether it reached exec: it must not run unsupervised. */
		int e = errno;
		kill(pid, SIGKILL);
		spawn_wait(pid);
		return s1_error(err, e, "reading the setup report of \"%s\"", spec->argv[0]);
	}
	spawn_wait(pid);
	if (n != (ssize_t)sizeof(rep))
		return s1_error(err, 0, "can't execute \"%s\": the child died during setup",
				spec->argv[0]);
	return report_error(spec, rep.step, rep.err, err);
}

int spawn_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

int spawn_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 255;
	return spawn_exit_code(st);
}

/* Signals a user or supervisor sends to rkt run or rkt enter, passed on to the child. */
static const int forwarded_signals[] = {SIGHUP,	 SIGINT,  SIGQUIT,  SIGUSR1,
					SIGUSR2, SIGTERM, SIGWINCH, SIGALRM};

void spawn_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < S1_ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(set, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static bool sent_by_a_process(const siginfo_t *si)
{
	/* kill(2), sigqueue(3), tkill(2): not the terminal, which already signalled the child. */
	return si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL;
}

int spawn_supervise(pid_t child, const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int s = sigwaitinfo(set, &si);
		if (s < 0)
			continue; /* EINTR */
		if (s == SIGCHLD) {
			int st;
			pid_t p;
			while ((p = waitpid(-1, &st, WNOHANG)) > 0)
				if (p == child)
					return spawn_exit_code(st);
			continue;
		}
		if (sent_by_a_process(&si)) {
			s1_debug("forwarding signal %d to PID %ld", s, (long)child);
			kill(child, s);
		}
	}
}
