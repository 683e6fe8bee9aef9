/* A cgroup plan (cgroupplan.h) carried out, through a file-system table (cgroupfs.h). */
#ifndef STAGE1C_CGROUPAPPLY_H
#define STAGE1C_CGROUPAPPLY_H

#include "stage1c/cgroupfs.h"
#include "stage1c/cgroupplan.h"
#include "stage1c/error.h"

/* Perform the plan's ops in order: check the v2 controllers, create the cgroups, enable
 * controllers, write the limits, move the caller (the leader) into its leaf of the v2 tree.
 * On error, undoes what it did (the leader goes back, the directories go; controllers enabled
 * in the start cgroup stay, since others may rely on them by then); should the undoing fail
 * too, err says what was left (the record lists it for gc). */
int cgroup_plan_apply(const struct s1_cgroup_fs *fs, const struct s1_cgroup_plan *plan,
		      struct s1_err *err);

/* Move the caller back to the cgroups it started in (undoes the JOIN ops): run's failure path,
 * before the directories are removed. Carries on past an error; returns the first. */
int cgroup_plan_leave(const struct s1_cgroup_fs *fs, const struct s1_cgroup_plan *plan,
		      struct s1_err *err);

#endif
