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

static int leader_alive(int podfd, pid_t *pid)
{
	unsigned long long start, now;
	if (podstate_read_leader(podfd, pid, &start) < 0)
		return -ENOENT;
	if (podstate_proc_starttime(*pid, &now) < 0 || now != start)
		return -ESRCH;
	return 0;
}

/* The pid file's PID is still the app: a child of the pod's leader, which is the process the
 * record names (same start time). Not its root, which the app may change (chroot). */
static bool pid_is_app(int podfd, pid_t pid)
{
	pid_t leader, parent;
	unsigned long long start;
	return leader_alive(podfd, &leader) == 0 && podstate_proc_stat(pid, &parent, &start) == 0 &&
	       parent == leader;
}

int stop_pod(const struct s1_stop_args *args, struct s1_err *err)
{
	int r;
	if ((r = podstate_check_uuid(args->uuid, err)) < 0)
		return r;
	_cleanup_close_ int podfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (podfd < 0)
		return s1_error(err, errno, "opening the pod directory");
	if (!pod_is_running(podfd))
		return 0;

	int sig = args->force ? SIGKILL : SIGTERM;
	_cleanup_free_ char *text = NULL;
	long long pid = 0;
	r = s1_read_file_at(podfd, "pid", 64, &text, NULL);
	if (r == 0) {
		char *nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		if (s1_parse_ll(text, 1, 1 << 30, &pid) < 0)
			return s1_error(err, 0, "the pod's pid file is garbled: \"%s\"", text);
	} else if (r != -ENOENT) {
		return s1_error(err, r, "reading the pod's pid file");
	}

	_cleanup_close_ int lock = -1;
	if (args->force) {
		/* Everything in the app's cgroups, daemons that left its process group included;
		 * the leader is not there and records the app's status. It waits for this lock
		 * before it starts the post-stop handler in those cgroups, and holds it from then
		 * on: held, the app has exited and nothing of it is left to kill. */
		struct s1_err kerr = {0};
		lock = podstate_record_lock(podfd, true, false);
		if (lock == -EWOULDBLOCK)
			return 0;
		/* The app itself still gets its SIGKILL below. */
		if (cgroup_kill_recorded(&cgroupfs_host, podfd, SIGKILL, &kerr) < 0)
			s1_warn("%s", kerr.msg);
	}
	if (pid > 0) {
		if (pid_is_app(podfd, (pid_t)pid) && kill((pid_t)pid, sig) < 0 && errno != ESRCH)
			return s1_error(err, errno, "signalling the app (PID %lld)", pid);
		return 0;
	}
	/* No pid file: the app is not up yet (or run failed); the leader passes SIGTERM on and
	 * dies of SIGKILL, taking the app with it. */
	pid_t leader;
	r = leader_alive(podfd, &leader);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return s1_error(err, 0, "the pod has neither a pid file nor a leader record");
	if (kill(leader, sig) < 0 && errno != ESRCH)
		return s1_error(err, errno, "signalling the pod leader (PID %ld)", (long)leader);
	return 0;
}

int gc_pod(const struct s1_gc_args *args, struct s1_err *err)
{
	int r;
	(void)args;
	_cleanup_close_ int podfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (podfd < 0)
		return s1_error(err, errno, "opening the pod directory");
	if ((r = cgroup_remove_recorded(&cgroupfs_host, podfd, err)) < 0)
		return r;
	return mount_gc(podfd, err);
}
