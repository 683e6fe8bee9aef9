/* Builds the ordered list of mounts for an app from its manifests, without touching anything. */
#include <errno.h>
#include <string.h>

#include "stage1c/mountplan.h"
#include "stage1c/util.h"

/* Kernel interfaces a chroot flavor keeps from the app unless --disable-paths. */
static const char *const proc_readonly[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/bus"};
static const char *const proc_masked[] = {"/proc/config.gz", "/proc/kallsyms", "/proc/sched_debug",
					  "/proc/kcore",     "/proc/kmem",     "/proc/mem"};

static struct s1_mount_entry *add(struct s1_mount_plan *plan, enum s1_mount_op op,
				  const char *target, const char *what)
{
	if (plan->n_entries == plan->cap) {
		plan->cap = plan->cap ? 2 * plan->cap : 32;
		plan->entries = s1_xrealloc(plan->entries, plan->cap * sizeof(*plan->entries));
	}
	struct s1_mount_entry *e = &plan->entries[plan->n_entries++];
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->target = s1_xstrdup(target);
	e->what = s1_xstrdup(what);
	return e;
}

static void add_bind(struct s1_mount_plan *plan, const char *source, enum s1_source_base base,
		     const char *target, bool recursive, bool read_only, const char *what)
{
	struct s1_mount_entry *e = add(plan, S1_MOUNT_BIND, target, what);
	e->source = s1_xstrdup(source);
	e->source_base = base;
	e->recursive = recursive;
	e->read_only = read_only;
}

char *mountplan_empty_volume_dir(const char *volume)
{
	return s1_xasprintf("stage1-c/volumes/%s", volume);
}

struct resolved_mount {
	const char *volume;
	const char *path;
	const struct s1_volume *app_volume;
	enum s1_tristate mp_read_only; /* from the mountPoint of the same name, if any */
	bool from_mount_point;
};

/* The mounts gathered so far, indexed by volume name. */
struct mount_list {
	struct resolved_mount *m;
	size_t n;
	struct s1_name_index by_volume;
};

static struct resolved_mount *find_mount(struct mount_list *l, const char *volume)
{
	size_t i = s1_name_index_get(&l->by_volume, volume);
	return i == S1_NAME_ABSENT ? NULL : &l->m[i];
}

static struct resolved_mount *new_mount(struct mount_list *l, const char *volume, const char *path)
{
	struct resolved_mount *r = &l->m[l->n];
	memset(r, 0, sizeof(*r));
	r->volume = volume;
	r->path = path;
	r->mp_read_only = S1_UNSET;
	s1_name_index_add(&l->by_volume, volume, l->n++);
	return r;
}

/* "/a/.." (or "/a/../"): after the mount the path names another directory than the mount. */
static bool ends_in_dotdot(const char *path)
{
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	return n >= 2 && path[n - 1] == '.' && path[n - 2] == '.' && (n == 2 || path[n - 3] == '/');
}

static int merge_mount_points(struct mount_list *l, const struct s1_mount_point *mps, size_t n_mps,
			      struct s1_err *err)
{
	for (size_t i = 0; i < n_mps; i++) {
		struct resolved_mount *r = find_mount(l, mps[i].name);
		if (r && strcmp(r->path, mps[i].path) != 0)
			return s1_error(err, 0,
					"conflicting path information from mount and mountpoint "
					"\"%s\" (%s vs %s)",
					mps[i].name, r->path, mps[i].path);
		if (!r) {
			r = new_mount(l, mps[i].name, mps[i].path);
			r->from_mount_point = true;
		}
		if (r->mp_read_only == S1_UNSET || mps[i].read_only)
			r->mp_read_only = mps[i].read_only ? S1_TRUE : S1_FALSE;
	}
	return 0;
}

static void mount_list_free(struct mount_list *l)
{
	free(l->m);
	s1_name_index_free(&l->by_volume);
}

static int add_volume_mounts(const struct s1_pod_manifest *pod, const struct s1_runtime_app *ra,
			     const struct s1_image_manifest *im, struct s1_mount_plan *plan,
			     struct s1_err *err)
{
	const struct s1_app *img_app = im && im->has_app ? &im->app : NULL;
	size_t cap = ra->n_mounts + (img_app ? img_app->n_mount_points : 0) +
		     (ra->has_app ? ra->app.n_mount_points : 0);
	__attribute__((cleanup(mount_list_free))) struct mount_list l = {
	    .m = s1_xcalloc(cap, sizeof(*l.m))};
	_cleanup_name_index_ struct s1_name_index volumes = {0};
	int r;

	for (size_t i = 0; i < ra->n_mounts; i++) {
		if (find_mount(&l, ra->mounts[i].volume))
			return s1_error(err, 0, "duplicate mount given: \"%s\"",
					ra->mounts[i].volume);
		new_mount(&l, ra->mounts[i].volume, ra->mounts[i].path)->app_volume =
		    ra->mounts[i].app_volume;
	}
	if (img_app &&
	    (r = merge_mount_points(&l, img_app->mount_points, img_app->n_mount_points, err)) < 0)
		return r;
	if (ra->has_app &&
	    (r = merge_mount_points(&l, ra->app.mount_points, ra->app.n_mount_points, err)) < 0)
		return r;
	for (size_t i = 0; i < pod->n_volumes; i++)
		s1_name_index_add(&volumes, pod->volumes[i].name, i);

	struct resolved_mount *m = l.m;
	size_t n = l.n;
	for (size_t i = 0; i < n; i++) {
		if (ends_in_dotdot(m[i].path))
			return s1_error(err, 0, "mount \"%s\": path %s ends in \"..\"", m[i].volume,
					m[i].path);
		size_t vi = s1_name_index_get(&volumes, m[i].volume);
		const struct s1_volume *v = m[i].app_volume	   ? m[i].app_volume
					    : vi != S1_NAME_ABSENT ? &pod->volumes[vi]
								   : NULL;
		if (!v) {
			if (m[i].from_mount_point)
				return s1_error(err, 0, "missing volume for mountpoint \"%s\"",
						m[i].volume);
			return s1_error(err, 0, "mount \"%s\": no volume named \"%s\" in the pod",
					m[i].path, m[i].volume);
		}
		bool ro = v->read_only != S1_UNSET ? v->read_only == S1_TRUE
						   : m[i].mp_read_only == S1_TRUE;
		_cleanup_free_ char *what = s1_xasprintf("volume \"%s\"", v->name);
		if (v->kind == S1_VOLUME_HOST) {
			add_bind(plan, v->source, S1_SOURCE_HOST, m[i].path,
				 v->recursive == S1_TRUE, ro, what);
		} else {
			_cleanup_free_ char *dir = mountplan_empty_volume_dir(v->name);
			add_bind(plan, dir, S1_SOURCE_POD, m[i].path, false, ro, what);
			struct s1_mount_entry *e = &plan->entries[plan->n_entries - 1];
			e->create_empty_dir = true;
			e->mode = v->mode;
			e->uid = v->uid;
			e->gid = v->gid;
		}
	}
	return 0;
}

static void add_dns(const struct s1_mountplan_opts *opts, struct s1_mount_plan *plan)
{
	switch (opts->resolv) {
	case S1_RESOLV_HOST:
		add_bind(plan, "/etc/resolv.conf", S1_SOURCE_HOST, "/etc/resolv.conf", false, true,
			 "resolv.conf");
		break;
	case S1_RESOLV_STAGE0: {
		struct s1_mount_entry *e =
		    add(plan, S1_MOUNT_COPY_FILE, "/etc/resolv.conf", "resolv.conf");
		e->source = s1_xstrdup("stage1/rootfs/etc/rkt-resolv.conf");
		e->source_base = S1_SOURCE_POD;
		break;
	}
	case S1_RESOLV_DEFAULT:
	case S1_RESOLV_NONE:
		break;
	}
	switch (opts->hosts) {
	case S1_HOSTS_HOST:
		add_bind(plan, "/etc/hosts", S1_SOURCE_HOST, "/etc/hosts", false, true, "hosts");
		break;
	case S1_HOSTS_STAGE0:
		add_bind(plan, "stage1/rootfs/etc/rkt-hosts", S1_SOURCE_POD, "/etc/hosts", false,
			 true, "hosts");
		break;
	case S1_HOSTS_DEFAULT: {
		struct s1_mount_entry *e =
		    add(plan, S1_MOUNT_WRITE_IF_MISSING, "/etc/hosts", "hosts");
		e->content = s1_xstrdup("127.0.0.1 localhost localdomain\n");
		break;
	}
	}
}

int mountplan_build(const struct s1_pod_manifest *pod, const struct s1_runtime_app *ra,
		    const struct s1_image_manifest *im, const struct s1_mountplan_opts *opts,
		    struct s1_mount_plan *plan, struct s1_err *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->read_only_root = ra->read_only_rootfs;

	add_bind(plan, "/dev", S1_SOURCE_HOST, "/dev", true, false, "/dev");
	add_bind(plan, "/proc", S1_SOURCE_HOST, "/proc", true, false, "/proc");
	add_bind(plan, "/sys", S1_SOURCE_HOST, "/sys", true, !opts->disable_paths, "/sys");
	if (!opts->disable_paths) {
		for (size_t i = 0; i < S1_ARRAY_SIZE(proc_readonly); i++)
			add(plan, S1_MOUNT_READONLY, proc_readonly[i], proc_readonly[i])
			    ->recursive = true;
		for (size_t i = 0; i < S1_ARRAY_SIZE(proc_masked); i++)
			add(plan, S1_MOUNT_MASK, proc_masked[i], proc_masked[i]);
	}
	add(plan, S1_MOUNT_TMPFS, "/tmp", "/tmp");

	int r = add_volume_mounts(pod, ra, im, plan, err);
	if (r < 0) {
		mountplan_free(plan);
		return r;
	}
	add_dns(opts, plan);
	return 0;
}

void mountplan_free(struct s1_mount_plan *plan)
{
	for (size_t i = 0; i < plan->n_entries; i++) {
		struct s1_mount_entry *e = &plan->entries[i];
		free(e->source);
		free(e->target);
		free(e->content);
		free(e->what);
	}
	free(plan->entries);
	memset(plan, 0, sizeof(*plan));
}
