/* /proc/self/mountinfo parsed as proc(5) defines it: single spaces between fields, empty ones
 * included. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage1c/mountinfo.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

/* The next field of [*p, end], NUL terminated in place; NULL once the line is used up. */
static char *next_field(char **p, char *end)
{
	char *s = *p;
	if (s > end)
		return NULL;
	char *e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	*e = '\0';
	*p = e + 1;
	return s;
}

/* A decimal number of digits only (no sign, no blanks), at most max. */
static bool parse_number(const char *s, unsigned max, unsigned *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

static char *unescape(char *s)
{
	s1_unescape_octal_into(s, s, strlen(s));
	return s;
}

/* One line [p, end] (*end is its newline or the final NUL) into e, its strings pointing into
 * the line. Returns NULL, or what is wrong with it. */
static const char *parse_line(char *p, char *end, struct s1_mountinfo_entry *e)
{
	char *f[6];
	for (size_t i = 0; i < S1_ARRAY_SIZE(f); i++)
		if (!(f[i] = next_field(&p, end)))
			return "too few fields";
	unsigned id, parent;
	if (!parse_number(f[0], INT32_MAX, &id) || !parse_number(f[1], INT32_MAX, &parent))
		return "the mount ID or parent ID is not a number";
	char *colon = strchr(f[2], ':');
	if (!colon)
		return "the device is not MAJOR:MINOR";
	*colon = '\0';
	if (!parse_number(f[2], UINT32_MAX, &e->major) ||
	    !parse_number(colon + 1, UINT32_MAX, &e->minor))
		return "the device is not MAJOR:MINOR";
	e->id = (int)id;
	e->parent = (int)parent;
	e->root = unescape(f[3]);
	e->point = unescape(f[4]);
	e->opts = f[5];

	/* The optional fields run up to a lone "-" and stay joined by their spaces. */
	char *opt = p, *dash = NULL;
	while (p <= end && !dash) {
		char *s = p, *sep = memchr(s, ' ', (size_t)(end - s));
		if (!sep)
			sep = end;
		if (sep - s == 1 && *s == '-')
			dash = s;
		p = sep + 1;
	}
	if (!dash)
		return "no \"-\" after the optional fields";
	*dash = '\0';
	if (dash > opt)
		dash[-1] = '\0';
	e->optional = dash > opt ? opt : dash;

	char *fstype = next_field(&p, end), *source = next_field(&p, end);
	e->superopts = next_field(&p, end);
	if (!e->superopts)
		return "too few fields after \"-\"";
	if (p <= end)
		return "a field after the super options";
	e->fstype = unescape(fstype);
	e->source = unescape(source);
	return NULL;
}

/* Multiplying by an odd constant permutes the low bits: consecutive IDs never collide. */
static size_t slot_of(int id, size_t n_slots)
{
	return ((size_t)(unsigned)id * 0x9e3779b1u) & (n_slots - 1);
}

static void index_build(struct s1_mountinfo *mi)
{
	size_t n = 8;
	while (n < 2 * mi->n)
		n *= 2;
	mi->slots = s1_xcalloc(n, sizeof(*mi->slots));
	mi->n_slots = n;
	for (size_t i = 0; i < mi->n; i++) {
		size_t h = slot_of(mi->entries[i].id, n);
		while (mi->slots[h] && mi->entries[mi->slots[h] - 1].id != mi->entries[i].id)
			h = (h + 1) & (n - 1);
		if (!mi->slots[h])
			mi->slots[h] = i + 1;
	}
}

/* Parse text (len bytes and a NUL), which mi takes: fields are cut in place, and unescaping
 * only shrinks them, so the one block holds every string. */
static int parse_owned(char *text, size_t len, struct s1_mountinfo *mi, struct s1_err *err)
{
	size_t lines = 0;
	for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + len - p))); p++)
		lines++;
	if (len > 0 && text[len - 1] != '\n')
		lines++;

	memset(mi, 0, sizeof(*mi));
	mi->strings = text;
	mi->entries = s1_xcalloc(lines, sizeof(*mi->entries));
	char *line = text, *stop = text + len;
	for (size_t i = 0; i < lines; i++) {
		char *eol = memchr(line, '\n', (size_t)(stop - line));
		if (!eol)
			eol = stop;
		*eol = '\0';
		const char *why = parse_line(line, eol, &mi->entries[i]);
		if (why) {
			mountinfo_free(mi);
			return s1_error(err, 0, "mountinfo line %zu: malformed (%s)", i + 1, why);
		}
		mi->n++;
		line = eol + 1;
	}
	index_build(mi);
	return 0;
}

int mountinfo_parse(const char *text, struct s1_mountinfo *mi, struct s1_err *err)
{
	size_t len = strlen(text);
	char *copy = s1_xmalloc(len + 1);
	memcpy(copy, text, len + 1);
	return parse_owned(copy, len, mi, err);
}

int mountinfo_read(struct s1_mountinfo *mi, struct s1_err *err)
{
	char *text = NULL;
	memset(mi, 0, sizeof(*mi));
	/* No limit of our own: the kernel writes it, and a host may have very many mounts. */
	int r = s1_read_file_at(AT_FDCWD, "/proc/self/mountinfo", SIZE_MAX / 2, &text, NULL);
	if (r < 0)
		return s1_error(err, r, "reading /proc/self/mountinfo");
	return parse_owned(text, strlen(text), mi, err);
}

static bool type_listed(const char *type, const char *const *types)
{
	for (; *types; types++)
		if (strcmp(type, *types) == 0)
			return true;
	return false;
}

/* s, escaped as the kernel escapes mountinfo's fields (space, tab, newline, backslash). */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			fprintf(f, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, f);
}

#define STATMOUNT_BUF (S1_STATMOUNT_STR + 8192)
#define S1_CGROUP_SUPER_MAGIC 0x27e0ebULL
#define S1_CGROUP2_SUPER_MAGIC 0x63677270ULL
#define STATMOUNT_WANT                                                                             \
	(S1_STATMOUNT_SB_BASIC | S1_STATMOUNT_MNT_BASIC | S1_STATMOUNT_MNT_ROOT |                  \
	 S1_STATMOUNT_MNT_POINT | S1_STATMOUNT_FS_TYPE | S1_STATMOUNT_MNT_OPTS)

static bool magic_listed(uint64_t magic, const uint64_t *magics)
{
	for (; *magics; magics++)
		if (magic == *magics)
			return true;
	return false;
}

/* Mount id's mountinfo line, if its file system's magic is listed and (when point is given) it
 * is mounted there. 0, or -errno. */
static int statmount_write(uint64_t id, const uint64_t *magics, const char *point, char *buf,
			   FILE *out)
{
	const struct s1_statmount *sm = (const void *)buf;
	const char *str = buf + S1_STATMOUNT_STR;
	if (s1_statmount(id, STATMOUNT_WANT, buf, STATMOUNT_BUF) < 0)
		return -errno;
	if (!magic_listed(sm->sb_magic, magics))
		return 0;
	/* The kernel leaves an empty string out of the mask; one before 6.11 leaves the options
	 * out always: only a file system without options of its own may lack them. */
	uint64_t got =
	    sm->mask | (sm->sb_magic == S1_CGROUP2_SUPER_MAGIC ? S1_STATMOUNT_MNT_OPTS : 0);
	if ((got & STATMOUNT_WANT) != STATMOUNT_WANT)
		return -EOPNOTSUPP;
	if (point && strcmp(point, str + sm->mnt_point) != 0)
		return 0;
	const char *opts = sm->mask & S1_STATMOUNT_MNT_OPTS ? str + sm->mnt_opts : "";
	fprintf(out, "%u %u %u:%u ", sm->mnt_id_old, sm->mnt_parent_id_old, sm->sb_dev_major,
		sm->sb_dev_minor);
	put_escaped(out, str + sm->mnt_root);
	fputc(' ', out);
	put_escaped(out, str + sm->mnt_point);
	/* No per-mount options, optional fields or source: empty fields, as proc(5) allows. */
	fprintf(out, "  - %s  ", str + sm->fs_type);
	put_escaped(out, opts);
	fputc('\n', out);
	return 0;
}

/* One mount's mountinfo line, if its file system's magic is listed. 0, or -errno (ENOENT:
 * gone meanwhile). The magic first: asking for it alone costs half as much (no strings). */
static int statmount_line(uint64_t id, const uint64_t *magics, char *buf, FILE *out)
{
	const struct s1_statmount *sm = (const void *)buf;
	if (s1_statmount(id, S1_STATMOUNT_SB_BASIC, buf, STATMOUNT_BUF) < 0)
		return -errno;
	if (!(sm->mask & S1_STATMOUNT_SB_BASIC))
		return -EOPNOTSUPP;
	return magic_listed(sm->sb_magic, magics) ? statmount_write(id, magics, NULL, buf, out) : 0;
}

static const uint64_t cgroup_magics[] = {S1_CGROUP_SUPER_MAGIC, S1_CGROUP2_SUPER_MAGIC, 0};

int mountinfo_read_cgroup_points(struct s1_mountinfo *mi, const char *const *points, size_t n,
				 struct s1_err *err)
{
	char *text = NULL;
	size_t len = 0;
	memset(mi, 0, sizeof(*mi));
	_cleanup_free_ char *buf = s1_xmalloc(STATMOUNT_BUF);
	FILE *out = open_memstream(&text, &len);
	if (!out)
		abort(); /* out of memory: the library's policy */
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		uint64_t id;
		if (s1_fd_mount_id_unique_at(points[i], &id) < 0)
			r = errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
		else
			r = statmount_write(id, cgroup_magics, points[i], buf, out);
	}
	if (fclose(out) != 0)
		abort();
	if (r < 0) {
		free(text);
		return r;
	}
	return parse_owned(text, len, mi, err);
}

/* Below this many mounts the kernel writes the whole of /proc/self/mountinfo faster than it
 * answers a statmount per mount (measured on the 2-core VM of README's Performance: 20 mounts,
 * 60 µs against 130; 62, 26 KB of them overlays, 700 µs against 200). */
#define STATMOUNT_FROM 32

bool mountinfo_is_long(void)
{
	uint64_t ids[STATMOUNT_FROM];
	return s1_listmount(0, ids, STATMOUNT_FROM) == STATMOUNT_FROM;
}

/* The mountinfo lines of the listed magics, through listmount and statmount. */
static int statmount_text(const uint64_t *magics, char **text, size_t *len)
{
	uint64_t ids[256];
	int n = 0;
	_cleanup_free_ char *buf = s1_xmalloc(STATMOUNT_BUF);
	FILE *out = open_memstream(text, len);
	if (!out)
		abort(); /* out of memory: the library's policy */
	int r = 0;
	uint64_t last = 0;
	for (bool first = true; r == 0 && (first || n == (int)S1_ARRAY_SIZE(ids)); first = false) {
		if ((n = s1_listmount(last, ids, S1_ARRAY_SIZE(ids))) < 0) {
			r = -errno;
			break;
		}
		for (int i = 0; i < n && r == 0; i++)
			if ((r = statmount_line(ids[i], magics, buf, out)) == -ENOENT)
				r = 0; /* unmounted since listmount */
		if (n > 0)
			last = ids[n - 1];
	}
	if (fclose(out) != 0)
		abort();
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}

int mountinfo_read_cgroups(struct s1_mountinfo *mi, bool long_table, struct s1_err *err)
{
	static const char *const types[] = {"cgroup", "cgroup2", NULL};
	char *text = NULL;
	size_t len = 0;
	memset(mi, 0, sizeof(*mi));
	int r = long_table ? statmount_text(cgroup_magics, &text, &len) : -EAGAIN;
	if (r == 0)
		return parse_owned(text, len, mi, err);
	/* Few mounts, a kernel before 6.11, or a filter that refuses these calls. */
	if ((r = mountinfo_read(mi, err)) < 0)
		return r;
	size_t kept = 0;
	for (size_t i = 0; i < mi->n; i++) {
		struct s1_mountinfo_entry *e = &mi->entries[i];
		if (!type_listed(e->fstype, types))
			continue;
		/* The file system's own options, as statmount gives them: no "rw"/"ro" first. */
		if (strncmp(e->superopts, "rw", 2) == 0 || strncmp(e->superopts, "ro", 2) == 0)
			e->superopts += e->superopts[2] == ',' ? 3 : e->superopts[2] ? 0 : 2;
		mi->entries[kept++] = *e;
	}
	mi->n = kept;
	free(mi->slots);
	mi->slots = NULL;
	index_build(mi);
	return 0;
}

const struct s1_mountinfo_entry *mountinfo_find(const struct s1_mountinfo *mi, int id)
{
	if (!mi->slots) {
		/* Filled in by hand rather than parsed: no index. */
		for (size_t i = 0; i < mi->n; i++)
			if (mi->entries[i].id == id)
				return &mi->entries[i];
		return NULL;
	}
	for (size_t h = slot_of(id, mi->n_slots); mi->slots[h]; h = (h + 1) & (mi->n_slots - 1))
		if (mi->entries[mi->slots[h] - 1].id == id)
			return &mi->entries[mi->slots[h] - 1];
	return NULL;
}

void mountinfo_free(struct s1_mountinfo *mi)
{
	free(mi->entries);
	free(mi->strings);
	free(mi->slots);
	memset(mi, 0, sizeof(*mi));
}
