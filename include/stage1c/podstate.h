/* Files in the pod directory that rkt's stage0 reads, and stage1-c's own records there. */
#ifndef STAGE1C_PODSTATE_H
#define STAGE1C_PODSTATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "stage1c/error.h"
#include "stage1c/manifest.h"

#define S1_STAGE1_ROOTFS "stage1/rootfs"
#define S1_OWN_DIR "stage1-c" /* stage1-c's own files (empty volumes), in the pod directory */
#define S1_RECORD_FILE "stage1-c.record" /* what stop, gc and enter need to know, ditto */

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

/* stage1-c's record of a pod: sections (the leader, the app's ids and confinement, its
 * cgroups, the mount its rootfs was on), gathered in memory and written once, in one file,
 * before run makes anything gc must undo (creating a file costs more than all the rest of
 * it). Each line of the file is "SECTION PAYLOAD-LINE". */
struct s1_record {
	char *text;
	size_t len;
};

/* Append payload (one or more lines) as section. */
void podstate_record_add(struct s1_record *rec, const char *section, const char *payload);
/* Write the record atomically (S1_RECORD_FILE); rec is freed either way. */
int podstate_record_commit(int podfd, struct s1_record *rec, struct s1_err *err);
void podstate_record_free(struct s1_record *rec);
/* A section's payload lines, each ending in "\n". 0, -ENOENT (no record or no such section)
 * or -errno. */
int podstate_record_read(int podfd, const char *section, char **payload);

/* Read and check the pod manifest and the image manifest of app (NULL: the pod's only app,
 * which must be the only one). *ra points into pod. On error pod and im still need freeing. */
int podstate_load_manifests(int podfd, const char *app, struct s1_pod_manifest *pod,
			    struct s1_image_manifest *im, const struct s1_runtime_app **ra,
			    struct s1_err *err);

/* stop --force takes the record's lock (exclusive, without waiting) while it kills the app's
 * processes; the leader takes it (shared, waiting) once the app has exited and holds it until
 * the post-stop handler and the sweep after it are done: a stop --force that finds it held
 * has nothing left to kill. Returns an fd to close, or -errno (-ENOENT: no record,
 * -EWOULDBLOCK: held, when not waiting). */
int podstate_record_lock(int podfd, bool exclusive, bool wait);

/* The "leader" section: "PID STARTTIME" of the pod leader, for stop to fall back on. */
int podstate_record_leader(struct s1_record *rec, pid_t pid, struct s1_err *err);
int podstate_read_leader(int podfd, pid_t *pid, unsigned long long *starttime);

/* Field 22 of /proc/PID/stat: tells a PID's process from a later one reusing the number.
 * -ESRCH when there is no such process. */
int podstate_proc_starttime(pid_t pid, unsigned long long *starttime);
/* The same, with the parent's PID (field 4). ppid may be NULL. */
int podstate_proc_stat(pid_t pid, pid_t *ppid, unsigned long long *starttime);

/* An O_PATH fd of process pid's root, if that is the directory rel (resolved inside the pod
 * directory): the check that a PID is still the pod's app. -ESRCH when the process is gone,
 * -EXDEV when its root is another directory, else -errno of opening rel. */
int podstate_open_pid_root(int podfd, const char *rel, pid_t pid);

/* Check that the UUID names the pod directory we run in (its base name). */
int podstate_check_uuid(const char *uuid, struct s1_err *err);

#endif
