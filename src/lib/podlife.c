/* A running pod, from its apps' start to its end (podlife.h). */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stage1c/cgroup.h"
#include "stage1c/log.h"
#include "stage1c/podlife.h"
#include "stage1c/podstate.h"
#include "stage1c/spawn.h"

struct pod_run {
	struct s1_pod_ctx *c;
	bool failed;	   /* an app exited non-zero: the pod stops */
	int code;	   /* the pod's exit code: the first failed app's */
	long long kill_at; /* when the apps still running get SIGKILL (ns), or 0 */
};

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Kill what is left in app a's cgroups (daemons it left, what its handler left). */
static void sweep_app(struct s1_pod_ctx *c, struct s1_app_ctx *a)
{
	struct s1_err kerr = {0};
	const struct s1_cgroup_plan *p = &c->cgroups;
	size_t first = p->app_first[a->index];
	if (cgroup_kill_joined(&cgroupfs_host, p->app_procs + first,
			       p->app_first[a->index + 1] - first, SIGKILL, &kerr) < 0)
		s1_warn("killing what is left in app \"%s\"'s cgroups: %s", a->ra->name, kerr.msg);
}

static void signal_running(struct s1_pod_ctx *c, int sig)
{
	for (size_t i = 0; i < c->n_apps; i++)
		if (c->apps[i].state == S1_APP_RUNNING) {
			s1_debug("signal %d to app \"%s\" (PID %ld)", sig, c->apps[i].ra->name,
				 (long)c->apps[i].pid);
			kill(c->apps[i].pid, sig);
		}
}

/* The app's post-stop handler, in its cgroups; the pod goes on meanwhile. */
static void start_post_stop(struct s1_pod_ctx *c, struct s1_app_ctx *a)
{
	const struct s1_event_handler *h = run_find_handler(a, "post-stop");
	struct s1_err werr = {0};
	a->state = S1_APP_DONE;
	if (!h)
		return;
	if (run_open_join_files(c, a, &werr) < 0) {
		s1_warn("app \"%s\": post-stop handler: %s", a->ra->name, werr.msg);
		return;
	}
	/* Linux kills a process cloned into a v2 cgroup after a cgroup.kill there (seen on
	 * 6.18): the post-stop handler joins by moving instead. */
	a->confine.cgroup2_move = true;
	if (run_start_handler(a, h, &a->handler, &werr) < 0)
		s1_warn("app \"%s\": %s", a->ra->name, werr.msg);
	else
		a->state = S1_APP_POST_STOP;
	confine_close_fds(&a->confine);
}

/* The pid file names an app that runs, while one does: rkt enter passes it as the PID that
 * proves the pod's, and rkt status prints it. */
static void repoint_pid(struct s1_pod_ctx *c)
{
	struct s1_err werr = {0};
	for (size_t i = 0; i < c->n_apps; i++)
		if (c->apps[i].state == S1_APP_RUNNING) {
			c->pid_app = &c->apps[i];
			if (podstate_write_pid(c->podfd, c->apps[i].pid, &werr) < 0)
				s1_warn("%s", werr.msg);
			return;
		}
}

/* App a exited with code: its status is recorded (once), what it left in its cgroups is
 * killed, and its post-stop handler starts. The leader holds the app's lock from here on
 * (record.h), so a stop --force either went before (and the leader waited for it) or finds
 * the app gone and kills nothing of it, its handler included. */
static void app_exited(struct pod_run *pr, struct s1_app_ctx *a, int code)
{
	struct s1_pod_ctx *c = pr->c;
	struct s1_err werr = {0};
	s1_debug("app \"%s\" exited with %d", a->ra->name, code);
	a->status = code;
	if (podstate_write_status(c->podfd, a->ra->name, code, &werr) < 0)
		s1_warn("%s", werr.msg);
	int r = record_lock_app(c->lockfd, a->index, false, true);
	if (r < 0)
		s1_warn("locking app \"%s\" in %s: %s", a->ra->name, S1_RECORD_FILE,
			s1_strerror(-r));
	a->state = S1_APP_DONE; /* not signalled any more */
	if (code != 0 && !pr->failed) {
		pr->failed = true;
		pr->code = code;
		pr->kill_at = now_ns() + S1_STOP_GRACE_S * 1000000000LL;
		signal_running(c, SIGTERM);
	}
	sweep_app(c, a);
	start_post_stop(c, a);
	if (c->pid_app == a)
		repoint_pid(c);
}

static void reap(struct pod_run *pr)
{
	struct s1_pod_ctx *c = pr->c;
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		for (size_t i = 0; i < c->n_apps; i++) {
			struct s1_app_ctx *a = &c->apps[i];
			if (a->state == S1_APP_RUNNING && a->pid == p) {
				app_exited(pr, a, spawn_exit_code(st));
				break;
			}
			if (a->state == S1_APP_POST_STOP && a->handler == p) {
				s1_debug("app \"%s\": post-stop handler exited with %d",
					 a->ra->name, spawn_exit_code(st));
				sweep_app(c, a);
				a->state = S1_APP_DONE;
				break;
			}
		}
	}
}

static bool pod_done(const struct s1_pod_ctx *c)
{
	for (size_t i = 0; i < c->n_apps; i++)
		if (c->apps[i].state != S1_APP_DONE)
			return false;
	return true;
}

int podlife_supervise(struct s1_pod_ctx *c, const sigset_t *set)
{
	struct pod_run pr = {.c = c};
	reap(&pr); /* an app that is gone already */
	while (!pod_done(c)) {
		siginfo_t si;
		int s;
		if (pr.kill_at) {
			long long left = pr.kill_at - now_ns();
			struct timespec ts = {0, 0};
			if (left > 0)
				ts = (struct timespec){left / 1000000000LL, left % 1000000000LL};
			s = sigtimedwait(set, &si, &ts);
			if (s < 0 && errno == EAGAIN) {
				s1_debug("the grace period is over");
				pr.kill_at = 0;
				signal_running(c, SIGKILL);
				continue;
			}
		} else {
			s = sigwaitinfo(set, &si);
		}
		if (s < 0)
			continue; /* EINTR */
		if (s == SIGCHLD)
			reap(&pr);
		else if (spawn_signal_from_process(&si))
			signal_running(c, s);
	}
	/* What outlived its app's sweep (an enter's command in an app that had exited) goes
	 * with the pod. */
	for (size_t i = 0; i < c->n_apps; i++)
		sweep_app(c, &c->apps[i]);
	return pr.failed ? pr.code : 0;
}
