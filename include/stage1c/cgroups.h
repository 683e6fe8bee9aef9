/* The pod's cgroups on v1, v2 or hybrid hosts: a plan computed from what is mounted and where
 * run was started, applied, recorded for enter, stop and gc, and removed. */
#ifndef STAGE1C_CGROUPS_H
#define STAGE1C_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stage1c/error.h"

#define S1_CGROUPS_RECORD "stage1-c/cgroups"

struct s1_cgroup_limits {
	bool has_memory;
	int64_t memory_bytes;
	bool has_cpu;
	int64_t cpu_milli;
	bool has_shares;
	int64_t shares;
};

struct s1_cgroup_write {
	char *path;
	char *value; /* NULL: copy the parent directory's file of the same name (v1 cpuset) */
};

struct s1_cgroup_plan {
	char **dirs; /* created in this order (parents first); also the record for gc */
	size_t n_dirs;
	char **enable; /* v2 cgroup.subtree_control files that get enable_value */
	size_t n_enable;
	char *enable_value;	  /* "+memory +cpu" */
	char **check_controllers; /* v2 cgroup.controllers files that must list them */
	size_t n_check;
	struct s1_cgroup_write *writes;
	size_t n_writes;
	char **app_procs; /* the cgroup.procs files the app joins, one per hierarchy */
	size_t n_app_procs;
	char **leader_procs; /* v2: the leader's own leaf */
	size_t n_leader_procs;
	char **start_procs; /* v2: where the leader was, to go back on failure */
	size_t n_start_procs;
	char *subcgroup; /* for rkt's API service: no leading slash */
};

/* v2 cpu.weight for v1-style shares (2..262144 -> 1..10000). */
int64_t cgroups_shares_to_weight(int64_t shares);

/* Plan the pod's cgroups from /proc/self/mountinfo and /proc/self/cgroup texts. root_prefix
 * ("" normally) is put in front of every path, so tests can point it at a fake tree. */
int cgroups_plan_build(const char *mountinfo, const char *self_cgroup, const char *root_prefix,
		       const char *pod_name, const struct s1_cgroup_limits *lim,
		       struct s1_cgroup_plan *plan, struct s1_err *err);
/* The same for the calling process. */
int cgroups_plan_current(const char *pod_name, const struct s1_cgroup_limits *lim,
			 struct s1_cgroup_plan *plan, struct s1_err *err);
void cgroups_plan_free(struct s1_cgroup_plan *plan);

/* Make the directories, enable v2 controllers, write the limits, move the caller into its
 * v2 leaf. On error, undoes what it did. */
int cgroups_apply(const struct s1_cgroup_plan *plan, struct s1_err *err);
/* Undo cgroups_apply (run's failure path): the caller back where it was, directories gone. */
void cgroups_undo(const struct s1_cgroup_plan *plan);

/* Open the app's cgroup.procs files for the child to write "0" into. */
int cgroups_open_app_procs(const struct s1_cgroup_plan *plan, int *fds, size_t max, size_t *n,
			   struct s1_err *err);

int cgroups_record_write(int podfd, const struct s1_cgroup_plan *plan, struct s1_err *err);
/* The recorded directories; -ENOENT when run made none. Lines that are not this project's
 * pod cgroups (".../stage1-c-UUID" or a leaf of it) are refused. */
int cgroups_record_read(int podfd, char ***dirs, size_t *n);
void cgroups_record_free(char **dirs, size_t n);

/* Signal every process of the app's cgroups (all recorded directories but the leader's leaf,
 * with their sub-cgroups). Returns how many processes were signalled. */
int cgroups_kill_all(char *const *dirs, size_t n, int sig);
/* Kill what is left and remove the directories, deepest first. Missing ones are fine. */
int cgroups_remove(char *const *dirs, size_t n, struct s1_err *err);

#endif
