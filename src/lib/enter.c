/* enter: the app's root, user, groups, environment and confinement for a command of rkt enter. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage1c/cgroupjoin.h"
#include "stage1c/confine.h"
#include "stage1c/enter.h"
#include "stage1c/env.h"
#include "stage1c/exec.h"
#include "stage1c/manifest.h"
#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/spawn.h"
#include "stage1c/user.h"
#include "stage1c/util.h"

/* The app's root: its rootfs in the pod directory, where run's bind of it is (run binds every
 * app's before it starts one, and detaches them after the last has been reaped), checked after
 * it is opened: pid must then be a process the live leader started (an app, or a handler), not
 * its root, which a root app may change, nor a PID of another pod. */
static int open_app_root(int podfd, const struct s1_record *rec, const struct s1_enter_args *args,
			 struct s1_err *err)
{
	_cleanup_free_ char *rel = podstate_app_rootfs(args->app);
	_cleanup_close_ int fd = path_open_in_root(podfd, rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return s1_error(err, fd, "app rootfs %s", rel);
	int r = podstate_app_process(rec, args->pid);
	if (r == -ESRCH)
		return s1_error(err, 0, "process %ld does not exist", (long)args->pid);
	if (r < 0)
		return s1_error(err, 0, "process %ld is not app \"%s\" of this pod",
				(long)args->pid, args->app);
	return steal_fd(&fd);
}

struct enter_ctx {
	struct s1_record rec;
	char *workdir_path; /* the app's working directory, as run recorded it */
	struct s1_ids ids;
	struct s1_confine confine;
	char **envp;
	char *path;
	int podfd;
	int root;
	int workdir;
};

static int enter_in_ctx(struct enter_ctx *c, const struct s1_enter_args *args, struct s1_err *err)
{
	int r;
	c->podfd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->podfd < 0)
		return s1_error(err, errno, "opening the pod directory");
	/* Everything of the app's run decided is in the record: no manifest is read again. */
	if ((r = record_load(c->podfd, &c->rec)) < 0)
		return s1_error(err, r, "reading %s", S1_RECORD_FILE);
	r = record_get(&c->rec, S1_REC_WORKDIR, args->app, &c->workdir_path);
	if (r == -ENOENT)
		return s1_error(err, 0, "app \"%s\" is not in the pod", args->app);
	/* The path as run recorded it: a newline in it made a line each, which record_get joins
	 * again, with a newline after the last. */
	if (r < 0 || c->workdir_path[0] != '/')
		return s1_error(err, r < 0 ? r : 0,
				"malformed record: the working directory of "
				"app \"%s\"",
				args->app);
	c->workdir_path[strlen(c->workdir_path) - 1] = '\0';
	if ((c->root = open_app_root(c->podfd, &c->rec, args, err)) < 0)
		return c->root;
	if ((r = user_record_read(&c->rec, args->app, &c->ids, err)) < 0)
		return r;

	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *env_path = s1_xasprintf(S1_STAGE1_ROOTFS "/rkt/env/%s", args->app);
	if ((r = s1_read_file_at(c->podfd, env_path, 1u << 20, &text, NULL)) < 0)
		return s1_error(err, r, "reading the app's environment %s", env_path);
	if ((r = env_parse(text, &c->envp, err)) < 0)
		return s1_error_wrap(err, "%s", env_path);
	/* An interactive shell needs the caller's terminal type (rkt's coreos enter passes it). */
	const char *term = getenv("TERM");
	if (term)
		env_set(&c->envp, "TERM", term);

	/* The confinement run gave the app, and its cgroups: the command joins them. */
	if ((r = confine_record_read(&c->rec, args->app, &c->confine, err)) < 0 ||
	    (r = cgroupjoin_open_app(&c->rec, args->app, &c->confine, err)) < 0)
		return r;

	/* Resolved inside the app's root, as a descriptor: whatever the app made of that path
	 * (a symlink to /proc/PID/root, say) cannot take the command out of it. */
	const char *wd = c->workdir_path;
	c->workdir = path_open_in_root(c->root, wd, O_PATH | O_DIRECTORY);
	if (c->workdir < 0)
		return s1_error(err, c->workdir, "working directory \"%s\"", wd);
	if ((r = exec_resolve_in_root(c->root, args->cmd[0], wd, env_get(c->envp, "PATH"), &c->path,
				      err)) < 0)
		return r;
	struct s1_spawn spec = {.rootfd = c->root,
				.workdirfd = c->workdir,
				.workdir = c->workdir_path,
				.path = c->path,
				.argv = args->cmd,
				.envp = c->envp,
				.ids = &c->ids,
				.confine = &c->confine};
	/* CMD is created in the app's v2 cgroup (clone3), not moved there: a move waits for an
	 * RCU grace period, milliseconds. enter stays outside the pod, waiting, as rkt enter's
	 * process: it passes on the signals sent to it and exits with CMD's code. */
	sigset_t set;
	spawn_block_signals(&set);
	pid_t pid;
	if ((r = spawn_in_root(&spec, &pid, err)) < 0)
		return r;
	confine_close_fds(&c->confine);
	return spawn_supervise(pid, &set);
}

int enter_pod(const struct s1_enter_args *args, struct s1_err *err)
{
	struct enter_ctx c = {
	    .podfd = -1, .root = -1, .workdir = -1, .confine = {.cgroup2_dir = -1}};
	int r = enter_in_ctx(&c, args, err);
	confine_free(&c.confine);
	free(c.path);
	env_free(c.envp);
	user_ids_free(&c.ids);
	free(c.workdir_path);
	record_free(&c.rec);
	if (c.root >= 0)
		close(c.root);
	if (c.workdir >= 0)
		close(c.workdir);
	if (c.podfd >= 0)
		close(c.podfd);
	return r;
}
