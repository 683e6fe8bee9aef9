/* Helpers the unit tests share: an assertion cmocka lacks, single-quoted JSON, scratch trees.
 * Include after <cmocka.h>. Header-only (static inline): each test links alone with the
 * library. */
#ifndef STAGE1C_TESTS_TESTUTIL_H
#define STAGE1C_TESTS_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stage1c/util.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));               \
	} while (0)

/* Test JSON is written with single quotes for readability; this turns them into double ones. */
static inline char *js(const char *s)
{
	char *out = s1_xstrdup(s);
	for (char *p = out; *p; p++)
		if (*p == '\'')
			*p = '"';
	return out;
}

static inline int tu_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove path and everything below it, not following links. */
/* A child that waits until killed. */
static inline pid_t tu_spawn_sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static inline void tu_rm_tree(const char *path)
{
	nftw(path, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* How many names dir holds, "." and ".." aside. */
static inline size_t tu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Make every missing directory above path. */
static inline void tu_mk_parents(char *path)
{
	for (char *s = path + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %m", path);
		*s = '/';
	}
}

/* Make dir/rel and every missing directory on the way. */
static inline void tu_mk_dir(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = s1_xasprintf("%s/%s", dir, rel);
	tu_mk_parents(p);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %m", p);
}

/* Write dir/rel (its directories made as needed) with content and mode, whatever the umask. */
static inline void tu_mk_file(const char *dir, const char *rel, const char *content, mode_t mode)
{
	_cleanup_free_ char *p = s1_xasprintf("%s/%s", dir, rel);
	tu_mk_parents(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		fail_msg("create %s: %m", p);
	assert_int_equal(s1_write_all(fd, content, strlen(content)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Make dir/rel a symbolic link to target, replacing what was there. */
static inline void tu_mk_link(const char *dir, const char *rel, const char *target)
{
	_cleanup_free_ char *p = s1_xasprintf("%s/%s", dir, rel);
	unlink(p);
	if (symlink(target, p) < 0)
		fail_msg("symlink %s: %m", p);
}

/* A seccomp filter (no_new_privs set) under which the system calls nrs[0..n) of the native ABI
 * fail with ENOSYS, as on a kernel without them: the library's fallbacks are tested from the
 * test side, with no switch in the library. 0 or -1 (errno). */
static inline int tu_deny_enosys(const int *nrs, size_t n)
{
	struct sock_filter insns[64];
	size_t k = 0;
#ifdef __x86_64__
	insns[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						  offsetof(struct seccomp_data, arch));
	insns[k++] =
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	insns[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#endif
	insns[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						  offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n && k < S1_ARRAY_SIZE(insns) - 2; i++)
		insns[k++] = (struct sock_filter)BPF_JUMP(
		    BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i], (unsigned char)(n - i), 0);
	insns[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	insns[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	struct sock_fprog prog = {.len = (unsigned short)k, .filter = insns};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/* n tmpfs mounts below dir ("DIR/0", "DIR/1", ...): a long mount table. 0 or -1. */
static inline int tu_mount_many(const char *dir, int n)
{
	char sub[PATH_MAX];
	for (int i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%d", dir, i);
		if (mkdir(sub, 0700) < 0 || mount("t", sub, "tmpfs", 0, NULL) < 0)
			return -1;
	}
	return 0;
}

/* Run body(dir) in a child in a mount namespace of its own (/ made private), dir being a fresh
 * directory of /tmp with a tmpfs on it (gone with the namespace); the child must exit 0 (body's
 * value; 2 when the namespace could not be made). */
static inline void tu_in_own_mount_ns(int (*body)(const char *dir))
{
	char dir[] = "/tmp/stage1c-unit-ns.XXXXXX";
	assert_non_null(mkdtemp(dir));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("t", dir, "tmpfs", 0, NULL) < 0)
			_exit(2);
		_exit(body(dir));
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	rmdir(dir);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

#endif
