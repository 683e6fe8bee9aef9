/* The pod's cgroup: one cgroup "stage1-c-<UUID>" per pod, below the cgroup rkt run started in,
 * in every mounted hierarchy (v1, v2 or hybrid, as /proc/self/mountinfo shows them), with the
 * app's resource limits. Planned as plain data from the texts of /proc/self/mountinfo and
 * /proc/self/cgroup, then applied; recorded in the pod directory for stop and gc. */
#ifndef STAGE1C_CGROUP_H
#define STAGE1C_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage1c/error.h"
#include "stage1c/podstate.h"

#define S1_CGROUP_POD_PREFIX "stage1-c-" /* the pod cgroup is S1_CGROUP_POD_PREFIX + UUID */
#define S1_CGROUP_RECORD "cgroups"	 /* the section of the pod record (podstate.h) */
#define S1_CGROUP_CPU_PERIOD_US 100000
#define S1_CGROUP_MIN_QUOTA_US 1000 /* the kernel refuses a smaller CFS quota */

struct s1_cgroup_limits {
	bool has_memory;
	int64_t memory_bytes;
	bool has_cpu;
	int64_t cpu_milli;
	bool has_shares;
	int64_t shares; /* 2..262144 */
};

enum s1_cgroup_layout {
	S1_CGROUP_V1,	  /* per-controller hierarchies only */
	S1_CGROUP_V2,	  /* the unified hierarchy only */
	S1_CGROUP_HYBRID, /* v1 hierarchies and a cgroup2 mount (membership only) */
};

enum s1_cgroup_op_type {
	S1_CGROUP_REQUIRE, /* path: a v2 cgroup whose cgroup.controllers must list value */
	S1_CGROUP_MKDIR,   /* path: a directory to create (an existing one is accepted) */
	S1_CGROUP_COPY,	   /* path: a file to fill with the content of the file value (cpuset) */
	S1_CGROUP_JOIN,	   /* path: a cgroup.procs the caller (the leader) moves into; value:
			    * the cgroup.procs it started in, where undo moves it back */
	S1_CGROUP_ENABLE,  /* path: a v2 cgroup whose cgroup.subtree_control gets "+value" */
	S1_CGROUP_WRITE,   /* path: a file to write value into (a limit) */
};

struct s1_cgroup_op {
	enum s1_cgroup_op_type type;
	char *path;
	char *value;
	const char *what; /* what the op is for, for messages ("memory limit"); static */
};

/* Everything below is absolute and carries the root prefix. */
struct s1_cgroup_plan {
	enum s1_cgroup_layout layout;
	struct s1_cgroup_op *ops; /* in the order apply performs them */
	size_t n_ops;
	char **dirs; /* every directory created, parents first: what the record lists */
	size_t n_dirs;
	char **app_procs; /* the cgroup.procs files the app joins, one per hierarchy */
	size_t n_app_procs;
	char *subcgroup; /* the pod's cgroup under name=systemd (else the unified hierarchy),
			  * without a leading slash, as rkt's API service reads it; may be NULL */
};

/* Testing hook: prefix every path of later plans (and require record lines to carry it).
 * A plain directory tree does not behave like cgroupfs, so while a prefix is set, files that
 * apply writes are created when missing and regular files in a cgroup directory are removed
 * with it. NULL or "" restores the real file system. */
void cgroup_set_root_prefix(const char *prefix);

/* v2's cpu.weight for v1 cpu shares (2..262144 -> 1..10000), as systemd and runc convert. */
int64_t cgroup_shares_to_weight(int64_t shares);

/* The plan from the texts of /proc/self/mountinfo and /proc/self/cgroup, for pod_name
 * ("stage1-c-<UUID>"). A limit whose controller no hierarchy offers is an error; on v2 the
 * availability of a controller is only known to apply (REQUIRE ops). Pure: no file access. */
int cgroup_plan_build(const char *mountinfo, const char *self_cgroup, const char *pod_name,
		      const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *plan,
		      struct s1_err *err);

/* The same from this process's /proc/self/mountinfo and /proc/self/cgroup. */
int cgroup_plan_build_current(const char *pod_name, const struct s1_cgroup_limits *lim,
			      struct s1_cgroup_plan *plan, struct s1_err *err);

/* Perform the plan: create the cgroups, enable controllers, write limits, move the caller
 * (the leader) into its leaf of the unified hierarchy. On error, undoes what it did. */
int cgroup_plan_apply(const struct s1_cgroup_plan *plan, struct s1_err *err);

/* O_WRONLY|O_CLOEXEC|O_NOFOLLOW descriptors of join files ("tasks", "cgroup.procs"): all of
 * them into fds[0..n), or none (and err set). */
int cgroup_open_join_files(char *const *paths, size_t n, int *fds, size_t max, struct s1_err *err);

/* The same for every file the app joins through (plan->app_procs). */
int cgroup_plan_open_app_procs(const struct s1_cgroup_plan *plan, int *fds, size_t max, size_t *n,
			       struct s1_err *err);

/* Write "0" into each descriptor: moves the calling process. Async-signal-safe, no
 * allocation: for a forked child before exec. Returns 0 or the first -errno. */
int cgroup_join_fds(const int *fds, size_t n);

/* Move the caller back to the cgroups it started in (undoes the JOIN ops). 0 or -errno. */
int cgroup_plan_leave(const struct s1_cgroup_plan *plan);

/* run's failure path: move the leader back and remove the plan's directories (bottom-up; a
 * missing one is fine). Returns 0 or the first -errno; carries on past errors. */
int cgroup_plan_undo(const struct s1_cgroup_plan *plan);

void cgroup_plan_free(struct s1_cgroup_plan *plan);

/* The record of the pod's cgroup directories (section S1_CGROUP_RECORD), one absolute path
 * per line. */
void cgroup_record_add(struct s1_record *rec, const struct s1_cgroup_plan *plan);

/* Read the record back. Returns 0, -ENOENT when there is none, or another -errno. */
int cgroup_record_read(int podfd, char ***dirs, size_t *n);
void cgroup_record_free(char **dirs, size_t n);

/* Whether path is the "cgroup.procs" or "tasks" file of a stage1-c pod cgroup or its app
 * leaf, on a cgroup file system: the only files enter writes its command's PID to. */
bool cgroup_is_app_join_file(const char *path);

/* Signal every process of the app's cgroups in the record (recursively: sub-cgroups the app
 * made count; the leader's leaf does not), each process once. With SIGKILL, v2's cgroup.kill
 * is used where it exists. Acts on nothing if any record line is not a stage1-c pod cgroup
 * (-EINVAL). Returns 0 or the first -errno; a process that is already gone is no error. */
int cgroup_kill_all(char *const *dirs, size_t n, int sig);

/* gc: SIGKILL every process left in the recorded cgroups (the leader's leaf included), wait
 * up to ~2 s for them to go, then remove the directories bottom-up (with any sub-cgroup the
 * app made below them). A missing directory is success; a record line that is not a stage1-c
 * pod cgroup (its last component "stage1-c-<UUID>", or a leaf "app"/"leader" of one) makes it
 * refuse the whole record, before touching anything. */
int cgroup_remove(char *const *dirs, size_t n, struct s1_err *err);

#endif
