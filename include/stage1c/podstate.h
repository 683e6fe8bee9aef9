/* Files in the pod directory shared with rkt's stage0 (docs/interface.md §3), and the pod's
 * processes as the record knows them. stage1-c's own record: record.h. */
#ifndef STAGE1C_PODSTATE_H
#define STAGE1C_PODSTATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "stage1c/error.h"
#include "stage1c/manifest.h"
#include "stage1c/record.h"

#define S1_STAGE1_ROOTFS "stage1/rootfs"
#define S1_OWN_DIR "stage1-c" /* stage1-c's own files (empty volumes), in the pod directory */

/* "stage1/rootfs/opt/stage2/APP/rootfs" */
char *podstate_app_rootfs(const char *app);

/* pid: the app's PID, once it runs in its root (rkt enter, rkt status). */
int podstate_write_pid(int podfd, pid_t pid, struct s1_err *err);
/* stage1/rootfs/rkt/status/APP: the exit status, decimal, as rkt status reads it. */
int podstate_write_status(int podfd, const char *app, int status, struct s1_err *err);
/* stage1/rootfs/rkt/env/APP: the app's environment for enter. */
int podstate_write_env(int podfd, const char *app, char *const *envp, struct s1_err *err);
/* stage1/rootfs/rkt/supervisor-status -> ready (rkt status --wait-ready): every app started. */
#define S1_READY_FILE S1_STAGE1_ROOTFS "/rkt/supervisor-status"
int podstate_mark_ready(int podfd, struct s1_err *err);

/* The pod manifest, read and checked. On error pod still needs freeing. */
int podstate_load_pod(int podfd, struct s1_pod_manifest *pod, struct s1_err *err);
/* The image manifest of app ra (appsinfo/APP/manifest), which must give the app an exec. On
 * error im still needs freeing. */
int podstate_load_image(int podfd, const struct s1_runtime_app *ra, struct s1_image_manifest *im,
			struct s1_err *err);

/* What tells a PID's process from a later one that reuses the number, as text: "pidfs:INODE",
 * the inode of a pidfd, which no other process gets while the system runs (Linux 6.9 and
 * later, 64-bit inode numbers); else, or with start_time, field 22 of /proc/PID/stat, the
 * start time in clock ticks. 0, or -ESRCH when there is no such process. A pidfd and its
 * fstatfs and fstat cost a tenth of reading /proc/PID/stat. */
#define S1_PROC_ID_MAX 32
int podstate_proc_id(pid_t pid, bool start_time, char id[S1_PROC_ID_MAX]);

/* The record's leader section (S1_REC_LEADER): "PID ID" of the pod leader (podstate_proc_id),
 * by which stop and enter know it and its children. */
int podstate_record_leader(struct s1_record *rec, pid_t pid, struct s1_err *err);
int podstate_read_leader(int podfd, pid_t *pid, char id[S1_PROC_ID_MAX]);
/* The recorded leader, if it still runs (the same identity, taken as it was recorded): 0,
 * -ENOENT (no record of it) or -ESRCH (gone). */
int podstate_leader_alive(int podfd, pid_t *pid);
/* Is pid one of the pod's apps: a child of the live leader rec names? Not its root, which an
 * app may change (chroot); not its cgroups, which a handler shares. 0, -ESRCH (no such
 * process), -EXDEV (not the pod's) or -errno. */
int podstate_app_process(const struct s1_record *rec, pid_t pid);

/* pid's parent: by its pidfd (PIDFD_GET_INFO, Linux 6.13 and later), else by /proc/PID/stat.
 * 0, -ESRCH (no such process) or -errno. */
int podstate_proc_parent(pid_t pid, pid_t *ppid);
/* Field 22 of /proc/PID/stat (the start time) and the parent's PID (field 4; ppid may be
 * NULL). -ESRCH when there is no such process. */
int podstate_proc_stat(pid_t pid, pid_t *ppid, unsigned long long *starttime);

/* Check that the UUID names the pod directory we run in (its base name). */
int podstate_check_uuid(const char *uuid, struct s1_err *err);

#endif
