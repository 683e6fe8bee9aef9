/* The appc pod manifest: its runtime apps (image, app section, mounts), volumes, isolators and
 * annotations. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stage1c/manifestjson.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

static int parse_mode(const char *s, mode_t *out)
{
	if (!s || !*s || strlen(s) > 5)
		return -EINVAL;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '7')
			return -EINVAL;
		v = v * 8 + (unsigned long)(*p - '0');
	}
	if (v > 07777)
		return -EINVAL;
	*out = (mode_t)v;
	return 0;
}

static int parse_volume_kind(json_t *e, struct s1_volume *vol, const char *w, struct s1_err *err)
{
	_cleanup_free_ char *kind = NULL;
	int r = manifest_get_string(e, "kind", true, &kind, w, err);
	if (r < 0)
		return r;
	if (strcmp(kind, "host") == 0)
		vol->kind = S1_VOLUME_HOST;
	else if (strcmp(kind, "empty") == 0)
		vol->kind = S1_VOLUME_EMPTY;
	else
		return s1_error(err, 0,
				"%s.kind: unknown volume kind \"%s\" (expected host or empty)", w,
				kind);
	return 0;
}

static int parse_volume_owner(json_t *e, struct s1_volume *vol, const char *w, struct s1_err *err)
{
	_cleanup_free_ char *mode = NULL;
	int r = manifest_get_string(e, "mode", false, &mode, w, err);
	if (r < 0)
		return r;
	vol->mode = 0755;
	if (mode && parse_mode(mode, &vol->mode) < 0)
		return s1_error(err, 0, "%s.mode: invalid mode \"%s\" (expected octal, e.g. 0755)",
				w, mode);
	long long id;
	if ((r = manifest_get_int(e, "uid", 0, UINT32_MAX - 1, 0, &id, w, err)) < 0)
		return r;
	vol->uid = (uid_t)id;
	if ((r = manifest_get_int(e, "gid", 0, UINT32_MAX - 1, 0, &id, w, err)) < 0)
		return r;
	vol->gid = (gid_t)id;
	return 0;
}

static int parse_volume(json_t *e, struct s1_volume *vol, const char *w, struct s1_err *err)
{
	int r;
	if (!json_is_object(e))
		return manifest_field_error(err, w, NULL, "must be an object");
	if ((r = manifest_get_string(e, "name", true, &vol->name, w, err)) < 0)
		return r;
	if (!names_is_acname(vol->name))
		return s1_error(err, 0, "%s.name: invalid volume name \"%s\"", w, vol->name);
	if ((r = parse_volume_kind(e, vol, w, err)) < 0 ||
	    (r = manifest_get_string(e, "source", false, &vol->source, w, err)) < 0)
		return r;
	if (vol->kind == S1_VOLUME_HOST && (!vol->source || vol->source[0] != '/'))
		return manifest_field_error(err, w, "source",
					    "a host volume needs an absolute source path");
	if ((r = manifest_get_bool(e, "readOnly", &vol->read_only, w, err)) < 0 ||
	    (r = manifest_get_bool(e, "recursive", &vol->recursive, w, err)) < 0)
		return r;
	return parse_volume_owner(e, vol, w, err);
}

static void free_volume(struct s1_volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->source);
}

static int parse_image(json_t *e, struct s1_runtime_app *ra, const char *w, struct s1_err *err)
{
	int r;
	char w2[MANIFEST_WHERE_MAX];
	json_t *image = json_object_get(e, "image");
	snprintf(w2, sizeof(w2), "%s.image", w);
	if (!json_is_object(image))
		return manifest_field_error(err, w, "image", "required object is missing");
	if ((r = manifest_get_string(image, "name", false, &ra->image_name, w2, err)) < 0 ||
	    (r = manifest_get_string(image, "id", true, &ra->image_id, w2, err)) < 0)
		return r;
	if (ra->image_name && *ra->image_name && !names_is_acidentifier(ra->image_name))
		return s1_error(err, 0, "%s.name: invalid image name \"%s\"", w2, ra->image_name);
	if (!names_is_image_id(ra->image_id))
		return s1_error(err, 0, "%s.id: invalid image id \"%s\" (expected sha512-…)", w2,
				ra->image_id);
	return 0;
}

static int parse_mount(json_t *me, struct s1_runtime_mount *m, const char *w, struct s1_err *err)
{
	int r;
	if (!json_is_object(me))
		return manifest_field_error(err, w, NULL, "must be an object");
	if ((r = manifest_get_string(me, "volume", true, &m->volume, w, err)) < 0 ||
	    (r = manifest_get_string(me, "path", true, &m->path, w, err)) < 0)
		return r;
	if (!names_is_acname(m->volume))
		return s1_error(err, 0, "%s.volume: invalid volume name \"%s\"", w, m->volume);
	if (m->path[0] != '/')
		return manifest_field_error(err, w, "path", "must be an absolute path");
	json_t *av = json_object_get(me, "appVolume");
	if (av && !json_is_null(av)) {
		char w2[MANIFEST_WHERE_MAX];
		snprintf(w2, sizeof(w2), "%s.appVolume", w);
		m->app_volume = s1_xcalloc(1, sizeof(*m->app_volume));
		return parse_volume(av, m->app_volume, w2, err);
	}
	return 0;
}

static int parse_mounts(json_t *e, struct s1_runtime_app *ra, const char *w, struct s1_err *err)
{
	json_t *arr;
	int r = manifest_get_array(e, "mounts", &arr, w, err);
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	ra->mounts = s1_xcalloc(n, sizeof(*ra->mounts));
	for (size_t i = 0; i < n; i++) {
		char w2[MANIFEST_WHERE_MAX];
		manifest_where_index(w2, sizeof(w2), w, "mounts", i);
		ra->n_mounts = i + 1;
		if ((r = parse_mount(json_array_get(arr, i), &ra->mounts[i], w2, err)) < 0)
			return r;
	}
	return 0;
}

static int parse_runtime_app(json_t *e, struct s1_runtime_app *ra, const char *w,
			     struct s1_err *err)
{
	int r;
	if (!json_is_object(e))
		return manifest_field_error(err, w, NULL, "must be an object");
	if ((r = manifest_get_string(e, "name", true, &ra->name, w, err)) < 0)
		return r;
	if (!names_is_acname(ra->name))
		return s1_error(err, 0, "%s.name: invalid app name \"%s\"", w, ra->name);
	if ((r = parse_image(e, ra, w, err)) < 0)
		return r;

	json_t *app = json_object_get(e, "app");
	if (app && !json_is_null(app)) {
		char w2[MANIFEST_WHERE_MAX];
		snprintf(w2, sizeof(w2), "%s.app", w);
		ra->has_app = true;
		if ((r = manifest_app_parse(app, &ra->app, w2, err)) < 0)
			return r;
	}
	enum s1_tristate ro;
	if ((r = manifest_get_bool(e, "readOnlyRootFS", &ro, w, err)) < 0)
		return r;
	ra->read_only_rootfs = ro == S1_TRUE;
	if ((r = parse_mounts(e, ra, w, err)) < 0)
		return r;
	return manifest_parse_kv_list(e, "annotations", MANIFEST_KV_ANNOTATION, &ra->annotations,
				      &ra->n_annotations, w, err);
}

static void free_runtime_app(struct s1_runtime_app *ra)
{
	free(ra->name);
	free(ra->image_name);
	free(ra->image_id);
	manifest_app_free(&ra->app);
	for (size_t i = 0; i < ra->n_mounts; i++) {
		free(ra->mounts[i].volume);
		free(ra->mounts[i].path);
		free_volume(ra->mounts[i].app_volume);
		free(ra->mounts[i].app_volume);
	}
	free(ra->mounts);
	manifest_free_kv(ra->annotations, ra->n_annotations);
}

/* A top-level list of the pod whose elements have unique names: "apps" or "volumes". */
struct named_list {
	const char *key;
	const char *what; /* in "duplicate app name" */
	size_t size;	  /* of an element */
	size_t name_off;  /* of its char *name */
	int (*parse)(json_t *e, void *elem, const char *where, struct s1_err *err);
};

static int parse_app_elem(json_t *e, void *elem, const char *where, struct s1_err *err)
{
	return parse_runtime_app(e, elem, where, err);
}

static int parse_volume_elem(json_t *e, void *elem, const char *where, struct s1_err *err)
{
	return parse_volume(e, elem, where, err);
}

static const struct named_list pod_apps = {"apps", "app name", sizeof(struct s1_runtime_app),
					   offsetof(struct s1_runtime_app, name), parse_app_elem};
static const struct named_list pod_volumes = {"volumes", "volume name", sizeof(struct s1_volume),
					      offsetof(struct s1_volume, name), parse_volume_elem};

/* *out and *n_out hold what was parsed so far on error too, for manifest_pod_free. */
static int parse_named_list(json_t *root, const struct named_list *l, void **out, size_t *n_out,
			    struct s1_err *err)
{
	json_t *arr;
	int r = manifest_get_array(root, l->key, &arr, "", err);
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	char *elems = s1_xcalloc(n, l->size);
	_cleanup_name_index_ struct s1_name_index seen = {0};
	*out = elems;
	for (size_t i = 0; i < n; i++) {
		char w[MANIFEST_WHERE_MAX];
		manifest_where_index(w, sizeof(w), "", l->key, i);
		char *elem = elems + i * l->size;
		*n_out = i + 1;
		if ((r = l->parse(json_array_get(arr, i), elem, w, err)) < 0)
			return r;
		const char *name = *(char **)(elem + l->name_off);
		if ((r = manifest_check_unique(&seen, name, i, w, l->what, err)) < 0)
			return r;
	}
	return 0;
}

static int parse_pod(json_t *root, struct s1_pod_manifest *pod, struct s1_err *err)
{
	void *apps = NULL, *volumes = NULL;
	int r = manifest_check_kind(root, "PodManifest", err);
	if (r == 0) {
		r = parse_named_list(root, &pod_apps, &apps, &pod->n_apps, err);
		pod->apps = apps;
	}
	if (r == 0) {
		r = parse_named_list(root, &pod_volumes, &volumes, &pod->n_volumes, err);
		pod->volumes = volumes;
	}
	if (r == 0)
		r = manifest_parse_isolators(root, &pod->isolators, &pod->n_isolators, "", err);
	if (r == 0)
		r = manifest_parse_kv_list(root, "annotations", MANIFEST_KV_ANNOTATION,
					   &pod->annotations, &pod->n_annotations, "", err);
	return r;
}

int manifest_pod_parse(const char *text, size_t len, struct s1_pod_manifest *pod,
		       struct s1_err *err)
{
	memset(pod, 0, sizeof(*pod));
	int r = manifest_load_object(text, len, "pod manifest", &pod->json, err);
	if (r < 0)
		return r;
	if ((r = parse_pod(pod->json, pod, err)) < 0) {
		s1_error_wrap(err, "pod manifest");
		manifest_pod_free(pod);
	}
	return r;
}

void manifest_pod_free(struct s1_pod_manifest *pod)
{
	for (size_t i = 0; i < pod->n_apps; i++)
		free_runtime_app(&pod->apps[i]);
	free(pod->apps);
	for (size_t i = 0; i < pod->n_volumes; i++)
		free_volume(&pod->volumes[i]);
	free(pod->volumes);
	manifest_free_isolators(pod->isolators, pod->n_isolators);
	manifest_free_kv(pod->annotations, pod->n_annotations);
	json_decref(pod->json);
	memset(pod, 0, sizeof(*pod));
}

const struct s1_volume *manifest_pod_find_volume(const struct s1_pod_manifest *pod,
						 const char *name)
{
	for (size_t i = 0; i < pod->n_volumes; i++)
		if (strcmp(pod->volumes[i].name, name) == 0)
			return &pod->volumes[i];
	return NULL;
}

const struct s1_runtime_app *manifest_pod_find_app(const struct s1_pod_manifest *pod,
						   const char *name)
{
	for (size_t i = 0; i < pod->n_apps; i++)
		if (strcmp(pod->apps[i].name, name) == 0)
			return &pod->apps[i];
	return NULL;
}
