/* The appc image manifest (name, labels, app section, annotations), and which app section
 * applies to a pod's app. */
#include <errno.h>
#include <string.h>

#include "stage1c/manifestjson.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

static int parse_image(json_t *root, struct s1_image_manifest *im, struct s1_err *err)
{
	int r;
	if ((r = manifest_check_kind(root, "ImageManifest", err)) < 0 ||
	    (r = manifest_get_string(root, "name", true, &im->name, "", err)) < 0)
		return r;
	if (!names_is_acidentifier(im->name))
		return s1_error(err, 0, "name: invalid image name \"%s\"", im->name);
	if ((r = manifest_parse_kv_list(root, "labels", MANIFEST_KV_LABEL, &im->labels,
					&im->n_labels, "", err)) < 0)
		return r;
	json_t *app = json_object_get(root, "app");
	if (app && !json_is_null(app)) {
		im->has_app = true;
		if ((r = manifest_app_parse(app, &im->app, "app", err)) < 0)
			return r;
	}
	return manifest_parse_kv_list(root, "annotations", MANIFEST_KV_ANNOTATION, &im->annotations,
				      &im->n_annotations, "", err);
}

int manifest_image_parse(const char *text, size_t len, struct s1_image_manifest *im,
			 struct s1_err *err)
{
	memset(im, 0, sizeof(*im));
	int r = manifest_load_object(text, len, "image manifest", &im->json, err);
	if (r < 0)
		return r;
	if ((r = parse_image(im->json, im, err)) < 0) {
		s1_error_wrap(err, "image manifest");
		manifest_image_free(im);
	}
	return r;
}

void manifest_image_free(struct s1_image_manifest *im)
{
	free(im->name);
	manifest_free_kv(im->labels, im->n_labels);
	manifest_app_free(&im->app);
	manifest_free_kv(im->annotations, im->n_annotations);
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
