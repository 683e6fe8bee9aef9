/* Helpers the unit tests share: an assertion cmocka lacks, single-quoted JSON, scratch trees.
 * Include after <cmocka.h>. Header-only (static inline): each test links alone with the
 * library. */
#ifndef STAGE1C_TESTS_TESTUTIL_H
#define STAGE1C_TESTS_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
static inline void tu_rm_tree(const char *path)
{
	nftw(path, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
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

#endif
