/* Shared helpers: allocation, whole-file I/O relative to a directory fd, number parsing. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage1c/util.h"

static void *check_alloc(void *p)
{
	if (!p) {
		static const char msg[] = "stage1-c: out of memory\n";
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		abort();
	}
	return p;
}

void *s1_xmalloc(size_t n)
{
	return check_alloc(malloc(n ? n : 1));
}

void *s1_xcalloc(size_t n, size_t size)
{
	return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *s1_xrealloc(void *p, size_t n)
{
	return check_alloc(realloc(p, n ? n : 1));
}

char *s1_xstrdup(const char *s)
{
	return check_alloc(strdup(s));
}

char *s1_xstrndup(const char *s, size_t n)
{
	return check_alloc(strndup(s, n));
}

char *s1_xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check_alloc(r < 0 ? NULL : s);
}

bool s1_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int s1_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int s1_read_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, used = 0;
	_cleanup_free_ char *buf = s1_xmalloc(cap + 1);

	for (;;) {
		if (used == cap) {
			if (cap >= max)
				return -EFBIG;
			cap = cap * 2 > max ? max : cap * 2;
			buf = s1_xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	if (len)
		*len = used;
	*out = steal_pointer(&buf);
	return 0;
}

int s1_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return s1_read_fd(fd, max, out, len);
}

int s1_write_file_atomic(int dirfd, const char *name, const char *content, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = s1_xasprintf(".%s.tmp%ld", name, (long)getpid());
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	int r = s1_write_all(fd, content, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int s1_parse_ll(const char *s, long long min, long long max, long long *out)
{
	if (!s || !*s)
		return -EINVAL;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0' || end == s)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

size_t s1_unescape_octal_into(char *out, const char *s, size_t len)
{
	char *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
				      (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return (size_t)(o - out);
}

char *s1_unescape_octal(const char *s, size_t len)
{
	char *out = s1_xmalloc(len + 1);
	s1_unescape_octal_into(out, s, len);
	return out;
}

static size_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of name, or the empty slot where it would go. */
static size_t name_slot(const struct s1_name_index *ix, const char *name)
{
	size_t i = name_hash(name) & (ix->cap - 1);
	while (ix->keys[i] && strcmp(ix->keys[i], name) != 0)
		i = (i + 1) & (ix->cap - 1);
	return i;
}

size_t s1_name_index_get(const struct s1_name_index *ix, const char *name)
{
	if (!ix->cap)
		return S1_NAME_ABSENT;
	size_t i = name_slot(ix, name);
	return ix->keys[i] ? ix->vals[i] : S1_NAME_ABSENT;
}

size_t s1_name_index_add(struct s1_name_index *ix, const char *name, size_t val)
{
	if (2 * (ix->n + 1) > ix->cap) {
		struct s1_name_index big = {.cap = ix->cap ? 2 * ix->cap : 16};
		big.keys = s1_xcalloc(big.cap, sizeof(*big.keys));
		big.vals = s1_xcalloc(big.cap, sizeof(*big.vals));
		for (size_t i = 0; i < ix->cap; i++)
			if (ix->keys[i]) {
				size_t j = name_slot(&big, ix->keys[i]);
				big.keys[j] = ix->keys[i];
				big.vals[j] = ix->vals[i];
			}
		big.n = ix->n;
		s1_name_index_free(ix);
		*ix = big;
	}
	size_t i = name_slot(ix, name);
	if (ix->keys[i])
		return ix->vals[i];
	ix->keys[i] = name;
	ix->vals[i] = val;
	ix->n++;
	return S1_NAME_ABSENT;
}

void s1_name_index_free(struct s1_name_index *ix)
{
	free(ix->keys);
	free(ix->vals);
	memset(ix, 0, sizeof(*ix));
}
