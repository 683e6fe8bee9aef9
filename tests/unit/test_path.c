/* Unit tests of in-root path resolution. Every case runs twice, with openat2(RESOLVE_IN_ROOT)
 * and with the component-by-component fallback (no_openat2.h), and both must give the answer
 * the case wants. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "no_openat2.h"

#include "stage1c/path.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

/* Names that must never appear on the host: a resolution that escaped the root would create
 * them there. */
#define HOST_CANARY "/s1-path-test-must-not-exist"

struct fixture {
	char base[64];
	bool created;
	char *root[1];
	int rootfd[1];
};

static void build_tree(const char *r)
{
	tu_mk_dir(r, "b");
	tu_mk_file(r, "b/file", "in-root", 0644);
	tu_mk_file(r, "file", "top", 0644);
	tu_mk_dir(r, "etc");
	tu_mk_file(r, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
	tu_mk_link(r, "a", "/b");		      /* absolute: means <root>/b */
	tu_mk_link(r, "dir_link", "b");		      /* relative */
	tu_mk_link(r, "up", "../../../../etc");	      /* climbs above the root: clamps */
	tu_mk_link(r, "host_etc", "/etc");	      /* absolute to a host path: stays in */
	tu_mk_link(r, "escape_abs", "/../../../etc"); /* both at once */
	tu_mk_link(r, "dotdot", "..");
	tu_mk_link(r, "loop1", "loop2");
	tu_mk_link(r, "loop2", "loop1");
	tu_mk_link(r, "self", "self");
	tu_mk_link(r, "dangling", HOST_CANARY);
	tu_mk_link(r, "dangling_rel", "../../../../.." HOST_CANARY);
	tu_mk_link(r, "abs_file", "/b/file");
	tu_mk_link(r, "fslash",
		   "b/file/"); /* a trailing slash in the target: must be a directory */
	tu_mk_link(r, "c1", "c2");
	tu_mk_link(r, "c2", "/c3");
	tu_mk_link(r, "c3", "dir_link/");
	/* 40 links in a row resolve (the kernel's limit); 41 do not. */
	for (int i = 1; i <= 41; i++) {
		char name[16], target[16];
		snprintf(name, sizeof(name), "l%d", i);
		if (i == 41)
			snprintf(target, sizeof(target), "b");
		else
			snprintf(target, sizeof(target), "l%d", i + 1);
		tu_mk_link(r, name, target);
	}
}

static int setup(void **state)
{
	struct fixture *f = s1_xcalloc(1, sizeof(*f));
	*state = f;
	f->rootfd[0] = -1;
	snprintf(f->base, sizeof(f->base), "/tmp/s1-test-path.XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	f->created = true;
	umask(022);
	f->root[0] = s1_xasprintf("%s/root", f->base);
	if (mkdir(f->root[0], 0755) < 0)
		return -1;
	build_tree(f->root[0]);
	f->rootfd[0] = open(f->root[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	return f->rootfd[0] < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->rootfd[0] >= 0)
		close(f->rootfd[0]);
	free(f->root[0]);
	if (f->created)
		tu_rm_tree(f->base);
	free(f);
	return 0;
}

/* What an fd (or -errno) stands for: its path inside root ("/b/file"), "OUTSIDE <path>" if it
 * escaped, or the error's name. Closes the fd. */
static char *describe(int fd, const char *root)
{
	if (fd < 0) {
		switch (-fd) {
		case ENOENT:
			return s1_xstrdup("ENOENT");
		case ENOTDIR:
			return s1_xstrdup("ENOTDIR");
		case ELOOP:
			return s1_xstrdup("ELOOP");
		case EEXIST:
			return s1_xstrdup("EEXIST");
		case ENAMETOOLONG:
			return s1_xstrdup("ENAMETOOLONG");
		case EINVAL:
			return s1_xstrdup("EINVAL");
		case EXDEV:
			return s1_xstrdup("EXDEV");
		default:
			return s1_xasprintf("errno %d", -fd);
		}
	}
	char p[S1_FD_PATH_MAX], target[PATH_MAX];
	ssize_t n = readlink(path_fd(fd, p), target, sizeof(target) - 1);
	close(fd);
	if (n < 0)
		return s1_xstrdup("readlink failed");
	target[n] = '\0';
	size_t rlen = strlen(root);
	if (strcmp(target, root) == 0)
		return s1_xstrdup("/");
	if (strncmp(target, root, rlen) == 0 && target[rlen] == '/')
		return s1_xstrdup(target + rlen);
	return s1_xasprintf("OUTSIDE %s", target);
}

static void assert_host_untouched(void)
{
	struct stat st;
	if (lstat(HOST_CANARY, &st) == 0)
		fail_msg("%s was created on the host", HOST_CANARY);
}

static const char *mode_name(void)
{
	return test_without_openat2 ? "the fallback" : "openat2";
}

/* Open path: the answer must match want. */
static void check_open(struct fixture *f, const char *path, int flags, const char *want)
{
	_cleanup_free_ char *got =
	    describe(path_open_in_root(f->rootfd[0], path, flags), f->root[0]);
	if (strcmp(got, want) != 0)
		fail_msg("\"%s\" (flags %#o), %s: got %s, want %s", path, flags, mode_name(), got,
			 want);
}

static void test_openat2_available(void **state)
{
	(void)state;
	/* The first run is only meaningful where the kernel has openat2 (5.6+), the second only
	 * where the filter really takes it away. */
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (test_without_openat2) {
		assert_true(fd < 0 && errno == ENOSYS);
		return;
	}
	if (fd < 0)
		fail_msg("openat2 unavailable (%m): only the fallback would be tested");
	close((int)fd);
}

static void test_plain_paths(void **state)
{
	struct fixture *f = *state;
	check_open(f, "/", O_PATH, "/");
	check_open(f, ".", O_PATH, "/");
	check_open(f, "b", O_PATH, "/b");
	check_open(f, "/b", O_PATH, "/b");
	check_open(f, "b/file", O_PATH, "/b/file");
	check_open(f, "//b//file", O_PATH, "/b/file");
	check_open(f, "./b/./file", O_PATH, "/b/file");
	check_open(f, "b/", O_PATH, "/b");
	check_open(f, "b/.", O_PATH, "/b");
	check_open(f, "missing", O_PATH, "ENOENT");
	check_open(f, "missing/x", O_PATH, "ENOENT");
	check_open(f, "b/missing", O_PATH, "ENOENT");
	check_open(f, "", O_PATH, "ENOENT");
}

static void test_dotdot_clamps_at_root(void **state)
{
	struct fixture *f = *state;
	check_open(f, "..", O_PATH, "/");
	check_open(f, "../../../b/file", O_PATH, "/b/file");
	check_open(f, "/b/../../..", O_PATH, "/");
	check_open(f, "b/../..", O_PATH, "/");
	check_open(f, "b/../b/../../etc/passwd", O_PATH, "/etc/passwd");
	check_open(f, "dotdot/dotdot/b", O_PATH, "/b");
	check_open(f, "dotdot", O_PATH, "/");
}

static void test_symlinks_stay_in_root(void **state)
{
	struct fixture *f = *state;
	check_open(f, "a", O_PATH, "/b");
	check_open(f, "a/file", O_PATH, "/b/file");
	check_open(f, "a/", O_PATH, "/b");
	check_open(f, "a/..", O_PATH, "/");
	check_open(f, "dir_link/../b", O_PATH, "/b");
	check_open(f, "abs_file", O_PATH, "/b/file");
	check_open(f, "up", O_PATH, "/etc");
	check_open(f, "up/passwd", O_PATH, "/etc/passwd");
	check_open(f, "host_etc/passwd", O_PATH, "/etc/passwd");
	check_open(f, "host_etc/shadow", O_PATH, "ENOENT"); /* not the host's */
	check_open(f, "escape_abs/passwd", O_PATH, "/etc/passwd");
	check_open(f, "b/../up/../../passwd", O_PATH, "ENOENT");
	check_open(f, "c1/file", O_PATH, "/b/file");
	check_open(f, "dangling", O_PATH, "ENOENT");
	check_open(f, "dangling/x", O_PATH, "ENOENT");
	check_open(f, "dangling_rel", O_PATH, "ENOENT");
	assert_host_untouched();
}

static void test_symlink_loops(void **state)
{
	struct fixture *f = *state;
	check_open(f, "loop1", O_PATH, "ELOOP");
	check_open(f, "loop2/x", O_PATH, "ELOOP");
	check_open(f, "self", O_PATH, "ELOOP");
	check_open(f, "b/../self/..", O_PATH, "ELOOP");
	check_open(f, "l2", O_PATH, "/b");    /* 40 links */
	check_open(f, "l1", O_PATH, "ELOOP"); /* 41 links */
}

static void test_not_a_directory(void **state)
{
	struct fixture *f = *state;
	check_open(f, "file/x", O_PATH, "ENOTDIR");
	check_open(f, "b/file/x", O_PATH, "ENOTDIR");
	check_open(f, "abs_file/x", O_PATH, "ENOTDIR");
	check_open(f, "b/file/..", O_PATH, "ENOTDIR");
	check_open(f, "b/file/.", O_PATH, "ENOTDIR");
	/* A trailing slash asks for a directory, in the path or in a link's target. */
	check_open(f, "b/file/", O_PATH, "ENOTDIR");
	check_open(f, "abs_file/", O_PATH, "ENOTDIR");
	check_open(f, "fslash", O_PATH, "ENOTDIR");
	check_open(f, "b/file", O_PATH | O_DIRECTORY, "ENOTDIR");
	check_open(f, "abs_file", O_PATH | O_DIRECTORY, "ENOTDIR");
	check_open(f, "a", O_PATH | O_DIRECTORY, "/b");
	check_open(f, "b", O_RDONLY | O_DIRECTORY, "/b");
}

static void test_name_too_long(void **state)
{
	struct fixture *f = *state;
	char name[NAME_MAX + 2];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	check_open(f, name, O_PATH, "ENAMETOOLONG");
	_cleanup_free_ char *in_dir = s1_xasprintf("b/%s/file", name);
	check_open(f, in_dir, O_PATH, "ENAMETOOLONG");
	name[NAME_MAX] = '\0';
	check_open(f, name, O_PATH, "ENOENT");
}

/* Flags other than O_PATH: the descriptor is really usable, for the in-root file. */
/* Deeper than any fixed stack the fallback could keep. */
static void test_deep_paths(void **state)
{
	struct fixture *f = *state;
	size_t n = 300; /* more than the 256 the fallback once allowed */
	char *path = s1_xmalloc(2 * n + 8);
	char *p = path;
	for (size_t i = 0; i < n; i++) {
		*p++ = 'd';
		*p = '\0';
		_cleanup_free_ char *dir = s1_xasprintf("%s/%s", f->root[0], path);
		if (mkdir(dir, 0755) < 0)
			fail_msg("mkdir %s: %m", dir);
		*p++ = '/';
	}
	*p = '\0';
	_cleanup_free_ char *want = s1_xasprintf("/%.*s", (int)(2 * n - 1), path);
	check_open(f, path, O_PATH, want);
	_cleanup_free_ char *up = s1_xasprintf("%s../../../../../../file", path);
	check_open(f, up, O_PATH, "ENOENT");
	_cleanup_free_ char *down = s1_xasprintf("%s%s", path, "../../../../../../../../../..");
	_cleanup_free_ char *want_up = s1_xasprintf("/%.*s", (int)(2 * (n - 10) - 1), path);
	check_open(f, down, O_PATH, want_up);
	free(path);
}

/* procfs's magic links (cwd, root, fd/N, ns/X) are refused by openat2's RESOLVE_NO_MAGICLINKS;
 * the fallback must refuse them too, and still follow procfs's ordinary links ("self"). This
 * needs a real /proc inside the root: the host's root stands in for the app's. */
static char *describe_any(int fd)
{
	if (fd == -ELOOP)
		return s1_xstrdup("ELOOP");
	if (fd < 0)
		return s1_xasprintf("error %d", -fd);
	struct stat st;
	int r = fstat(fd, &st);
	close(fd);
	return r < 0 ? s1_xstrdup("fstat failed")
		     : s1_xasprintf("%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
}

static void test_proc_magic_links(void **state)
{
	(void)state;
	int hostroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(hostroot >= 0);
	static const struct {
		const char *path;
		bool refused;
	} cases[] = {
	    {"proc/self/root", true},	     {"proc/self/root/etc", true},
	    {"proc/self/cwd", true},	     {"proc/self/exe", true},
	    {"proc/self/fd/0", true},	     {"proc/self/ns/mnt", true},
	    {"proc/thread-self/root", true}, {"proc/self", false},
	    {"proc/self/status", false},     {"proc/mounts", false},
	    {"proc/thread-self", false},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got =
		    describe_any(path_open_in_root(hostroot, cases[i].path, O_PATH));
		bool refused = strcmp(got, "ELOOP") == 0;
		if (refused != cases[i].refused)
			fail_msg("\"%s\", %s: got %s", cases[i].path, mode_name(), got);
	}
	close(hostroot);
}

static void test_open_for_reading(void **state)
{
	struct fixture *f = *state;
	int fd = path_open_in_root(f->rootfd[0], "a/file", O_RDONLY);
	if (fd < 0)
		fail_msg("%s: %d", mode_name(), fd);
	_cleanup_free_ char *text = NULL;
	assert_int_equal(s1_read_fd(fd, 4096, &text, NULL), 0);
	assert_string_equal(text, "in-root");
	/* O_CLOEXEC always. */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(path_open_in_root(f->rootfd[0], "a/file", O_RDONLY | O_CREAT), -EINVAL);
}

/* Run fn on the tree: the answer must match want, and nothing be made on the host. */
static void check_create(struct fixture *f, const char *what, int (*fn)(int, const char *, int),
			 const char *path, int arg, const char *want)
{
	_cleanup_free_ char *got = describe(fn(f->rootfd[0], path, arg), f->root[0]);
	if (strcmp(got, want) != 0)
		fail_msg("%s \"%s\", %s: got %s, want %s", what, path, mode_name(), got, want);
	assert_host_untouched();
}

static int do_mkdir(int rootfd, const char *path, int mode)
{
	return path_mkdir_in_root(rootfd, path, (mode_t)mode);
}

static int do_ensure(int rootfd, const char *path, int kind)
{
	return path_ensure_in_root(rootfd, path, (enum s1_path_kind)kind, NULL);
}

static void assert_kind(struct fixture *f, const char *rel, mode_t type, mode_t perm)
{
	{
		_cleanup_free_ char *p = s1_xasprintf("%s%s", f->root[0], rel);
		struct stat st;
		if (lstat(p, &st) < 0)
			fail_msg("%s: %m", p);
		if ((st.st_mode & S_IFMT) != type)
			fail_msg("%s: type %o, want %o", p, st.st_mode & S_IFMT, type);
		if ((st.st_mode & 07777) != perm)
			fail_msg("%s: mode %o, want %o", p, st.st_mode & 07777, perm);
	}
}

static void assert_absent(struct fixture *f, const char *rel)
{
	{
		_cleanup_free_ char *p = s1_xasprintf("%s%s", f->root[0], rel);
		struct stat st;
		if (lstat(p, &st) == 0)
			fail_msg("%s exists", p);
	}
}

static void test_mkdir(void **state)
{
	struct fixture *f = *state;
	check_create(f, "mkdir", do_mkdir, "x/y/z", 0750, "/x/y/z");
	assert_kind(f, "/x", S_IFDIR, 0750);
	assert_kind(f, "/x/y/z", S_IFDIR, 0750);
	check_create(f, "mkdir", do_mkdir, "/x/y/z", 0700, "/x/y/z"); /* exists: as is */
	assert_kind(f, "/x/y/z", S_IFDIR, 0750);
	check_create(f, "mkdir", do_mkdir, "b", 0700, "/b");
	check_create(f, "mkdir", do_mkdir, "/", 0700, "/");
	/* Through in-root symlinks, never the host's directories. */
	check_create(f, "mkdir", do_mkdir, "a/new/deeper", 0755, "/b/new/deeper");
	assert_kind(f, "/b/new/deeper", S_IFDIR, 0755);
	check_create(f, "mkdir", do_mkdir, "host_etc/s1-newdir", 0755, "/etc/s1-newdir");
	check_create(f, "mkdir", do_mkdir, "up/s1-up", 0755, "/etc/s1-up");
	check_create(f, "mkdir", do_mkdir, "../../../../top", 0755, "/top");
	check_create(f, "mkdir", do_mkdir, "x/../sib", 0755, "/sib");
	/* What cannot be a directory. */
	check_create(f, "mkdir", do_mkdir, "file", 0755, "ENOTDIR");
	check_create(f, "mkdir", do_mkdir, "b/file/sub", 0755, "ENOTDIR");
	check_create(f, "mkdir", do_mkdir, "loop1/sub", 0755, "ELOOP");
	/* A dangling link's target is made inside the root (as rkt's fly does), never on the
	 * host. */
	check_create(f, "mkdir", do_mkdir, "dangling/sub", 0755, HOST_CANARY "/sub");
	check_create(f, "mkdir", do_mkdir, "dangling_rel/sub2", 0755, HOST_CANARY "/sub2");
	check_create(f, "mkdir", do_mkdir, "dangling", 0755, HOST_CANARY);
	assert_kind(f, HOST_CANARY "/sub", S_IFDIR, 0755);
}

static void test_ensure_file(void **state)
{
	struct fixture *f = *state;
	check_create(f, "ensure", do_ensure, "newfile", S1_PATH_FILE, "/newfile");
	assert_kind(f, "/newfile", S_IFREG, 0644);
	check_create(f, "ensure", do_ensure, "/etc/resolv.conf", S1_PATH_FILE, "/etc/resolv.conf");
	check_create(f, "ensure", do_ensure, "a/sub/newfile", S1_PATH_FILE, "/b/sub/newfile");
	assert_kind(f, "/b/sub", S_IFDIR, 0755);
	assert_kind(f, "/b/sub/newfile", S_IFREG, 0644);
	check_create(f, "ensure", do_ensure, "host_etc/hosts", S1_PATH_FILE, "/etc/hosts");
	check_create(f, "ensure", do_ensure, "../../y", S1_PATH_FILE, "/y");
	/* Existing objects are accepted as they are, whatever kind was asked for. */
	check_create(f, "ensure", do_ensure, "b/file", S1_PATH_FILE, "/b/file");
	check_create(f, "ensure", do_ensure, "b", S1_PATH_FILE, "/b");
	check_create(f, "ensure", do_ensure, "file", S1_PATH_DIR, "/file");
	check_create(f, "ensure", do_ensure, "abs_file", S1_PATH_FILE, "/b/file");
	check_create(f, "ensure", do_ensure, "/", S1_PATH_FILE, "/");
	/* The last component a dangling symlink: its target is made, inside the root. */
	check_create(f, "ensure", do_ensure, "dangling", S1_PATH_FILE, HOST_CANARY);
	assert_kind(f, HOST_CANARY, S_IFREG, 0644);
	check_create(f, "ensure", do_ensure, "dangling_rel", S1_PATH_FILE, HOST_CANARY);
	check_create(f, "ensure", do_ensure, "b/file/x", S1_PATH_FILE, "ENOTDIR");
	check_create(f, "ensure", do_ensure, "loop1", S1_PATH_FILE, "ELOOP");
	check_create(f, "ensure", do_ensure, "c/d/e", S1_PATH_DIR, "/c/d/e");
	assert_kind(f, "/c/d/e", S_IFDIR, 0755);
}

/* With a set of mounts, nothing is made on another mount: -EXDEV; what exists is returned. */
static void test_ensure_only_on_given_mounts(void **state)
{
	struct fixture *f = *state;
	uint64_t root_id;
	assert_int_equal(s1_fd_mount_id(f->rootfd[0], &root_id), 0);
	uint64_t other = root_id + 1000000;
	struct s1_mount_set elsewhere = {.ids = &other, .n = 1};
	struct s1_mount_set here = {.ids = &root_id, .n = 1};
	{
		assert_int_equal(path_ensure_in_root(f->rootfd[0], "nx/y", S1_PATH_DIR, &elsewhere),
				 -EXDEV);
		assert_int_equal(path_ensure_in_root(f->rootfd[0], "nx", S1_PATH_FILE, &elsewhere),
				 -EXDEV);
		int fd = path_ensure_in_root(f->rootfd[0], "b/file", S1_PATH_FILE, &elsewhere);
		assert_true(fd >= 0);
		assert_false(path_on_mount_in(fd, &elsewhere));
		assert_true(path_on_mount_in(fd, &here));
		close(fd);
		fd = path_ensure_in_root(f->rootfd[0], "nx1/z", S1_PATH_DIR, &here);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_absent(f, "/nx");
}

static void test_path_fd(void **state)
{
	(void)state;
	char buf[S1_FD_PATH_MAX];
	assert_string_equal(path_fd(7, buf), "/proc/self/fd/7");
	assert_ptr_equal(path_fd(2147483647, buf), buf);
	assert_string_equal(buf, "/proc/self/fd/2147483647");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_openat2_available),
	    T(test_plain_paths),
	    T(test_dotdot_clamps_at_root),
	    T(test_symlinks_stay_in_root),
	    T(test_symlink_loops),
	    T(test_not_a_directory),
	    T(test_name_too_long),
	    T(test_deep_paths),
	    cmocka_unit_test(test_proc_magic_links),
	    T(test_open_for_reading),
	    T(test_mkdir),
	    T(test_ensure_file),
	    T(test_ensure_only_on_given_mounts),
	    cmocka_unit_test(test_path_fd),
	};
#undef T
	return run_group_with_and_without_openat2("path", tests, S1_ARRAY_SIZE(tests), NULL, NULL);
}
