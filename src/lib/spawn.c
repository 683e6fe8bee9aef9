/* fork/exec into the app's root, with exec failures reported back through a CLOEXEC pipe. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
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
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL); /* fails harmlessly for the C library's own */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: chroot into the app's root and change to its working directory. */
static int enter_root(const struct s1_spawn *spec, struct s1_err *err)
{
	if (fchdir(spec->rootfd) < 0 || chroot(".") < 0)
		return s1_error(err, errno, "entering the app's root");
	/* The working directory was resolved inside the root once, as a descriptor: nothing the
	 * app (or a handler) did to that path since can move the process out of its root. */
	if (spec->workdirfd >= 0 ? fchdir(spec->workdirfd) < 0 : chdir("/") < 0)
		return s1_error(err, errno, "changing to the working directory %s",
				spec->workdir ? spec->workdir : "/");
	return 0;
}

/* The kernel's calls for 32-bit ids, made directly: the child is its process's only thread,
 * and musl's wrappers would bracket each with three signal mask changes, for other threads. */
#ifdef SYS_setresuid32
#define SYS_SETGROUPS SYS_setgroups32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETRESUID SYS_setresuid32
#else
#define SYS_SETGROUPS SYS_setgroups
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETRESUID SYS_setresuid
#endif

/* In the child: take the app's groups and user, for good (real, effective and saved ids). */
static int set_ids(const struct s1_ids *ids, struct s1_err *err)
{
	if (syscall(SYS_SETGROUPS, ids->n_groups, ids->groups) < 0)
		return s1_error(err, errno, "setting supplementary groups");
	if (syscall(SYS_SETRESGID, ids->gid, ids->gid, ids->gid) < 0)
		return s1_error(err, errno, "setting the group id");
	if (syscall(SYS_SETRESUID, ids->uid, ids->uid, ids->uid) < 0)
		return s1_error(err, errno, "setting the user id");
	return 0;
}

/* In the child: enter the root and exec, tied to its parent (leader) with PR_SET_PDEATHSIG.
 * Returns only on failure, with err naming the step that failed. */
static int enter_and_exec(const struct s1_spawn *spec, pid_t leader, bool in_cgroup2,
			  struct s1_err *err)
{
	const struct s1_confine *c = spec->confine;
	int r;
	reset_signals();
	if ((r = mark_fds_cloexec()) < 0)
		return s1_error(err, r, "closing inherited descriptors");
	if (c && (r = confine_before_setuid(c, in_cgroup2)) < 0)
		return s1_error(err, r, "joining the pod's cgroups and dropping capabilities");
	if ((r = enter_root(spec, err)) < 0 || (r = set_ids(spec->ids, err)) < 0)
		return r;
	if (c && (r = confine_after_setuid(c)) < 0)
		return s1_error(err, r, "setting the app's capabilities");
	/* After the last credential change, which would clear it; then make sure the leader did
	 * not die before it was set. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return s1_error(err, errno, "tying the app to its leader");
	if (getppid() != leader)
		_exit(137);
	/* Last: from here on the filter applies. Should execve fail, reporting it takes write and
	 * exit_group; a filter that blocks those kills the child instead (status 128+SIGSYS). */
	if (c && (r = confine_load_seccomp(c)) < 0)
		return s1_error(err, r, "loading the seccomp filter");
	execve(spec->path, spec->argv, spec->envp);
	return s1_error(err, errno, "can't execute \"%s\"", spec->argv[0]);
}

/* The v2 cgroup to create the child in: -1 where there is none, or it joins by moving. */
static int clone_cgroup(const struct s1_spawn *spec)
{
	const struct s1_confine *c = spec->confine;
	return c && !c->cgroup2_move ? c->cgroup2_dir : -1;
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

/* A failing child sends its whole error in one write, which a pipe keeps in one piece. */
_Static_assert(sizeof(struct s1_err) <= PIPE_BUF, "a child's error must fit one pipe write");

/* In the parent: the report pipe closes at the child's exec (0) or carries its error. */
static int wait_for_exec(const struct s1_spawn *spec, pid_t pid, int fd, struct s1_err *err)
{
	struct s1_err rep;
	ssize_t n;
	do
		n = read(fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n == 0)
		return 0;
	if (n < 0) {
		/* We cannot tell whether it reached exec: it must not run unsupervised. */
		kill(pid, SIGKILL);
		spawn_wait(pid);
		return s1_error(err, e, "reading the setup report of \"%s\"", spec->argv[0]);
	}
	spawn_wait(pid);
	if (n != (ssize_t)sizeof(rep))
		return s1_error(err, 0, "can't execute \"%s\": the child died during setup",
				spec->argv[0]);
	rep.msg[sizeof(rep.msg) - 1] = '\0';
	if (rep.code <= 0)
		rep.code = EINVAL;
	if (err)
		*err = rep;
	return -rep.code;
}

/* x86-64 and no AddressSanitizer (whose stack bookkeeping a second stack in the parent's frame
 * would confuse): clone3 with CLONE_VM | CLONE_VFORK straight into the cgroup, as posix_spawn
 * does. No page tables are copied and neither process takes copy-on-write faults (about 3 µs
 * each on a VM); the parent sleeps until the child's execve (or exit) and reads any error from
 * the shared memory. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define HAVE_VM_CLONE 1
#define VM_CHILD_STACK 65536

/* The child of a shared-memory clone: what it needs, and where it leaves an error. */
struct vm_child {
	const struct s1_spawn *spec;
	pid_t leader;
	struct s1_err err; /* code 0: the child reached execve (or died before it could fail) */
};

static int vm_child_main(void *arg)
{
	struct vm_child *x = arg;
	enter_and_exec(x->spec, x->leader, true, &x->err);
	if (x->err.code <= 0)
		x->err.code = EINVAL;
	return 127;
}

/* clone3 whose child runs fn(arg) on the given stack and exits with its value: it never
 * returns into the parent's frames, which it shares. */
static long clone3_run(struct clone_args *args, int (*fn)(void *), void *arg)
{
	register long rax __asm__("rax") = SYS_clone3;
	register void *rdi __asm__("rdi") = args;
	register long rsi __asm__("rsi") = (long)sizeof(*args);
	register int (*r12)(void *) __asm__("r12") = fn;
	register void *r13 __asm__("r13") = arg;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov $60, %%eax\n\t" /* exit(2): this thread only */
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "+r"(rax)
			 : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
			 : "rcx", "r11", "memory");
	return rax;
}

/* Until its execve the child shares the leader's memory, and a new user id of its makes that
 * memory undumpable, the leader's: the leader's dumpability is put back after. (An
 * oom_score_adj the child writes stays its own: the kernel does not pass a vfork child's on.) */
static void restore_dumpable(int dumpable)
{
	if (dumpable >= 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != dumpable)
		prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
}

/* 1: the child reached execve (*pid_out set); -errno: it failed (err set) and is reaped; 0:
 * the kernel cannot make such a clone (the caller forks instead). */
static int spawn_vm(const struct s1_spawn *spec, pid_t *pid_out, struct s1_err *err)
{
	_Alignas(16) char stack[VM_CHILD_STACK];
	struct vm_child x = {.spec = spec, .leader = getpid()};
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	struct clone_args args = {
	    .flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP,
	    .exit_signal = SIGCHLD,
	    .stack = (uint64_t)(uintptr_t)stack,
	    .stack_size = sizeof(stack),
	    .cgroup = (uint64_t)clone_cgroup(spec),
	};
	long pid = clone3_run(&args, vm_child_main, &x);
	restore_dumpable(dumpable);
	if (pid < 0)
		return 0;
	if (x.err.code == 0) {
		*pid_out = (pid_t)pid;
		return 1;
	}
	spawn_wait((pid_t)pid);
	x.err.msg[sizeof(x.err.msg) - 1] = '\0';
	if (err)
		*err = x.err;
	return -x.err.code;
}
#endif

int spawn_in_root(const struct s1_spawn *spec, pid_t *pid_out, struct s1_err *err)
{
#ifdef HAVE_VM_CLONE
	if (clone_cgroup(spec) >= 0) {
		int r = spawn_vm(spec, pid_out, err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
#endif
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return s1_error(err, errno, "pipe");
	pid_t leader = getpid();
	bool in_cgroup2 = false;
	pid_t pid = fork_into_cgroup(clone_cgroup(spec), &in_cgroup2);
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return s1_error(err, e, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		struct s1_err child_err = {0};
		enter_and_exec(spec, leader, in_cgroup2, &child_err);
		(void)!write(p[1], &child_err, sizeof(child_err));
		_exit(127);
	}
	close(p[1]);
	int r = wait_for_exec(spec, pid, p[0], err);
	if (r == 0)
		*pid_out = pid;
	return r;
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

bool spawn_signal_from_process(const siginfo_t *si)
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
		if (spawn_signal_from_process(&si)) {
			s1_debug("forwarding signal %d to PID %ld", s, (long)child);
			kill(child, s);
		}
	}
}
