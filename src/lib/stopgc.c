/* stop and gc, run by rkt in the pod directory (for gc, maybe moved to exited-garbage/). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage1c/cgroup.h"
#include "stage1c/confine.h"
#include "stage1c/log.h"
#include "stage1c/mount.h"
#include "stage1c/podstate.h"
#include "stage1c/stopgc.h"
#include "stage1c/util.h"

/* The pod is running as long as its lock is held (docs/interface.md §3). */
static bool pod_is_running(int podfd)
{
	_cleanup_close_ int fd = openat(podfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return true;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return false;
	return errno == EWOULDBLOCK;
}

/* stop --force: SIGKILL to every process in each app's cgroups, the app's lock held (record.h):
 * an app whose lock the leader holds has exited, and its post-stop handler is left alone. */
static int kill_apps(int podfd, struct s1_err *err)
{
	_cleanup_close_ int lock = record_lock_open(podfd);
	if (lock == -ENOENT)
		return 0; /* run made nothing to kill yet */
	if (lock < 0)
		return s1_error(err, lock, "opening %s", S1_RECORD_FILE);
	struct s1_record rec;
	int r = record_load(podfd, &rec);
	if (r < 0)
		return s1_error(err, r, "reading %s", S1_RECORD_FILE);
	size_t n;
	char **apps = record_apps(&rec, &n);
	for (size_t i = 0; i < n && r == 0; i++) {
		if ((r = record_lock_app(lock, i, true, false)) == -EWOULDBLOCK) {
			r = 0;
			continue;
		}
		if (r < 0) {
			s1_error(err, r, "locking app \"%s\"", apps[i]);
			break;
		}
		_cleanup_free_ char *text = NULL;
		char *files[S1_MAX_CGROUP_FDS];
		size_t nf;
		if ((r = cgroupjoin_recorded_files(&cgroupfs_host, &rec, apps[i], &text, files, &nf,
						   err)) == 0)
			r = cgroup_kill_joined(&cgroupfs_host, files, nf, SIGKILL, err);
	}
	record_apps_free(apps);
	record_free(&rec);
	return r;
}

int stop_pod(const struct s1_stop_args *args, struct s1_err *err)
{
	int r;
	if ((r = podstate_check_uuid(args->uuid, err)) < 0)
		return r;
	_cleanup_close_ int podfd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (podfd < 0)
		return s1_error(err, errno, "opening the pod directory");
	if (!pod_is_running(podfd))
		return 0;
	/* Read first: an app started after this cannot have been missed by what follows. */
	bool ready = faccessat(podfd, S1_READY_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	pid_t leader;
	r = podstate_leader_alive(podfd, &leader);
	if (r == -ENOENT && !(args->force && ready))
		return s1_error(err, 0, "the pod has no leader record");
	if (args->force) {
		/* Before every app has started, the leader dies first, so that it starts nothing
		 * more; once they have, it stays, to record their statuses and run their post-stop
		 * handlers. Then everything in the apps' cgroups, daemons that left their process
		 * group included (and what dies with the leader anyway). */
		if (!ready && r == 0 && kill(leader, SIGKILL) < 0 && errno != ESRCH)
			return s1_error(err, errno, "killing the pod leader (PID %ld)",
					(long)leader);
		return kill_apps(podfd, err);
	}
	/* The leader passes SIGTERM on to every app that runs (and to those not started yet, once
	 * they are). */
	if (r == -ESRCH)
		return 0;
	if (kill(leader, SIGTERM) < 0 && errno != ESRCH)
		return s1_error(err, errno, "signalling the pod leader (PID %ld)", (long)leader);
	return 0;
}

int gc_pod(const struct s1_gc_args *args, struct s1_err *err)
{
	int r;
	(void)args;
	_cleanup_close_ int podfd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (podfd < 0)
		return s1_error(err, errno, "opening the pod directory");
	if ((r = cgroup_remove_recorded(&cgroupfs_host, podfd, err)) < 0)
		return r;
	return mount_gc(podfd, err);
}
