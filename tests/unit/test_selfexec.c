/* selfexec_sealed: the binary re-executes itself from a file nothing can write, by each of its
 * two ways. The test binary is the binary: a child calls selfexec_sealed, and the copy of this
 * program it re-executes (argv[1] PROBE) reports what it runs from. */
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
#include "stage1c/util.h"
#include "testutil.h"

#define PROBE "--selfexec-probe"

#ifndef SYS_statmount
#define SYS_statmount 457
#endif

/* In the re-executed copy: what it runs from ("memfd" sealed, "mount" read-only, else
 * "other"), whether an open of it for writing fails ("refused", else "WRITABLE"), and
 * whether selfexec_sealed now returns at once ("sealed"). */
static int probe(char **argv, char **envp)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statvfs sv;
	const char *from = "other";
	if (fcntl(self, F_GET_SEALS) > 0)
		from = "memfd";
	else if (fstatvfs(self, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		from = "mount";
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", self);
	int w = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (w >= 0 && write(w, "", 0) == 0 && write(w, "x", 1) == 1)
		w = 1000;
	const char *write_result = w == 1000 ? "WRITABLE" : "refused";
	int r = selfexec_sealed(argv, envp);
	printf("%s %s %s\n", from, write_result, r == 0 ? "sealed" : "NOT-SEALED");
	return 0;
}

/* Run selfexec_sealed in a child (without the listed calls, when n > 0) and return the copy's
 * report. */
static char *run_child(const int *deny, size_t n)
{
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		if (n > 0 && tu_deny_enosys(deny, n) < 0)
			_exit(2);
		char self[PATH_MAX];
		ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (l < 0)
			_exit(3);
		self[l] = '\0';
		char *argv[] = {self, PROBE, NULL};
		char *envp[] = {NULL};
		selfexec_sealed(argv, envp);
		_exit(4); /* returned: it did not re-execute */
	}
	close(out[1]);
	char buf[256] = {0};
	size_t got = 0;
	ssize_t r;
	while (got < sizeof(buf) - 1 && (r = read(out[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)r;
	close(out[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the child ended with status %#x: %s", st, buf);
	return s1_xstrdup(buf);
}

static void test_read_only_mount(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* a mount of its own needs CAP_SYS_ADMIN */
	_cleanup_free_ char *report = run_child(NULL, 0);
	if (syscall(SYS_statmount, NULL, NULL, 0, 0) < 0 && errno == ENOSYS)
		assert_string_equal(report, "memfd refused sealed\n"); /* before Linux 6.8 */
	else
		assert_string_equal(report, "mount refused sealed\n");
}

/* A kernel without statmount (before 6.8): the sealed memfd copy. */
static void test_memfd(void **state)
{
	(void)state;
	static const int deny[] = {SYS_statmount};
	_cleanup_free_ char *report = run_child(deny, 1);
	assert_string_equal(report, "memfd refused sealed\n");
}

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && strcmp(argv[1], PROBE) == 0)
		return probe(argv, envp);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_only_mount),
	    cmocka_unit_test(test_memfd),
	};
	return cmocka_run_group_tests_name("selfexec", tests, NULL, NULL);
}
