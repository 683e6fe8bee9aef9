/* The pod's cgroups: planned from the texts of /proc/self/mountinfo and /proc/self/cgroup,
 * applied to the cgroup file systems, recorded for stop and gc, killed and removed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "stage1c/cgroup.h"
#include "stage1c/mountinfo.h"
#include "stage1c/names.h"
#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/util.h"

#define PROC_TEXT_MAX (16u << 20)
#define WALK_DEPTH_MAX 64
#define REMOVE_WAIT_NS 2000000000LL
#define REMOVE_POLL_NS 20000000L

static char root_prefix[PATH_MAX];

void cgroup_set_root_prefix(const char *prefix)
{
	snprintf(root_prefix, sizeof(root_prefix), "%s", prefix ? prefix : "");
	size_t l = strlen(root_prefix);
	while (l > 0 && root_prefix[l - 1] == '/')
		root_prefix[--l] = '\0';
}

/* A plain directory tree stands in for cgroupfs (see cgroup_set_root_prefix). */
static bool fake_fs(void)
{
	return root_prefix[0] != '\0';
}

int64_t cgroup_shares_to_weight(int64_t shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = s1_xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* "stage1-c-<UUID>", exactly len characters of s. */
static bool is_pod_name(const char *s, size_t len)
{
	static const size_t plen = sizeof(S1_CGROUP_POD_PREFIX) - 1;
	char buf[64];
	if (len <= plen || len >= sizeof(buf) || strncmp(s, S1_CGROUP_POD_PREFIX, plen) != 0)
		return false;
	memcpy(buf, s + plen, len - plen);
	buf[len - plen] = '\0';
	return names_is_uuid(buf);
}

/* ---- Parsing ---- */

/* A hierarchy the process is in, and where its start cgroup is on the file system. */
struct cg_hier {
	bool v2;
	char *controllers; /* "cpu,cpuacct", "name=systemd"; "" on v2 */
	char *cgpath;	   /* the start cgroup, as /proc/self/cgroup names it */
	char *start;	   /* prefix + mount point + the start cgroup below the mount's root */
};

static void hiers_free(struct cg_hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].controllers);
		free(h[i].cgpath);
		free(h[i].start);
	}
	free(h);
}

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

/* Is the mount one of the hierarchy (cgroup2, or v1's cgroup)? */
static bool mount_is_cgroup(const struct s1_mountinfo_entry *m, bool v2)
{
	return strcmp(m->fstype, v2 ? "cgroup2" : "cgroup") == 0;
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
		if (!mount_is_cgroup(m, v2) || (!v2 && !mount_serves(m, controllers)))
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
	const char *point = strcmp(best->point, "/") == 0 ? "" : best->point;
	return s1_xasprintf("%s%s%s", root_prefix, point, rel);
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return true;
	return false;
}

/* "ID:CONTROLLERS:PATH" lines; keeps the hierarchies some mount shows. */
static int parse_self_cgroup(const char *text, const struct s1_mountinfo *mi, struct cg_hier **out,
			     size_t *n, struct s1_err *err)
{
	struct cg_hier *h = NULL;
	size_t nh = 0, lineno = 0;
	for (const char *line = text; *line; lineno++) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (eol == line) {
			line = *eol ? eol + 1 : eol;
			continue;
		}
		if (!c2 || c2[1] != '/') {
			hiers_free(h, nh);
			return s1_error(err, 0, "/proc/self/cgroup line %zu: malformed",
					lineno + 1);
		}
		_cleanup_free_ char *ctrl = s1_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		_cleanup_free_ char *cgpath = s1_xstrndup(c2 + 1, (size_t)(eol - c2 - 1));
		bool v2 = ctrl[0] == '\0';
		/* A cgroup outside this process's cgroup namespace shows as "/../..". */
		if (has_dotdot(cgpath)) {
			hiers_free(h, nh);
			return s1_error(err, 0,
					"/proc/self/cgroup: %s is outside this cgroup namespace",
					cgpath);
		}
		char *start = locate(mi, v2, ctrl, cgpath);
		if (start) {
			h = s1_xrealloc(h, (nh + 1) * sizeof(*h));
			h[nh].v2 = v2;
			h[nh].controllers = steal_pointer(&ctrl);
			h[nh].cgpath = steal_pointer(&cgpath);
			h[nh].start = start;
			nh++;
		}
		line = *eol ? eol + 1 : eol;
	}
	*out = h;
	*n = nh;
	return 0;
}

/* ---- The plan ---- */

static void add_op(struct s1_cgroup_plan *p, enum s1_cgroup_op_type type, char *path, char *value,
		   const char *what)
{
	p->ops = s1_xrealloc(p->ops, (p->n_ops + 1) * sizeof(*p->ops));
	p->ops[p->n_ops++] = (struct s1_cgroup_op){type, path, value, what};
	if (type == S1_CGROUP_MKDIR)
		strv_push(&p->dirs, &p->n_dirs, s1_xstrdup(path));
}

static void add_write(struct s1_cgroup_plan *p, const char *dir, const char *file, char *value,
		      const char *what)
{
	add_op(p, S1_CGROUP_WRITE, s1_xasprintf("%s/%s", dir, file), value, what);
}

static int check_limits(const struct s1_cgroup_limits *lim, struct s1_err *err)
{
	if (lim->has_memory && lim->memory_bytes <= 0)
		return s1_error(err, 0, "memory limit: %lld bytes is not a limit",
				(long long)lim->memory_bytes);
	if (lim->has_cpu && (lim->cpu_milli <= 0 || lim->cpu_milli > INT64_MAX / 100))
		return s1_error(err, 0, "cpu limit: %lldm is out of range",
				(long long)lim->cpu_milli);
	if (lim->has_shares && (lim->shares < 2 || lim->shares > 262144))
		return s1_error(err, 0, "cpu shares: %lld is out of range (2..262144)",
				(long long)lim->shares);
	return 0;
}

static int64_t cpu_quota_us(const struct s1_cgroup_limits *lim)
{
	int64_t q = lim->cpu_milli * (S1_CGROUP_CPU_PERIOD_US / 1000);
	return q < S1_CGROUP_MIN_QUOTA_US ? S1_CGROUP_MIN_QUOTA_US : q;
}

static void plan_v1_limits(struct s1_cgroup_plan *p, const char *pod, bool memory, bool cpu,
			   const struct s1_cgroup_limits *lim)
{
	if (memory)
		add_write(p, pod, "memory.limit_in_bytes",
			  s1_xasprintf("%lld", (long long)lim->memory_bytes), "memory limit");
	if (cpu && lim->has_cpu) {
		add_write(p, pod, "cpu.cfs_period_us", s1_xasprintf("%d", S1_CGROUP_CPU_PERIOD_US),
			  "cpu limit");
		add_write(p, pod, "cpu.cfs_quota_us",
			  s1_xasprintf("%lld", (long long)cpu_quota_us(lim)), "cpu limit");
	}
	if (cpu && lim->has_shares)
		add_write(p, pod, "cpu.shares", s1_xasprintf("%lld", (long long)lim->shares),
			  "cpu shares");
}

/* A pod cgroup in a v1 hierarchy: the app joins it directly, the leader stays where it is
 * (v1 has no rule against processes in inner cgroups, and limits never reach the leader). */
static void plan_v1(struct s1_cgroup_plan *p, const struct cg_hier *h, const char *pod_name,
		    bool memory, bool cpu, const struct s1_cgroup_limits *lim)
{
	_cleanup_free_ char *pod = s1_xasprintf("%s/%s", h->start, pod_name);
	add_op(p, S1_CGROUP_MKDIR, s1_xstrdup(pod), NULL, "creating the pod cgroup");
	/* A new cpuset cgroup starts with no CPUs and no memory nodes: nothing could join it. */
	if (list_has(h->controllers, "cpuset", 6)) {
		add_op(p, S1_CGROUP_COPY, s1_xasprintf("%s/cpuset.cpus", pod),
		       s1_xasprintf("%s/cpuset.cpus", h->start), "cpuset");
		add_op(p, S1_CGROUP_COPY, s1_xasprintf("%s/cpuset.mems", pod),
		       s1_xasprintf("%s/cpuset.mems", h->start), "cpuset");
	}
	plan_v1_limits(p, pod, memory, cpu, lim);
	/* The app's child joins by writing "0" to "tasks", which moves only the (single) calling
	 * thread: unlike "cgroup.procs" that does not take the kernel's threadgroup lock, whose
	 * write side waits for an RCU grace period (about 8 ms per pod start here). */
	strv_push(&p->app_procs, &p->n_app_procs, s1_xasprintf("%s/tasks", pod));
}

/* The unified hierarchy: <start>/<pod>/leader holds the leader, <start>/<pod>/app the app and
 * its limits. Controllers must be enabled in start and pod, which v2 refuses while start
 * holds processes: the leader leaves it first, the rest is up to whoever started rkt. */
static void plan_v2(struct s1_cgroup_plan *p, const struct cg_hier *h, const char *pod_name,
		    bool memory, bool cpu, const struct s1_cgroup_limits *lim)
{
	_cleanup_free_ char *pod = s1_xasprintf("%s/%s", h->start, pod_name);
	_cleanup_free_ char *app = s1_xasprintf("%s/app", pod);
	const char *cpu_what = lim->has_cpu ? "cpu limit" : "cpu shares";
	const char *ctrl[2];
	const char *what[2];
	size_t nc = 0;
	if (memory) {
		ctrl[nc] = "memory";
		what[nc++] = "memory limit";
	}
	if (cpu) {
		ctrl[nc] = "cpu";
		what[nc++] = cpu_what;
	}
	/* Checked before anything is made, so that a missing controller costs no undo. */
	for (size_t i = 0; i < nc; i++)
		add_op(p, S1_CGROUP_REQUIRE, s1_xstrdup(h->start), s1_xstrdup(ctrl[i]), what[i]);
	add_op(p, S1_CGROUP_MKDIR, s1_xstrdup(pod), NULL, "creating the pod cgroup");
	add_op(p, S1_CGROUP_MKDIR, s1_xasprintf("%s/leader", pod), NULL, "creating the pod cgroup");
	/* The leader moves (and pays the migration's RCU grace period) only when the start
	 * cgroup must delegate controllers, which it cannot while holding the leader. */
	if (nc > 0)
		add_op(p, S1_CGROUP_JOIN, s1_xasprintf("%s/leader/cgroup.procs", pod),
		       s1_xasprintf("%s/cgroup.procs", h->start), "moving the pod leader");
	for (size_t i = 0; i < nc; i++)
		add_op(p, S1_CGROUP_ENABLE, s1_xstrdup(h->start), s1_xstrdup(ctrl[i]), what[i]);
	for (size_t i = 0; i < nc; i++)
		add_op(p, S1_CGROUP_ENABLE, s1_xstrdup(pod), s1_xstrdup(ctrl[i]), what[i]);
	add_op(p, S1_CGROUP_MKDIR, s1_xstrdup(app), NULL, "creating the pod cgroup");
	if (memory)
		add_write(p, app, "memory.max", s1_xasprintf("%lld", (long long)lim->memory_bytes),
			  "memory limit");
	if (cpu && lim->has_cpu)
		add_write(
		    p, app, "cpu.max",
		    s1_xasprintf("%lld %d", (long long)cpu_quota_us(lim), S1_CGROUP_CPU_PERIOD_US),
		    "cpu limit");
	if (cpu && lim->has_shares)
		add_write(p, app, "cpu.weight",
			  s1_xasprintf("%lld", (long long)cgroup_shares_to_weight(lim->shares)),
			  "cpu shares");
	strv_push(&p->app_procs, &p->n_app_procs, s1_xasprintf("%s/cgroup.procs", app));
}

/* The v1 hierarchy holding a controller, or -1. */
static ssize_t find_v1(const struct cg_hier *h, size_t nh, const char *controller)
{
	for (size_t i = 0; i < nh; i++)
		if (!h[i].v2 && list_has(h[i].controllers, controller, strlen(controller)))
			return (ssize_t)i;
	return -1;
}

static ssize_t find_v2(const struct cg_hier *h, size_t nh)
{
	for (size_t i = 0; i < nh; i++)
		if (h[i].v2)
			return (ssize_t)i;
	return -1;
}

static int build(const struct cg_hier *h, size_t nh, const char *pod_name,
		 const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *p, struct s1_err *err)
{
	ssize_t v2 = find_v2(h, nh);
	bool any_v1 = false;
	for (size_t i = 0; i < nh; i++) {
		any_v1 |= !h[i].v2;
		/* The record is one path per line. */
		if (strchr(h[i].start, '\n'))
			return s1_error(err, 0, "cgroup %s: a newline in the path", h[i].cgpath);
	}
	if (nh == 0)
		return s1_error(err, 0,
				"no cgroup hierarchy is mounted (see /proc/self/mountinfo)");
	p->layout = !any_v1 ? S1_CGROUP_V2 : v2 >= 0 ? S1_CGROUP_HYBRID : S1_CGROUP_V1;

	/* Each limit goes to the v1 hierarchy of its controller, else to the unified one. */
	bool need_mem = lim->has_memory, need_cpu = lim->has_cpu || lim->has_shares;
	ssize_t mem_h = need_mem ? find_v1(h, nh, "memory") : -1;
	ssize_t cpu_h = need_cpu ? find_v1(h, nh, "cpu") : -1;
	if (need_mem && mem_h < 0 && v2 < 0)
		return s1_error(err, 0,
				"memory limit: the memory controller is not mounted (no cgroup v1 "
				"hierarchy has it and there is no cgroup2 mount)");
	if (need_cpu && cpu_h < 0 && v2 < 0)
		return s1_error(
		    err, 0,
		    "%s: the cpu controller is not mounted (no cgroup v1 hierarchy has it "
		    "and there is no cgroup2 mount)",
		    lim->has_cpu ? "cpu limit" : "cpu shares");

	/* v2's checks first: they are the ones that can fail before anything exists. */
	if (v2 >= 0)
		plan_v2(p, &h[v2], pod_name, need_mem && mem_h < 0, need_cpu && cpu_h < 0, lim);
	for (size_t i = 0; i < nh; i++)
		if (!h[i].v2)
			plan_v1(p, &h[i], pod_name, (ssize_t)i == mem_h, (ssize_t)i == cpu_h, lim);

	const struct cg_hier *named = NULL;
	for (size_t i = 0; i < nh && !named; i++)
		if (!h[i].v2 && list_has(h[i].controllers, "name=systemd", 12))
			named = &h[i];
	if (!named && v2 >= 0)
		named = &h[v2];
	if (named) {
		const char *base = named->cgpath + strspn(named->cgpath, "/");
		p->subcgroup = *base ? s1_xasprintf("%s/%s", base, pod_name) : s1_xstrdup(pod_name);
	}
	return 0;
}

static int plan_from(const struct s1_mountinfo *mi, const char *self_cgroup, const char *pod_name,
		     const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *plan,
		     struct s1_err *err)
{
	struct cg_hier *h = NULL;
	size_t nh = 0;
	int r = parse_self_cgroup(self_cgroup, mi, &h, &nh, err);
	if (r < 0)
		return r;
	r = build(h, nh, pod_name, lim, plan, err);
	hiers_free(h, nh);
	if (r < 0)
		cgroup_plan_free(plan);
	return r;
}

/* The checks that need neither text; plan is zeroed first. */
static int check_args(const char *pod_name, const struct s1_cgroup_limits *lim,
		      struct s1_cgroup_plan *plan, struct s1_err *err)
{
	memset(plan, 0, sizeof(*plan));
	if (!pod_name || !is_pod_name(pod_name, strlen(pod_name)))
		return s1_error(err, 0, "pod cgroup name \"%s\" is not %s<UUID>",
				pod_name ? pod_name : "", S1_CGROUP_POD_PREFIX);
	return check_limits(lim, err);
}

static const struct s1_cgroup_limits no_limits;

int cgroup_plan_build(const char *mountinfo, const char *self_cgroup, const char *pod_name,
		      const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *plan,
		      struct s1_err *err)
{
	if (!lim)
		lim = &no_limits;
	int r = check_args(pod_name, lim, plan, err);
	if (r < 0)
		return r;
	struct s1_mountinfo mi;
	if ((r = mountinfo_parse(mountinfo, &mi, err)) < 0)
		return r;
	r = plan_from(&mi, self_cgroup, pod_name, lim, plan, err);
	mountinfo_free(&mi);
	return r;
}

int cgroup_plan_build_current(const char *pod_name, const struct s1_cgroup_limits *lim,
			      struct s1_cgroup_plan *plan, struct s1_err *err)
{
	if (!lim)
		lim = &no_limits;
	int r = check_args(pod_name, lim, plan, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *self = NULL;
	r = s1_read_file_at(AT_FDCWD, "/proc/self/cgroup", PROC_TEXT_MAX, &self, NULL);
	if (r < 0)
		return s1_error(err, r, "reading /proc/self/cgroup");
	struct s1_mountinfo mi;
	if ((r = mountinfo_read(&mi, err)) < 0)
		return r;
	r = plan_from(&mi, self, pod_name, lim, plan, err);
	mountinfo_free(&mi);
	return r;
}

void cgroup_plan_free(struct s1_cgroup_plan *plan)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		free(plan->ops[i].path);
		free(plan->ops[i].value);
	}
	free(plan->ops);
	strv_free(plan->dirs, plan->n_dirs);
	strv_free(plan->app_procs, plan->n_app_procs);
	free(plan->subcgroup);
	memset(plan, 0, sizeof(*plan));
}

/* ---- Applying ---- */

/* One write of the whole value: a cgroup file takes each write(2) as one command. */
static int write_file(const char *path, const char *value, int flags)
{
	flags |= O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
	if (fake_fs())
		flags |= O_CREAT;
	_cleanup_close_ int fd = open(path, flags, 0644);
	if (fd < 0)
		return -errno;
	return s1_write_all(fd, value, strlen(value));
}

/* Is tok one of the whitespace-separated words of the file (a leading '+' ignored)? */
static int file_has_word(const char *path, const char *tok, bool *found)
{
	_cleanup_free_ char *text = NULL;
	int r = s1_read_file_at(AT_FDCWD, path, 1u << 16, &text, NULL);
	if (r < 0)
		return r;
	*found = false;
	char *save = NULL;
	for (char *w = strtok_r(text, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (strcmp(w + (*w == '+'), tok) == 0)
			*found = true;
	return 0;
}

/* rmdir; a plain directory standing in for a cgroup first loses the files apply made. */
static int remove_dir(const char *path)
{
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	int e = errno;
	if (!fake_fs() || (e != ENOTEMPTY && e != EEXIST))
		return -e;
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN)
			unlinkat(dirfd(d), de->d_name, 0); /* a directory stays: EISDIR */
	closedir(d);
	return rmdir(path) == 0 || errno == ENOENT ? 0 : -errno;
}

static int not_available(const struct s1_cgroup_op *op, struct s1_err *err)
{
	return s1_error(err, 0,
			"%s: controller %s is not available in %s (cgroup.controllers); it must "
			"be enabled in the cgroup.subtree_control of the cgroups above",
			op->what, op->value, op->path);
}

static int do_op(const struct s1_cgroup_op *op, struct s1_err *err)
{
	int r = 0;
	switch (op->type) {
	case S1_CGROUP_REQUIRE: {
		_cleanup_free_ char *f = s1_xasprintf("%s/cgroup.controllers", op->path);
		bool found = false;
		if ((r = file_has_word(f, op->value, &found)) < 0)
			return s1_error(err, r, "%s: reading %s", op->what, f);
		return found ? 0 : not_available(op, err);
	}
	case S1_CGROUP_MKDIR: {
		struct stat st;
		if (mkdir(op->path, 0755) == 0)
			return 0;
		r = -errno;
		if (r == -EEXIST && lstat(op->path, &st) == 0 && S_ISDIR(st.st_mode))
			return 0; /* the name is the pod's own: a second attempt of the same pod */
		return s1_error(err, r == -EEXIST ? ENOTDIR : r, "%s %s", op->what, op->path);
	}
	case S1_CGROUP_COPY: {
		_cleanup_free_ char *text = NULL;
		if ((r = s1_read_file_at(AT_FDCWD, op->value, 1u << 16, &text, NULL)) < 0)
			return s1_error(err, r, "%s: reading %s", op->what, op->value);
		text[strcspn(text, "\n")] = '\0';
		if (!*text)
			return 0;
		if ((r = write_file(op->path, text, O_TRUNC)) < 0)
			return s1_error(err, r, "%s: writing \"%s\" to %s", op->what, text,
					op->path);
		return 0;
	}
	case S1_CGROUP_JOIN:
		if ((r = write_file(op->path, "0", O_TRUNC)) < 0)
			return s1_error(err, r, "%s into %s", op->what, op->path);
		return 0;
	case S1_CGROUP_ENABLE: {
		_cleanup_free_ char *f = s1_xasprintf("%s/cgroup.subtree_control", op->path);
		_cleanup_free_ char *v = s1_xasprintf("+%s", op->value);
		/* Appended, so that a plain file standing in for it keeps every write. */
		r = write_file(f, v, O_APPEND);
		if (r == -ENOENT)
			return not_available(op, err);
		if (r == -EBUSY)
			return s1_error(
			    err, r,
			    "%s: cannot enable controller %s in %s (cgroup.subtree_control): "
			    "the cgroup holds processes besides rkt; start rkt in a cgroup of "
			    "its own (e.g. a systemd unit with Delegate=yes)",
			    op->what, op->value, op->path);
		if (r < 0)
			return s1_error(err, r, "%s: enabling controller %s in %s", op->what,
					op->value, f);
		return 0;
	}
	case S1_CGROUP_WRITE:
		if ((r = write_file(op->path, op->value, O_TRUNC)) < 0)
			return s1_error(err, r, "%s: writing \"%s\" to %s", op->what, op->value,
					op->path);
		return 0;
	}
	return s1_error(err, 0, "unknown cgroup operation %d", (int)op->type);
}

/* Undo ops[0..n) in reverse: the leader goes back, directories go. Controllers enabled in the
 * start cgroup stay enabled (others may rely on them by now). */
static int undo_ops(const struct s1_cgroup_plan *plan, size_t n, bool dirs)
{
	int first = 0;
	while (n-- > 0) {
		const struct s1_cgroup_op *op = &plan->ops[n];
		int r = 0;
		if (op->type == S1_CGROUP_JOIN)
			r = write_file(op->value, "0", O_TRUNC);
		else if (op->type == S1_CGROUP_MKDIR && dirs)
			r = remove_dir(op->path);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

int cgroup_plan_apply(const struct s1_cgroup_plan *plan, struct s1_err *err)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		int r = do_op(&plan->ops[i], err);
		if (r < 0) {
			undo_ops(plan, i, true);
			return r;
		}
	}
	return 0;
}

int cgroup_plan_leave(const struct s1_cgroup_plan *plan)
{
	return undo_ops(plan, plan->n_ops, false);
}

int cgroup_plan_undo(const struct s1_cgroup_plan *plan)
{
	return undo_ops(plan, plan->n_ops, true);
}

int cgroup_open_join_files(char *const *paths, size_t n, int *fds, size_t max, struct s1_err *err)
{
	if (n > max)
		return s1_error(err, 0, "the app joins %zu cgroups, more than %zu", n, max);
	for (size_t i = 0; i < n; i++) {
		fds[i] = open(paths[i], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fds[i] < 0) {
			int r = s1_error(err, errno, "opening %s", paths[i]);
			while (i-- > 0)
				close(fds[i]);
			return r;
		}
	}
	return 0;
}

int cgroup_plan_open_app_procs(const struct s1_cgroup_plan *plan, int *fds, size_t max, size_t *n,
			       struct s1_err *err)
{
	*n = 0;
	int r = cgroup_open_join_files(plan->app_procs, plan->n_app_procs, fds, max, err);
	if (r == 0)
		*n = plan->n_app_procs;
	return r;
}

int cgroup_join_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t w;
		do
			w = write(fds[i], "0", 1);
		while (w < 0 && errno == EINTR);
		if (w != 1)
			return w < 0 ? -errno : -EIO;
	}
	return 0;
}

/* ---- The record ---- */

void cgroup_record_add(struct s1_record *rec, const struct s1_cgroup_plan *plan)
{
	for (size_t i = 0; i < plan->n_dirs; i++)
		podstate_record_add(rec, S1_CGROUP_RECORD, plan->dirs[i]);
}

int cgroup_record_read(int podfd, char ***dirs, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	*dirs = NULL;
	*n = 0;
	int r = podstate_record_read(podfd, S1_CGROUP_RECORD, &text);
	if (r < 0)
		return r;
	char **v = NULL;
	size_t nv = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		strv_push(&v, &nv, s1_xstrdup(line));
	*dirs = v;
	*n = nv;
	return 0;
}

void cgroup_record_free(char **dirs, size_t n)
{
	strv_free(dirs, n);
}

/* ---- Killing and removing ---- */

enum line_kind { LINE_POD, LINE_APP, LINE_LEADER };

/* A record line names a pod cgroup ".../stage1-c-<UUID>" or one of its leaves, absolutely,
 * with no "." or ".." components (and under the root prefix when one is set). */
static bool record_line_ok(const char *line, enum line_kind *kind)
{
	size_t pl = strlen(root_prefix);
	if (line[0] != '/' || (pl && (strncmp(line, root_prefix, pl) != 0 || line[pl] != '/')))
		return false;
	const char *last = NULL, *prev = NULL;
	size_t last_len = 0, prev_len = 0;
	for (const char *p = line + 1;;) {
		size_t l = strcspn(p, "/");
		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		prev = last;
		prev_len = last_len;
		last = p;
		last_len = l;
		if (!p[l])
			break;
		p += l + 1;
	}
	if (is_pod_name(last, last_len)) {
		*kind = LINE_POD;
		return true;
	}
	if (!prev || !is_pod_name(prev, prev_len))
		return false;
	if (last_len == 3 && strncmp(last, "app", 3) == 0)
		*kind = LINE_APP;
	else if (last_len == 6 && strncmp(last, "leader", 6) == 0)
		*kind = LINE_LEADER;
	else
		return false;
	return true;
}

/* On the real system a recorded directory must be a cgroup (or gone). */
static bool on_cgroupfs(const char *path)
{
	struct statfs sf;
	if (fake_fs())
		return true;
	if (statfs(path, &sf) < 0)
		return errno == ENOENT;
	return sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Index of the first line that is not ours, or -1. */
static ssize_t record_check(char *const *dirs, size_t n, enum line_kind *kinds)
{
	for (size_t i = 0; i < n; i++)
		if (!record_line_ok(dirs[i], &kinds[i]) || !on_cgroupfs(dirs[i]))
			return (ssize_t)i;
	return -1;
}

bool cgroup_is_app_join_file(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || (strcmp(slash, "/cgroup.procs") != 0 && strcmp(slash, "/tasks") != 0))
		return false;
	_cleanup_free_ char *dir = s1_xstrndup(path, (size_t)(slash - path));
	enum line_kind kind;
	return record_line_ok(dir, &kind) && kind != LINE_LEADER && on_cgroupfs(dir);
}

static bool record_has(char *const *dirs, size_t n, const char *base, const char *leaf)
{
	size_t bl = strlen(base);
	for (size_t i = 0; i < n; i++)
		if (strncmp(dirs[i], base, bl) == 0 && dirs[i][bl] == '/' &&
		    strcmp(dirs[i] + bl + 1, leaf) == 0)
			return true;
	return false;
}

/* A sub-directory entry (not "." or ".."), by d_type or, where the file system gives none,
 * by lstat. */
static bool is_subdir(DIR *d, const struct dirent *de)
{
	struct stat st;
	if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
		return false;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

struct pidset {
	pid_t *v;
	size_t n;
};

static void pidset_add(struct pidset *s, pid_t pid)
{
	s->v = s1_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = pid;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* The processes of a cgroup and the cgroups below it, except the subtree exclude. */
static int collect_pids(const char *path, const char *exclude, int depth, struct pidset *s)
{
	if (depth > WALK_DEPTH_MAX)
		return -ELOOP;
	_cleanup_free_ char *procs = s1_xasprintf("%s/cgroup.procs", path);
	_cleanup_free_ char *text = NULL;
	int r = s1_read_file_at(AT_FDCWD, procs, PROC_TEXT_MAX, &text, NULL);
	if (r == -ENOENT)
		return 0; /* gone meanwhile */
	if (r < 0)
		return r;
	char *save = NULL;
	for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		long long pid;
		if (s1_parse_ll(w, 1, INT_MAX, &pid) == 0)
			pidset_add(s, (pid_t)pid);
	}
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	int first = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (!is_subdir(d, de))
			continue;
		_cleanup_free_ char *sub = s1_xasprintf("%s/%s", path, de->d_name);
		if (exclude && strcmp(sub, exclude) == 0)
			continue;
		r = collect_pids(sub, exclude, depth + 1, s);
		if (r < 0 && first == 0)
			first = r;
	}
	closedir(d);
	return first;
}

struct target {
	const char *path;
	char *exclude; /* a subtree left alone: the leader's leaf */
};

/* Signal every process in the targets once (never the caller). With SIGKILL, a target with
 * nothing excluded and without the caller inside is also killed through cgroup.kill, which
 * catches what forks meanwhile. *found: processes signalled (listed ones that are gone, as
 * in a plain file standing in for cgroup.procs, are not counted). */
static int signal_targets(const struct target *t, size_t nt, int sig, size_t *found)
{
	struct pidset all = {0};
	pid_t self = getpid();
	int first = 0;
	for (size_t i = 0; i < nt; i++) {
		struct pidset mine = {0};
		int r = collect_pids(t[i].path, t[i].exclude, 0, &mine);
		if (r < 0 && first == 0)
			first = r;
		bool self_inside = false;
		for (size_t j = 0; j < mine.n; j++) {
			self_inside |= mine.v[j] == self;
			pidset_add(&all, mine.v[j]);
		}
		free(mine.v);
		if (sig == SIGKILL && !t[i].exclude && !self_inside) {
			_cleanup_free_ char *kill_file = s1_xasprintf("%s/cgroup.kill", t[i].path);
			_cleanup_close_ int fd =
			    open(kill_file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_TRUNC);
			if (fd >= 0)
				(void)s1_write_all(fd, "1", 1);
		}
	}
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), pid_cmp);
	size_t seen = 0;
	for (size_t i = 0; i < all.n; i++) {
		if ((i > 0 && all.v[i] == all.v[i - 1]) || all.v[i] == self)
			continue;
		if (kill(all.v[i], sig) == 0)
			seen++;
		else if (errno != ESRCH && first == 0)
			first = -errno;
	}
	free(all.v);
	if (found)
		*found = seen;
	return first;
}

static void targets_free(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].exclude);
	free(t);
}

int cgroup_kill_all(char *const *dirs, size_t n, int sig)
{
	_cleanup_free_ enum line_kind *kinds = s1_xcalloc(n, sizeof(*kinds));
	if (record_check(dirs, n, kinds) >= 0)
		return -EINVAL;
	/* The app's cgroups: its leaf where the pod has leaves, else the pod cgroup itself. */
	struct target *t = s1_xcalloc(n, sizeof(*t));
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		if (kinds[i] == LINE_LEADER ||
		    (kinds[i] == LINE_POD && record_has(dirs, n, dirs[i], "app")))
			continue;
		t[nt].path = dirs[i];
		if (kinds[i] == LINE_POD && record_has(dirs, n, dirs[i], "leader"))
			t[nt].exclude = s1_xasprintf("%s/leader", dirs[i]);
		nt++;
	}
	int r = signal_targets(t, nt, sig, NULL);
	targets_free(t, nt);
	return r;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Remove a recorded cgroup and whatever sub-cgroups were made below it, deepest first. */
static int remove_tree(const char *path, int depth)
{
	if (depth > WALK_DEPTH_MAX)
		return -ELOOP;
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	int first = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (!is_subdir(d, de))
			continue;
		_cleanup_free_ char *sub = s1_xasprintf("%s/%s", path, de->d_name);
		int r = remove_tree(sub, depth + 1);
		if (r < 0 && first == 0)
			first = r;
	}
	closedir(d);
	int r = remove_dir(path);
	return first ? first : r;
}

static int by_length_desc(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
	return (x < y) - (x > y);
}

int cgroup_remove(char *const *dirs, size_t n, struct s1_err *err)
{
	_cleanup_free_ enum line_kind *kinds = s1_xcalloc(n, sizeof(*kinds));
	ssize_t bad = record_check(dirs, n, kinds);
	if (bad >= 0)
		return s1_error(err, 0, "cgroup record: refusing \"%s\": not a stage1-c pod cgroup",
				dirs[bad]);

	struct target *t = s1_xcalloc(n, sizeof(*t));
	for (size_t i = 0; i < n; i++)
		t[i].path = dirs[i];
	long long deadline = now_ns() + REMOVE_WAIT_NS;
	for (;;) {
		size_t found = 0;
		signal_targets(t, n, SIGKILL, &found);
		if (found == 0 || now_ns() >= deadline)
			break;
		nanosleep(&(struct timespec){0, REMOVE_POLL_NS}, NULL);
	}
	targets_free(t, n);

	_cleanup_free_ char **order = s1_xcalloc(n, sizeof(*order));
	memcpy(order, dirs, n * sizeof(*order));
	qsort(order, n, sizeof(*order), by_length_desc);
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		int r = remove_tree(order[i], 0);
		if (r < 0 && first == 0)
			first = s1_error(err, r, "removing cgroup %s%s", order[i],
					 r == -EBUSY ? " (processes are still in it)" : "");
	}
	return first;
}
