/* A static probe for end-to-end tests: run as (or by) the app, it prints what the app got.
 * Each argument is a question; answers are one "key=value" line each, in order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>

extern char **environ;

static void print_ids(void)
{
	gid_t groups[256];
	int n = getgroups(256, groups);
	printf("uid=%u gid=%u euid=%u egid=%u groups=", getuid(), getgid(), geteuid(), getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	printf("\n");
}

static void print_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		printf("fds=error:%s\n", strerror(errno));
		return;
	}
	int self = dirfd(d);
	int fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd != self)
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];
				fds[i] = fds[j];
				fds[j] = t;
			}
	printf("fds=");
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", fds[i]);
	printf("\n");
}

static void print_env(void)
{
	for (char **e = environ; *e; e++)
		printf("env=%s\n", *e);
}

static void try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		printf("write:%s=%s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	printf("write:%s=ok\n", path);
}

static void try_read(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("read:%s=%s\n", path, strerror(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		printf("read:%s=%s\n", path, strerror(errno));
		return;
	}
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = '|';
	printf("read:%s=%zd:%s\n", path, n, buf);
}

/* The capability lines of /proc/self/status, and NoNewPrivs. */
static void print_status_lines(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	if (!f) {
		printf("caps=error:%s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Cap", 3) != 0 && strncmp(line, "NoNewPrivs", 10) != 0)
			continue;
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		printf("%s=%s\n", line, v);
	}
	fclose(f);
}

/* The seccomp lines of /proc/self/status: "Seccomp=2" under a filter. */
static void print_seccomp(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	if (!f) {
		printf("seccomp=error:%s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Seccomp", 7) != 0)
			continue;
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *v = colon + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		printf("%s=%s\n", line, v);
	}
	fclose(f);
}

/* One system call with harmless arguments: "sys:NAME=ok", or its errno's name. A call the
 * seccomp filter kills ends the probe with SIGSYS. Only calls that change nothing here. */
static void try_syscall(const char *name)
{
	long r;
	if (strcmp(name, "getpid") == 0)
		r = syscall(SYS_getpid);
	else if (strcmp(name, "unshare") == 0)
		r = syscall(SYS_unshare, 0); /* no flags: nothing is unshared */
	else if (strcmp(name, "mount") == 0)
		r = syscall(SYS_mount, "none", "/nonexistent/probe", "tmpfs", 0, NULL);
	else if (strcmp(name, "umount2") == 0)
		r = syscall(SYS_umount2, "/nonexistent/probe", 0);
	else if (strcmp(name, "clone3") == 0)
		r = syscall(SYS_clone3, NULL, 0); /* EINVAL where it is allowed */
	else if (strcmp(name, "rseq") == 0)
		r = syscall(SYS_rseq, NULL, 0, 0, 0); /* EINVAL (or EBUSY) where allowed */
	else if (strcmp(name, "socket") == 0) {
		r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (r >= 0)
			close((int)r);
	} else {
		printf("sys:%s=unknown-to-probe\n", name);
		return;
	}
	if (r >= 0) {
		printf("sys:%s=ok\n", name);
		return;
	}
#ifdef __GLIBC__
	const char *en = strerrorname_np(errno);
	if (en) {
		printf("sys:%s=%s\n", name, en);
		return;
	}
#endif
	printf("sys:%s=errno-%d\n", name, errno);
}

static void print_file(const char *key, const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	if (!f) {
		printf("%s=error:%s\n", key, strerror(errno));
		return;
	}
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		printf("%s=%s\n", key, buf);
	}
	fclose(f);
}

static void try_bind(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		printf("bind:%d=%s\n", port, strerror(errno));
	else
		printf("bind:%d=ok\n", port);
	if (fd >= 0)
		close(fd);
}

/* Allocate and touch size MiB, reporting progress, so a memory limit shows where it bites. */
static void alloc_mib(long mib)
{
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (!p) {
			printf("alloc=failed-at:%ld\n", i);
			return;
		}
		memset(p, 1, 1 << 20);
	}
	printf("alloc=%ld\n", mib);
}

/* A seccomp filter that gives every call of nr action and allows the rest: seccomp(2)'s
 * result (with SECCOMP_FILTER_FLAG_NEW_LISTENER in flags, the listener). */
static int filter_call(int nr, unsigned action, unsigned flags)
{
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, action),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* The child of kill_at_nth: the filter that stops at every call of nr for the parent to
 * decide, its listener passed to the parent, then CMD. */
static void notify_child(int nr, int sock, char **cmd)
{
	int fd = filter_call(nr, SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (fd < 0) {
		perror("probe: seccomp listener");
		_exit(2);
	}
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	char byte = 0;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1) {
		perror("probe: sendmsg");
		_exit(2);
	}
	close(fd);
	close(sock);
	execvp(cmd[0], cmd);
	perror("probe: exec");
	_exit(127);
}

/* Run CMD (and all it starts) with every call of nr stopped for this process to count: the
 * caller of the nth is killed there (SIGKILL), the others go on. Returns CMD's exit code. */
static int kill_at_nth(int nr, int nth, char **cmd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("probe: socketpair");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("probe: fork");
		return 2;
	}
	if (pid == 0) {
		close(sv[0]);
		notify_child(nr, sv[1], cmd);
	}
	close(sv[1]);
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	int fd = -1;
	if (recvmsg(sv[0], &msg, 0) == 1 && CMSG_FIRSTHDR(&msg))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	close(sv[0]);
	struct seccomp_notif_sizes sizes;
	if (fd >= 0 && syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0) {
		struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
		struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
		int count = 0;
		for (;;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (!(p.revents & POLLIN))
				break; /* POLLHUP: nothing runs under the filter any more */
			memset(req, 0, sizes.seccomp_notif);
			if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
				if (errno == EINTR || errno == ENOENT)
					continue;
				break;
			}
			if (++count == nth)
				kill((pid_t)req->pid, SIGKILL);
			memset(resp, 0, sizes.seccomp_notif_resp);
			resp->id = req->id;
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp); /* ENOENT once killed */
		}
		free(req);
		free(resp);
	}
	if (fd >= 0)
		close(fd);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Exec argv[1..] ("--" first) with a seccomp filter that kills the process at its first call
 * of system call nr (or, with nth > 1, its nth call, counted by this process): killsteps' way
 * to the calls its strace does not know by name. */
static int kill_at(int nr, int nth, int argc, char **argv)
{
	if (nr <= 0 || nth <= 0 || argc < 2 || strcmp(argv[0], "--") != 0) {
		fprintf(stderr, "probe: kill-at:NR[:N] -- CMD [ARGS...]\n");
		return 2;
	}
	if (nth > 1)
		return kill_at_nth(nr, nth, argv + 1);
	if (filter_call(nr, SECCOMP_RET_KILL_PROCESS, 0) < 0) {
		perror("probe: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("probe: exec");
	return 127;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: probe "
		"[ids|fds|env|cwd|pid|ppid|caps|seccomp|oom|cgroup|bind:PORT|alloc:MIB|write:PATH|"
		"read:PATH|exists:PATH|sys:NAME|exit:N|kill:SIG|sleep:SECONDS|wait-signal]...\n"
		"       probe kill-at:NR[:N] -- CMD [ARGS...]  exec CMD, killed at its first (Nth) "
		"system\n"
		"                                           call number NR (seccomp), all it "
		"starts too\n");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage();
		return 2;
	}
	if (strncmp(argv[1], "kill-at:", 8) == 0) {
		const char *nth = strchr(argv[1] + 8, ':');
		return kill_at(atoi(argv[1] + 8), nth ? atoi(nth + 1) : 1, argc - 2, argv + 2);
	}
	for (int i = 1; i < argc; i++) {
		const char *q = argv[i];
		char buf[PATH_MAX];
		if (strcmp(q, "ids") == 0) {
			print_ids();
		} else if (strcmp(q, "caps") == 0) {
			print_status_lines();
		} else if (strcmp(q, "seccomp") == 0) {
			print_seccomp();
		} else if (strncmp(q, "sys:", 4) == 0) {
			try_syscall(q + 4);
		} else if (strcmp(q, "oom") == 0) {
			print_file("oom_score_adj", "/proc/self/oom_score_adj");
		} else if (strcmp(q, "cgroup") == 0) {
			print_file("cgroup", "/proc/self/cgroup");
		} else if (strncmp(q, "bind:", 5) == 0) {
			try_bind(atoi(q + 5));
		} else if (strncmp(q, "alloc:", 6) == 0) {
			alloc_mib(atol(q + 6));
		} else if (strcmp(q, "fds") == 0) {
			print_fds();
		} else if (strcmp(q, "env") == 0) {
			print_env();
		} else if (strcmp(q, "cwd") == 0) {
			printf("cwd=%s\n", getcwd(buf, sizeof(buf)) ? buf : strerror(errno));
		} else if (strcmp(q, "pid") == 0) {
			printf("pid=%d\n", getpid());
		} else if (strcmp(q, "ppid") == 0) {
			printf("ppid=%d\n", getppid());
		} else if (strncmp(q, "write:", 6) == 0) {
			try_write(q + 6);
		} else if (strncmp(q, "read:", 5) == 0) {
			try_read(q + 5);
		} else if (strncmp(q, "exists:", 7) == 0) {
			struct stat st;
			printf("exists:%s=%s\n", q + 7,
			       lstat(q + 7, &st) == 0 ? "yes" : strerror(errno));
		} else if (strncmp(q, "exit:", 5) == 0) {
			return atoi(q + 5);
		} else if (strncmp(q, "kill:", 5) == 0) {
			fflush(stdout);
			signal(atoi(q + 5), SIG_DFL);
			kill(getpid(), atoi(q + 5));
			pause();
		} else if (strncmp(q, "sleep:", 6) == 0) {
			sleep((unsigned)atoi(q + 6));
		} else if (strcmp(q, "wait-signal") == 0) {
			/* Report every signal until SIGTERM, one line each: tests count them. */
			int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH};
			sigset_t set;
			sigemptyset(&set);
			for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
				sigaddset(&set, sigs[k]);
			sigprocmask(SIG_BLOCK, &set, NULL);
			printf("ready\n");
			for (;;) {
				int s = sigwaitinfo(&set, NULL);
				if (s < 0)
					continue;
				printf("signal=%d\n", s);
				if (s == SIGTERM)
					break;
			}
		} else {
			usage();
			return 2;
		}
	}
	return 0;
}
