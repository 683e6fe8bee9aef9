/* The pod leader, from rkt's exec to the apps' start: the manifests read, each app's user,
 * isolators and environment, the pod's cgroups and record, each app's root, its pre-start
 * handler, and the app started. From there podlife.c keeps the pod (podlife.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stage1c/cgroup.h"
#include "stage1c/confine.h"
#include "stage1c/env.h"
#include "stage1c/exec.h"
#include "stage1c/isolators.h"
#include "stage1c/log.h"
#include "stage1c/mount.h"
#include "stage1c/mountplan.h"
#include "stage1c/path.h"
#include "stage1c/podlife.h"
#include "stage1c/podstate.h"
#include "stage1c/run.h"
#include "stage1c/spawn.h"
#include "stage1c/user.h"
#include "stage1c/util.h"

/* Microseconds on the monotonic clock: run --debug says where a slow start goes. Without
 * --debug, 0: the first clock_gettime looks the vDSO up and faults its pages in (about 10 µs). */
static long long now_us(void)
{
	if (!s1_log_debug_enabled())
		return 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void app_ctx_free(struct s1_app_ctx *a)
{
	confine_free(&a->confine);
	isolators_free(&a->iso);
	manifest_image_free(&a->image);
	user_ids_free(&a->ids);
	env_free(a->envp);
	free(a->exec_path);
	free(a->rootfs);
	if (a->imgroot >= 0)
		close(a->imgroot);
	if (a->rootfd >= 0)
		close(a->rootfd);
	if (a->workdir >= 0)
		close(a->workdir);
}

static void pod_ctx_free(struct s1_pod_ctx *c)
{
	for (size_t i = 0; i < c->n_apps; i++)
		app_ctx_free(&c->apps[i]);
	free(c->apps);
	cgroup_plan_free(&c->cgroups);
	manifest_pod_free(&c->pod);
	if (c->podfd >= 0)
		close(c->podfd);
	if (c->lockfd >= 0)
		close(c->lockfd);
}

static int check_lock_fd(struct s1_err *err)
{
	const char *s = getenv("RKT_LOCK_FD");
	long long fd;
	if (!s || !*s)
		return 0; /* started by hand: no lock to keep */
	if (s1_parse_ll(s, 0, 1 << 20, &fd) < 0 || fcntl((int)fd, F_GETFD) < 0)
		return s1_error(err, 0, "RKT_LOCK_FD=%s is not an open descriptor", s);
	return 0;
}

/* rkt's metadata service for fly pods: the host's, on its public port (docs/interface.md §2). A
 * token goes into a URL: only characters a URL path takes as they are. */
static char *metadata_url(const char *token, struct s1_err *err)
{
	if (!token)
		return NULL;
	size_t n =
	    strspn(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~");
	if (!*token || token[n] || n > 256) {
		s1_error(err, 0, "--mds-token=%s: not a metadata service token", token);
		return NULL;
	}
	return s1_xasprintf("http://127.0.0.1:%d/%s", S1_METADATA_PORT, token);
}

/* Error r of app a, which names the app in a pod of several. */
static int app_error(const struct s1_pod_ctx *c, const struct s1_app_ctx *a, int r,
		     struct s1_err *err)
{
	return c->n_apps > 1 ? s1_error_wrap(err, "app \"%s\"", a->ra->name) : r;
}

/* One app's manifest, user, isolators and environment: everything decided before anything is
 * made. */
static int load_app(struct s1_pod_ctx *c, struct s1_app_ctx *a, const struct s1_run_args *args,
		    const char *mds_url, struct s1_err *err)
{
	int r;
	if ((r = podstate_load_image(c->podfd, a->ra, &a->image, err)) < 0)
		return s1_error_wrap(err, "app \"%s\"", a->ra->name);
	a->app = manifest_effective_app(a->ra, &a->image);
	a->rootfs = podstate_app_rootfs(a->ra->name);
	a->imgroot = path_open_in_root(c->podfd, a->rootfs, O_PATH | O_DIRECTORY);
	if (a->imgroot < 0)
		return s1_error(err, a->imgroot, "app rootfs %s", a->rootfs);
	if ((r = user_resolve(a->imgroot, a->app, &a->ids, err)) < 0 ||
	    (r = isolators_parse(a->app, &c->pod, args->disable_seccomp, &a->iso, err)) < 0)
		return app_error(c, a, r, err);
	confine_compute(&a->iso, args->disable_capabilities, a->ids.uid, &a->confine);
	a->envp = env_build(a->app, a->ra->name, mds_url);
	return 0;
}

static int load_pod(struct s1_pod_ctx *c, const struct s1_run_args *args, struct s1_err *err)
{
	int r = podstate_load_pod(c->podfd, &c->pod, err);
	if (r < 0)
		return r;
	if (c->pod.n_apps == 0)
		return s1_error(err, 0, "pod manifest: no apps");
	if (c->pod.n_apps > S1_CGROUP_MAX_APPS)
		return s1_error(err, 0, "pod manifest: %zu apps, more than %d", c->pod.n_apps,
				S1_CGROUP_MAX_APPS);
	_cleanup_free_ char *mds_url = NULL;
	if (args->mds_token && !(mds_url = metadata_url(args->mds_token, err)))
		return -EINVAL;
	c->apps = s1_xcalloc(c->pod.n_apps, sizeof(*c->apps));
	for (size_t i = 0; i < c->pod.n_apps; i++) {
		struct s1_app_ctx *a = &c->apps[i];
		*a = (struct s1_app_ctx){.ra = &c->pod.apps[i],
					 .index = i,
					 .imgroot = -1,
					 .rootfd = -1,
					 .workdir = -1,
					 .confine = {.cgroup2_dir = -1}};
		c->n_apps++;
		if ((r = load_app(c, a, args, mds_url, err)) < 0)
			return r;
	}
	return 0;
}

/* An app's mounts, then the checks that depend on them (a volume may hold the working
 * directory). */
static int prepare_root(struct s1_pod_ctx *c, struct s1_app_ctx *a, const struct s1_run_args *args,
			struct s1_err *err)
{
	struct s1_mount_plan plan;
	struct s1_mountplan_opts opts = {
	    .resolv = args->resolv, .hosts = args->hosts, .disable_paths = args->disable_paths};
	int r = mountplan_build(&c->pod, a->ra, &a->image, &opts, &plan, err);
	if (r < 0)
		return r;
	a->rootfd = mount_root_setup(c->podfd, a->rootfs, err);
	if (a->rootfd < 0) {
		mountplan_free(&plan);
		return a->rootfd;
	}
	r = mount_apply_plan(c->podfd, a->rootfd, &plan, err);
	mountplan_free(&plan);
	if (r < 0)
		return r;

	const char *wd = a->app->working_directory;
	a->workdir = path_open_in_root(a->rootfd, wd ? wd : "/", O_PATH | O_DIRECTORY);
	if (a->workdir < 0)
		return s1_error(err, a->workdir, "working directory \"%s\"", wd ? wd : "/");
	return exec_resolve_in_root(a->rootfd, a->app->exec[0], wd, env_get(a->envp, "PATH"),
				    &a->exec_path, err);
}

static int plan_cgroups(struct s1_pod_ctx *c, const char *uuid, struct s1_err *err)
{
	_cleanup_free_ struct s1_cgroup_app *apps = s1_xcalloc(c->n_apps, sizeof(*apps));
	for (size_t i = 0; i < c->n_apps; i++) {
		const struct s1_isolators *iso = &c->apps[i].iso;
		apps[i] = (struct s1_cgroup_app){.name = c->apps[i].ra->name,
						 .lim = {.has_memory = iso->has_memory_limit,
							 .memory_bytes = iso->memory_limit_bytes,
							 .has_cpu = iso->has_cpu_limit,
							 .cpu_milli = iso->cpu_limit_milli,
							 .has_shares = iso->has_cpu_shares,
							 .shares = iso->cpu_shares}};
	}
	_cleanup_free_ char *name = s1_xasprintf(S1_CGROUP_POD_PREFIX "%s", uuid);
	return cgroup_plan_build_current(name, apps, c->n_apps, &c->cgroups, err);
}

/* Everything stop, gc and enter need, in one file written once, before anything exists that
 * gc must undo: gc finds the cgroups and the mounts whatever happens next. */
static int write_record(struct s1_pod_ctx *c, struct s1_err *err)
{
	struct s1_record rec = {0};
	int r;
	if ((r = podstate_record_leader(&rec, getpid(), err)) < 0) {
		record_free(&rec);
		return r;
	}
	for (size_t i = 0; i < c->n_apps; i++)
		mount_record_add(&rec, c->apps[i].rootfs);
	cgroup_record_add(&rec, &c->cgroups);
	for (size_t i = 0; i < c->n_apps; i++) {
		const struct s1_app_ctx *a = &c->apps[i];
		record_add_app(&rec, a->ra->name);
		const char *wd = a->app->working_directory;
		record_add(&rec, S1_REC_WORKDIR, wd ? wd : "/");
		user_record_add(&rec, &a->ids);
		confine_record_add(&rec, &a->confine);
		cgroupjoin_record_add(&rec, &c->cgroups, i);
	}
	/* Kept open: the leader's side of the per-app locks (record.h), taken as each app
	 * exits. */
	c->lockfd = record_commit_open(c->podfd, &rec, err);
	return c->lockfd < 0 ? c->lockfd : 0;
}

/* The pod's cgroups (recorded already), made. */
static int setup_cgroups(struct s1_pod_ctx *c, struct s1_err *err)
{
	int r = cgroup_plan_apply(&cgroupfs_host, &c->cgroups, err);
	c->cgroups_made = r == 0;
	return r;
}

/* What only readers of a running pod read: subcgroup (rkt's api-service) and each app's
 * environment (enter). Written once the first app has started, while it execs, and before
 * pid, which tells rkt the pod runs: no reader looks before pid exists. */
static int announce_pod(struct s1_pod_ctx *c, struct s1_err *err)
{
	int r;
	if (c->cgroups.subcgroup &&
	    (r = s1_write_file_atomic(c->podfd, "subcgroup", c->cgroups.subcgroup,
				      strlen(c->cgroups.subcgroup), 0644)) < 0)
		return s1_error(err, r, "writing subcgroup");
	for (size_t i = 0; i < c->n_apps; i++) {
		struct s1_app_ctx *a = &c->apps[i];
		if ((r = podstate_write_env(c->podfd, a->ra->name, a->envp, err)) < 0)
			return app_error(c, a, r, err);
	}
	return 0;
}

int run_open_join_files(struct s1_pod_ctx *c, struct s1_app_ctx *a, struct s1_err *err)
{
	return cgroupjoin_open_plan(&cgroupfs_host, &c->cgroups, a->index, &a->confine, err);
}

int run_start_in_app(struct s1_app_ctx *a, const char *path, char *const *argv, pid_t *pid,
		     struct s1_err *err)
{
	struct s1_spawn spec = {.rootfd = a->rootfd,
				.workdirfd = a->workdir,
				.workdir = a->app->working_directory,
				.path = path,
				.argv = argv,
				.envp = a->envp,
				.ids = &a->ids,
				.confine = &a->confine};
	return spawn_in_root(&spec, pid, err);
}

const struct s1_event_handler *run_find_handler(const struct s1_app_ctx *a, const char *name)
{
	for (size_t i = 0; i < a->app->n_event_handlers; i++)
		if (strcmp(a->app->event_handlers[i].name, name) == 0)
			return &a->app->event_handlers[i];
	return NULL;
}

int run_start_handler(struct s1_app_ctx *a, const struct s1_event_handler *h, pid_t *pid,
		      struct s1_err *err)
{
	_cleanup_free_ char *path = NULL;
	int r = exec_resolve_in_root(a->rootfd, h->exec[0], a->app->working_directory,
				     env_get(a->envp, "PATH"), &path, err);
	if (r < 0 || (r = run_start_in_app(a, path, h->exec, pid, err)) < 0)
		return s1_error_wrap(err, "%s handler", h->name);
	return 0;
}

/* The app's pre-start handler, in the app's root and cgroups, as its user, with its
 * environment; the app waits for it, and a failing one fails the pod. */
static int run_pre_start(struct s1_app_ctx *a, struct s1_err *err)
{
	const struct s1_event_handler *h = run_find_handler(a, "pre-start");
	pid_t pid;
	if (!h)
		return 0;
	int r = run_start_handler(a, h, &pid, err);
	if (r < 0)
		return r;
	int code = spawn_wait(pid);
	s1_debug("app \"%s\": pre-start handler exited with %d", a->ra->name, code);
	if (code != 0)
		return s1_error(err, 0, "pre-start handler \"%s\" exited with status %d",
				h->exec[0], code);
	return 0;
}

/* The app's pre-start handler, then the app, each joining the app's cgroups. */
static int start_app(struct s1_pod_ctx *c, struct s1_app_ctx *a, struct s1_err *err)
{
	int r;
	if ((r = run_open_join_files(c, a, err)) < 0)
		return r;
	if ((r = run_pre_start(a, err)) < 0 ||
	    (r = run_start_in_app(a, a->exec_path, a->app->exec, &a->pid, err)) < 0) {
		return app_error(c, a, r, err);
	}
	/* The app has joined its cgroups: the leader keeps no descriptor of them. */
	confine_close_fds(&a->confine);
	a->state = S1_APP_RUNNING;
	s1_debug("app \"%s\" started as PID %ld", a->ra->name, (long)a->pid);
	/* rkt's pid: the first app (enter checks that the PID it is given is an app of the pod
	 * and finds the app asked for by its name); another once that one has exited. */
	if (c->pid_app)
		return 0;
	c->pid_app = a;
	if ((r = announce_pod(c, err)) < 0)
		return r;
	return podstate_write_pid(c->podfd, a->pid, err);
}

/* Every app in the manifest's order; one that cannot start ends the pod (run_pod kills those
 * that run). */
static int start_apps(struct s1_pod_ctx *c, struct s1_err *err)
{
	int r;
	for (size_t i = 0; i < c->n_apps; i++)
		if ((r = start_app(c, &c->apps[i], err)) < 0)
			return r;
	if (s1_log_debug_enabled()) {
		long long *t = c->phases, started = now_us();
		s1_debug("phases (us): manifests %lld, cgroups %lld, mounts %lld, spawn %lld, "
			 "total %lld",
			 t[1] - t[0], t[2] - t[1], t[3] - t[2], started - t[3], started - t[0]);
	}
	return podstate_mark_ready(c->podfd, err);
}

static int run_in_ctx(struct s1_pod_ctx *c, const struct s1_run_args *args, struct s1_err *err)
{
	int r;
	c->phases[0] = now_us();
	c->podfd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->podfd < 0)
		return s1_error(err, errno, "opening the pod directory");
	if ((r = load_pod(c, args, err)) < 0)
		return r;

	/* Signals wait in the mask from now on: one that arrives during setup is passed on to
	 * the apps once they run, and SIGCHLD is read with sigwaitinfo. */
	sigset_t set;
	spawn_block_signals(&set);
	signal(SIGPIPE, SIG_IGN);

	c->phases[1] = now_us();
	if ((r = plan_cgroups(c, args->uuid, err)) < 0 || (r = write_record(c, err)) < 0 ||
	    (r = setup_cgroups(c, err)) < 0)
		return r;
	c->phases[2] = now_us();
	for (size_t i = 0; i < c->n_apps; i++) {
		struct s1_app_ctx *a = &c->apps[i];
		if ((r = prepare_root(c, a, args, err)) < 0)
			return app_error(c, a, r, err);
	}
	c->phases[3] = now_us();
	if ((r = start_apps(c, err)) < 0)
		return r;
	return podlife_supervise(c, &set);
}

/* run failed: the apps that run are killed (SIGKILL to each, and to whatever is in their
 * cgroups), the leader steps out of the pod's cgroups and removes them. Whatever cannot go now
 * stays recorded for gc. */
static void undo_pod(struct s1_pod_ctx *c)
{
	struct s1_err uerr = {0};
	for (size_t i = 0; i < c->n_apps; i++)
		if (c->apps[i].state == S1_APP_RUNNING) {
			kill(c->apps[i].pid, SIGKILL);
			spawn_wait(c->apps[i].pid);
		}
	if (!c->cgroups_made)
		return;
	if (cgroup_plan_leave(&cgroupfs_host, &c->cgroups, &uerr) < 0)
		s1_warn("%s", uerr.msg);
	if (cgroup_remove(&cgroupfs_host, c->cgroups.dirs, c->cgroups.n_dirs, &uerr) < 0)
		s1_warn("%s", uerr.msg);
}

int run_pod(const struct s1_run_args *args, struct s1_err *err)
{
	struct s1_pod_ctx c = {.podfd = -1, .lockfd = -1};
	int r;

	if ((r = check_lock_fd(err)) < 0 || (r = podstate_check_uuid(args->uuid, err)) < 0)
		return r;
	if (args->hostname)
		s1_warn("--hostname=%s is ignored: a fly pod shares the host's hostname",
			args->hostname);

	r = run_in_ctx(&c, args, err);
	if (r < 0)
		undo_pod(&c);
	/* Success or failure, the apps' mounts go with the pod leader: nothing stays mounted. */
	for (size_t i = 0; i < c.n_apps; i++)
		if (c.apps[i].rootfd >= 0 && mount_root_teardown(c.apps[i].rootfd) < 0)
			s1_warn("can't unmount app \"%s\"'s rootfs: %s", c.apps[i].ra->name,
				s1_strerror(errno));
	pod_ctx_free(&c);
	return r;
}
