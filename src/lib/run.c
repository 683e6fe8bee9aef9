/* The pod leader: prepares the app's root, starts the app as its child, forwards signals,
 * and records the app's exit for rkt. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stage1c/cgroupjoin.h"
#include "stage1c/cgroup.h"
#include "stage1c/confine.h"
#include "stage1c/env.h"
#include "stage1c/exec.h"
#include "stage1c/isolators.h"
#include "stage1c/log.h"
#include "stage1c/manifest.h"
#include "stage1c/mount.h"
#include "stage1c/mountplan.h"
#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/run.h"
#include "stage1c/spawn.h"
#include "stage1c/user.h"
#include "stage1c/util.h"

struct pod_ctx {
	struct s1_pod_manifest pod;
	struct s1_image_manifest image;
	const struct s1_runtime_app *ra;
	const struct s1_app *app;
	struct s1_ids ids;
	struct s1_isolators iso;
	struct s1_confine confine;
	struct s1_cgroup_plan cgroups;
	bool cgroups_made;
	char **envp;
	char *exec_path;
	int podfd;
	char *rootfs;	     /* the app's rootfs, relative to the pod directory */
	int imgroot;	     /* that directory as rkt made it, before any mount of ours */
	int rootfd;	     /* our bind mount of the app's rootfs, once made */
	int workdir;	     /* the app's working directory in it, resolved once */
	long long phases[4]; /* start, manifests read, cgroups made, mounts made (us) */
};

/* Microseconds on the monotonic clock: run --debug says where a slow start goes. */
static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void pod_ctx_free(struct pod_ctx *c)
{
	confine_close_fds(&c->confine);
	cgroup_plan_free(&c->cgroups);
	manifest_pod_free(&c->pod);
	manifest_image_free(&c->image);
	user_ids_free(&c->ids);
	env_free(c->envp);
	free(c->exec_path);
	free(c->rootfs);
	if (c->imgroot >= 0)
		close(c->imgroot);
	if (c->rootfd >= 0)
		close(c->rootfd);
	if (c->workdir >= 0)
		close(c->workdir);
	if (c->podfd >= 0)
		close(c->podfd);
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

static int load_manifests(struct pod_ctx *c, struct s1_err *err)
{
	int r = podstate_load_manifests(c->podfd, NULL, &c->pod, &c->image, &c->ra, err);
	if (r < 0)
		return r;
	c->app = manifest_effective_app(c->ra, &c->image);
	return 0;
}

/* Mounts, then the checks that depend on them (a volume may hold the working directory). */
static int prepare_root(struct pod_ctx *c, const struct s1_run_args *args, struct s1_err *err)
{
	struct s1_mount_plan plan;
	struct s1_mountplan_opts opts = {
	    .resolv = args->resolv, .hosts = args->hosts, .disable_paths = args->disable_paths};
	int r = mountplan_build(&c->pod, c->ra, &c->image, &opts, &plan, err);
	if (r < 0)
		return r;
	c->rootfd = mount_root_setup(c->podfd, c->rootfs, err);
	if (c->rootfd < 0) {
		mountplan_free(&plan);
		return c->rootfd;
	}
	r = mount_apply_plan(c->podfd, c->rootfd, &plan, err);
	mountplan_free(&plan);
	if (r < 0)
		return r;

	const char *wd = c->app->working_directory;
	c->workdir = path_open_in_root(c->rootfd, wd ? wd : "/", O_PATH | O_DIRECTORY);
	if (c->workdir < 0)
		return s1_error(err, c->workdir, "working directory \"%s\"", wd ? wd : "/");
	return exec_resolve_in_root(c->rootfd, c->app->exec[0], wd, env_get(c->envp, "PATH"),
				    &c->exec_path, err);
}

static int plan_cgroups(struct pod_ctx *c, const char *uuid, struct s1_err *err)
{
	const struct s1_isolators *iso = &c->iso;
	struct s1_cgroup_limits lim = {.has_memory = iso->has_memory_limit,
				       .memory_bytes = iso->memory_limit_bytes,
				       .has_cpu = iso->has_cpu_limit,
				       .cpu_milli = iso->cpu_limit_milli,
				       .has_shares = iso->has_cpu_shares,
				       .shares = iso->cpu_shares};
	_cleanup_free_ char *name = s1_xasprintf("stage1-c-%s", uuid);
	return cgroup_plan_build_current(name, &lim, &c->cgroups, err);
}

/* Everything stop, gc and enter need, in one file written once, before anything exists that
 * gc must undo: gc finds the cgroups and the mounts whatever happens next. */
static int write_record(struct pod_ctx *c, struct s1_err *err)
{
	struct s1_record rec = {0};
	int r;
	if ((r = podstate_record_leader(&rec, getpid(), err)) < 0) {
		podstate_record_free(&rec);
		return r;
	}
	mount_record_add(&rec, c->rootfs);
	user_record_add(&rec, &c->ids);
	confine_record_add(&rec, &c->confine);
	cgroup_record_add(&rec, &c->cgroups);
	cgroupjoin_record_add(&rec, &c->cgroups);
	return podstate_record_commit(c->podfd, &rec, err);
}

/* The files a process of the app joins its cgroups through: open while one is to be started
 * (the app, a handler), closed once it has joined. */
static int open_join_files(struct pod_ctx *c, struct s1_err *err)
{
	return cgroupjoin_open_plan(&cgroupfs_host, &c->cgroups, &c->confine, err);
}

/* The pod's cgroups (recorded already): made, announced to rkt (subcgroup, before pid), and
 * opened for the app to join. */
static int setup_cgroups(struct pod_ctx *c, struct s1_err *err)
{
	int r;
	if ((r = cgroup_plan_apply(&cgroupfs_host, &c->cgroups, err)) < 0)
		return r;
	c->cgroups_made = true;
	if (c->cgroups.subcgroup) {
		r = s1_write_file_atomic(c->podfd, "subcgroup", c->cgroups.subcgroup,
					 strlen(c->cgroups.subcgroup), 0644);
		if (r < 0)
			return s1_error(err, r, "writing subcgroup");
	}
	return open_join_files(c, err);
}

/* A process of the app (the app itself or an event handler): its root, ids, environment,
 * working directory and confinement. */
static int start_in_app(struct pod_ctx *c, const char *path, char *const *argv, pid_t *pid,
			struct s1_err *err)
{
	struct s1_spawn spec = {.rootfd = c->rootfd,
				.workdirfd = c->workdir,
				.workdir = c->app->working_directory,
				.path = path,
				.argv = argv,
				.envp = c->envp,
				.ids = &c->ids,
				.confine = &c->confine};
	return spawn_in_root(&spec, pid, err);
}

/* Kill what is left in the app's cgroups. */
static void sweep_cgroups(struct pod_ctx *c)
{
	struct s1_err kerr = {0};
	if (cgroup_kill_all(&cgroupfs_host, c->cgroups.dirs, c->cgroups.n_dirs, SIGKILL, &kerr) < 0)
		s1_warn("killing what is left in the pod's cgroups: %s", kerr.msg);
}

static const struct s1_event_handler *find_handler(const struct s1_app *app, const char *name)
{
	for (size_t i = 0; i < app->n_event_handlers; i++)
		if (strcmp(app->event_handlers[i].name, name) == 0)
			return &app->event_handlers[i];
	return NULL;
}

/* Event handlers run in the app's root, as the app's user, with its environment. */
static int run_handler(struct pod_ctx *c, const char *name, struct s1_err *err)
{
	const struct s1_event_handler *h = find_handler(c->app, name);
	if (!h)
		return 0;
	_cleanup_free_ char *path = NULL;
	pid_t pid;
	int r = exec_resolve_in_root(c->rootfd, h->exec[0], c->app->working_directory,
				     env_get(c->envp, "PATH"), &path, err);
	if (r < 0 || (r = start_in_app(c, path, h->exec, &pid, err)) < 0)
		return s1_error_wrap(err, "%s handler", name);
	int code = spawn_wait(pid);
	s1_debug("%s handler exited with %d", name, code);
	if (code != 0)
		return s1_error(err, 0, "%s handler \"%s\" exited with status %d", name, h->exec[0],
				code);
	return 0;
}

/* After the app: its status is recorded (once), what it left in its cgroups is killed, the
 * post-stop handler runs, and what the handler left is killed too: nothing of the pod outlives
 * run. The leader holds its side of the record's lock throughout, so a stop --force either
 * went before (and the leader waited for it) or finds the app gone and kills nothing. */
static void finish_pod(struct pod_ctx *c, int code)
{
	struct s1_err werr = {0};
	if (podstate_write_status(c->podfd, c->ra->name, code, &werr) < 0)
		s1_warn("%s", werr.msg);
	_cleanup_close_ int lock = podstate_record_lock(c->podfd, false, true);
	sweep_cgroups(c);
	if (find_handler(c->app, "post-stop")) {
		if (open_join_files(c, &werr) < 0) {
			s1_warn("post-stop handler: %s", werr.msg);
			return;
		}
		/* Linux kills a process cloned into a v2 cgroup after a cgroup.kill there (seen
		 * on 6.18): the post-stop handler joins by moving instead. */
		if (c->confine.cgroup2_dir >= 0) {
			close(c->confine.cgroup2_dir);
			c->confine.cgroup2_dir = -1;
		}
		if (run_handler(c, "post-stop", &werr) < 0)
			s1_warn("%s", werr.msg);
		confine_close_fds(&c->confine);
		sweep_cgroups(c);
	}
}

static int start_and_supervise(struct pod_ctx *c, const sigset_t *set, struct s1_err *err)
{
	pid_t pid;
	int r = start_in_app(c, c->exec_path, c->app->exec, &pid, err);
	if (r < 0)
		return r;
	/* The app has joined its cgroups: the leader keeps no descriptor of them. */
	confine_close_fds(&c->confine);
	if (s1_log_debug_enabled()) {
		long long *t = c->phases, spawned = now_us();
		s1_debug("phases (us): manifests %lld, cgroups %lld, mounts %lld, spawn %lld, "
			 "total %lld",
			 t[1] - t[0], t[2] - t[1], t[3] - t[2], spawned - t[3], spawned - t[0]);
	}
	s1_debug("app \"%s\" started as PID %ld", c->ra->name, (long)pid);
	/* From here the app runs: failing to tell rkt about it must not orphan it. */
	if ((r = podstate_write_pid(c->podfd, pid, err)) < 0 ||
	    (r = podstate_mark_ready(c->podfd, err)) < 0) {
		kill(pid, SIGKILL);
		spawn_wait(pid);
		return r;
	}
	int code = spawn_supervise(pid, set);
	s1_debug("app \"%s\" exited with %d", c->ra->name, code);
	finish_pod(c, code);
	return code;
}

static int run_in_ctx(struct pod_ctx *c, const struct s1_run_args *args, struct s1_err *err)
{
	int r;
	long long t0 = now_us();
	c->podfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->podfd < 0)
		return s1_error(err, errno, "opening the pod directory");
	if ((r = load_manifests(c, err)) < 0)
		return r;

	c->rootfs = podstate_app_rootfs(c->ra->name);
	c->imgroot = path_open_in_root(c->podfd, c->rootfs, O_PATH | O_DIRECTORY);
	if (c->imgroot < 0)
		return s1_error(err, c->imgroot, "app rootfs %s", c->rootfs);
	if ((r = user_resolve(c->imgroot, c->app, &c->ids, err)) < 0)
		return r;
	if ((r = isolators_parse(c->app, &c->pod, args->disable_seccomp, &c->iso, err)) < 0)
		return r;
	confine_compute(&c->iso, args->disable_capabilities, c->ids.uid, &c->confine);
	c->envp = env_build(c->app, c->ra->name);

	/* Signals wait in the mask from now on: one that arrives during setup is passed on to
	 * the app once it runs, and SIGCHLD is read with sigwaitinfo. */
	sigset_t set;
	spawn_block_signals(&set);
	signal(SIGPIPE, SIG_IGN);

	long long t_manifests = now_us();
	if ((r = plan_cgroups(c, args->uuid, err)) < 0 || (r = write_record(c, err)) < 0 ||
	    (r = setup_cgroups(c, err)) < 0)
		return r;
	long long t_cgroups = now_us();
	if ((r = prepare_root(c, args, err)) < 0 ||
	    (r = podstate_write_env(c->podfd, c->ra->name, c->envp, err)) < 0 ||
	    (r = run_handler(c, "pre-start", err)) < 0)
		return r;
	c->phases[0] = t0;
	c->phases[1] = t_manifests;
	c->phases[2] = t_cgroups;
	c->phases[3] = now_us();
	return start_and_supervise(c, &set, err);
}

int run_pod(const struct s1_run_args *args, struct s1_err *err)
{
	struct pod_ctx c = {.podfd = -1,
			    .imgroot = -1,
			    .rootfd = -1,
			    .workdir = -1,
			    .confine = {.cgroup2_dir = -1, .cgroup2_procs = -1}};
	int r;

	if ((r = check_lock_fd(err)) < 0 || (r = podstate_check_uuid(args->uuid, err)) < 0)
		return r;
	if (args->hostname)
		s1_warn("--hostname=%s is ignored: a fly pod shares the host's hostname",
			args->hostname);
	if (args->mds_token)
		s1_warn("--mds-token is ignored: no metadata service is registered");

	r = run_in_ctx(&c, args, err);
	if (r < 0 && c.cgroups_made) {
		/* The leader steps out; what a pre-start handler left behind is killed with the
		 * cgroups. Whatever cannot go now stays recorded for gc. */
		struct s1_err uerr = {0};
		if (cgroup_plan_leave(&cgroupfs_host, &c.cgroups, &uerr) < 0)
			s1_warn("%s", uerr.msg);
		if (cgroup_remove(&cgroupfs_host, c.cgroups.dirs, c.cgroups.n_dirs, &uerr) < 0)
			s1_warn("%s", uerr.msg);
	}
	/* Success or failure, the app's mounts go with the pod leader: nothing stays mounted. */
	if (c.rootfd >= 0 && mount_root_teardown(c.rootfd) < 0)
		s1_warn("can't unmount the app's rootfs: %s", s1_strerror(errno));
	pod_ctx_free(&c);
	return r;
}
