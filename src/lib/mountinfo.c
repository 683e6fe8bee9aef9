/* /proc/self/mountinfo parsed as proc(5) defines it: single spaces between fields, empty ones
 * included. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stage1c/mountinfo.h"
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
