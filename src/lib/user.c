/* User and group resolution inside the app's rootfs: numbers, file owners, passwd/group names. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/user.h"
#include "stage1c/util.h"

#define DB_MAX (4u << 20) /* a passwd file of some 50 000 users */

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int user_db_find(const char *text, size_t len, const char *name, unsigned *id)
{
	/* No entry has a separator in its name; "app:x" would otherwise match app's line and
	 * read the field after the id as the id. */
	if (strpbrk(name, ":\n"))
		return -ENOENT;
	size_t nlen = strlen(name);
	for (const char *line = text, *end = text + len; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		size_t l = (size_t)(eol - line);
		const char *f2, *f3, *f4;
		if (l > nlen && memcmp(line, name, nlen) == 0 && line[nlen] == ':' &&
		    (f2 = memchr(line + nlen + 1, ':', l - nlen - 1))) {
			f3 = f2 + 1;
			f4 = memchr(f3, ':', (size_t)(eol - f3));
			char num[16];
			size_t nl = (size_t)((f4 ? f4 : eol) - f3);
			long long v;
			if (nl >= sizeof(num))
				return -EINVAL;
			memcpy(num, f3, nl);
			num[nl] = '\0';
			if (s1_parse_ll(num, 0, UINT32_MAX - 1, &v) < 0)
				return -EINVAL;
			*id = (unsigned)v;
			return 0;
		}
		line = eol + 1;
	}
	return -ENOENT;
}

/* The image's own database file: a regular file, opened without blocking (a FIFO there must
 * not hang run), read up to DB_MAX. */
static int db_lookup(int rootfd, const char *db, const char *name, unsigned *id)
{
	_cleanup_close_ int fd = path_open_in_root(rootfd, db, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = s1_read_fd(fd, DB_MAX, &text, &len);
	if (r < 0)
		return r;
	return user_db_find(text, len, name, id);
}

static int lookup_id(int rootfd, const char *what, const char *spec, const char *db, unsigned *id,
		     struct s1_err *err)
{
	if (is_number(spec)) {
		long long v;
		if (s1_parse_ll(spec, 0, UINT32_MAX - 1, &v) < 0)
			return s1_error(err, 0, "%s \"%s\": id out of range", what, spec);
		*id = (unsigned)v;
		return 0;
	}
	if (spec[0] == '/') {
		_cleanup_close_ int fd = path_open_in_root(rootfd, spec, O_PATH);
		struct stat st;
		if (fd < 0)
			return s1_error(err, fd,
					"%s \"%s\": can't find the file in the app's rootfs", what,
					spec);
		if (fstat(fd, &st) < 0)
			return s1_error(err, errno, "%s \"%s\"", what, spec);
		*id = strcmp(what, "user") == 0 ? st.st_uid : st.st_gid;
		return 0;
	}
	int r = db_lookup(rootfd, db, spec, id);
	if (r == 0)
		return 0;
	if (strcmp(spec, "root") == 0 && r == -ENOENT) {
		*id = 0;
		return 0;
	}
	if (r == -ENOENT)
		return s1_error(err, 0, "%s \"%s\" not found in the app's %s", what, spec, db);
	if (r == -EINVAL)
		return s1_error(err, 0, "%s \"%s\": malformed entry in the app's %s", what, spec,
				db);
	if (r == -EBADF)
		return s1_error(err, 0, "%s \"%s\": the app's %s is not a regular file", what, spec,
				db);
	return s1_error(err, r, "%s \"%s\": can't read the app's %s", what, spec, db);
}

int user_lookup_uid(int rootfd, const char *user, uid_t *uid, struct s1_err *err)
{
	unsigned id = 0;
	int r = lookup_id(rootfd, "user", user, "/etc/passwd", &id, err);
	if (r == 0)
		*uid = id;
	return r;
}

int user_lookup_gid(int rootfd, const char *group, gid_t *gid, struct s1_err *err)
{
	unsigned id = 0;
	int r = lookup_id(rootfd, "group", group, "/etc/group", &id, err);
	if (r == 0)
		*gid = id;
	return r;
}

struct gid_at {
	gid_t gid;
	size_t at;
};

static int by_gid_then_place(const void *a, const void *b)
{
	const struct gid_at *x = a, *y = b;
	if (x->gid != y->gid)
		return x->gid < y->gid ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Drop repeats from g[0..n), keeping each id's first place: O(n log n). Returns the count. */
static size_t dedupe_keep_order(gid_t *g, size_t n)
{
	_cleanup_free_ struct gid_at *v = s1_xcalloc(n, sizeof(*v));
	_cleanup_free_ bool *keep = s1_xcalloc(n, sizeof(*keep));
	for (size_t i = 0; i < n; i++)
		v[i] = (struct gid_at){g[i], i};
	qsort(v, n, sizeof(*v), by_gid_then_place);
	for (size_t i = 0; i < n; i++)
		keep[v[i].at] = i == 0 || v[i].gid != v[i - 1].gid;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			g[m++] = g[i];
	return m;
}

int user_resolve(int rootfd, const struct s1_app *app, struct s1_ids *ids, struct s1_err *err)
{
	int r;
	memset(ids, 0, sizeof(*ids));
	if ((r = user_lookup_uid(rootfd, app->user, &ids->uid, err)) < 0 ||
	    (r = user_lookup_gid(rootfd, app->group, &ids->gid, err)) < 0)
		return r;
	ids->groups = s1_xcalloc(app->n_supplementary_gids + 1, sizeof(gid_t));
	ids->groups[ids->n_groups++] = ids->gid;
	for (size_t i = 0; i < app->n_supplementary_gids; i++)
		ids->groups[ids->n_groups++] = app->supplementary_gids[i];
	ids->n_groups = dedupe_keep_order(ids->groups, ids->n_groups);
	return 0;
}

void user_ids_free(struct s1_ids *ids)
{
	free(ids->groups);
	memset(ids, 0, sizeof(*ids));
}

#define RECORD_MAX_GROUPS 65536

/* "uid gid n g1 ... gn": the primary group is g1, as in struct s1_ids. */
void user_record_add(struct s1_record *rec, const struct s1_ids *ids)
{
	size_t cap = 64 + ids->n_groups * 11;
	_cleanup_free_ char *buf = s1_xmalloc(cap);
	size_t len = (size_t)snprintf(buf, cap, "%u %u %zu", (unsigned)ids->uid, (unsigned)ids->gid,
				      ids->n_groups);
	for (size_t i = 0; i < ids->n_groups; i++)
		len += (size_t)snprintf(buf + len, cap - len, " %u", (unsigned)ids->groups[i]);
	record_add(rec, S1_REC_IDS, buf);
}

static bool next_id(const char **p, unsigned long long max, unsigned long long *v)
{
	char *end;
	if (**p != ' ' || (*p)[1] < '0' || (*p)[1] > '9')
		return false;
	errno = 0;
	*v = strtoull(*p + 1, &end, 10);
	if (errno || *v > max)
		return false;
	*p = end;
	return true;
}

int user_record_read(const struct s1_record *rec, const char *app, struct s1_ids *ids,
		     struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	memset(ids, 0, sizeof(*ids));
	int r = record_get(rec, S1_REC_IDS, app, &text);
	if (r < 0)
		return s1_error(err, r, "reading the app's ids record");
	/* A leading space lets next_id read every field the same way. */
	_cleanup_free_ char *line = s1_xasprintf(" %s", text);
	const char *p = line;
	unsigned long long uid, gid, n, g;
	if (!next_id(&p, UINT32_MAX - 1, &uid) || !next_id(&p, UINT32_MAX - 1, &gid) ||
	    !next_id(&p, RECORD_MAX_GROUPS, &n))
		return s1_error(err, 0, "malformed ids record");
	ids->groups = s1_xcalloc(n ? n : 1, sizeof(*ids->groups));
	for (size_t i = 0; i < n; i++) {
		if (!next_id(&p, UINT32_MAX - 1, &g)) {
			user_ids_free(ids);
			return s1_error(err, 0, "malformed ids record");
		}
		ids->groups[i] = (gid_t)g;
	}
	if (*p && strcmp(p, "\n") != 0) {
		user_ids_free(ids);
		return s1_error(err, 0, "malformed ids record");
	}
	ids->uid = (uid_t)uid;
	ids->gid = (gid_t)gid;
	ids->n_groups = (size_t)n;
	return 0;
}
