/* Unit tests of exec[0] resolution inside the app's rootfs, with execvp's rules. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "no_openat2.h"

#include "stage1c/exec.h"
#include "stage1c/path.h"
#include "stage1c/util.h"

struct fixture {
	char base[64];
	bool created;
	char *root;
	char *host_bin; /* an executable outside the root */
	int rootfd;
};

static int setup(void **state)
{
	struct fixture *f = s1_xcalloc(1, sizeof(*f));
	*state = f;
	f->rootfd = -1;
	snprintf(f->base, sizeof(f->base), "/tmp/s1-test-exec.XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	f->created = true;
	f->root = s1_xasprintf("%s/root", f->base);
	f->host_bin = s1_xasprintf("%s/host/hostonly", f->base);
	tu_mk_file(f->base, "host/hostonly", "", 0755);

	const char *r = f->root;
	tu_mk_file(r, "bin/sh", "", 0755);
	tu_mk_file(r, "bin/noexec", "", 0644);
	tu_mk_file(r, "bin/onlyowner", "", 0700);
	tu_mk_file(r, "bin/onlyother", "", 0601);
	tu_mk_dir(r, "bin/dir");
	tu_mk_file(r, "usr/bin/tool", "", 0755);
	tu_mk_file(r, "usr/local/bin/tool", "", 0755);
	tu_mk_file(r, "usr/bin/noexec", "", 0755);
	tu_mk_file(r, "app/run.sh", "", 0755);
	tu_mk_file(r, "app/sh", "", 0755);
	tu_mk_file(r, "app/sub/x", "", 0755);
	tu_mk_file(r, "app/bin/local", "", 0755);
	tu_mk_link(r, "bin/link", "/usr/bin/tool");
	tu_mk_link(r, "bin/rellink", "../usr/local/bin/tool");
	tu_mk_link(r, "bin/hostlink", f->host_bin);
	tu_mk_link(r, "bin/dangling", "/nowhere");
	tu_mk_link(r, "bin/dirlink", "/bin/dir");
	f->rootfd = open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return f->rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->rootfd >= 0)
		close(f->rootfd);
	if (f->created)
		tu_rm_tree(f->base);
	free(f->root);
	free(f->host_bin);
	free(f);
	return 0;
}

static void expect_path(struct fixture *f, const char *exec0, const char *workdir,
			const char *path_var, const char *want)
{
	{
		struct s1_err err = {0};
		char *got = NULL;
		int r = exec_resolve_in_root(f->rootfd, exec0, workdir, path_var, &got, &err);
		assert_int_equal(r < 0, got == NULL);
		if (!got)
			fail_msg("\"%s\" (workdir %s, PATH %s): %s", exec0, workdir, path_var,
				 err.msg);
		if (strcmp(got, want) != 0)
			fail_msg("\"%s\" (workdir %s, PATH %s): got %s, want %s", exec0, workdir,
				 path_var, got, want);
		free(got);
	}
}

static void expect_error(struct fixture *f, const char *exec0, const char *workdir,
			 const char *path_var, const char *reason)
{
	{
		struct s1_err err = {0};
		char *got = NULL;
		int r = exec_resolve_in_root(f->rootfd, exec0, workdir, path_var, &got, &err);
		assert_int_equal(r < 0, got == NULL);
		if (got) /* fail_msg() leaves the test by longjmp: no cleanup would run */
			fail_msg("\"%s\" resolved to %s, expected \"%s\"", exec0, got, reason);
		_cleanup_free_ char *want = s1_xasprintf("can't execute \"%s\": %s", exec0, reason);
		assert_string_equal(err.msg, want);
	}
}

#define PATH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void test_absolute(void **state)
{
	struct fixture *f = *state;
	expect_path(f, "/bin/sh", NULL, PATH_DEFAULT, "/bin/sh");
	expect_path(f, "/bin/sh", "/app", PATH_DEFAULT, "/bin/sh"); /* workdir is irrelevant */
	expect_path(f, "/usr/../bin/sh", NULL, NULL, "/usr/../bin/sh");
	expect_error(f, "/bin/nosuch", NULL, PATH_DEFAULT, "no such file or directory");
	expect_error(f, "/bin/noexec", NULL, PATH_DEFAULT, "permission denied");
	expect_error(f, "/bin/dir", NULL, PATH_DEFAULT, "is a directory");
	expect_error(f, "/bin/sh/x", NULL, PATH_DEFAULT, "not a directory");
	/* Any execute bit will do for root, as for execve. */
	expect_path(f, "/bin/onlyowner", NULL, NULL, "/bin/onlyowner");
	expect_path(f, "/bin/onlyother", NULL, NULL, "/bin/onlyother");
}

static void test_relative_with_slash(void **state)
{
	struct fixture *f = *state;
	expect_path(f, "./run.sh", "/app", PATH_DEFAULT, "/app/./run.sh");
	expect_path(f, "sub/x", "/app", PATH_DEFAULT, "/app/sub/x");
	expect_path(f, "sub/x", "/app/", PATH_DEFAULT, "/app/sub/x");
	expect_path(f, "bin/sh", NULL, PATH_DEFAULT, "/bin/sh"); /* no workdir: "/" */
	expect_error(f, "./run.sh", NULL, PATH_DEFAULT, "no such file or directory");
	expect_error(f, "./tool", "/app", PATH_DEFAULT, "no such file or directory");
	/* ".." cannot leave the root: this is the rootfs's /bin/sh. */
	expect_path(f, "../../../../bin/sh", "/app", NULL, "/app/../../../../bin/sh");
}

static void test_path_search_order(void **state)
{
	struct fixture *f = *state;
	/* /usr/local/bin comes before /usr/bin in the default PATH. */
	expect_path(f, "tool", NULL, PATH_DEFAULT, "/usr/local/bin/tool");
	expect_path(f, "tool", NULL, "/usr/bin:/usr/local/bin", "/usr/bin/tool");
	expect_path(f, "sh", NULL, PATH_DEFAULT, "/bin/sh");
	expect_path(f, "sh", "/app", "/bin:/app", "/bin/sh");
	expect_path(f, "sh", "/app", "/app:/bin", "/app/sh");
	expect_path(f, "tool", NULL, "/usr/bin/", "/usr/bin/tool");
	expect_path(f, "tool", NULL, "//usr//bin//", "//usr//bin//tool");
	expect_error(f, "nosuch", NULL, PATH_DEFAULT, "no such file or directory");
	expect_error(f, "tool", NULL, "/nope:/also/nope", "no such file or directory");
	/* A PATH element that is a file is skipped like a missing one. */
	expect_path(f, "tool", NULL, "/bin/sh:/usr/bin", "/usr/bin/tool");
}

static void test_empty_and_relative_path_elements(void **state)
{
	struct fixture *f = *state;
	/* An empty element is the working directory, wherever it stands. */
	expect_path(f, "run.sh", "/app", "/nope::/bin", "/app/run.sh");
	expect_path(f, "sh", "/app", ":/bin", "/app/sh");
	expect_path(f, "sh", "/app", "/bin:", "/bin/sh");
	expect_path(f, "run.sh", "/app", "/bin:", "/app/run.sh");
	expect_path(f, "run.sh", "/app", "", "/app/run.sh");
	expect_path(f, "run.sh", "/app", NULL, "/app/run.sh");
	expect_error(f, "sh", NULL, "", "no such file or directory"); /* "/sh" */
	/* A relative element is taken from the working directory. */
	expect_path(f, "local", "/app", "bin", "/app/bin/local");
	expect_path(f, "local", "/app", "/nope:bin:/bin", "/app/bin/local");
}

static void test_non_executables(void **state)
{
	struct fixture *f = *state;
	/* A non-executable hit is remembered but the search goes on, as in execvp. */
	expect_path(f, "noexec", NULL, "/bin:/usr/bin", "/usr/bin/noexec");
	expect_error(f, "noexec", NULL, "/bin", "permission denied");
	expect_error(f, "noexec", NULL, "/nope:/bin:/also-nope", "permission denied");
	expect_error(f, "dir", NULL, "/bin", "is a directory");
	expect_error(f, "dirlink", NULL, "/bin", "is a directory");
}

static void test_symlinked_binaries(void **state)
{
	struct fixture *f = *state;
	/* The link's own path is returned: execve follows it, inside the chroot. */
	expect_path(f, "/bin/link", NULL, NULL, "/bin/link");
	expect_path(f, "link", NULL, "/bin", "/bin/link");
	expect_path(f, "rellink", NULL, "/bin", "/bin/rellink");
	/* A link to a host binary is resolved in the root, where there is none. */
	expect_error(f, "/bin/hostlink", NULL, NULL, "no such file or directory");
	expect_error(f, "hostlink", NULL, "/bin", "no such file or directory");
	expect_error(f, f->host_bin, NULL, NULL, "no such file or directory");
	expect_error(f, "/bin/dangling", NULL, NULL, "no such file or directory");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_absolute),	       T(test_relative_with_slash),
	    T(test_path_search_order), T(test_empty_and_relative_path_elements),
	    T(test_non_executables),   T(test_symlinked_binaries),
	};
#undef T
	return run_group_with_and_without_openat2("exec", tests, S1_ARRAY_SIZE(tests), NULL, NULL);
}
