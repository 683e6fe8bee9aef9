/* Small shared helpers: scope-bound cleanup, checked allocation, file I/O relative to a dirfd. */
#ifndef STAGE1C_UTIL_H
#define STAGE1C_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "stage1c/error.h"

static inline void s1_freep(void *p)
{
	free(*(void **)p);
}

static inline void s1_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void s1_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(s1_freep)))
#define _cleanup_close_ __attribute__((cleanup(s1_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(s1_fclosep)))

/* Hand ownership on: returns the value and leaves the variable empty. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _v = *(pp);                                                      \
		*(pp) = NULL;                                                                      \
		_v;                                                                                \
	})
#define steal_fd(fdp)                                                                              \
	({                                                                                         \
		int _fd = *(fdp);                                                                  \
		*(fdp) = -1;                                                                       \
		_fd;                                                                               \
	})

#define S1_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that aborts on exhaustion: a stage1 that cannot allocate a few bytes cannot
 * undo anything either, and every caller would otherwise carry a dead branch. */
void *s1_xmalloc(size_t n);
void *s1_xcalloc(size_t n, size_t size);
void *s1_xrealloc(void *p, size_t n);
char *s1_xstrdup(const char *s);
char *s1_xstrndup(const char *s, size_t n);
char *s1_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool s1_str_has_prefix(const char *s, const char *prefix);

/* Write a whole buffer, retrying on EINTR and short writes. Returns 0 or -errno. */
int s1_write_all(int fd, const void *buf, size_t len);

/* Read a whole file (relative to dirfd, not following a final symlink) into a NUL-terminated
 * buffer. Refuses files larger than max. Returns 0 or -errno. */
int s1_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len);

/* Read from an open descriptor until EOF (at most max bytes). Returns 0 or -errno. */
int s1_read_fd(int fd, size_t max, char **out, size_t *len);

/* Atomically replace dirfd/name with content: written to a temporary file, then renamed.
 * Returns 0 or -errno. */
int s1_write_file_atomic(int dirfd, const char *name, const char *content, size_t len, mode_t mode);

/* Parse a whole decimal string into a long long within [min, max]. Returns 0 or -EINVAL/-ERANGE. */
int s1_parse_ll(const char *s, long long min, long long max, long long *out);

/* A copy of s[0..len) with mountinfo's octal escapes (\040 for a space) undone. */
char *s1_unescape_octal(const char *s, size_t len);

/* The same into out (len + 1 bytes; out may be s itself: the text only shrinks), NUL
 * terminated. Returns the length of the result. */
size_t s1_unescape_octal_into(char *out, const char *s, size_t len);

/* A map from borrowed strings to indexes (open addressing, FNV-1a): linear-time duplicate
 * checks over manifests of any size. */
struct s1_name_index {
	const char **keys;
	size_t *vals;
	size_t cap, n;
};
#define S1_NAME_ABSENT ((size_t)-1)
/* Add name -> val unless name is there; returns the value already there, or S1_NAME_ABSENT
 * when name was added. name must outlive the index. */
size_t s1_name_index_add(struct s1_name_index *ix, const char *name, size_t val);
/* The value of name, or S1_NAME_ABSENT. */
size_t s1_name_index_get(const struct s1_name_index *ix, const char *name);
void s1_name_index_free(struct s1_name_index *ix);
#define _cleanup_name_index_ __attribute__((cleanup(s1_name_index_free)))

#endif
