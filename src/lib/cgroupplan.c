/* The pod's cgroups as a plan (cgroupplan.h says which cgroups, and why only those). Pure. */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "stage1c/cgroupplan.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

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

/* The longest app name whose leaf, "app-NAME", is a file name. */
#define APP_NAME_MAX (255 - sizeof(S1_CGROUP_APP_LEAF "-") + 1)

/* "app", or "app-NAME" with an ACName: exactly len characters of s. */
static bool is_app_leaf(const char *s, size_t len)
{
	static const size_t plen = sizeof(S1_CGROUP_APP_LEAF) - 1;
	char buf[APP_NAME_MAX + 1];
	if (len < plen || strncmp(s, S1_CGROUP_APP_LEAF, plen) != 0)
		return false;
	if (len == plen)
		return true;
	if (s[plen] != '-' || len - plen - 1 > APP_NAME_MAX)
		return false;
	memcpy(buf, s + plen + 1, len - plen - 1);
	buf[len - plen - 1] = '\0';
	return names_is_acname(buf);
}

static void add_op(struct s1_cgroup_plan *p, enum s1_cgroup_op_type type, char *path, char *value,
		   const char *what)
{
	p->ops = s1_xrealloc(p->ops, (p->n_ops + 1) * sizeof(*p->ops));
	p->ops[p->n_ops++] = (struct s1_cgroup_op){type, path, value, what};
	if (type == S1_CGROUP_MKDIR)
		strv_push(&p->dirs, &p->n_dirs, s1_xstrdup(path));
}

static void add_mkdir(struct s1_cgroup_plan *p, const char *dir)
{
	add_op(p, S1_CGROUP_MKDIR, s1_xstrdup(dir), NULL, "creating the pod cgroup");
}

static void add_write(struct s1_cgroup_plan *p, const char *dir, const char *file, char *value,
		      const char *what)
{
	add_op(p, S1_CGROUP_WRITE, s1_xasprintf("%s/%s", dir, file), value, what);
}

static int check_pod_name(const char *pod_name, struct s1_err *err)
{
	if (!pod_name || !is_pod_name(pod_name, strlen(pod_name)))
		return s1_error(err, 0, "pod cgroup name \"%s\" is not %s<UUID>",
				pod_name ? pod_name : "", S1_CGROUP_POD_PREFIX);
	return 0;
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

/* The join files of each app while planning, flattened into the plan at the end. */
struct app_files {
	char **v;
	size_t n;
};

/* An app's own cgroup below the pod's: "app" when it is the pod's only app, else "app-NAME". */
static char *app_dir(const char *pod, const struct s1_cgroup_app *apps, size_t n_apps, size_t i)
{
	return n_apps == 1 || !apps[i].name
		   ? s1_xasprintf("%s/" S1_CGROUP_APP_LEAF, pod)
		   : s1_xasprintf("%s/" S1_CGROUP_APP_LEAF "-%s", pod, apps[i].name);
}

/* cpuset's files, which a new cgroup has empty: nothing could join it. */
static void add_cpuset_copy(struct s1_cgroup_plan *p, const struct s1_cgroup_hier *h,
			    const char *dir, const char *from)
{
	if (!cgroup_hier_has(h, "cpuset"))
		return;
	add_op(p, S1_CGROUP_COPY, s1_xasprintf("%s/cpuset.cpus", dir),
	       s1_xasprintf("%s/cpuset.cpus", from), "cpuset");
	add_op(p, S1_CGROUP_COPY, s1_xasprintf("%s/cpuset.mems", dir),
	       s1_xasprintf("%s/cpuset.mems", from), "cpuset");
}

static void add_v1_limits(struct s1_cgroup_plan *p, const char *dir, bool memory, bool cpu,
			  const struct s1_cgroup_limits *lim)
{
	if (memory && lim->has_memory)
		add_write(p, dir, "memory.limit_in_bytes",
			  s1_xasprintf("%lld", (long long)lim->memory_bytes), "memory limit");
	/* The quota, for the period every new v1 cgroup has: the kernel's default, 100 ms, which
	 * a cgroup does not take from its parent (a directory that existed is this pod's own,
	 * from an attempt that wrote nothing else). */
	if (cpu && lim->has_cpu)
		add_write(p, dir, "cpu.cfs_quota_us",
			  s1_xasprintf("%lld", (long long)cpu_quota_us(lim)), "cpu limit");
	if (cpu && lim->has_shares)
		add_write(p, dir, "cpu.shares", s1_xasprintf("%lld", (long long)lim->shares),
			  "cpu shares");
}

/* A pod cgroup in a v1 hierarchy: the pod's only app joins it directly (its limits are the
 * pod cgroup's), several apps each get their own below it; the leader stays where it is (v1
 * has no rule against processes in inner cgroups, and limits never reach the leader). The app
 * joins by writing "0" to "tasks", which moves only the (single) calling thread: unlike
 * "cgroup.procs" that does not take the kernel's threadgroup lock, whose write side waits for
 * an RCU grace period (about 8 ms per pod start here). */
static void plan_v1(struct s1_cgroup_plan *p, const struct s1_cgroup_hier *h, const char *pod_name,
		    bool memory, bool cpu, const struct s1_cgroup_app *apps, size_t n_apps,
		    struct app_files *files)
{
	_cleanup_free_ char *pod = s1_xasprintf("%s/%s", h->start, pod_name);
	add_mkdir(p, pod);
	add_cpuset_copy(p, h, pod, h->start);
	for (size_t i = 0; i < n_apps; i++) {
		_cleanup_free_ char *dir =
		    n_apps == 1 ? s1_xstrdup(pod) : app_dir(pod, apps, n_apps, i);
		if (n_apps > 1) {
			add_mkdir(p, dir);
			add_cpuset_copy(p, h, dir, pod);
		}
		add_v1_limits(p, dir, memory, cpu, &apps[i].lim);
		strv_push(&files[i].v, &files[i].n, s1_xasprintf("%s/tasks", dir));
	}
}

/* The v2 tree: <start>/<pod>/app holds the app and its limits (a pod's only app without v2
 * limits is in <start>/<pod> itself). Controllers must be enabled in
 * start and pod, which v2 refuses while start holds processes: then the leader moves to
 * <start>/<pod>/leader first (paying a migration's RCU grace period, so only then); the rest
 * is up to whoever started rkt. */
static void plan_v2(struct s1_cgroup_plan *p, const struct s1_cgroup_hier *h, const char *pod_name,
		    bool memory, bool cpu, const struct s1_cgroup_app *apps, size_t n_apps,
		    struct app_files *files)
{
	_cleanup_free_ char *pod = s1_xasprintf("%s/%s", h->start, pod_name);
	const char *ctrl[2], *what[2];
	size_t nc = 0;
	bool has_cpu = false;
	for (size_t i = 0; i < n_apps; i++)
		has_cpu |= apps[i].lim.has_cpu;
	if (memory) {
		ctrl[nc] = "memory";
		what[nc++] = "memory limit";
	}
	if (cpu) {
		ctrl[nc] = "cpu";
		what[nc++] = has_cpu ? "cpu limit" : "cpu shares";
	}
	/* Checked before anything is made, so that a missing controller costs no undo. */
	for (size_t i = 0; i < nc; i++)
		add_op(p, S1_CGROUP_REQUIRE, s1_xstrdup(h->start), s1_xstrdup(ctrl[i]), what[i]);
	add_mkdir(p, pod);
	if (nc > 0) {
		_cleanup_free_ char *leader = s1_xasprintf("%s/" S1_CGROUP_LEADER_LEAF, pod);
		add_mkdir(p, leader);
		add_op(p, S1_CGROUP_JOIN, s1_xasprintf("%s/cgroup.procs", leader),
		       s1_xasprintf("%s/cgroup.procs", h->start), "moving the pod leader");
		for (size_t i = 0; i < nc; i++)
			add_op(p, S1_CGROUP_ENABLE, s1_xstrdup(h->start), s1_xstrdup(ctrl[i]),
			       what[i]);
		for (size_t i = 0; i < nc; i++)
			add_op(p, S1_CGROUP_ENABLE, s1_xstrdup(pod), s1_xstrdup(ctrl[i]), what[i]);
	}
	/* With no controller to enable, a pod's only app needs no cgroup below the pod's, as on
	 * v1: one directory less to make and to remove. */
	bool leaves = n_apps > 1 || nc > 0;
	for (size_t i = 0; i < n_apps; i++) {
		const struct s1_cgroup_limits *lim = &apps[i].lim;
		_cleanup_free_ char *app = leaves ? app_dir(pod, apps, n_apps, i) : s1_xstrdup(pod);
		if (leaves)
			add_mkdir(p, app);
		if (memory && lim->has_memory)
			add_write(p, app, "memory.max",
				  s1_xasprintf("%lld", (long long)lim->memory_bytes),
				  "memory limit");
		if (cpu && lim->has_cpu)
			add_write(p, app, "cpu.max",
				  s1_xasprintf("%lld %d", (long long)cpu_quota_us(lim),
					       S1_CGROUP_CPU_PERIOD_US),
				  "cpu limit");
		if (cpu && lim->has_shares)
			add_write(
			    p, app, "cpu.weight",
			    s1_xasprintf("%lld", (long long)cgroup_shares_to_weight(lim->shares)),
			    "cpu shares");
		strv_push(&files[i].v, &files[i].n, s1_xasprintf("%s/cgroup.procs", app));
	}
}

/* The v1 hierarchy holding a controller (or name=), or -1. */
static ssize_t find_v1(const struct s1_cgroup_hiers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!h->v[i].v2 && cgroup_hier_has(&h->v[i], name))
			return (ssize_t)i;
	return -1;
}

static ssize_t find_v2(const struct s1_cgroup_hiers *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].v2)
			return (ssize_t)i;
	return -1;
}

/* Without a v2 tree: the v1 hierarchy, besides the limits', that holds every process of the
 * pod for stop and gc. name=systemd always (subcgroup names it); otherwise none where a limit's
 * does that already, else pids, else the first that is not cpuset (which would need its CPUs
 * and memory nodes copied), else the first. */
static ssize_t pick_tracking_v1(const struct s1_cgroup_hiers *h, bool limited)
{
	ssize_t i = find_v1(h, "name=systemd");
	if (i >= 0 || limited)
		return i;
	if ((i = find_v1(h, "pids")) >= 0)
		return i;
	for (size_t j = 0; j < h->n; j++)
		if (!cgroup_hier_has(&h->v[j], "cpuset"))
			return (ssize_t)j;
	return 0;
}

static char *subcgroup_of(const struct s1_cgroup_hier *h, const char *pod_name)
{
	const char *base = h->cgpath + strspn(h->cgpath, "/");
	return *base ? s1_xasprintf("%s/%s", base, pod_name) : s1_xstrdup(pod_name);
}

static int plan_hiers(const struct s1_cgroup_hiers *h, const char *pod_name,
		      const struct s1_cgroup_app *apps, size_t n_apps, struct s1_cgroup_plan *p,
		      struct app_files *files, struct s1_err *err)
{
	if (h->n == 0)
		return s1_error(err, 0,
				"no cgroup hierarchy is mounted (see /proc/self/mountinfo)");
	bool any_v1 = h->v1_lines;
	for (size_t i = 0; i < h->n; i++) {
		any_v1 |= !h->v[i].v2;
		if (strchr(h->v[i].start, '\n')) /* the record is one path per line */
			return s1_error(err, 0, "cgroup %s: a newline in the path", h->v[i].cgpath);
	}
	ssize_t v2 = find_v2(h);
	p->layout = v2 < 0 ? S1_CGROUP_V1 : any_v1 ? S1_CGROUP_HYBRID : S1_CGROUP_V2;

	/* Each limit goes to the v1 hierarchy of its controller, else to the v2 tree. */
	bool need_mem = false, need_cpu = false, has_cpu = false;
	for (size_t i = 0; i < n_apps; i++) {
		need_mem |= apps[i].lim.has_memory;
		need_cpu |= apps[i].lim.has_cpu || apps[i].lim.has_shares;
		has_cpu |= apps[i].lim.has_cpu;
	}
	ssize_t mem_h = need_mem ? find_v1(h, "memory") : -1;
	ssize_t cpu_h = need_cpu ? find_v1(h, "cpu") : -1;
	if (need_mem && mem_h < 0 && v2 < 0)
		return s1_error(err, 0,
				"memory limit: the memory controller is not mounted (no cgroup v1 "
				"hierarchy has it and there is no cgroup2 mount)");
	if (need_cpu && cpu_h < 0 && v2 < 0)
		return s1_error(
		    err, 0,
		    "%s: the cpu controller is not mounted (no cgroup v1 hierarchy has it "
		    "and there is no cgroup2 mount)",
		    has_cpu ? "cpu limit" : "cpu shares");

	/* v2's checks first: they are the ones that can fail before anything exists. */
	ssize_t track = -1;
	if (v2 >= 0)
		plan_v2(p, &h->v[v2], pod_name, need_mem && mem_h < 0, need_cpu && cpu_h < 0, apps,
			n_apps, files);
	else
		track = pick_tracking_v1(h, mem_h >= 0 || cpu_h >= 0);
	for (ssize_t i = 0; i < (ssize_t)h->n; i++)
		if (!h->v[i].v2 && (i == mem_h || i == cpu_h || i == track))
			plan_v1(p, &h->v[i], pod_name, i == mem_h, i == cpu_h, apps, n_apps, files);

	if (v2 >= 0)
		p->subcgroup = subcgroup_of(&h->v[v2], pod_name);
	else if (track >= 0 && cgroup_hier_has(&h->v[track], "name=systemd"))
		p->subcgroup = subcgroup_of(&h->v[track], pod_name);
	return 0;
}

/* The apps' join files, app after app: app i's are app_procs[app_first[i] .. app_first[i + 1]). */
static void flatten_files(struct s1_cgroup_plan *p, struct app_files *files, size_t n_apps)
{
	p->app_first = s1_xcalloc(n_apps + 1, sizeof(*p->app_first));
	for (size_t i = 0; i < n_apps; i++) {
		p->app_first[i] = p->n_app_procs;
		for (size_t j = 0; j < files[i].n; j++)
			strv_push(&p->app_procs, &p->n_app_procs, files[i].v[j]);
		free(files[i].v);
	}
	p->app_first[n_apps] = p->n_app_procs;
	p->n_apps = n_apps;
}

int cgroup_plan_for_apps(const struct s1_cgroup_hiers *h, const char *pod_name,
			 const struct s1_cgroup_app *apps, size_t n_apps,
			 struct s1_cgroup_plan *plan, struct s1_err *err)
{
	memset(plan, 0, sizeof(*plan));
	if (n_apps == 0 || n_apps > S1_CGROUP_MAX_APPS)
		return s1_error(err, 0, "a pod of %zu apps (1 to %d)", n_apps, S1_CGROUP_MAX_APPS);
	int r = check_pod_name(pod_name, err);
	for (size_t i = 0; i < n_apps && r == 0; i++) {
		if (n_apps > 1 && (!apps[i].name || !names_is_acname(apps[i].name) ||
				   strlen(apps[i].name) > APP_NAME_MAX))
			r = s1_error(err, 0, "app name \"%s\" is not an ACName",
				     apps[i].name ? apps[i].name : "");
		else
			r = check_limits(&apps[i].lim, err);
	}
	if (r < 0)
		return r;
	struct app_files *files = s1_xcalloc(n_apps, sizeof(*files));
	r = plan_hiers(h, pod_name, apps, n_apps, plan, files, err);
	flatten_files(plan, files, n_apps);
	free(files);
	if (r < 0)
		cgroup_plan_free(plan);
	return r;
}

int cgroup_plan_from_hiers(const struct s1_cgroup_hiers *h, const char *pod_name,
			   const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *plan,
			   struct s1_err *err)
{
	struct s1_cgroup_app app = {.name = NULL};
	if (lim)
		app.lim = *lim;
	return cgroup_plan_for_apps(h, pod_name, &app, 1, plan, err);
}

int cgroup_plan_build(const char *mountinfo, const char *self_cgroup, const char *pod_name,
		      const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *plan,
		      struct s1_err *err)
{
	struct s1_cgroup_hiers h;
	memset(plan, 0, sizeof(*plan));
	int r = cgroup_hiers_parse(mountinfo, self_cgroup, &h, err);
	if (r < 0)
		return r;
	r = cgroup_plan_from_hiers(&h, pod_name, lim, plan, err);
	cgroup_hiers_free(&h);
	return r;
}

int cgroup_plan_build_current(const char *pod_name, const struct s1_cgroup_app *apps, size_t n_apps,
			      struct s1_cgroup_plan *plan, struct s1_err *err)
{
	struct s1_cgroup_hiers h;
	struct s1_cgroup_want want = {0};
	for (size_t i = 0; i < n_apps; i++) {
		want.memory |= apps[i].lim.has_memory;
		want.cpu |= apps[i].lim.has_cpu || apps[i].lim.has_shares;
	}
	memset(plan, 0, sizeof(*plan));
	int r = cgroup_hiers_read(&h, &want, err);
	if (r < 0)
		return r;
	r = cgroup_plan_for_apps(&h, pod_name, apps, n_apps, plan, err);
	cgroup_hiers_free(&h);
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
	free(plan->app_first);
	free(plan->subcgroup);
	memset(plan, 0, sizeof(*plan));
}

enum s1_cgroup_dir_kind cgroup_dir_kind(const char *path)
{
	if (path[0] != '/')
		return S1_CGROUP_DIR_FOREIGN;
	const char *last = NULL, *prev = NULL;
	size_t last_len = 0, prev_len = 0;
	for (const char *p = path + 1;;) {
		size_t l = strcspn(p, "/");
		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return S1_CGROUP_DIR_FOREIGN;
		prev = last;
		prev_len = last_len;
		last = p;
		last_len = l;
		if (!p[l])
			break;
		p += l + 1;
	}
	if (is_pod_name(last, last_len))
		return S1_CGROUP_DIR_POD;
	if (!prev || !is_pod_name(prev, prev_len))
		return S1_CGROUP_DIR_FOREIGN;
	if (is_app_leaf(last, last_len))
		return S1_CGROUP_DIR_APP;
	if (last_len == strlen(S1_CGROUP_LEADER_LEAF) &&
	    strncmp(last, S1_CGROUP_LEADER_LEAF, last_len) == 0)
		return S1_CGROUP_DIR_LEADER;
	return S1_CGROUP_DIR_FOREIGN;
}
