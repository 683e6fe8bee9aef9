/* Field readers shared by the manifest parsers: typed getters, argv, name/value lists, isolator
 * lists, and the document's envelope (JSON object, acKind, acVersion). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "stage1c/manifestjson.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

int manifest_field_error(struct s1_err *err, const char *where, const char *key, const char *why)
{
	return s1_error(err, 0, "%s%s%s: %s", where, *where && key ? "." : "", key ? key : "", why);
}

/* The value of key, or NULL when it is absent or null. */
static json_t *get_value(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v) ? v : NULL;
}

int manifest_get_string(json_t *obj, const char *key, bool required, char **out, const char *where,
			struct s1_err *err)
{
	json_t *v = get_value(obj, key);
	*out = NULL;
	if (!v)
		return required ? manifest_field_error(err, where, key, "required field is missing")
				: 0;
	if (!json_is_string(v))
		return manifest_field_error(err, where, key, "must be a string");
	*out = s1_xstrdup(json_string_value(v));
	return 0;
}

int manifest_get_bool(json_t *obj, const char *key, enum s1_tristate *out, const char *where,
		      struct s1_err *err)
{
	json_t *v = get_value(obj, key);
	*out = S1_UNSET;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return manifest_field_error(err, where, key, "must be true or false");
	*out = json_is_true(v) ? S1_TRUE : S1_FALSE;
	return 0;
}

int manifest_get_int(json_t *obj, const char *key, long long min, long long max, long long dflt,
		     long long *out, const char *where, struct s1_err *err)
{
	json_t *v = get_value(obj, key);
	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return manifest_field_error(err, where, key, "must be an integer");
	long long n = json_integer_value(v);
	if (n < min || n > max)
		return manifest_field_error(err, where, key, "out of range");
	*out = n;
	return 0;
}

int manifest_get_array(json_t *obj, const char *key, json_t **out, const char *where,
		       struct s1_err *err)
{
	json_t *v = get_value(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return manifest_field_error(err, where, key, "must be an array");
	*out = v;
	return 0;
}

void manifest_where_index(char *buf, size_t size, const char *where, const char *key, size_t i)
{
	snprintf(buf, size, "%s%s%s[%zu]", where, *where ? "." : "", key, i);
}

int manifest_check_unique(struct s1_name_index *seen, const char *name, size_t i, const char *where,
			  const char *what, struct s1_err *err)
{
	if (s1_name_index_add(seen, name, i) != S1_NAME_ABSENT)
		return s1_error(err, 0, "%s.name: duplicate %s \"%s\"", where, what, name);
	return 0;
}

int manifest_parse_argv(json_t *arr, const char *where, const char *key, char ***out,
			struct s1_err *err)
{
	*out = NULL;
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s) || (i == 0 && !*json_string_value(s)))
			n = 0;
	}
	if (n == 0)
		return manifest_field_error(err, where, key,
					    "must be a non-empty array of strings");
	char **argv = s1_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		argv[i] = s1_xstrdup(json_string_value(json_array_get(arr, i)));
	*out = argv;
	return 0;
}

void manifest_free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

int manifest_parse_kv_list(json_t *obj, const char *key, enum manifest_kv_kind kind,
			   struct s1_kv **out, size_t *n_out, const char *where, struct s1_err *err)
{
	json_t *arr;
	int r = manifest_get_array(obj, key, &arr, where, err);
	*out = NULL;
	*n_out = 0;
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	struct s1_kv *kv = s1_xcalloc(n, sizeof(*kv));
	_cleanup_name_index_ struct s1_name_index seen = {0};
	*out = kv;
	for (size_t i = 0; i < n; i++) {
		char w[MANIFEST_WHERE_MAX];
		manifest_where_index(w, sizeof(w), where, key, i);
		json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			return manifest_field_error(err, w, NULL, "must be an object");
		if ((r = manifest_get_string(e, "name", true, &kv[i].name, w, err)) < 0)
			return r;
		*n_out = i + 1;
		if ((r = manifest_get_string(e, "value", kind != MANIFEST_KV_ENV, &kv[i].value, w,
					     err)) < 0)
			return r;
		if (!kv[i].value)
			kv[i].value = s1_xstrdup("");
		bool env = kind == MANIFEST_KV_ENV;
		if (!(env ? names_is_env_name(kv[i].name) : names_is_acidentifier(kv[i].name)))
			return s1_error(err, 0, "%s.name: invalid %s name \"%s\"", w,
					env ? "environment variable" : "annotation", kv[i].name);
		if ((r = manifest_check_unique(&seen, kv[i].name, i, w, "name", err)) < 0)
			return r;
	}
	return 0;
}

void manifest_free_kv(struct s1_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

int manifest_parse_isolators(json_t *obj, struct s1_isolator **out, size_t *n_out,
			     const char *where, struct s1_err *err)
{
	json_t *arr;
	int r = manifest_get_array(obj, "isolators", &arr, where, err);
	*out = NULL;
	*n_out = 0;
	if (r < 0 || !arr)
		return r;
	size_t n = json_array_size(arr);
	struct s1_isolator *iso = s1_xcalloc(n, sizeof(*iso));
	*out = iso;
	for (size_t i = 0; i < n; i++) {
		char w[MANIFEST_WHERE_MAX];
		manifest_where_index(w, sizeof(w), where, "isolators", i);
		json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			return manifest_field_error(err, w, NULL, "must be an object");
		if ((r = manifest_get_string(e, "name", true, &iso[i].name, w, err)) < 0)
			return r;
		*n_out = i + 1;
		if (!names_is_acidentifier(iso[i].name))
			return s1_error(err, 0, "%s.name: invalid isolator name \"%s\"", w,
					iso[i].name);
		iso[i].value = json_object_get(e, "value");
		if (!iso[i].value)
			return manifest_field_error(err, w, "value", "required field is missing");
	}
	return 0;
}

void manifest_free_isolators(struct s1_isolator *iso, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(iso[i].name);
	free(iso);
}

/* jansson's hash tables take a random seed (an image's keys cannot all collide): from one
 * getrandom(2) rather than its own open and read of /dev/urandom. */
static void seed_hashes(void)
{
	static bool seeded;
	size_t seed = 0;
	if (seeded)
		return;
	seeded = true;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = 0; /* 0: jansson finds one itself */
	json_object_seed(seed);
}

int manifest_load_object(const char *text, size_t len, const char *what, json_t **out,
			 struct s1_err *err)
{
	json_error_t jerr;
	*out = NULL;
	seed_hashes();
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return s1_error(err, 0, "%s: invalid JSON at line %d: %s", what, jerr.line,
				jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return s1_error(err, 0, "%s: must be a JSON object", what);
	}
	*out = root;
	return 0;
}

int manifest_check_kind(json_t *root, const char *expected, struct s1_err *err)
{
	json_t *kind = json_object_get(root, "acKind");
	json_t *ver = json_object_get(root, "acVersion");
	if (!json_is_string(kind) || strcmp(json_string_value(kind), expected) != 0)
		return s1_error(err, 0, "acKind: must be \"%s\"", expected);
	if (!json_is_string(ver) || !*json_string_value(ver))
		return s1_error(err, 0, "acVersion: required field is missing");
	return 0;
}
