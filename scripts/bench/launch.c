/* The benchmark's stage0 side: starts an entrypoint in a pod directory exactly as rkt does and
 * records CLOCK_MONOTONIC just before the exec (the start of every measured interval).
 *
 *   launch [--lock] [--stdin-null] [--stdout-null] [--hwm] [--report FILE] -C DIR -- PROG ARGS
 *
 * A parent forks; the child does what rkt's stage0 does and execs PROG: chdir DIR, and with
 * --lock opens DIR O_RDONLY|O_DIRECTORY, takes an exclusive flock, clears close-on-exec on it
 * and sets RKT_LOCK_FD and the RKT_SELINUX_* variables (rkt run); without it RKT_LOCK_FD is
 * removed (rkt enter, stop, gc). Every other descriptor above 2 is closed at the exec. The
 * parent waits (wait4) and writes one line to FILE (or stdout):
 *   t0=NS end=NS status=CODE maxrss_kb=KB hwm_kb=KB
 * t0: the child's clock just before execve; end: the parent's clock after wait4 returned;
 * maxrss_kb: ru_maxrss of the child (its images and its waited children; the kernel sums RSS
 * per CPU lazily, so this one can be off by a few hundred KB).
 * --hwm: the child runs under ptrace, stopped at every execve/execveat and at its exit to read
 * VmHWM from /proc: hwm_kb is the peak RSS of the process over all its images, exactly (its
 * own children are not counted). Its times mean nothing then (0 without --hwm).
 * Exits with the child's exit code (128+signal when killed), 125 on its own failure. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "launch: %s: %s\n", what, strerror(errno));
	_exit(125);
}

static void usage(void)
{
	fputs("usage: launch [--lock] [--stdin-null] [--stdout-null] [--report FILE] -C DIR -- "
	      "PROG [ARGS...]\n",
	      stderr);
	exit(125);
}

static void redirect_null(int fd, int flags)
{
	int n = open("/dev/null", flags | O_CLOEXEC);
	if (n < 0 || dup2(n, fd) < 0)
		die("/dev/null");
	close(n);
}

/* The child: rkt's stage0 from the chdir to the exec. Never returns. */
static void child(const char *dir, int lock, int stdin_null, int stdout_null, int trace,
		  char **argv, volatile int64_t *t0)
{
	/* rkt (Go) opens everything close-on-exec: nothing but 0-2 and the lock passes. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (stdin_null)
		redirect_null(0, O_RDONLY);
	if (stdout_null)
		redirect_null(1, O_WRONLY);
	if (chdir(dir) < 0)
		die(dir);
	if (lock) {
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			die(dir);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			die("flock");
		int fl = fcntl(fd, F_GETFD);
		if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			die("fcntl");
		char num[16];
		snprintf(num, sizeof(num), "%d", fd);
		if (setenv("RKT_LOCK_FD", num, 1) < 0 || setenv("RKT_SELINUX_CONTEXT", "", 1) < 0 ||
		    setenv("RKT_SELINUX_MOUNT_CONTEXT", "", 1) < 0)
			die("setenv");
	} else {
		unsetenv("RKT_LOCK_FD");
	}
	if (trace && (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 || raise(SIGSTOP) != 0))
		die("ptrace");
	extern char **environ;
	*t0 = now_ns();
	execve(argv[0], argv, environ);
	die(argv[0]);
}

static long vm_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Follow the traced child until it ends (reaped here: *st, *ru); returns the largest VmHWM
 * seen just before each of its execs (the image about to be replaced) and at its exit. */
static long trace_hwm(pid_t pid, int *st, struct rusage *ru)
{
	long hwm = 0;
	int sig = 0;
	if (wait4(pid, st, 0, ru) < 0)
		die("wait4");
	if (!WIFSTOPPED(*st))
		return 0; /* died before its SIGSTOP */
	ptrace(PTRACE_SETOPTIONS, pid, NULL,
	       (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
			      PTRACE_O_EXITKILL));
	for (;;) {
		ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig);
		sig = 0;
		while (wait4(pid, st, __WALL, ru) < 0)
			if (errno != EINTR)
				die("wait4");
		if (!WIFSTOPPED(*st))
			return hwm;
		int event = *st >> 16;
		if (WSTOPSIG(*st) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info info;
			long n = ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info);
			if (n > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY &&
			    (info.entry.nr == SYS_execve || info.entry.nr == SYS_execveat)) {
				long kb = vm_hwm_kb(pid);
				hwm = kb > hwm ? kb : hwm;
			}
		} else if (event == PTRACE_EVENT_EXIT) {
			long kb = vm_hwm_kb(pid);
			hwm = kb > hwm ? kb : hwm;
		} else if (event == 0 && WSTOPSIG(*st) != SIGTRAP) {
			sig = WSTOPSIG(*st); /* a signal for the child: deliver it */
		}
	}
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *report = NULL;
	int lock = 0, stdin_null = 0, stdout_null = 0, trace = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lock") == 0)
			lock = 1;
		else if (strcmp(argv[i], "--stdin-null") == 0)
			stdin_null = 1;
		else if (strcmp(argv[i], "--stdout-null") == 0)
			stdout_null = 1;
		else if (strcmp(argv[i], "--hwm") == 0)
			trace = 1;
		else if (strcmp(argv[i], "--report") == 0 && i + 1 < argc)
			report = argv[++i];
		else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			usage();
	}
	if (!dir || i >= argc)
		usage();

	int out = 1;
	if (report && (out = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		die(report);
	/* The child's t0 comes back through a shared page: no syscall between clock and exec. */
	volatile int64_t *t0 =
	    mmap(NULL, sizeof(int64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t0 == MAP_FAILED)
		die("mmap");
	*t0 = 0;

	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		child(dir, lock, stdin_null, stdout_null, trace, &argv[i], t0);

	/* Signals meant for the pod go to it alone (it is in our process group). */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int st;
	struct rusage ru;
	long hwm = 0;
	if (trace)
		hwm = trace_hwm(pid, &st, &ru);
	else
		while (wait4(pid, &st, 0, &ru) < 0)
			if (errno != EINTR)
				die("wait4");
	int64_t end = now_ns();
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	dprintf(out, "t0=%lld end=%lld status=%d maxrss_kb=%ld hwm_kb=%ld\n", (long long)*t0,
		(long long)end, code, ru.ru_maxrss, hwm);
	return code;
}
