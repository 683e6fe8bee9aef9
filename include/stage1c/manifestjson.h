/* Reading appc manifest fields from jansson values, each error naming its field; shared by the
 * pod, image and app parsers (src/lib/manifest*.c) and by nothing else. */
#ifndef STAGE1C_MANIFESTJSON_H
#define STAGE1C_MANIFESTJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "stage1c/error.h"
#include "stage1c/manifest.h"
#include "stage1c/util.h"

/* "where" strings name the field in error messages, e.g. "apps[0].app.exec". */
#define MANIFEST_WHERE_MAX 256

/* "where.key: why" (or "where: why" without a key). Returns -EINVAL. */
int manifest_field_error(struct s1_err *err, const char *where, const char *key, const char *why);

/* Optional (or required) string field, copied. Absent or null leaves *out NULL. */
int manifest_get_string(json_t *obj, const char *key, bool required, char **out, const char *where,
			struct s1_err *err);
/* Optional boolean: absent or null is S1_UNSET. */
int manifest_get_bool(json_t *obj, const char *key, enum s1_tristate *out, const char *where,
		      struct s1_err *err);
/* Optional integer within [min, max]; absent or null is dflt. */
int manifest_get_int(json_t *obj, const char *key, long long min, long long max, long long dflt,
		     long long *out, const char *where, struct s1_err *err);
/* An array that may be absent or null (rkt writes "isolators": null): *out NULL then. */
int manifest_get_array(json_t *obj, const char *key, json_t **out, const char *where,
		       struct s1_err *err);

/* where[i] of the array named key below where ("apps[0].mounts[2]", "volumes[1]"). */
void manifest_where_index(char *buf, size_t size, const char *where, const char *key, size_t i);

/* Add name (the field where.name) to seen, or fail: "where.name: duplicate what \"name\"". */
int manifest_check_unique(struct s1_name_index *seen, const char *name, size_t i, const char *where,
			  const char *what, struct s1_err *err);

/* A non-empty array of strings (the first one non-empty) as a NULL-terminated argv. */
int manifest_parse_argv(json_t *arr, const char *where, const char *key, char ***out,
			struct s1_err *err);
void manifest_free_argv(char **argv);

enum manifest_kv_kind { MANIFEST_KV_ANNOTATION, MANIFEST_KV_LABEL, MANIFEST_KV_ENV };

/* A list of {name, value} objects with unique, well-formed names. *out and *n_out hold what was
 * parsed so far on error too, for manifest_free_kv. */
int manifest_parse_kv_list(json_t *obj, const char *key, enum manifest_kv_kind kind,
			   struct s1_kv **out, size_t *n_out, const char *where,
			   struct s1_err *err);
void manifest_free_kv(struct s1_kv *kv, size_t n);

/* The "isolators" list; values are borrowed from obj's tree. */
int manifest_parse_isolators(json_t *obj, struct s1_isolator **out, size_t *n_out,
			     const char *where, struct s1_err *err);
void manifest_free_isolators(struct s1_isolator *iso, size_t n);

/* The text as a JSON object (duplicate keys refused); what names the document in errors. */
int manifest_load_object(const char *text, size_t len, const char *what, json_t **out,
			 struct s1_err *err);
/* acKind is expected and acVersion is given. */
int manifest_check_kind(json_t *root, const char *expected, struct s1_err *err);

/* The app section of a pod's runtime app or of an image (src/lib/manifestapp.c). */
int manifest_app_parse(json_t *obj, struct s1_app *app, const char *where, struct s1_err *err);
void manifest_app_free(struct s1_app *app);

#endif
