/* The pod's cgroups after run: recorded (section S1_REC_CGROUPS of the pod record, written
 * before any of them exists), their processes signalled (stop --force, run's sweep after the
 * app) and the directories removed (gc, run's failure path). A record line names a pod cgroup
 * or one of its leaves (cgroup_dir_kind) on a cgroup file system, or the whole record is
 * refused before anything is touched: the record sits in a directory rkt hands around. */
#ifndef STAGE1C_CGROUPGC_H
#define STAGE1C_CGROUPGC_H

#include <stddef.h>

#include "stage1c/cgroupfs.h"
#include "stage1c/cgroupplan.h"
#include "stage1c/error.h"
#include "stage1c/record.h"

/* One absolute path per line: every directory of the plan. */
void cgroup_record_add(struct s1_record *rec, const struct s1_cgroup_plan *plan);

/* Read the record back (a NULL-terminated array). 0, -ENOENT when there is none (err set all
 * the same), or another -errno. */
int cgroup_record_read(int podfd, char ***dirs, size_t *n, struct s1_err *err);
void cgroup_record_free(char **dirs, size_t n);

/* Signal every process of the app's cgroups among dirs, each process once, never the caller:
 * recursively (sub-cgroups count), the leader's leaf left out. With SIGKILL, v2's cgroup.kill
 * is written too where it exists. A process already gone is no error; 0 or the first
 * -errno. */
int cgroup_kill_all(const struct s1_cgroup_fs *fs, char *const *dirs, size_t n, int sig,
		    struct s1_err *err);

/* The same for the cgroups of join files (cgroupjoin.h: ".../tasks", ".../cgroup.procs"), an
 * app's: run's sweeps after an app and its handler, stop --force. */
int cgroup_kill_joined(const struct s1_cgroup_fs *fs, char *const *files, size_t n, int sig,
		       struct s1_err *err);

/* gc: SIGKILL every process left in dirs (the leader's leaf included), wait up to ~2 s for
 * them to go, then remove the directories deepest first, with any sub-cgroup below them. A
 * missing directory is success; so is a second run. */
int cgroup_remove(const struct s1_cgroup_fs *fs, char *const *dirs, size_t n, struct s1_err *err);

/* The same two on the pod's record: a pod without one has nothing to act on (0). */
int cgroup_kill_recorded(const struct s1_cgroup_fs *fs, int podfd, int sig, struct s1_err *err);
int cgroup_remove_recorded(const struct s1_cgroup_fs *fs, int podfd, struct s1_err *err);

#endif
