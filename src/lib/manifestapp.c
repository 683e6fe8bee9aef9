/* The app section of an appc manifest (an image's "app", or a pod's runtime app's "app"). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stage1c/manifestjson.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

static bool is_absolute_path(const char *p)
{
	return p && p[0] == '/';
}

static int parse_supplementary_gids(json_t *obj, struct s1_app *app, const char *where,
				    struct s1_err *err)
{
	json_t *arr;
	int r = manifest_get_array(obj, "supplementaryGIDs", &arr, where, err);
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	app->supplementary_gids = s1_xcalloc(n, sizeof(gid_t));
	for (size_t i = 0; i < n; i++) {
		json_t *g = json_array_get(arr, i);
		if (!json_is_integer(g) || json_integer_value(g) < 0 ||
		    json_integer_value(g) > (json_int_t)UINT32_MAX - 1) {
			char w[MANIFEST_WHERE_MAX];
			snprintf(w, sizeof(w), "supplementaryGIDs[%zu]", i);
			return manifest_field_error(err, where, w, "must be a group id (integer)");
		}
		app->supplementary_gids[i] = (gid_t)json_integer_value(g);
	}
	app->n_supplementary_gids = n;
	return 0;
}

static int parse_event_handler(json_t *e, struct s1_app *app, size_t i, const char *w,
			       struct s1_err *err)
{
	struct s1_event_handler *h = &app->event_handlers[i];
	int r;
	if ((r = manifest_get_string(e, "name", true, &h->name, w, err)) < 0)
		return r;
	if (strcmp(h->name, "pre-start") != 0 && strcmp(h->name, "post-stop") != 0)
		return s1_error(err, 0,
				"%s.name: unknown event handler \"%s\" (expected pre-start or "
				"post-stop)",
				w, h->name);
	for (size_t j = 0; j < i; j++)
		if (strcmp(app->event_handlers[j].name, h->name) == 0)
			return s1_error(err, 0, "%s.name: duplicate handler \"%s\"", w, h->name);
	return manifest_parse_argv(json_object_get(e, "exec"), w, "exec", &h->exec, err);
}

static int parse_event_handlers(json_t *obj, struct s1_app *app, const char *where,
				struct s1_err *err)
{
	json_t *arr;
	int r = manifest_get_array(obj, "eventHandlers", &arr, where, err);
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	app->event_handlers = s1_xcalloc(n, sizeof(*app->event_handlers));
	for (size_t i = 0; i < n; i++) {
		char w[MANIFEST_WHERE_MAX];
		manifest_where_index(w, sizeof(w), where, "eventHandlers", i);
		json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			return manifest_field_error(err, w, NULL, "must be an object");
		app->n_event_handlers = i + 1;
		if ((r = parse_event_handler(e, app, i, w, err)) < 0)
			return r;
	}
	return 0;
}

static int parse_mount_point(json_t *e, struct s1_mount_point *mp, const char *w,
			     struct s1_err *err)
{
	int r;
	enum s1_tristate ro;
	if ((r = manifest_get_string(e, "name", true, &mp->name, w, err)) < 0 ||
	    (r = manifest_get_string(e, "path", true, &mp->path, w, err)) < 0 ||
	    (r = manifest_get_bool(e, "readOnly", &ro, w, err)) < 0)
		return r;
	mp->read_only = ro == S1_TRUE;
	if (!names_is_acname(mp->name))
		return s1_error(err, 0, "%s.name: invalid mount point name \"%s\"", w, mp->name);
	if (!is_absolute_path(mp->path))
		return manifest_field_error(err, w, "path", "must be an absolute path");
	return 0;
}

static int parse_mount_points(json_t *obj, struct s1_app *app, const char *where,
			      struct s1_err *err)
{
	json_t *arr;
	int r = manifest_get_array(obj, "mountPoints", &arr, where, err);
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	app->mount_points = s1_xcalloc(n, sizeof(*app->mount_points));
	_cleanup_name_index_ struct s1_name_index seen = {0};
	for (size_t i = 0; i < n; i++) {
		struct s1_mount_point *mp = &app->mount_points[i];
		char w[MANIFEST_WHERE_MAX];
		manifest_where_index(w, sizeof(w), where, "mountPoints", i);
		json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			return manifest_field_error(err, w, NULL, "must be an object");
		app->n_mount_points = i + 1;
		if ((r = parse_mount_point(e, mp, w, err)) < 0 ||
		    (r = manifest_check_unique(&seen, mp->name, i, w, "mount point", err)) < 0)
			return r;
	}
	return 0;
}

static int parse_working_directory(json_t *obj, struct s1_app *app, const char *where,
				   struct s1_err *err)
{
	int r = manifest_get_string(obj, "workingDirectory", false, &app->working_directory, where,
				    err);
	if (r < 0)
		return r;
	if (app->working_directory && !*app->working_directory) {
		free(app->working_directory);
		app->working_directory = NULL;
	}
	if (app->working_directory && !is_absolute_path(app->working_directory))
		return manifest_field_error(err, where, "workingDirectory",
					    "must be an absolute path");
	return 0;
}

int manifest_app_parse(json_t *obj, struct s1_app *app, const char *where, struct s1_err *err)
{
	int r;
	if (!json_is_object(obj))
		return manifest_field_error(err, where, NULL, "must be an object");

	json_t *exec = json_object_get(obj, "exec");
	if (exec && !json_is_null(exec) &&
	    (r = manifest_parse_argv(exec, where, "exec", &app->exec, err)) < 0)
		return r;
	if ((r = manifest_get_string(obj, "user", true, &app->user, where, err)) < 0 ||
	    (r = manifest_get_string(obj, "group", true, &app->group, where, err)) < 0)
		return r;
	if (!*app->user)
		return manifest_field_error(err, where, "user", "must not be empty");
	if (!*app->group)
		return manifest_field_error(err, where, "group", "must not be empty");
	if ((r = parse_supplementary_gids(obj, app, where, err)) < 0 ||
	    (r = parse_event_handlers(obj, app, where, err)) < 0 ||
	    (r = parse_working_directory(obj, app, where, err)) < 0 ||
	    (r = manifest_parse_kv_list(obj, "environment", MANIFEST_KV_ENV, &app->environment,
					&app->n_environment, where, err)) < 0 ||
	    (r = parse_mount_points(obj, app, where, err)) < 0)
		return r;
	return manifest_parse_isolators(obj, &app->isolators, &app->n_isolators, where, err);
}

void manifest_app_free(struct s1_app *app)
{
	manifest_free_argv(app->exec);
	free(app->user);
	free(app->group);
	free(app->supplementary_gids);
	for (size_t i = 0; i < app->n_event_handlers; i++) {
		free(app->event_handlers[i].name);
		manifest_free_argv(app->event_handlers[i].exec);
	}
	free(app->event_handlers);
	free(app->working_directory);
	manifest_free_kv(app->environment, app->n_environment);
	for (size_t i = 0; i < app->n_mount_points; i++) {
		free(app->mount_points[i].name);
		free(app->mount_points[i].path);
	}
	free(app->mount_points);
	manifest_free_isolators(app->isolators, app->n_isolators);
	memset(app, 0, sizeof(*app));
}
