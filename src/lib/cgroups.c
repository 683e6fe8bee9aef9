/* The pod's cgroups: planned from what is mounted, applied, recorded and removed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stage1c/cgroups.h"
#include "stage1c/names.h"
#include "stage1c/podstate.h"
#include "stage1c/util.h"

#define CPU_PERIOD_US 100000

struct hier {
	char *mountpoint; /* with the root prefix */
	bool v2;
	bool memory, cpu, cpuset, systemd;
	char *controllers; /* v1: as /proc/self/cgroup names them: "cpu,cpuacct", "name=systemd" */
	char *start;	   /* the caller's cgroup in it: "/" or "/a/b" */
};

static void push(char ***arr, size_t *n, char *s)
{
	*arr = s1_xrealloc(*arr, (*n + 1) * sizeof(char *));
	(*arr)[(*n)++] = s;
}

static void add_write(struct s1_cgroup_plan *p, char *path, char *value)
{
	p->writes = s1_xrealloc(p->writes, (p->n_writes + 1) * sizeof(*p->writes));
	p->writes[p->n_writes].path = path;
	p->writes[p->n_writes].value = value;
	p->n_writes++;
}

int64_t cgroups_shares_to_weight(int64_t shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* Octal escapes (\040) of mountinfo fields, in place. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

/* The v1 controllers in a cgroup mount's super options, as /proc/self/cgroup lists them. */
static char *v1_controllers(const char *opts)
{
	static const char *const generic[] = {
	    "rw", "ro", "noprefix", "clone_children", "xattr", "nsdelegate", "favordynmods"};
	_cleanup_free_ char *copy = s1_xstrdup(opts);
	char *out = s1_xcalloc(strlen(opts) + 1, 1), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool skip = strncmp(t, "release_agent=", 14) == 0;
		for (size_t i = 0; i < S1_ARRAY_SIZE(generic); i++)
			skip |= strcmp(t, generic[i]) == 0;
		if (skip)
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, t);
	}
	return out;
}

static bool has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = list; p && *p;) {
		if (strncmp(p, tok, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static void free_hiers(struct hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].mountpoint);
		free(h[i].controllers);
		free(h[i].start);
	}
	free(h);
}

static int parse_hierarchies(const char *mountinfo, const char *self_cgroup, const char *prefix,
			     struct hier **out, size_t *n_out, struct s1_err *err)
{
	struct hier *h = NULL;
	size_t n = 0;
	_cleanup_free_ char *mi = s1_xstrdup(mountinfo);
	char *save = NULL;
	for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char root[4096], mp[4096], fstype[64], opts[1024];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) != 2 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		bool v2 = strcmp(fstype, "cgroup2") == 0;
		if ((!v2 && strcmp(fstype, "cgroup") != 0) || strcmp(root, "/") != 0)
			continue;
		unescape(mp);
		char *ctl = v2 ? s1_xstrdup("") : v1_controllers(opts);
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= h[i].v2 == v2 && strcmp(h[i].controllers, ctl) == 0;
		if (dup) {
			free(ctl);
			continue;
		}
		h = s1_xrealloc(h, (n + 1) * sizeof(*h));
		memset(&h[n], 0, sizeof(h[n]));
		h[n].mountpoint = s1_xasprintf("%s%s", prefix, mp);
		h[n].v2 = v2;
		h[n].controllers = ctl;
		h[n].memory = !v2 && has_token(ctl, "memory");
		h[n].cpu = !v2 && has_token(ctl, "cpu");
		h[n].cpuset = !v2 && has_token(ctl, "cpuset");
		h[n].systemd = !v2 && has_token(ctl, "name=systemd");
		n++;
	}
	/* Where the caller is in each: "ID:controllers:path" (v2: "0::path"). */
	_cleanup_free_ char *sc = s1_xstrdup(self_cgroup);
	save = NULL;
	for (char *line = strtok_r(sc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctl = c1 + 1, *path = c2 + 1;
		for (size_t i = 0; i < n; i++)
			if (!h[i].start && ((h[i].v2 && !*ctl) ||
					    (!h[i].v2 && strcmp(h[i].controllers, ctl) == 0)))
				h[i].start = s1_xstrdup(strcmp(path, "/") == 0 ? "" : path);
	}
	/* A mounted hierarchy the caller is not listed in (another namespace's): leave it. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (h[i].start) {
			h[k++] = h[i];
		} else {
			free(h[i].mountpoint);
			free(h[i].controllers);
		}
	}
	n = k;
	if (n == 0) {
		free(h);
		return s1_error(err, 0, "no cgroup hierarchy is mounted");
	}
	*out = h;
	*n_out = n;
	return 0;
}

int cgroups_plan_build(const char *mountinfo, const char *self_cgroup, const char *prefix,
		       const char *pod_name, const struct s1_cgroup_limits *lim,
		       struct s1_cgroup_plan *p, struct s1_err *err)
{
	struct hier *h;
	size_t n;
	int r = parse_hierarchies(mountinfo, self_cgroup, prefix, &h, &n, err);
	memset(p, 0, sizeof(*p));
	if (r < 0)
		return r;

	/* Each limit goes to a v1 hierarchy with its controller, else to v2 (checked there). */
	const struct hier *v1mem = NULL, *v1cpu = NULL, *v2 = NULL, *systemd = NULL;
	for (size_t i = 0; i < n; i++) {
		if (h[i].memory)
			v1mem = &h[i];
		if (h[i].cpu)
			v1cpu = &h[i];
		if (h[i].v2)
			v2 = &h[i];
		if (h[i].systemd)
			systemd = &h[i];
	}
	bool v2_memory = lim->has_memory && !v1mem;
	bool v2_cpu = (lim->has_cpu || lim->has_shares) && !v1cpu;
	if ((v2_memory || v2_cpu) && !v2) {
		free_hiers(h, n);
		return s1_error(err, 0, "%s limit: no cgroup hierarchy has the %s controller",
				v2_memory ? "memory" : "cpu", v2_memory ? "memory" : "cpu");
	}

	for (size_t i = 0; i < n; i++) {
		char *pod = s1_xasprintf("%s%s/%s", h[i].mountpoint, h[i].start, pod_name);
		push(&p->dirs, &p->n_dirs, pod);
		if (h[i].v2) {
			char *app = s1_xasprintf("%s/app", pod);
			char *leader = s1_xasprintf("%s/leader", pod);
			push(&p->dirs, &p->n_dirs, leader);
			push(&p->dirs, &p->n_dirs, app);
			push(&p->app_procs, &p->n_app_procs, s1_xasprintf("%s/cgroup.procs", app));
			push(&p->leader_procs, &p->n_leader_procs,
			     s1_xasprintf("%s/cgroup.procs", leader));
			push(&p->start_procs, &p->n_start_procs,
			     s1_xasprintf("%s%s/cgroup.procs", h[i].mountpoint, h[i].start));
			if (v2_memory || v2_cpu) {
				p->enable_value = s1_xasprintf("%s%s%s", v2_memory ? "+memory" : "",
							       v2_memory && v2_cpu ? " " : "",
							       v2_cpu ? "+cpu" : "");
				char *start = s1_xasprintf("%s%s", h[i].mountpoint, h[i].start);
				push(&p->check_controllers, &p->n_check,
				     s1_xasprintf("%s/cgroup.controllers", start));
				push(&p->enable, &p->n_enable,
				     s1_xasprintf("%s/cgroup.subtree_control", start));
				push(&p->enable, &p->n_enable,
				     s1_xasprintf("%s/cgroup.subtree_control", pod));
				free(start);
			}
			if (v2_memory)
				add_write(p, s1_xasprintf("%s/memory.max", app),
					  s1_xasprintf("%lld", (long long)lim->memory_bytes));
			if (v2_cpu && lim->has_cpu)
				add_write(
				    p, s1_xasprintf("%s/cpu.max", app),
				    s1_xasprintf("%lld %d",
						 (long long)(lim->cpu_milli * CPU_PERIOD_US / 1000),
						 CPU_PERIOD_US));
			if (v2_cpu && lim->has_shares)
				add_write(p, s1_xasprintf("%s/cpu.weight", app),
					  s1_xasprintf("%lld", (long long)cgroups_shares_to_weight(
								   lim->shares)));
			continue;
		}
		push(&p->app_procs, &p->n_app_procs, s1_xasprintf("%s/cgroup.procs", pod));
		if (h[i].cpuset) {
			add_write(p, s1_xasprintf("%s/cpuset.cpus", pod), NULL);
			add_write(p, s1_xasprintf("%s/cpuset.mems", pod), NULL);
		}
		if (&h[i] == v1mem && lim->has_memory)
			add_write(p, s1_xasprintf("%s/memory.limit_in_bytes", pod),
				  s1_xasprintf("%lld", (long long)lim->memory_bytes));
		if (&h[i] == v1cpu && lim->has_cpu) {
			add_write(p, s1_xasprintf("%s/cpu.cfs_period_us", pod),
				  s1_xasprintf("%d", CPU_PERIOD_US));
			add_write(p, s1_xasprintf("%s/cpu.cfs_quota_us", pod),
				  s1_xasprintf("%lld",
					       (long long)(lim->cpu_milli * CPU_PERIOD_US / 1000)));
		}
		if (&h[i] == v1cpu && lim->has_shares)
			add_write(p, s1_xasprintf("%s/cpu.shares", pod),
				  s1_xasprintf("%lld", (long long)lim->shares));
	}
	const struct hier *sub = systemd ? systemd : v2;
	if (sub)
		p->subcgroup = s1_xasprintf("%s/%s", *sub->start ? sub->start + 1 : "", pod_name);
	if (p->subcgroup && p->subcgroup[0] == '/')
		memmove(p->subcgroup, p->subcgroup + 1, strlen(p->subcgroup));
	free_hiers(h, n);
	return 0;
}

int cgroups_plan_current(const char *pod_name, const struct s1_cgroup_limits *lim,
			 struct s1_cgroup_plan *plan, struct s1_err *err)
{
	_cleanup_free_ char *mi = NULL, *sc = NULL;
	int r = s1_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1u << 22, &mi, NULL);
	if (r < 0)
		return s1_error(err, r, "reading /proc/self/mountinfo");
	if ((r = s1_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, &sc, NULL)) < 0)
		return s1_error(err, r, "reading /proc/self/cgroup");
	return cgroups_plan_build(mi, sc, "", pod_name, lim, plan, err);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cgroups_plan_free(struct s1_cgroup_plan *p)
{
	free_strv(p->dirs, p->n_dirs);
	free_strv(p->enable, p->n_enable);
	free(p->enable_value);
	free_strv(p->check_controllers, p->n_check);
	for (size_t i = 0; i < p->n_writes; i++) {
		free(p->writes[i].path);
		free(p->writes[i].value);
	}
	free(p->writes);
	free_strv(p->app_procs, p->n_app_procs);
	free_strv(p->leader_procs, p->n_leader_procs);
	free_strv(p->start_procs, p->n_start_procs);
	free(p->subcgroup);
	memset(p, 0, sizeof(*p));
}

static int write_file(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return s1_write_all(fd, value, strlen(value));
}

/* "cpuset.cpus" of the parent directory, for a v1 cpuset child that starts out empty. */
static int copy_from_parent(const char *path)
{
	_cleanup_free_ char *parent = s1_xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -EINVAL;
	*slash = '\0';
	char *dir_end = strrchr(parent, '/');
	if (!dir_end)
		return -EINVAL;
	_cleanup_free_ char *src =
	    s1_xasprintf("%.*s/%s", (int)(dir_end - parent), parent, slash + 1);
	_cleanup_free_ char *value = NULL;
	int r = s1_read_file_at(AT_FDCWD, src, 1u << 16, &value, NULL);
	if (r < 0)
		return r;
	return write_file(path, value);
}

static bool file_lists(const char *path, const char *word)
{
	_cleanup_free_ char *text = NULL;
	if (s1_read_file_at(AT_FDCWD, path, 1u << 16, &text, NULL) < 0)
		return false;
	for (char *save = NULL, *t = strtok_r(text, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save))
		if (strcmp(t, word) == 0)
			return true;
	return false;
}

int cgroups_apply(const struct s1_cgroup_plan *p, struct s1_err *err)
{
	int r = 0;
	/* Controllers first: a missing one is the clearest error, before anything exists. */
	for (size_t i = 0; i < p->n_check; i++) {
		const char *want[] = {strstr(p->enable_value, "+memory") ? "memory" : NULL,
				      strstr(p->enable_value, "+cpu") ? "cpu" : NULL};
		for (size_t k = 0; k < 2; k++)
			if (want[k] && !file_lists(p->check_controllers[i], want[k]))
				return s1_error(err, 0,
						"%s limit: the %s controller is not available in "
						"%s",
						want[k], want[k], p->check_controllers[i]);
	}
	/* v2: the start cgroup delegates the controllers first (it fails there when it holds
	 * processes of its own), then each pod directory once made, before its leaves. */
	for (size_t i = 0; i < p->n_enable; i++)
		if (!strstr(p->enable[i], "/stage1-c-") &&
		    (r = write_file(p->enable[i], p->enable_value)) < 0)
			return s1_error(err, r,
					"enabling %s in %s (a cgroup that holds processes cannot "
					"delegate controllers)",
					p->enable_value, p->enable[i]);
	for (size_t made = 0; made < p->n_dirs; made++) {
		if (mkdir(p->dirs[made], 0755) < 0 && errno != EEXIST) {
			r = s1_error(err, errno, "creating cgroup %s", p->dirs[made]);
			goto undo;
		}
		size_t dl = strlen(p->dirs[made]);
		for (size_t i = 0; i < p->n_enable; i++) {
			if (strncmp(p->enable[i], p->dirs[made], dl) != 0 ||
			    strcmp(p->enable[i] + dl, "/cgroup.subtree_control") != 0)
				continue;
			if ((r = write_file(p->enable[i], p->enable_value)) < 0) {
				r = s1_error(err, r, "enabling %s in %s", p->enable_value,
					     p->enable[i]);
				goto undo;
			}
		}
	}
	for (size_t i = 0; i < p->n_writes; i++) {
		const struct s1_cgroup_write *w = &p->writes[i];
		r = w->value ? write_file(w->path, w->value) : copy_from_parent(w->path);
		if (r < 0) {
			r = s1_error(err, r, "writing %s", w->path);
			goto undo;
		}
	}
	for (size_t i = 0; i < p->n_leader_procs; i++)
		if ((r = write_file(p->leader_procs[i], "0")) < 0) {
			r = s1_error(err, r, "moving the pod leader into %s", p->leader_procs[i]);
			goto undo;
		}
	return 0;
undo:
	cgroups_undo(p);
	return r;
}

void cgroups_undo(const struct s1_cgroup_plan *p)
{
	for (size_t i = 0; i < p->n_start_procs; i++)
		write_file(p->start_procs[i], "0");
	for (size_t i = p->n_dirs; i > 0; i--)
		rmdir(p->dirs[i - 1]);
}

int cgroups_open_app_procs(const struct s1_cgroup_plan *p, int *fds, size_t max, size_t *n,
			   struct s1_err *err)
{
	*n = 0;
	for (size_t i = 0; i < p->n_app_procs; i++) {
		if (*n == max || (fds[*n] = open(p->app_procs[i], O_WRONLY | O_CLOEXEC)) < 0) {
			int r =
			    s1_error(err, *n == max ? E2BIG : errno, "opening %s", p->app_procs[i]);
			while (*n > 0)
				close(fds[--*n]);
			return r;
		}
		(*n)++;
	}
	return 0;
}

int cgroups_record_write(int podfd, const struct s1_cgroup_plan *p, struct s1_err *err)
{
	size_t len = 1;
	for (size_t i = 0; i < p->n_dirs; i++)
		len += strlen(p->dirs[i]) + 1;
	_cleanup_free_ char *text = s1_xcalloc(len, 1);
	for (size_t i = 0; i < p->n_dirs; i++) {
		strcat(text, p->dirs[i]);
		strcat(text, "\n");
	}
	return podstate_write_own(podfd, "cgroups", text, err);
}

/* ".../stage1-c-UUID" or ".../stage1-c-UUID/{app,leader}", absolute, without "..". */
static bool is_pod_cgroup(const char *dir)
{
	if (dir[0] != '/' || strstr(dir, "/../") || strstr(dir, "/./"))
		return false;
	const char *base = strrchr(dir, '/') + 1;
	if (strcmp(base, "app") == 0 || strcmp(base, "leader") == 0) {
		const char *prev = base - 1;
		while (prev > dir && prev[-1] != '/')
			prev--;
		if (strncmp(prev, "stage1-c-", 9) != 0)
			return false;
		char uuid[40];
		size_t l = (size_t)(base - 1 - prev) - 9;
		if (l >= sizeof(uuid))
			return false;
		memcpy(uuid, prev + 9, l);
		uuid[l] = '\0';
		return names_is_uuid(uuid);
	}
	return strncmp(base, "stage1-c-", 9) == 0 && names_is_uuid(base + 9);
}

int cgroups_record_read(int podfd, char ***dirs, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	*dirs = NULL;
	*n = 0;
	int r = s1_read_file_at(podfd, S1_CGROUPS_RECORD, 1u << 16, &text, NULL);
	if (r < 0)
		return r;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!is_pod_cgroup(l)) {
			cgroups_record_free(*dirs, *n);
			*dirs = NULL;
			*n = 0;
			return -EINVAL;
		}
		push(dirs, n, s1_xstrdup(l));
	}
	return 0;
}

void cgroups_record_free(char **dirs, size_t n)
{
	free_strv(dirs, n);
}

static bool is_leader_leaf(const char *dir)
{
	const char *base = strrchr(dir, '/');
	return base && strcmp(base, "/leader") == 0;
}

/* Signal the processes of dir and of every sub-cgroup below it. */
static int kill_tree(const char *dir, int sig, int depth)
{
	int count = 0;
	_cleanup_free_ char *procs_path = s1_xasprintf("%s/cgroup.procs", dir);
	_cleanup_free_ char *procs = NULL;
	if (s1_read_file_at(AT_FDCWD, procs_path, 1u << 22, &procs, NULL) == 0) {
		char *save = NULL;
		for (char *t = strtok_r(procs, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
			long long pid;
			if (s1_parse_ll(t, 1, 1 << 30, &pid) == 0 && kill((pid_t)pid, sig) == 0)
				count++;
		}
	}
	if (depth > 32)
		return count;
	DIR *d = opendir(dir);
	if (!d)
		return count;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = s1_xasprintf("%s/%s", dir, e->d_name);
		if (!is_leader_leaf(sub))
			count += kill_tree(sub, sig, depth + 1);
	}
	closedir(d);
	return count;
}

int cgroups_kill_all(char *const *dirs, size_t n, int sig)
{
	int count = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_leader_leaf(dirs[i]))
			continue;
		/* Pod directories on v2 hold only the leaves; kill_tree skips the leader's. */
		count += kill_tree(dirs[i], sig, 0);
	}
	return count;
}

static bool tree_empty(const char *dir)
{
	_cleanup_free_ char *p = s1_xasprintf("%s/cgroup.procs", dir);
	_cleanup_free_ char *procs = NULL;
	if (s1_read_file_at(AT_FDCWD, p, 1u << 20, &procs, NULL) < 0)
		return true;
	return procs[0] == '\0';
}

/* rmdir dir after its sub-cgroups (ones the app made), deepest first. */
static int remove_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.' && depth < 32) {
			_cleanup_free_ char *sub = s1_xasprintf("%s/%s", dir, e->d_name);
			remove_tree(sub, depth + 1);
		}
	closedir(d);
	return rmdir(dir) < 0 && errno != ENOENT ? -errno : 0;
}

int cgroups_remove(char *const *dirs, size_t n, struct s1_err *err)
{
	/* Kill until nothing is left (a fork may race a kill), for at most about two seconds. */
	for (int round = 0; round < 200; round++) {
		bool empty = true;
		for (size_t i = 0; i < n; i++) {
			if (!is_leader_leaf(dirs[i]))
				kill_tree(dirs[i], SIGKILL, 0);
			empty &= tree_empty(dirs[i]);
		}
		if (empty)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	int r = 0;
	for (size_t i = n; i > 0; i--) {
		int q = remove_tree(dirs[i - 1], 0);
		if (q < 0 && r == 0)
			r = s1_error(err, q, "removing cgroup %s", dirs[i - 1]);
	}
	return r;
}
