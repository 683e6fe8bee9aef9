/* selfexec_sealed: the binary re-executes itself from a file nothing can write, by each of its
 * two ways. The test binary is the binary: a child calls selfexec_sealed, the copy of this
 * program it re-executes (argv[1] PROBE) reports what it runs from, and the file it ran from
 * refuses a write through a descriptor kept past its exit. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage1c/selfexec.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"
#include "testutil.h"

#define FIRST "--selfexec-first"
#define PROBE "--selfexec-probe"

#ifndef SYS_statmount
#define SYS_statmount 457
#endif

/* In the re-executed copy: what it runs from ("memfd", sealed; "detached", a read-only mount of
 * the file alone that this namespace does not hold; else "other") and whether selfexec_sealed
 * now returns at once ("sealed"); then it waits for its stdin to close. */
static int probe(char **argv, char **envp)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statvfs sv;
	uint64_t id;
	char buf[S1_STATMOUNT_STR + 64];
	const char *from = "other";
	if (fcntl(self, F_GET_SEALS) > 0)
		from = "memfd";
	else if (fstatvfs(self, &sv) == 0 && (sv.f_flag & ST_RDONLY) &&
		 s1_fd_is_mount_root(self) == 1 && s1_fd_mount_id_unique(self, &id) == 0 &&
		 s1_statmount(id, S1_STATMOUNT_SB_BASIC, buf, sizeof(buf)) < 0 && errno == ENOENT)
		from = "detached";
	int r = selfexec_sealed(argv, envp);
	printf("%s %s\n", from, r == 0 ? "sealed" : "NOT-SEALED");
	fflush(stdout);
	char c;
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	return 0;
}

/* A copy of this program, which no other process runs (the kernel refuses writes to a file
 * that runs, ETXTBSY, before it looks at the mount). */
static char *copy_of_self(char *dir)
{
	assert_non_null(mkdtemp(dir));
	char *path = s1_xasprintf("%s/t", dir);
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	assert_true(in >= 0 && out >= 0);
	_cleanup_free_ char *data = NULL;
	size_t len;
	assert_int_equal(s1_read_fd(in, 1u << 30, &data, &len), 0);
	assert_int_equal(s1_write_all(out, data, len), 0);
	close(in);
	close(out);
	return path;
}

/* Run a copy of this program (FIRST: it calls selfexec_sealed) in a child, without the listed
 * calls when n > 0. The re-executed copy's report, and what a descriptor of its
 * /proc/PID/exe, kept until it has exited, gives an open and a write: "EROFS", "EPERM", or
 * "WRITABLE". */
static char *run_child(const int *deny, size_t n)
{
	char dir[] = "/tmp/stage1c-test-selfexec-XXXXXX";
	_cleanup_free_ char *path = copy_of_self(dir);
	int out[2], in[2];
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(in), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(in[0], STDIN_FILENO);
		close(in[1]);
		close(out[0]);
		if (n > 0 && tu_deny_enosys(deny, n) < 0)
			_exit(2);
		char *argv[] = {path, FIRST, NULL};
		char *envp[] = {NULL};
		execve(path, argv, envp);
		_exit(3);
	}
	close(out[1]);
	close(in[0]);
	char line[128] = {0};
	size_t got = 0;
	while (got < sizeof(line) - 1 && read(out[0], line + got, 1) > 0)
		if (line[got++] == '\n')
			break;
	char exe[64];
	snprintf(exe, sizeof(exe), "/proc/%ld/exe", (long)pid);
	int kept = open(exe, O_PATH | O_CLOEXEC);
	close(in[1]);
	close(out[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the child ended with status %#x: %s", st, line);
	assert_true(kept >= 0);
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", kept);
	const char *result = "WRITABLE";
	int w = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (w < 0)
		result = errno == EROFS ? "EROFS" : strerror(errno);
	else if (write(w, "x", 1) < 0)
		result = errno == EPERM ? "EPERM" : strerror(errno);
	if (w >= 0)
		close(w);
	close(kept);
	tu_rm_tree(dir);
	return s1_xasprintf("%s%s", line, result);
}

static void test_read_only_mount(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* a mount of its own needs CAP_SYS_ADMIN */
	_cleanup_free_ char *report = run_child(NULL, 0);
	if (syscall(SYS_statmount, NULL, NULL, 0, 0) < 0 && errno == ENOSYS)
		assert_string_equal(report, "memfd sealed\nEPERM"); /* before Linux 6.8 */
	else
		assert_string_equal(report, "detached sealed\nEROFS");
}

/* A kernel without statmount (before 6.8): the sealed memfd copy. */
static void test_memfd(void **state)
{
	(void)state;
	static const int deny[] = {SYS_statmount};
	_cleanup_free_ char *report = run_child(deny, 1);
	assert_string_equal(report, "memfd sealed\nEPERM");
}

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && strcmp(argv[1], PROBE) == 0)
		return probe(argv, envp);
	if (argc > 1 && strcmp(argv[1], FIRST) == 0) {
		char *again[] = {argv[0], PROBE, NULL};
		selfexec_sealed(again, envp);
		return 4; /* it returned: it did not re-execute */
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_only_mount),
	    cmocka_unit_test(test_memfd),
	};
	return cmocka_run_group_tests_name("selfexec", tests, NULL, NULL);
}
