/* Pod and image manifests (appc 0.8.11) parsed and validated into plain C structs. */
#ifndef STAGE1C_MANIFEST_H
#define STAGE1C_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "stage1c/error.h"

struct json_t;

struct s1_kv {
	char *name;
	char *value;
};

struct s1_isolator {
	char *name;
	struct json_t *value; /* borrowed from the manifest's JSON tree; decoded by isolator code */
};

struct s1_mount_point {
	char *name;
	char *path;
	bool read_only;
};

struct s1_event_handler {
	char *name;  /* "pre-start" or "post-stop" */
	char **exec; /* NULL-terminated */
};

struct s1_app {
	char **exec; /* NULL-terminated argv */
	char *user;
	char *group;
	gid_t *supplementary_gids;
	size_t n_supplementary_gids;
	struct s1_event_handler *event_handlers;
	size_t n_event_handlers;
	char *working_directory; /* NULL: "/" */
	struct s1_kv *environment;
	size_t n_environment;
	struct s1_mount_point *mount_points;
	size_t n_mount_points;
	struct s1_isolator *isolators;
	size_t n_isolators;
};

enum s1_volume_kind { S1_VOLUME_HOST, S1_VOLUME_EMPTY };

/* A tri-state for optional booleans. */
enum s1_tristate { S1_UNSET = -1, S1_FALSE = 0, S1_TRUE = 1 };

struct s1_volume {
	char *name;
	enum s1_volume_kind kind;
	char *source; /* host: absolute path */
	enum s1_tristate read_only;
	enum s1_tristate recursive;
	mode_t mode; /* empty: default 0755 */
	uid_t uid;
	gid_t gid;
};

struct s1_runtime_mount {
	char *volume;
	char *path;
	struct s1_volume *app_volume; /* optional inline volume definition */
};

struct s1_runtime_app {
	char *name;
	char *image_name;
	char *image_id;
	bool has_app;
	struct s1_app app; /* replaces the image's app section as a whole when has_app */
	bool read_only_rootfs;
	struct s1_runtime_mount *mounts;
	size_t n_mounts;
	struct s1_kv *annotations;
	size_t n_annotations;
};

struct s1_pod_manifest {
	struct s1_runtime_app *apps;
	size_t n_apps;
	struct s1_volume *volumes;
	size_t n_volumes;
	struct s1_isolator *isolators;
	size_t n_isolators;
	struct s1_kv *annotations;
	size_t n_annotations;
	struct json_t *json; /* owns the tree isolator values point into */
};

struct s1_image_manifest {
	char *name;
	struct s1_kv *labels;
	size_t n_labels;
	bool has_app;
	struct s1_app app;
	struct s1_kv *annotations;
	size_t n_annotations;
	struct json_t *json;
};

/* Parse a pod manifest from text. On error fills err (naming the field) and returns <0. */
int manifest_pod_parse(const char *text, size_t len, struct s1_pod_manifest *pod,
		       struct s1_err *err);
/* Parse an image manifest from text. */
int manifest_image_parse(const char *text, size_t len, struct s1_image_manifest *im,
			 struct s1_err *err);

void manifest_pod_free(struct s1_pod_manifest *pod);
void manifest_image_free(struct s1_image_manifest *im);

/* The app section that applies to a runtime app: the pod's own when given, else the image's. */
const struct s1_app *manifest_effective_app(const struct s1_runtime_app *ra,
					    const struct s1_image_manifest *im);

const struct s1_volume *manifest_pod_find_volume(const struct s1_pod_manifest *pod,
						 const char *name);
const struct s1_runtime_app *manifest_pod_find_app(const struct s1_pod_manifest *pod,
						   const char *name);

#endif
