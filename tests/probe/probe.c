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

static void usage(void)
{
	fprintf(stderr, "usage: probe [ids|fds|env|cwd|pid|ppid|root|write:PATH|read:PATH|"
			"exists:PATH|exit:N|kill:SIG|sleep:SECONDS|wait-signal]...\n");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage();
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *q = argv[i];
		char buf[PATH_MAX];
		if (strcmp(q, "ids") == 0) {
			print_ids();
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
