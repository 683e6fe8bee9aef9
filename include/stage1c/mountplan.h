/* The mount plan: what the app's root gets, computed from the manifests as plain data. */
#ifndef STAGE1C_MOUNTPLAN_H
#define STAGE1C_MOUNTPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "stage1c/args.h"
#include "stage1c/error.h"
#include "stage1c/manifest.h"

enum s1_mount_op {
	S1_MOUNT_BIND,	    /* bind source onto target (created if missing, as source's type) */
	S1_MOUNT_TMPFS,	    /* a fresh tmpfs on target */
	S1_MOUNT_READONLY,  /* re-bind target onto itself read-only; skipped if missing */
	S1_MOUNT_MASK,	    /* make target inaccessible (/dev/null over it); skipped if missing */
	S1_MOUNT_COPY_FILE, /* write source's content into target (created if missing) */
	S1_MOUNT_WRITE_IF_MISSING, /* write content to target unless it exists */
};

enum s1_source_base {
	S1_SOURCE_HOST, /* an absolute path on the host */
	S1_SOURCE_POD,	/* relative to the pod directory */
};

struct s1_mount_entry {
	enum s1_mount_op op;
	char *source; /* BIND, COPY_FILE */
	enum s1_source_base source_base;
	char *target;	/* absolute, inside the app's rootfs */
	bool recursive; /* BIND: MS_REC; READONLY: also every submount */
	bool read_only;
	bool create_empty_dir; /* BIND from an empty volume: make source with mode/uid/gid */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char *content; /* WRITE_IF_MISSING */
	char *what;    /* for messages: "volume \"data\"", "/proc" */
};

struct s1_mount_plan {
	struct s1_mount_entry *entries;
	size_t n_entries, cap;
	bool read_only_root; /* readOnlyRootFS: the root itself, after everything else */
};

struct s1_mountplan_opts {
	enum s1_dns_resolv resolv;
	enum s1_dns_hosts hosts;
	bool disable_paths;
};

/* Merge the runtime app's mounts with the image's and the app's mountPoints, attach the pod's
 * volumes (rkt fly's rules; README, "Volumes") and add the system mounts. */
int mountplan_build(const struct s1_pod_manifest *pod, const struct s1_runtime_app *ra,
		    const struct s1_image_manifest *im, const struct s1_mountplan_opts *opts,
		    struct s1_mount_plan *plan, struct s1_err *err);
void mountplan_free(struct s1_mount_plan *plan);

/* Pod-relative directory of an empty volume. */
char *mountplan_empty_volume_dir(const char *volume);

#endif
