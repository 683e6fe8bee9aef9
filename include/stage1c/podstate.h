/* Files in the pod directory that rkt's stage0 reads, and stage1-c's own records there. */
#ifndef STAGE1C_PODSTATE_H
#define STAGE1C_PODSTATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "stage1c/error.h"
#include "stage1c/manifest.h"

#define S1_STAGE1_ROOTFS "stage1/rootfs"
#define S1_OWN_DIR "stage1-c" /* stage1-c's own files, inside the pod directory */
#define S1_LEADER_FILE S1_OWN_DIR "/leader"

/* "stage1/rootfs/opt/stage2/APP/rootfs" */
char *podstate_app_rootfs(const char *app);

/* pid: the app's PID, once it runs in its root (rkt enter, rkt status). */
int podstate_write_pid(int podfd, pid_t pid, struct s1_err *err);
/* stage1/rootfs/rkt/status/APP: the exit status, decimal, as rkt status reads it. */
int podstate_write_status(int podfd, const char *app, int status, struct s1_err *err);
/* stage1/rootfs/rkt/env/APP: the app's environment for enter. */
int podstate_write_env(int podfd, const char *app, char *const *envp, struct s1_err *err);
/* stage1/rootfs/rkt/supervisor-status -> ready (rkt status --wait-ready). */
int podstate_mark_ready(int podfd, struct s1_err *err);

/* stage1-c/NAME, a file of stage1-c's own in the pod directory, replaced atomically. */
int podstate_write_own(int podfd, const char *name, const char *content, struct s1_err *err);

/* Read and check the pod manifest and the image manifest of app (NULL: the pod's only app,
 * which must be the only one). *ra points into pod. On error pod and im still need freeing. */
int podstate_load_manifests(int podfd, const char *app, struct s1_pod_manifest *pod,
			    struct s1_image_manifest *im, const struct s1_runtime_app **ra,
			    struct s1_err *err);

/* stage1-c/leader: "PID STARTTIME\n" of the pod leader, for stop to fall back on. */
int podstate_write_leader(int podfd, pid_t pid, struct s1_err *err);
int podstate_read_leader(int podfd, pid_t *pid, unsigned long long *starttime);

/* Field 22 of /proc/PID/stat: tells a PID's process from a later one reusing the number. */
int podstate_proc_starttime(pid_t pid, unsigned long long *starttime);

/* An O_PATH fd of process pid's root, if that is the directory rel (resolved inside the pod
 * directory): the check that a PID is still the pod's app. -ESRCH when the process is gone,
 * -EXDEV when its root is another directory, else -errno of opening rel. */
int podstate_open_pid_root(int podfd, const char *rel, pid_t pid);

/* Check that the UUID names the pod directory we run in (its base name). */
int podstate_check_uuid(const char *uuid, struct s1_err *err);

#endif
