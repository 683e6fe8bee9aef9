/* What confines a process of the app: capabilities, no-new-privileges, OOM score, cgroups, its
 * seccomp filter. Computed once from the isolators by run (and recorded: enter gives its
 * commands the same), applied in the forked child just before exec. */
#ifndef STAGE1C_CONFINE_H
#define STAGE1C_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stage1c/error.h"
#include "stage1c/isolators.h"
#include "stage1c/record.h"
#include "stage1c/seccomp.h"

#define S1_MAX_CGROUP_FDS 16

struct s1_confine {
	bool keep_caps;	   /* --disable-capabilities-restriction: the caller's capabilities */
	uint64_t bounding; /* the capabilities the app may ever have */
	uint64_t granted;  /* effective/permitted/inheritable after the uid change */
	bool ambient;	   /* granted as ambient capabilities (a non-root user's retain set) */
	bool no_new_privs;
	bool has_oom_score_adj;
	int oom_score_adj;
	char oom_score_adj_text[16];	   /* formatted in advance: the child only writes it */
	int cgroup_fds[S1_MAX_CGROUP_FDS]; /* files the process joins through, writing "0" */
	size_t n_cgroup_fds;
	int cgroup2_dir;   /* -1, or the v2 cgroup a child is created in (clone3 CLONE_INTO_CGROUP),
			    * or joins through its cgroup.procs where clone3 cannot */
	bool cgroup2_move; /* join cgroup2_dir through its cgroup.procs, never by clone3 */
	enum s1_seccomp_mode seccomp_mode; /* what the filter is (for the record) */
	int seccomp_errno;		   /* what a blocked call returns; 0: killed */
	/* Loading a filter takes no_new_privs or CAP_SYS_ADMIN: a root app without either keeps
	 * CAP_SYS_ADMIN in its effective set until the filter is in, and loses it at execve (a
	 * root process execs with its bounding set), as under rkt's systemd. */
	bool admin_until_seccomp;
	struct s1_seccomp_prog seccomp; /* loaded last, just before execve */
};

/* appc's default set: CAP_AUDIT_WRITE, CAP_CHOWN, … CAP_SYS_CHROOT (14 capabilities). */
uint64_t confine_default_caps(void);

/* The capability sets for a process running as uid under these isolators: the chosen set is
 * the bounding set for every user; uid 0 gets it as its own capabilities; another user gets
 * none, except an explicit retain set, raised as ambient capabilities. With a seccomp filter,
 * a user other than root gets no_new_privs (rkt's rule), and so does root where the caller
 * has no CAP_SYS_ADMIN to keep until the filter is loaded. */
void confine_compute(const struct s1_isolators *iso, bool disable_caps, uid_t uid,
		     struct s1_confine *c);

/* In the forked child, in this order: before the uid change (cgroups, OOM score, bounding
 * set, keep-caps), then after it (capability sets, ambient, no-new-privs), and the seccomp
 * filter last of all, right before execve: nothing stage1-c does needs to get past it. Only
 * raw system calls: no allocation. in_cgroup2: the child was created in cgroup2_dir already.
 * Return 0 or -errno. */
int confine_before_setuid(const struct s1_confine *c, bool in_cgroup2);
int confine_after_setuid(const struct s1_confine *c);
int confine_load_seccomp(const struct s1_confine *c);

/* Close the cgroup.procs descriptors (in the leader, once the app has joined). */
void confine_close_fds(struct s1_confine *c);
/* Its descriptors and its program. */
void confine_free(struct s1_confine *c);

/* run records the confinement it gave the app (the "confine" section, and the seccomp filter
 * it compiled in "seccomp"), so that enter gives the very same to the commands it runs in the
 * pod. */
void confine_record_add(struct s1_record *rec, const struct s1_confine *c);
int confine_record_read(const struct s1_record *rec, const char *app, struct s1_confine *c,
			struct s1_err *err);

#endif
