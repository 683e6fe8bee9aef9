/* Unit tests of code that resolves paths run twice: as they are, and in a child process whose
 * seccomp filter makes openat2 fail with ENOSYS, as on kernels before 5.6, so that the library's
 * component-by-component fallback answers every case too. The library has no switch for it:
 * the test side takes the system call away (as crun's tests/no_openat2.c does). */
#ifndef STAGE1C_TEST_NO_OPENAT2_H
#define STAGE1C_TEST_NO_OPENAT2_H

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* True in the run without openat2. */
static bool test_without_openat2;

static int deny_openat2(void)
{
	static const int nrs[] = {SYS_openat2};
	return tu_deny_enosys(nrs, 1);
}

/* Run the group as it is, then (in a child) without openat2. Returns the failures of both. */
static int run_group_with_and_without_openat2(const char *name, const struct CMUnitTest *tests,
					      size_t n, CMFixtureFunction setup,
					      CMFixtureFunction teardown)
{
	int failed = _cmocka_run_group_tests(name, tests, n, setup, teardown);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return failed + 1;
	if (pid == 0) {
		char child_name[128];
		snprintf(child_name, sizeof(child_name), "%s without openat2", name);
		if (deny_openat2() < 0) {
			perror("seccomp");
			_exit(1);
		}
		test_without_openat2 = true;
		int f = _cmocka_run_group_tests(child_name, tests, n, setup, teardown);
		fflush(NULL);
		_exit(f > 0 ? 1 : 0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return failed + 1;
	return failed + !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

#endif
