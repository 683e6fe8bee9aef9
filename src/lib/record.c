/* The pod's record (record.h): one file, sections of lines, a part per app, per-app locks. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stage1c/record.h"
#include "stage1c/util.h"

#define RECORD_MAX (1u << 20)

/* Append "section line\n" to rec, whose buffer has room for it. */
static void put_line(struct s1_record *rec, const char *section, size_t sl, const char *line,
		     size_t l)
{
	char *d = rec->text + rec->len;
	memcpy(d, section, sl);
	d[sl] = ' ';
	memcpy(d + sl + 1, line, l);
	d[sl + 1 + l] = '\n';
	rec->len += sl + l + 2;
	rec->text[rec->len] = '\0';
}

void record_add(struct s1_record *rec, const char *section, const char *payload)
{
	size_t sl = strlen(section), lines = 1, pl = strlen(payload);
	for (const char *p = payload; (p = strchr(p, '\n')); p++)
		lines++;
	rec->text = s1_xrealloc(rec->text, rec->len + pl + lines * (sl + 2) + 1);
	rec->text[rec->len] = '\0';
	for (const char *p = payload; *p;) {
		size_t l = strcspn(p, "\n");
		put_line(rec, section, sl, p, l);
		p += l;
		if (*p)
			p++;
	}
}

void record_add_app(struct s1_record *rec, const char *app)
{
	record_add(rec, S1_REC_APP, app);
}

void record_free(struct s1_record *rec)
{
	free(rec->text);
	rec->text = NULL;
	rec->len = 0;
}

/* The record is written whole before it has its name: an unnamed file (O_TMPFILE) linked in,
 * where the file system makes one and there is no record yet; else a file written aside and
 * renamed over the record, then opened. Three calls instead of five on the first path. */
int record_commit_open(int podfd, struct s1_record *rec, struct s1_err *err)
{
	const char *text = rec->text ? rec->text : "";
	int r, fd = openat(podfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		r = s1_write_all(fd, text, rec->len);
		if (r == 0 && linkat(fd, "", podfd, S1_RECORD_FILE, AT_EMPTY_PATH) == 0) {
			record_free(rec);
			return fd;
		}
		close(fd);
		if (r < 0) {
			record_free(rec);
			return s1_error(err, r, "writing %s", S1_RECORD_FILE);
		}
		/* EEXIST: an earlier attempt's, replaced whole. Without CAP_DAC_READ_SEARCH,
		 * which linkat needs for a descriptor, also the other way. */
	}
	r = s1_write_file_atomic(podfd, S1_RECORD_FILE, text, rec->len, 0600);
	record_free(rec);
	if (r < 0)
		return s1_error(err, r, "writing %s", S1_RECORD_FILE);
	fd = record_lock_open(podfd);
	return fd < 0 ? s1_error(err, fd, "opening %s", S1_RECORD_FILE) : fd;
}

int record_commit(int podfd, struct s1_record *rec, struct s1_err *err)
{
	int fd = record_commit_open(podfd, rec, err);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int record_load(int podfd, struct s1_record *rec)
{
	rec->text = NULL;
	rec->len = 0;
	return s1_read_file_at(podfd, S1_RECORD_FILE, RECORD_MAX, &rec->text, &rec->len);
}

/* Is line (l characters) "section ..."? Then *rest is what follows the space. */
static bool line_is(const char *line, size_t l, const char *section, const char **rest)
{
	size_t sl = strlen(section);
	if (l <= sl || strncmp(line, section, sl) != 0 || line[sl] != ' ')
		return false;
	*rest = line + sl + 1;
	return true;
}

int record_get(const struct s1_record *rec, const char *section, const char *app, char **payload)
{
	*payload = NULL;
	if (!rec->text)
		return -ENOENT;
	size_t n = 0, al = app ? strlen(app) : 0;
	bool mine = !app; /* in the part asked for */
	char *out = s1_xmalloc(rec->len + 1);
	for (const char *line = rec->text; *line;) {
		size_t l = strcspn(line, "\n");
		const char *rest;
		if (app && line_is(line, l, S1_REC_APP, &rest))
			mine = (size_t)(line + l - rest) == al && strncmp(rest, app, al) == 0;
		else if (mine && line_is(line, l, section, &rest)) {
			memcpy(out + n, rest, (size_t)(line + l - rest));
			n += (size_t)(line + l - rest);
			out[n++] = '\n';
		}
		line += l;
		if (*line)
			line++;
	}
	out[n] = '\0';
	if (n == 0) { /* each line found adds at least its newline */
		free(out);
		return -ENOENT;
	}
	*payload = out;
	return 0;
}

int record_read(int podfd, const char *section, const char *app, char **payload)
{
	struct s1_record rec;
	*payload = NULL;
	int r = record_load(podfd, &rec);
	if (r == 0)
		r = record_get(&rec, section, app, payload);
	record_free(&rec);
	return r;
}

char **record_apps(const struct s1_record *rec, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	char **apps = s1_xcalloc(1, sizeof(*apps));
	*n = 0;
	if (record_get(rec, S1_REC_APP, NULL, &text) < 0)
		return apps;
	for (char *p = text; *p;) {
		size_t l = strcspn(p, "\n");
		apps = s1_xrealloc(apps, (*n + 2) * sizeof(*apps));
		apps[(*n)++] = s1_xstrndup(p, l);
		apps[*n] = NULL;
		p += l + (p[l] != '\0');
	}
	return apps;
}

void record_apps_free(char **apps)
{
	for (size_t i = 0; apps && apps[i]; i++)
		free(apps[i]);
	free(apps);
}

int record_lock_open(int podfd)
{
	int fd = openat(podfd, S1_RECORD_FILE, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int record_lock_app(int fd, size_t app_index, bool exclusive, bool wait)
{
	struct flock fl = {.l_type = exclusive ? F_WRLCK : F_RDLCK,
			   .l_whence = SEEK_SET,
			   .l_start = (off_t)app_index,
			   .l_len = 1};
	int r;
	do
		r = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? -EWOULDBLOCK : -errno;
}
