/* A running pod: its apps, from their start to the end of the pod, as rkt's coreos flavor runs
 * them (docs/interface.md §2): the pod runs while any app runs; an app that exits 0 leaves the
 * others running; one that exits otherwise stops them (SIGTERM, then SIGKILL after
 * S1_STOP_GRACE_S) and its status becomes the pod's. Each app's status is recorded as it exits,
 * what it left in its cgroups is killed, and its post-stop handler runs (while the others go
 * on). Signals sent to run reach every app that runs, once.
 *
 * run.c starts the pod and shares its context here; podlife.c keeps it. */
#ifndef STAGE1C_PODLIFE_H
#define STAGE1C_PODLIFE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "stage1c/cgroupplan.h"
#include "stage1c/confine.h"
#include "stage1c/error.h"
#include "stage1c/isolators.h"
#include "stage1c/manifest.h"
#include "stage1c/user.h"

#define S1_STOP_GRACE_S 10     /* from SIGTERM to SIGKILL, when an app has failed */
#define S1_METADATA_PORT 18112 /* rkt's metadata service, on the host (fly: the pod's too) */

enum s1_app_state {
	S1_APP_NEW,	  /* not started */
	S1_APP_RUNNING,	  /* pid runs */
	S1_APP_POST_STOP, /* exited; its post-stop handler (handler) runs */
	S1_APP_DONE,
};

struct s1_app_ctx {
	size_t index; /* in the pod manifest, the record and the cgroup plan */
	const struct s1_runtime_app *ra;
	struct s1_image_manifest image;
	const struct s1_app *app; /* the effective app section */
	struct s1_ids ids;
	struct s1_isolators iso;
	struct s1_confine confine;
	char **envp;
	char *exec_path;
	char *rootfs; /* the app's rootfs, relative to the pod directory */
	int imgroot;  /* that directory as rkt made it, before any mount of ours */
	int rootfd;   /* our bind mount of the app's rootfs, once made */
	int workdir;  /* the app's working directory in it, resolved once */
	enum s1_app_state state;
	pid_t pid;     /* the app, once started */
	pid_t handler; /* its post-stop handler, while it runs */
	int status;    /* its exit code, once exited */
};

struct s1_pod_ctx {
	struct s1_pod_manifest pod;
	struct s1_app_ctx *apps;
	size_t n_apps;
	struct s1_cgroup_plan cgroups;
	bool cgroups_made;
	int podfd;
	int lockfd;		    /* the record, for the per-app locks (record.h) */
	struct s1_app_ctx *pid_app; /* the app the pid file names */
	long long phases[4];	    /* start, manifests read, cgroups made, mounts made (us) */
};

/* From run.c: an app's join files opened into its confinement; a process started in the app
 * (its root, ids, environment, working directory, confinement); its handler of a name. */
int run_open_join_files(struct s1_pod_ctx *c, struct s1_app_ctx *a, struct s1_err *err);
int run_start_in_app(struct s1_app_ctx *a, const char *path, char *const *argv, pid_t *pid,
		     struct s1_err *err);
const struct s1_event_handler *run_find_handler(const struct s1_app_ctx *a, const char *name);
int run_start_handler(struct s1_app_ctx *a, const struct s1_event_handler *h, pid_t *pid,
		      struct s1_err *err);

/* Keep the pod until every app and post-stop handler has ended; set is the blocked signals
 * (spawn_block_signals). Returns the pod's exit code. */
int podlife_supervise(struct s1_pod_ctx *c, const sigset_t *set);

#endif
