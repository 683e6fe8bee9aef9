/* The app's isolators (appc §isolators): decoded, range-checked, and sorted into what
 * stage1-c applies, what it ignores with a warning, and what it refuses. The seccomp isolator
 * comes out compiled: the BPF program the app's processes load. */
#ifndef STAGE1C_ISOLATORS_H
#define STAGE1C_ISOLATORS_H

#include <stdbool.h>
#include <stdint.h>

#include "stage1c/error.h"
#include "stage1c/manifest.h"
#include "stage1c/seccomp.h"

enum s1_caps_mode { S1_CAPS_DEFAULT, S1_CAPS_RETAIN, S1_CAPS_REMOVE };

struct s1_isolators {
	enum s1_caps_mode caps_mode;
	uint64_t caps_set; /* the isolator's set, one bit per capability number */
	bool no_new_privs;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_memory_limit;
	int64_t memory_limit_bytes;
	bool has_cpu_limit;
	int64_t cpu_limit_milli;
	bool has_cpu_shares;
	int64_t cpu_shares;
	enum s1_seccomp_mode seccomp_mode; /* S1_SECCOMP_OFF: no filter */
	int seccomp_errno;		   /* what a blocked call returns; 0: killed */
	struct s1_seccomp_prog seccomp;	   /* the filter (len 0: none) */
};

/* Decode the app's isolators (and the pod's). Isolators stage1-c does not apply yet get one
 * warning line each; SELinux ones, and seccomp ones at the pod level, are errors, since running
 * without them would silently weaken the app's confinement. The app's seccomp isolator (at
 * most one; none is rkt's default whitelist) is compiled here, unless disable_seccomp: iso then
 * holds a program until isolators_free (nothing after a failure). */
int isolators_parse(const struct s1_app *app, const struct s1_pod_manifest *pod,
		    bool disable_seccomp, struct s1_isolators *iso, struct s1_err *err);

void isolators_free(struct s1_isolators *iso);

/* A capability name ("CAP_NET_RAW") to its number, or -1. */
int isolators_cap_from_name(const char *name);

#endif
