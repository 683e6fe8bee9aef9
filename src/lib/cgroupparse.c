/* The cgroup hierarchies this process is in: /proc/self/cgroup against /proc/self/mountinfo. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "stage1c/cgroupparse.h"
#include "stage1c/mountinfo.h"
#include "stage1c/util.h"

#define PROC_TEXT_MAX (16u << 20)

/* Is item (ilen characters) one of the comma-separated entries of list? */
static bool list_has(const char *list, const char *item, size_t ilen)
{
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		if (l == ilen && strncmp(p, item, l) == 0)
			return true;
		p += l;
		if (*p)
			p++;
	}
	return false;
}

bool cgroup_hier_has(const struct s1_cgroup_hier *h, const char *name)
{
	return list_has(h->controllers, name, strlen(name));
}

/* Does the mount carry every controller (or name=) of a v1 hierarchy? Its super options say. */
static bool mount_serves(const struct s1_mountinfo_entry *m, const char *controllers)
{
	for (const char *p = controllers; *p;) {
		size_t l = strcspn(p, ",");
		if (l > 0 && !list_has(m->superopts, p, l))
			return false;
		p += l;
		if (*p)
			p++;
	}
	return true;
}

/* The part of cgpath below the mount's root ("" for the root itself), or NULL when the mount
 * does not show that cgroup. */
static const char *below_root(const char *root, const char *cgpath)
{
	if (strcmp(root, "/") == 0)
		return strcmp(cgpath, "/") == 0 ? "" : cgpath;
	size_t l = strlen(root);
	if (strncmp(cgpath, root, l) != 0 || (cgpath[l] != '\0' && cgpath[l] != '/'))
		return NULL;
	return cgpath + l;
}

static bool under_sys_fs_cgroup(const char *point)
{
	return strcmp(point, "/sys/fs/cgroup") == 0 || s1_str_has_prefix(point, "/sys/fs/cgroup/");
}

/* Where the start cgroup of a hierarchy is, through the first mount showing it (one under
 * /sys/fs/cgroup preferred: bind mounts of it elsewhere, into pods for one, come later). */
static char *locate(const struct s1_mountinfo *mi, bool v2, const char *controllers,
		    const char *cgpath)
{
	const struct s1_mountinfo_entry *best = NULL;
	const char *rel = NULL;
	for (size_t i = 0; i < mi->n; i++) {
		const struct s1_mountinfo_entry *m = &mi->entries[i];
		if (strcmp(m->fstype, v2 ? "cgroup2" : "cgroup") != 0 ||
		    (!v2 && !mount_serves(m, controllers)))
			continue;
		const char *r = below_root(m->root, cgpath);
		if (!r)
			continue;
		if (!best || (!under_sys_fs_cgroup(best->point) && under_sys_fs_cgroup(m->point))) {
			best = m;
			rel = r;
		}
	}
	if (!best)
		return NULL;
	return s1_xasprintf("%s%s", strcmp(best->point, "/") == 0 ? "" : best->point, rel);
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return true;
	return false;
}

void cgroup_hiers_free(struct s1_cgroup_hiers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].controllers);
		free(h->v[i].cgpath);
		free(h->v[i].start);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

/* One "ID:CONTROLLERS:PATH" line of [line, eol); added to h when a mount shows it. */
static int parse_line(const char *line, const char *eol, size_t lineno,
		      const struct s1_mountinfo *mi, struct s1_cgroup_hiers *h, struct s1_err *err)
{
	const char *c1 = memchr(line, ':', (size_t)(eol - line));
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
	if (!c2 || c2[1] != '/')
		return s1_error(err, 0, "/proc/self/cgroup line %zu: malformed", lineno);
	_cleanup_free_ char *ctrl = s1_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
	_cleanup_free_ char *cgpath = s1_xstrndup(c2 + 1, (size_t)(eol - c2 - 1));
	/* A cgroup outside this process's cgroup namespace shows as "/../..". */
	if (has_dotdot(cgpath))
		return s1_error(err, 0, "/proc/self/cgroup: %s is outside this cgroup namespace",
				cgpath);
	bool v2 = ctrl[0] == '\0';
	h->v1_lines |= !v2;
	char *start = locate(mi, v2, ctrl, cgpath);
	if (!start)
		return 0;
	h->v = s1_xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	h->v[h->n++] = (struct s1_cgroup_hier){.v2 = v2,
					       .controllers = steal_pointer(&ctrl),
					       .cgpath = steal_pointer(&cgpath),
					       .start = start};
	return 0;
}

static int parse_with(const struct s1_mountinfo *mi, const char *self_cgroup,
		      struct s1_cgroup_hiers *h, struct s1_err *err)
{
	size_t lineno = 1;
	for (const char *line = self_cgroup; *line; lineno++) {
		const char *eol = strchrnul(line, '\n');
		int r = eol == line ? 0 : parse_line(line, eol, lineno, mi, h, err);
		if (r < 0) {
			cgroup_hiers_free(h);
			return r;
		}
		line = *eol ? eol + 1 : eol;
	}
	return 0;
}

int cgroup_hiers_parse(const char *mountinfo, const char *self_cgroup, struct s1_cgroup_hiers *h,
		       struct s1_err *err)
{
	*h = (struct s1_cgroup_hiers){0};
	struct s1_mountinfo mi;
	int r = mountinfo_parse(mountinfo, &mi, err);
	if (r < 0)
		return r;
	r = parse_with(&mi, self_cgroup, h, err);
	mountinfo_free(&mi);
	return r;
}

/* The controllers field of a line of self ("ID:CONTROLLERS:PATH"), or NULL. */
static const char *line_controllers(const char *line, const char *eol, size_t *len)
{
	const char *c1 = memchr(line, ':', (size_t)(eol - line));
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
	*len = c2 ? (size_t)(c2 - c1 - 1) : 0;
	return c2 ? c1 + 1 : NULL;
}

/* Is the line's hierarchy one the caller wants (every one without a v2 line)? */
static bool line_wanted(const char *ctrl, size_t l, const struct s1_cgroup_want *want, bool has_v2)
{
	if (!want || !has_v2 || l == 0)
		return true;
	_cleanup_free_ char *list = s1_xstrndup(ctrl, l);
	return (want->memory && list_has(list, "memory", 6)) ||
	       (want->cpu && list_has(list, "cpu", 3));
}

/* Where every distribution (systemd) mounts the hierarchies of self's wanted lines:
 * /sys/fs/cgroup or /sys/fs/cgroup/unified for v2, /sys/fs/cgroup/CONTROLLERS (name=NAME: NAME)
 * for v1. Sets *lines to the number of wanted lines. */
static char **guess_points(const char *self, const struct s1_cgroup_want *want, size_t *n,
			   size_t *lines)
{
	char **v = NULL;
	*n = *lines = 0;
	bool has_v2 = strncmp(self, "0::", 3) == 0 || strstr(self, "\n0::");
	for (const char *line = self; *line;) {
		const char *eol = strchrnul(line, '\n');
		size_t l;
		const char *ctrl = line_controllers(line, eol, &l);
		if (ctrl && line_wanted(ctrl, l, want, has_v2)) {
			++*lines;
			v = s1_xrealloc(v, (*n + 2) * sizeof(*v));
			if (l == 0) {
				v[(*n)++] = s1_xstrdup("/sys/fs/cgroup");
				v[(*n)++] = s1_xstrdup("/sys/fs/cgroup/unified");
			} else {
				if (l > 5 && strncmp(ctrl, "name=", 5) == 0) {
					ctrl += 5;
					l -= 5;
				}
				v[(*n)++] = s1_xasprintf("/sys/fs/cgroup/%.*s", (int)l, ctrl);
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	return v;
}

/* The hierarchies through the n guessed mount points alone, which must show all the wanted
 * lines of self: 0, or -EAGAIN where a guess does not hold (or the kernel cannot say) and the
 * whole table must be read; another -errno is /proc/self/cgroup's error, which the whole table
 * would not change. */
static int hiers_from_guesses(const char *self, char *const *points, size_t n, size_t lines,
			      struct s1_cgroup_hiers *h, struct s1_err *err)
{
	struct s1_mountinfo mi;
	int r = mountinfo_read_cgroup_points(&mi, (const char *const *)points, n, NULL);
	if (r < 0)
		return -EAGAIN;
	r = parse_with(&mi, self, h, err);
	mountinfo_free(&mi);
	if (r == 0 && h->n != lines) {
		cgroup_hiers_free(h);
		return -EAGAIN;
	}
	return r;
}

/* Guessing costs about 12 µs a mount point; the whole table below STATMOUNT_FROM mounts
 * about 60 µs: more guesses than this are asked only in a long table. */
#define GUESSES_ALWAYS 4

int cgroup_hiers_read(struct s1_cgroup_hiers *h, const struct s1_cgroup_want *want,
		      struct s1_err *err)
{
	*h = (struct s1_cgroup_hiers){0};
	_cleanup_free_ char *self = NULL;
	int r = s1_read_file_at(AT_FDCWD, "/proc/self/cgroup", PROC_TEXT_MAX, &self, NULL);
	if (r < 0)
		return s1_error(err, r, "reading /proc/self/cgroup");
	/* Where the hierarchies usually are, asked about one by one: the wanted ones always (a
	 * pod on a v2 host wants one or two), every one in a long mount table (rkt keeps two
	 * overlays per pod until gc, each a long line of mountinfo); else every cgroup mount. */
	size_t n, wanted;
	char **points = guess_points(self, want, &n, &wanted);
	bool few = wanted <= GUESSES_ALWAYS, long_table = !few && mountinfo_is_long();
	r = few || long_table ? hiers_from_guesses(self, points, n, wanted, h, err) : -EAGAIN;
	for (size_t i = 0; i < n; i++)
		free(points[i]);
	free(points);
	if (r != -EAGAIN)
		return r;
	if (few)
		long_table = mountinfo_is_long();
	struct s1_mountinfo mi;
	if ((r = mountinfo_read_cgroups(&mi, long_table, err)) < 0)
		return r;
	r = parse_with(&mi, self, h, err);
	mountinfo_free(&mi);
	return r;
}
