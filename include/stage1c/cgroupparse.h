/* The cgroup hierarchies this process is in, and where its cgroup in each one is on the file
 * system: /proc/self/cgroup read against /proc/self/mountinfo (parsed by mountinfo.h). */
#ifndef STAGE1C_CGROUPPARSE_H
#define STAGE1C_CGROUPPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "stage1c/error.h"

/* One hierarchy, with the cgroup the process started in ("start"). */
struct s1_cgroup_hier {
	bool v2;
	char *controllers; /* "cpu,cpuacct", "name=systemd"; "" on v2 */
	char *cgpath;	   /* the start cgroup as /proc/self/cgroup names it ("/user.slice") */
	char *start;	   /* its directory: mount point + cgpath below the mount's root */
};

struct s1_cgroup_hiers {
	struct s1_cgroup_hier *v; /* in the order of /proc/self/cgroup */
	size_t n;
	bool v1_lines; /* /proc/self/cgroup names a v1 hierarchy, located or not */
};

/* The hierarchies a caller needs located: the v2 tree and the v1 ones of the controllers it
 * sets limits in. Without a v2 tree, every one (a v1 hierarchy then tracks the pod). */
struct s1_cgroup_want {
	bool memory, cpu;
};

/* From the texts of /proc/self/mountinfo and /proc/self/cgroup ("ID:CONTROLLERS:PATH" lines).
 * A hierarchy no mount shows is left out; where several do, one under /sys/fs/cgroup wins
 * (binds of it elsewhere come later). A malformed line, or a cgroup outside this cgroup
 * namespace ("/.."), is an error; h is then empty. */
int cgroup_hiers_parse(const char *mountinfo, const char *self_cgroup, struct s1_cgroup_hiers *h,
		       struct s1_err *err);

/* The same from this process's /proc/self/cgroup and mount table; want NULL: every hierarchy,
 * else at least those wanted (located by statmount at their usual mount points when they are
 * there, which costs a fraction of reading the whole table). */
int cgroup_hiers_read(struct s1_cgroup_hiers *h, const struct s1_cgroup_want *want,
		      struct s1_err *err);

/* Is name (a controller, or "name=systemd") one of the hierarchy's? */
bool cgroup_hier_has(const struct s1_cgroup_hier *h, const char *name);

void cgroup_hiers_free(struct s1_cgroup_hiers *h);

#endif
