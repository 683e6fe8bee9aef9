/* Decoding of appc isolators into the confinement stage1-c applies. */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/capability.h>

#include "stage1c/isolators.h"
#include "stage1c/log.h"
#include "stage1c/quantity.h"
#include "stage1c/util.h"

int isolators_cap_from_name(const char *name)
{
	cap_value_t v;
	/* cap_from_name also takes numbers and lower case: appc names are "CAP_X" only. */
	if (strncmp(name, "CAP_", 4) != 0 || cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return -1;
	for (const char *p = name; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			return -1;
	return (int)v;
}

static int parse_caps(const char *name, json_t *value, uint64_t *set, struct s1_err *err)
{
	json_t *arr = json_is_object(value) ? json_object_get(value, "set") : NULL;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return s1_error(err, 0, "isolator %s: value must be {\"set\": [\"CAP_…\", …]}",
				name);
	*set = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *s = json_array_get(arr, i);
		int cap = json_is_string(s) ? isolators_cap_from_name(json_string_value(s)) : -1;
		if (cap < 0)
			return s1_error(err, 0, "isolator %s: unknown capability %s%s%s", name,
					json_is_string(s) ? "\"" : "",
					json_is_string(s) ? json_string_value(s) : "(not a string)",
					json_is_string(s) ? "\"" : "");
		*set |= 1ULL << cap;
	}
	return 0;
}

/* resource/memory and resource/cpu: {"request": Q, "limit": Q, "default": bool}. */
static int parse_resource(const char *name, json_t *value, bool *has_limit, int64_t *limit_milli,
			  struct s1_err *err)
{
	if (!json_is_object(value))
		return s1_error(err, 0, "isolator %s: value must be an object", name);
	int64_t req;
	json_t *r = json_object_get(value, "request");
	json_t *l = json_object_get(value, "limit");
	if (r && !json_is_null(r) && quantity_from_json(r, &req, err) < 0)
		return s1_error_wrap(err, "isolator %s: request", name);
	if (r && !json_is_null(r) && req < 0)
		return s1_error(err, 0, "isolator %s: request must not be negative", name);
	if (!l || json_is_null(l))
		return 0; /* a request without a limit: nothing to enforce */
	if (quantity_from_json(l, limit_milli, err) < 0)
		return s1_error_wrap(err, "isolator %s: limit", name);
	if (*limit_milli <= 0)
		return s1_error(err, 0, "isolator %s: limit must be positive", name);
	*has_limit = true;
	return 0;
}

static int parse_int(const char *name, json_t *value, long long min, long long max, int64_t *out,
		     struct s1_err *err)
{
	if (!json_is_integer(value))
		return s1_error(err, 0, "isolator %s: value must be an integer", name);
	long long v = json_integer_value(value);
	if (v < min || v > max)
		return s1_error(err, 0, "isolator %s: %lld is out of range [%lld, %lld]", name, v,
				min, max);
	*out = v;
	return 0;
}

/* Every seccomp isolator's name starts so, those rkt knows and any later ones. */
#define SECCOMP_ISOLATOR_PREFIX "os/linux/seccomp-"

static bool is_seccomp(const char *name)
{
	return s1_str_has_prefix(name, SECCOMP_ISOLATOR_PREFIX);
}

static bool is_app_seccomp(const char *name)
{
	return strcmp(name, SECCOMP_ISOLATOR_PREFIX "retain-set") == 0 ||
	       strcmp(name, SECCOMP_ISOLATOR_PREFIX "remove-set") == 0;
}

static bool is_refused(const char *name, bool disable_seccomp)
{
	if (is_seccomp(name))
		return !disable_seccomp;
	return strcmp(name, "os/linux/selinux-context") == 0;
}

/* {"set": ["@rkt/default-whitelist", "mount", …], "errno": "EPERM"} to the plan's input; the
 * names stay the manifest's. */
static int decode_seccomp(const struct s1_isolator *is, struct s1_seccomp_isolator *out,
			  const char ***names, struct s1_err *err)
{
	json_t *set = json_is_object(is->value) ? json_object_get(is->value, "set") : NULL;
	json_t *e = json_is_object(is->value) ? json_object_get(is->value, "errno") : NULL;
	if (!json_is_array(set))
		return s1_error(err, 0,
				"isolator %s: value must be {\"set\": [\"NAME\", …], \"errno\": "
				"\"E…\"}",
				is->name);
	if (e && !json_is_null(e) && !json_is_string(e))
		return s1_error(err, 0, "isolator %s: errno must be a name (\"EPERM\")", is->name);
	size_t n = json_array_size(set);
	*names = s1_xcalloc(n ? n : 1, sizeof(**names));
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(set, i);
		if (!json_is_string(s) || json_string_value(s)[0] == '\0')
			return s1_error(err, 0, "isolator %s: set item %zu is not a name", is->name,
					i);
		(*names)[i] = json_string_value(s);
	}
	*out = (struct s1_seccomp_isolator){.name = is->name,
					    .set = *names,
					    .n_set = n,
					    .errno_name =
						json_is_string(e) ? json_string_value(e) : NULL};
	return 0;
}

/* The app's one seccomp isolator (or none: the default), compiled into iso. */
static int parse_seccomp(const struct s1_app *app, bool disable_seccomp, struct s1_isolators *iso,
			 struct s1_err *err)
{
	if (disable_seccomp)
		return 0; /* as rkt: the isolators are not even looked at */
	const struct s1_isolator *found = NULL;
	for (size_t i = 0; i < app->n_isolators; i++) {
		const struct s1_isolator *is = &app->isolators[i];
		if (!is_app_seccomp(is->name))
			continue;
		if (found)
			return s1_error(err, 0,
					"isolators %s and %s: an app has at most one seccomp "
					"isolator",
					found->name, is->name);
		found = is;
	}
	if (!found && seccomp_default_precompiled(&iso->seccomp)) {
		iso->seccomp_mode = S1_SECCOMP_RETAIN;
		return 0;
	}
	struct s1_seccomp_isolator si;
	_cleanup_free_ const char **names = NULL;
	int r;
	if (found && (r = decode_seccomp(found, &si, &names, err)) < 0)
		return r;
	struct s1_seccomp_plan plan;
	if ((r = seccomp_plan_build(found ? &si : NULL, false, &plan, err)) < 0)
		return r;
	iso->seccomp_mode = plan.mode;
	iso->seccomp_errno = plan.errno_value;
	r = seccomp_plan_compile(&plan, false, &iso->seccomp, err);
	seccomp_plan_free(&plan);
	return r;
}

static int parse_one(const struct s1_isolator *is, bool disable_seccomp, struct s1_isolators *iso,
		     bool *seen_retain, bool *seen_remove, struct s1_err *err)
{
	const char *n = is->name;
	json_t *v = is->value;
	int64_t x = 0;
	int r;

	if (strcmp(n, "os/linux/capabilities-retain-set") == 0) {
		*seen_retain = true;
		iso->caps_mode = S1_CAPS_RETAIN;
		return parse_caps(n, v, &iso->caps_set, err);
	}
	if (strcmp(n, "os/linux/capabilities-remove-set") == 0) {
		*seen_remove = true;
		iso->caps_mode = S1_CAPS_REMOVE;
		return parse_caps(n, v, &iso->caps_set, err);
	}
	if (strcmp(n, "os/linux/no-new-privileges") == 0) {
		if (!json_is_boolean(v))
			return s1_error(err, 0, "isolator %s: value must be true or false", n);
		iso->no_new_privs = json_is_true(v);
		return 0;
	}
	if (strcmp(n, "os/linux/oom-score-adj") == 0) {
		if ((r = parse_int(n, v, -1000, 1000, &x, err)) < 0)
			return r;
		iso->has_oom_score_adj = true;
		iso->oom_score_adj = (int)x;
		return 0;
	}
	if (strcmp(n, "os/linux/cpu-shares") == 0) {
		if ((r = parse_int(n, v, 2, 262144, &iso->cpu_shares, err)) < 0)
			return r;
		iso->has_cpu_shares = true;
		return 0;
	}
	if (strcmp(n, "resource/memory") == 0) {
		int64_t milli = 0;
		if ((r = parse_resource(n, v, &iso->has_memory_limit, &milli, err)) < 0)
			return r;
		iso->memory_limit_bytes = milli / 1000;
		if (iso->has_memory_limit && iso->memory_limit_bytes < 4096)
			return s1_error(err, 0,
					"isolator %s: a limit under 4096 bytes is not usable", n);
		return 0;
	}
	if (strcmp(n, "resource/cpu") == 0) {
		if ((r = parse_resource(n, v, &iso->has_cpu_limit, &iso->cpu_limit_milli, err)) < 0)
			return r;
		if (iso->has_cpu_limit && iso->cpu_limit_milli < 1)
			return s1_error(err, 0, "isolator %s: limit below 1m", n);
		return 0;
	}
	if (is_app_seccomp(n))
		return 0; /* parse_seccomp */
	if (is_refused(n, disable_seccomp))
		return s1_error(
		    err, 0,
		    "isolator %s is not supported by stage1-c yet; running without it "
		    "would weaken the app's confinement%s",
		    n,
		    is_seccomp(n) ? " (--insecure-options=seccomp runs the app without it)" : "");
	if (!is_seccomp(n))
		s1_warn("isolator %s is not applied by stage1-c", n);
	return 0;
}

void isolators_free(struct s1_isolators *iso)
{
	seccomp_prog_free(&iso->seccomp);
}

int isolators_parse(const struct s1_app *app, const struct s1_pod_manifest *pod,
		    bool disable_seccomp, struct s1_isolators *iso, struct s1_err *err)
{
	bool retain = false, remove = false;
	int r;
	memset(iso, 0, sizeof(*iso));
	for (size_t i = 0; i < app->n_isolators; i++)
		if ((r = parse_one(&app->isolators[i], disable_seccomp, iso, &retain, &remove,
				   err)) < 0)
			return r;
	if (retain && remove)
		return s1_error(err, 0,
				"isolators os/linux/capabilities-retain-set and "
				"os/linux/capabilities-remove-set are mutually exclusive");
	if ((r = parse_seccomp(app, disable_seccomp, iso, err)) < 0)
		return r;
	/* Pod-level isolators: only the refused kinds matter; the rest are not applied. */
	for (size_t i = 0; pod && i < pod->n_isolators; i++) {
		const char *n = pod->isolators[i].name;
		if (is_refused(n, disable_seccomp)) {
			isolators_free(iso);
			return s1_error(err, 0, "pod isolator %s is not supported by stage1-c yet",
					n);
		}
		if (!is_seccomp(n))
			s1_warn("pod isolator %s is not applied by stage1-c", n);
	}
	return 0;
}
