/* The pod's cgroups as a plan: the directories to make, the limits to write, the files the app
 * joins through; computed from the hierarchies (cgroupparse.h) alone, without touching a file.
 *
 * Only the cgroups the pod needs (a cgroup directory costs ~55 µs to make, more to remove):
 * - a v2 tree, where there is one: "<start>/stage1-c-<UUID>/app" holds the app (and the limits
 *   no v1 hierarchy takes), "app-NAME" each app of several; a pod's only app with no limit in
 *   the v2 tree is in the pod's cgroup itself. "<pod>/leader" is made only when the leader must
 *   leave its start cgroup so that it can delegate controllers. stop and gc find every process
 *   of the pod there.
 * - the v1 hierarchies of the limits: memory (resource/memory), cpu (resource/cpu, cpu shares).
 * - without a v2 tree, one v1 hierarchy more unless a limit's serves: name=systemd, else pids,
 *   else the first that is not cpuset (a new cpuset cgroup has no CPUs until it is given some).
 * subcgroup names the pod's cgroup in the v2 tree, else in name=systemd (contract §3). */
#ifndef STAGE1C_CGROUPPLAN_H
#define STAGE1C_CGROUPPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage1c/cgroupparse.h"
#include "stage1c/error.h"

#define S1_CGROUP_POD_PREFIX "stage1-c-" /* the pod cgroup is S1_CGROUP_POD_PREFIX + UUID */
#define S1_CGROUP_APP_LEAF "app"	 /* v2: the app's cgroup below the pod's */
#define S1_CGROUP_LEADER_LEAF "leader"	 /* v2: the leader's, when it moves */
#define S1_CGROUP_CPU_PERIOD_US 100000
#define S1_CGROUP_MIN_QUOTA_US 1000 /* the kernel refuses a smaller CFS quota */

#define S1_CGROUP_MAX_APPS 64

struct s1_cgroup_limits {
	bool has_memory;
	int64_t memory_bytes;
	bool has_cpu;
	int64_t cpu_milli;
	bool has_shares;
	int64_t shares; /* 2..262144 */
};

/* An app of the pod and its limits. */
struct s1_cgroup_app {
	const char *name; /* an ACName; may be NULL for a pod's only app */
	struct s1_cgroup_limits lim;
};

/* What the host has (not what the plan uses). */
enum s1_cgroup_layout {
	S1_CGROUP_V1,	  /* per-controller hierarchies only */
	S1_CGROUP_V2,	  /* the unified hierarchy only */
	S1_CGROUP_HYBRID, /* v1 hierarchies and a cgroup2 mount */
};

enum s1_cgroup_op_type {
	S1_CGROUP_REQUIRE, /* path: a v2 cgroup whose cgroup.controllers must list value */
	S1_CGROUP_MKDIR,   /* path: a directory to create (an existing one is accepted) */
	S1_CGROUP_COPY,	   /* path: a file to fill with the content of the file value (cpuset) */
	S1_CGROUP_JOIN,	   /* path: a cgroup.procs the caller (the leader) moves into; value:
			    * the cgroup.procs it started in, where leaving moves it back */
	S1_CGROUP_ENABLE,  /* path: a v2 cgroup whose cgroup.subtree_control gets "+value" */
	S1_CGROUP_WRITE,   /* path: a file to write value into (a limit) */
};

struct s1_cgroup_op {
	enum s1_cgroup_op_type type;
	char *path;
	char *value;
	const char *what; /* what the op is for, for messages ("memory limit"); static */
};

/* Every path is absolute. */
struct s1_cgroup_plan {
	enum s1_cgroup_layout layout;
	struct s1_cgroup_op *ops; /* in the order apply performs them */
	size_t n_ops;
	char **dirs; /* every directory created, parents first: what the record lists */
	size_t n_dirs;
	char **app_procs; /* the files the apps join through, one per hierarchy: "tasks" on v1
			   * (no threadgroup lock: no RCU grace period), "cgroup.procs" on v2;
			   * app i's are app_procs[app_first[i] .. app_first[i + 1]) */
	size_t n_app_procs;
	size_t *app_first; /* n_apps + 1 entries */
	size_t n_apps;
	char *subcgroup; /* the pod's cgroup below the root of its v2 tree (else name=systemd),
			  * without a leading slash, as rkt's API service reads it; may be NULL */
};

/* v2's cpu.weight for v1 cpu shares (2..262144 -> 1..10000), as systemd and runc convert. */
int64_t cgroup_shares_to_weight(int64_t shares);

/* The plan for pod_name ("stage1-c-<UUID>") of apps (1 to S1_CGROUP_MAX_APPS, each with its
 * limits, in the pod manifest's order). Each app gets a cgroup of its own below the pod's:
 * "app" for a pod's only app, "app-NAME" for each of several (in v1 hierarchies the pod's only
 * app uses the pod cgroup itself). A limit whose controller no hierarchy offers is an error; on
 * v2 whether a controller can be had is only known to apply (REQUIRE ops, which come first).
 * Pure: no file access. On error the plan is empty. */
int cgroup_plan_for_apps(const struct s1_cgroup_hiers *h, const char *pod_name,
			 const struct s1_cgroup_app *apps, size_t n_apps,
			 struct s1_cgroup_plan *plan, struct s1_err *err);

/* The same for a pod of one app under limits (NULL: none). */
int cgroup_plan_from_hiers(const struct s1_cgroup_hiers *h, const char *pod_name,
			   const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *plan,
			   struct s1_err *err);

/* The same from the texts of /proc/self/mountinfo and /proc/self/cgroup (cgroup_hiers_parse). */
int cgroup_plan_build(const char *mountinfo, const char *self_cgroup, const char *pod_name,
		      const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *plan,
		      struct s1_err *err);

/* The same from this process's hierarchies (cgroup_hiers_read), for apps. */
int cgroup_plan_build_current(const char *pod_name, const struct s1_cgroup_app *apps, size_t n_apps,
			      struct s1_cgroup_plan *plan, struct s1_err *err);

void cgroup_plan_free(struct s1_cgroup_plan *plan);

/* What a path is, by its name alone: a pod cgroup ".../stage1-c-<UUID>", one of its leaves, or
 * nothing of ours (relative, empty components, "." or ".."). How stop, gc and enter tell a
 * record line they may act on. */
enum s1_cgroup_dir_kind {
	S1_CGROUP_DIR_FOREIGN,
	S1_CGROUP_DIR_POD,
	S1_CGROUP_DIR_APP,
	S1_CGROUP_DIR_LEADER,
};
enum s1_cgroup_dir_kind cgroup_dir_kind(const char *path);

#endif
