/* Joining the app's cgroups: the files a process of the app joins through (one per hierarchy:
 * "tasks" on v1, "cgroup.procs" on v2), opened by the leader (from the plan) or by enter (from
 * the record run made of them, section S1_REC_APP_CGROUPS), and written in the child. The
 * v2 one is also opened as a directory: the child is created in that cgroup with clone3
 * (CLONE_INTO_CGROUP), since moving a process there waits for an RCU grace period. */
#ifndef STAGE1C_CGROUPJOIN_H
#define STAGE1C_CGROUPJOIN_H

#include <stdbool.h>
#include <stddef.h>

#include "stage1c/cgroupfs.h"
#include "stage1c/cgroupplan.h"
#include "stage1c/confine.h"
#include "stage1c/error.h"
#include "stage1c/record.h"

/* Open join files into c, which holds no cgroup descriptor yet (confine_compute,
 * confine_close_fds): for the v2 "cgroup.procs" (the first one), its cgroup as c->cgroup2_dir
 * (O_PATH), the others into c->cgroup_fds. All of them, or none (err set). */
int cgroupjoin_open_files(const struct s1_cgroup_fs *fs, char *const *paths, size_t n,
			  struct s1_confine *c, struct s1_err *err);

/* The join files of the plan's app number app (run: for the app, for each of its handlers). */
int cgroupjoin_open_plan(const struct s1_cgroup_fs *fs, const struct s1_cgroup_plan *plan,
			 size_t app, struct s1_confine *c, struct s1_err *err);

/* The record of those join files (in the app's part of the record), for enter and stop. */
void cgroupjoin_record_add(struct s1_record *rec, const struct s1_cgroup_plan *plan, size_t app);

/* App's recorded join files (app NULL: every app's), each checked (cgroupjoin_is_app_file: a
 * record the app could have rewritten must not make enter or stop act elsewhere), into paths
 * (S1_MAX_CGROUP_FDS at most), which point into *text (to free). None without the section. */
int cgroupjoin_recorded_files(const struct s1_cgroup_fs *fs, const struct s1_record *rec,
			      const char *app, char **text, char **paths, size_t *n,
			      struct s1_err *err);

/* enter: app's recorded join files (app NULL: every app's), each checked first
 * (cgroupjoin_is_app_file: a record the app could have rewritten must not make enter write
 * elsewhere). A pod without the record has none. */
int cgroupjoin_open_recorded(const struct s1_cgroup_fs *fs, const struct s1_record *rec,
			     const char *app, struct s1_confine *c, struct s1_err *err);

/* The same on the host's cgroup file systems. */
int cgroupjoin_open_app(const struct s1_record *rec, const char *app, struct s1_confine *c,
			struct s1_err *err);

/* Is path the "cgroup.procs" or "tasks" file of a stage1-c pod cgroup or of its app leaf (not
 * the leader's), on a cgroup file system? */
bool cgroupjoin_is_app_file(const struct s1_cgroup_fs *fs, const char *path);

/* In the forked child, before exec: join c's cgroups (the v2 one only when the child was not
 * created in it: in_cgroup2 false; then through the cgroup.procs of c->cgroup2_dir).
 * Async-signal-safe, no allocation; 0 or the first -errno, which the child reports through its own
 * channel (no s1_err there). */
int cgroupjoin_join(const struct s1_confine *c, bool in_cgroup2);

/* Write "0" into each descriptor, which moves the calling process: what cgroupjoin_join does
 * for each file. Async-signal-safe. 0 or the first -errno. */
int cgroup_join_fds(const int *fds, size_t n);

#endif
