/* Parsing and validation of appc pod and image manifests (jansson) into plain structs. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stage1c/manifest.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

/* "where" strings name the field in error messages, e.g. "apps[0].app.exec". */
#define WHERE_MAX 256

static int field_error(struct s1_err *err, const char *where, const char *key, const char *why)
{
	return s1_error(err, 0, "%s%s%s: %s", where, *where && key ? "." : "", key ? key : "", why);
}

/* Optional string field. Absent or null leaves *out NULL. */
static int get_string(json_t *obj, const char *key, bool required, char **out, const char *where,
		      struct s1_err *err)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return field_error(err, where, key, "required field is missing");
		return 0;
	}
	if (!json_is_string(v))
		return field_error(err, where, key, "must be a string");
	*out = s1_xstrdup(json_string_value(v));
	return 0;
}

static int get_bool(json_t *obj, const char *key, enum s1_tristate *out, const char *where,
		    struct s1_err *err)
{
	json_t *v = json_object_get(obj, key);
	*out = S1_UNSET;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return field_error(err, where, key, "must be true or false");
	*out = json_is_true(v) ? S1_TRUE : S1_FALSE;
	return 0;
}

static int get_int(json_t *obj, const char *key, long long min, long long max, long long dflt,
		   long long *out, const char *where, struct s1_err *err)
{
	json_t *v = json_object_get(obj, key);
	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return field_error(err, where, key, "must be an integer");
	long long n = json_integer_value(v);
	if (n < min || n > max)
		return field_error(err, where, key, "out of range");
	*out = n;
	return 0;
}

/* An array that may be absent or null (rkt writes "isolators": null). */
static int get_array(json_t *obj, const char *key, json_t **out, const char *where,
		     struct s1_err *err)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return field_error(err, where, key, "must be an array");
	*out = v;
	return 0;
}

static char **parse_argv(json_t *arr, const char *where, const char *key, struct s1_err *err)
{
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		field_error(err, where, key, "must be a non-empty array of strings");
		return NULL;
	}
	size_t n = json_array_size(arr);
	char **argv = s1_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s) || (i == 0 && !*json_string_value(s))) {
			for (size_t j = 0; j < i; j++)
				free(argv[j]);
			free(argv);
			field_error(err, where, key, "must be a non-empty array of strings");
			return NULL;
		}
		argv[i] = s1_xstrdup(json_string_value(s));
	}
	return argv;
}

static void free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

enum kv_kind { KV_ANNOTATION, KV_LABEL, KV_ENV };

/* A list of {name, value} objects with unique, well-formed names. */
static int parse_kv_list(json_t *obj, const char *key, enum kv_kind kind, struct s1_kv **out,
			 size_t *n_out, const char *where, struct s1_err *err)
{
	json_t *arr;
	int r = get_array(obj, key, &arr, where, err);
	*out = NULL;
	*n_out = 0;
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	struct s1_kv *kv = s1_xcalloc(n, sizeof(*kv));
	_cleanup_name_index_ struct s1_name_index seen = {0};
	*out = kv;
	for (size_t i = 0; i < n; i++) {
		char w[WHERE_MAX];
		snprintf(w, sizeof(w), "%s%s%s[%zu]", where, *where ? "." : "", key, i);
		json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			return field_error(err, w, NULL, "must be an object");
		if ((r = get_string(e, "name", true, &kv[i].name, w, err)) < 0)
			return r;
		*n_out = i + 1;
		if ((r = get_string(e, "value", kind != KV_ENV, &kv[i].value, w, err)) < 0)
			return r;
		if (!kv[i].value)
			kv[i].value = s1_xstrdup("");
		bool ok = kind == KV_ENV ? names_is_env_name(kv[i].name)
					 : names_is_acidentifier(kv[i].name);
		if (!ok)
			return s1_error(err, 0, "%s.name: invalid %s name \"%s\"", w,
					kind == KV_ENV ? "environment variable" : "annotation",
					kv[i].name);
		if (s1_name_index_add(&seen, kv[i].name, i) != S1_NAME_ABSENT)
			return s1_error(err, 0, "%s.name: duplicate name \"%s\"", w, kv[i].name);
	}
	return 0;
}

static void free_kv(struct s1_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

static int parse_isolators(json_t *obj, struct s1_isolator **out, size_t *n_out, const char *where,
			   struct s1_err *err)
{
	json_t *arr;
	int r = get_array(obj, "isolators", &arr, where, err);
	*out = NULL;
	*n_out = 0;
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	struct s1_isolator *iso = s1_xcalloc(n, sizeof(*iso));
	*out = iso;
	for (size_t i = 0; i < n; i++) {
		char w[WHERE_MAX];
		snprintf(w, sizeof(w), "%s%sisolators[%zu]", where, *where ? "." : "", i);
		json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			return field_error(err, w, NULL, "must be an object");
		if ((r = get_string(e, "name", true, &iso[i].name, w, err)) < 0)
			return r;
		*n_out = i + 1;
		if (!names_is_acidentifier(iso[i].name))
			return s1_error(err, 0, "%s.name: invalid isolator name \"%s\"", w,
					iso[i].name);
		iso[i].value = json_object_get(e, "value");
		if (!iso[i].value)
			return field_error(err, w, "value", "required field is missing");
	}
	return 0;
}

static bool is_absolute_clean_path(const char *p)
{
	return p && p[0] == '/';
}

static int parse_app(json_t *obj, struct s1_app *app, const char *where, struct s1_err *err)
{
	int r;
	char w[WHERE_MAX];
	if (!json_is_object(obj))
		return field_error(err, where, NULL, "must be an object");

	json_t *exec = json_object_get(obj, "exec");
	if (exec && !json_is_null(exec)) {
		app->exec = parse_argv(exec, where, "exec", err);
		if (!app->exec)
			return -EINVAL;
	}
	if ((r = get_string(obj, "user", true, &app->user, where, err)) < 0)
		return r;
	if ((r = get_string(obj, "group", true, &app->group, where, err)) < 0)
		return r;
	if (!*app->user)
		return field_error(err, where, "user", "must not be empty");
	if (!*app->group)
		return field_error(err, where, "group", "must not be empty");

	json_t *arr;
	if ((r = get_array(obj, "supplementaryGIDs", &arr, where, err)) < 0)
		return r;
	if (arr) {
		size_t n = json_array_size(arr);
		app->supplementary_gids = s1_xcalloc(n, sizeof(gid_t));
		for (size_t i = 0; i < n; i++) {
			json_t *g = json_array_get(arr, i);
			if (!json_is_integer(g) || json_integer_value(g) < 0 ||
			    json_integer_value(g) > (json_int_t)UINT32_MAX - 1) {
				snprintf(w, sizeof(w), "supplementaryGIDs[%zu]", i);
				return field_error(err, where, w, "must be a group id (integer)");
			}
			app->supplementary_gids[i] = (gid_t)json_integer_value(g);
		}
		app->n_supplementary_gids = n;
	}

	if ((r = get_array(obj, "eventHandlers", &arr, where, err)) < 0)
		return r;
	if (arr) {
		size_t n = json_array_size(arr);
		app->event_handlers = s1_xcalloc(n, sizeof(*app->event_handlers));
		for (size_t i = 0; i < n; i++) {
			struct s1_event_handler *h = &app->event_handlers[i];
			snprintf(w, sizeof(w), "%s.eventHandlers[%zu]", where, i);
			json_t *e = json_array_get(arr, i);
			if (!json_is_object(e))
				return field_error(err, w, NULL, "must be an object");
			app->n_event_handlers = i + 1;
			if ((r = get_string(e, "name", true, &h->name, w, err)) < 0)
				return r;
			if (strcmp(h->name, "pre-start") != 0 && strcmp(h->name, "post-stop") != 0)
				return s1_error(err, 0,
						"%s.name: unknown event handler \"%s\" (expected "
						"pre-start or post-stop)",
						w, h->name);
			for (size_t j = 0; j < i; j++)
				if (strcmp(app->event_handlers[j].name, h->name) == 0)
					return s1_error(err, 0, "%s.name: duplicate handler \"%s\"",
							w, h->name);
			h->exec = parse_argv(json_object_get(e, "exec"), w, "exec", err);
			if (!h->exec)
				return -EINVAL;
		}
	}

	if ((r = get_string(obj, "workingDirectory", false, &app->working_directory, where, err)) <
	    0)
		return r;
	if (app->working_directory && !*app->working_directory) {
		free(app->working_directory);
		app->working_directory = NULL;
	}
	if (app->working_directory && !is_absolute_clean_path(app->working_directory))
		return field_error(err, where, "workingDirectory", "must be an absolute path");

	if ((r = parse_kv_list(obj, "environment", KV_ENV, &app->environment, &app->n_environment,
			       where, err)) < 0)
		return r;

	if ((r = get_array(obj, "mountPoints", &arr, where, err)) < 0)
		return r;
	if (arr) {
		size_t n = json_array_size(arr);
		app->mount_points = s1_xcalloc(n, sizeof(*app->mount_points));
		_cleanup_name_index_ struct s1_name_index seen = {0};
		for (size_t i = 0; i < n; i++) {
			struct s1_mount_point *mp = &app->mount_points[i];
			snprintf(w, sizeof(w), "%s.mountPoints[%zu]", where, i);
			json_t *e = json_array_get(arr, i);
			if (!json_is_object(e))
				return field_error(err, w, NULL, "must be an object");
			app->n_mount_points = i + 1;
			if ((r = get_string(e, "name", true, &mp->name, w, err)) < 0 ||
			    (r = get_string(e, "path", true, &mp->path, w, err)) < 0)
				return r;
			enum s1_tristate ro;
			if ((r = get_bool(e, "readOnly", &ro, w, err)) < 0)
				return r;
			mp->read_only = ro == S1_TRUE;
			if (!names_is_acname(mp->name))
				return s1_error(err, 0, "%s.name: invalid mount point name \"%s\"",
						w, mp->name);
			if (!is_absolute_clean_path(mp->path))
				return field_error(err, w, "path", "must be an absolute path");
			if (s1_name_index_add(&seen, mp->name, i) != S1_NAME_ABSENT)
				return s1_error(err, 0, "%s.name: duplicate mount point \"%s\"", w,
						mp->name);
		}
	}
	return parse_isolators(obj, &app->isolators, &app->n_isolators, where, err);
}

static void free_app(struct s1_app *app)
{
	free_argv(app->exec);
	free(app->user);
	free(app->group);
	free(app->supplementary_gids);
	for (size_t i = 0; i < app->n_event_handlers; i++) {
		free(app->event_handlers[i].name);
		free_argv(app->event_handlers[i].exec);
	}
	free(app->event_handlers);
	free(app->working_directory);
	free_kv(app->environment, app->n_environment);
	for (size_t i = 0; i < app->n_mount_points; i++) {
		free(app->mount_points[i].name);
		free(app->mount_points[i].path);
	}
	free(app->mount_points);
	for (size_t i = 0; i < app->n_isolators; i++)
		free(app->isolators[i].name);
	free(app->isolators);
	memset(app, 0, sizeof(*app));
}

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

static int parse_volume(json_t *e, struct s1_volume *vol, const char *w, struct s1_err *err)
{
	int r;
	if (!json_is_object(e))
		return field_error(err, w, NULL, "must be an object");
	if ((r = get_string(e, "name", true, &vol->name, w, err)) < 0)
		return r;
	if (!names_is_acname(vol->name))
		return s1_error(err, 0, "%s.name: invalid volume name \"%s\"", w, vol->name);
	_cleanup_free_ char *kind = NULL;
	if ((r = get_string(e, "kind", true, &kind, w, err)) < 0)
		return r;
	if (strcmp(kind, "host") == 0)
		vol->kind = S1_VOLUME_HOST;
	else if (strcmp(kind, "empty") == 0)
		vol->kind = S1_VOLUME_EMPTY;
	else
		return s1_error(err, 0,
				"%s.kind: unknown volume kind \"%s\" (expected host or empty)", w,
				kind);
	if ((r = get_string(e, "source", false, &vol->source, w, err)) < 0)
		return r;
	if (vol->kind == S1_VOLUME_HOST && (!vol->source || vol->source[0] != '/'))
		return field_error(err, w, "source", "a host volume needs an absolute source path");
	if ((r = get_bool(e, "readOnly", &vol->read_only, w, err)) < 0 ||
	    (r = get_bool(e, "recursive", &vol->recursive, w, err)) < 0)
		return r;
	_cleanup_free_ char *mode = NULL;
	if ((r = get_string(e, "mode", false, &mode, w, err)) < 0)
		return r;
	vol->mode = 0755;
	if (mode && parse_mode(mode, &vol->mode) < 0)
		return s1_error(err, 0, "%s.mode: invalid mode \"%s\" (expected octal, e.g. 0755)",
				w, mode);
	long long id;
	if ((r = get_int(e, "uid", 0, UINT32_MAX - 1, 0, &id, w, err)) < 0)
		return r;
	vol->uid = (uid_t)id;
	if ((r = get_int(e, "gid", 0, UINT32_MAX - 1, 0, &id, w, err)) < 0)
		return r;
	vol->gid = (gid_t)id;
	return 0;
}

static void free_volume(struct s1_volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->source);
}

static int parse_runtime_app(json_t *e, struct s1_runtime_app *ra, const char *w,
			     struct s1_err *err)
{
	int r;
	char w2[WHERE_MAX];
	if (!json_is_object(e))
		return field_error(err, w, NULL, "must be an object");
	if ((r = get_string(e, "name", true, &ra->name, w, err)) < 0)
		return r;
	if (!names_is_acname(ra->name))
		return s1_error(err, 0, "%s.name: invalid app name \"%s\"", w, ra->name);

	json_t *image = json_object_get(e, "image");
	snprintf(w2, sizeof(w2), "%s.image", w);
	if (!json_is_object(image))
		return field_error(err, w, "image", "required object is missing");
	if ((r = get_string(image, "name", false, &ra->image_name, w2, err)) < 0 ||
	    (r = get_string(image, "id", true, &ra->image_id, w2, err)) < 0)
		return r;
	if (ra->image_name && *ra->image_name && !names_is_acidentifier(ra->image_name))
		return s1_error(err, 0, "%s.name: invalid image name \"%s\"", w2, ra->image_name);
	if (!names_is_image_id(ra->image_id))
		return s1_error(err, 0, "%s.id: invalid image id \"%s\" (expected sha512-…)", w2,
				ra->image_id);

	json_t *app = json_object_get(e, "app");
	if (app && !json_is_null(app)) {
		snprintf(w2, sizeof(w2), "%s.app", w);
		ra->has_app = true;
		if ((r = parse_app(app, &ra->app, w2, err)) < 0)
			return r;
	}
	enum s1_tristate ro;
	if ((r = get_bool(e, "readOnlyRootFS", &ro, w, err)) < 0)
		return r;
	ra->read_only_rootfs = ro == S1_TRUE;

	json_t *arr;
	if ((r = get_array(e, "mounts", &arr, w, err)) < 0)
		return r;
	if (arr) {
		size_t n = json_array_size(arr);
		ra->mounts = s1_xcalloc(n, sizeof(*ra->mounts));
		for (size_t i = 0; i < n; i++) {
			struct s1_runtime_mount *m = &ra->mounts[i];
			snprintf(w2, sizeof(w2), "%s.mounts[%zu]", w, i);
			json_t *me = json_array_get(arr, i);
			if (!json_is_object(me))
				return field_error(err, w2, NULL, "must be an object");
			ra->n_mounts = i + 1;
			if ((r = get_string(me, "volume", true, &m->volume, w2, err)) < 0 ||
			    (r = get_string(me, "path", true, &m->path, w2, err)) < 0)
				return r;
			if (!names_is_acname(m->volume))
				return s1_error(err, 0, "%s.volume: invalid volume name \"%s\"", w2,
						m->volume);
			if (m->path[0] != '/')
				return field_error(err, w2, "path", "must be an absolute path");
			json_t *av = json_object_get(me, "appVolume");
			if (av && !json_is_null(av)) {
				char w3[WHERE_MAX];
				snprintf(w3, sizeof(w3), "%s.appVolume", w2);
				m->app_volume = s1_xcalloc(1, sizeof(*m->app_volume));
				if ((r = parse_volume(av, m->app_volume, w3, err)) < 0)
					return r;
			}
		}
	}
	return parse_kv_list(e, "annotations", KV_ANNOTATION, &ra->annotations, &ra->n_annotations,
			     w, err);
}

static void free_runtime_app(struct s1_runtime_app *ra)
{
	free(ra->name);
	free(ra->image_name);
	free(ra->image_id);
	free_app(&ra->app);
	for (size_t i = 0; i < ra->n_mounts; i++) {
		free(ra->mounts[i].volume);
		free(ra->mounts[i].path);
		free_volume(ra->mounts[i].app_volume);
		free(ra->mounts[i].app_volume);
	}
	free(ra->mounts);
	free_kv(ra->annotations, ra->n_annotations);
}

static json_t *load_object(const char *text, size_t len, const char *what, struct s1_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		s1_error(err, 0, "%s: invalid JSON at line %d: %s", what, jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		s1_error(err, 0, "%s: must be a JSON object", what);
		return NULL;
	}
	return root;
}

static int check_kind(json_t *root, const char *expected, struct s1_err *err)
{
	json_t *kind = json_object_get(root, "acKind");
	json_t *ver = json_object_get(root, "acVersion");
	if (!json_is_string(kind) || strcmp(json_string_value(kind), expected) != 0)
		return s1_error(err, 0, "acKind: must be \"%s\"", expected);
	if (!json_is_string(ver) || !*json_string_value(ver))
		return s1_error(err, 0, "acVersion: required field is missing");
	return 0;
}

int manifest_pod_parse(const char *text, size_t len, struct s1_pod_manifest *pod,
		       struct s1_err *err)
{
	int r;
	memset(pod, 0, sizeof(*pod));
	pod->json = load_object(text, len, "pod manifest", err);
	if (!pod->json)
		return -EINVAL;
	json_t *root = pod->json;
	if ((r = check_kind(root, "PodManifest", err)) < 0)
		goto fail;

	json_t *arr;
	if ((r = get_array(root, "apps", &arr, "", err)) < 0)
		goto fail;
	if (arr) {
		size_t n = json_array_size(arr);
		pod->apps = s1_xcalloc(n, sizeof(*pod->apps));
		_cleanup_name_index_ struct s1_name_index seen = {0};
		for (size_t i = 0; i < n; i++) {
			char w[WHERE_MAX];
			snprintf(w, sizeof(w), "apps[%zu]", i);
			pod->n_apps = i + 1;
			if ((r = parse_runtime_app(json_array_get(arr, i), &pod->apps[i], w, err)) <
			    0)
				goto fail;
			if (s1_name_index_add(&seen, pod->apps[i].name, i) != S1_NAME_ABSENT) {
				r = s1_error(err, 0, "%s.name: duplicate app name \"%s\"", w,
					     pod->apps[i].name);
				goto fail;
			}
		}
	}

	if ((r = get_array(root, "volumes", &arr, "", err)) < 0)
		goto fail;
	if (arr) {
		size_t n = json_array_size(arr);
		pod->volumes = s1_xcalloc(n, sizeof(*pod->volumes));
		_cleanup_name_index_ struct s1_name_index seen = {0};
		for (size_t i = 0; i < n; i++) {
			char w[WHERE_MAX];
			snprintf(w, sizeof(w), "volumes[%zu]", i);
			pod->n_volumes = i + 1;
			if ((r = parse_volume(json_array_get(arr, i), &pod->volumes[i], w, err)) <
			    0)
				goto fail;
			if (s1_name_index_add(&seen, pod->volumes[i].name, i) != S1_NAME_ABSENT) {
				r = s1_error(err, 0, "%s.name: duplicate volume name \"%s\"", w,
					     pod->volumes[i].name);
				goto fail;
			}
		}
	}
	if ((r = parse_isolators(root, &pod->isolators, &pod->n_isolators, "", err)) < 0)
		goto fail;
	if ((r = parse_kv_list(root, "annotations", KV_ANNOTATION, &pod->annotations,
			       &pod->n_annotations, "", err)) < 0)
		goto fail;
	return 0;
fail:
	s1_error_wrap(err, "pod manifest");
	manifest_pod_free(pod);
	return r;
}

int manifest_image_parse(const char *text, size_t len, struct s1_image_manifest *im,
			 struct s1_err *err)
{
	int r;
	memset(im, 0, sizeof(*im));
	im->json = load_object(text, len, "image manifest", err);
	if (!im->json)
		return -EINVAL;
	json_t *root = im->json;
	if ((r = check_kind(root, "ImageManifest", err)) < 0)
		goto fail;
	if ((r = get_string(root, "name", true, &im->name, "", err)) < 0)
		goto fail;
	if (!names_is_acidentifier(im->name)) {
		r = s1_error(err, 0, "name: invalid image name \"%s\"", im->name);
		goto fail;
	}
	if ((r = parse_kv_list(root, "labels", KV_LABEL, &im->labels, &im->n_labels, "", err)) < 0)
		goto fail;
	json_t *app = json_object_get(root, "app");
	if (app && !json_is_null(app)) {
		im->has_app = true;
		if ((r = parse_app(app, &im->app, "app", err)) < 0)
			goto fail;
	}
	if ((r = parse_kv_list(root, "annotations", KV_ANNOTATION, &im->annotations,
			       &im->n_annotations, "", err)) < 0)
		goto fail;
	return 0;
fail:
	s1_error_wrap(err, "image manifest");
	manifest_image_free(im);
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
	for (size_t i = 0; i < pod->n_isolators; i++)
		free(pod->isolators[i].name);
	free(pod->isolators);
	free_kv(pod->annotations, pod->n_annotations);
	json_decref(pod->json);
	memset(pod, 0, sizeof(*pod));
}

void manifest_image_free(struct s1_image_manifest *im)
{
	free(im->name);
	free_kv(im->labels, im->n_labels);
	free_app(&im->app);
	free_kv(im->annotations, im->n_annotations);
	json_decref(im->json);
	memset(im, 0, sizeof(*im));
}

const struct s1_app *manifest_effective_app(const struct s1_runtime_app *ra,
					    const struct s1_image_manifest *im)
{
	if (ra->has_app)
		return &ra->app;
	if (im && im->has_app)
		return &im->app;
	return NULL;
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
