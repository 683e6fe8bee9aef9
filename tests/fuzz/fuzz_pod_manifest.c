/* Fuzzes manifest_pod_parse, then isolators_parse, env_build and mountplan_build per app. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "stage1c/env.h"
#include "stage1c/isolators.h"
#include "stage1c/manifest.h"
#include "stage1c/mountplan.h"

/* The image of every app: an app section (used where the pod gives none) with a mount point. */
static const char image_json[] =
    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/app\","
    "\"app\":{\"exec\":[\"/bin/app\"],\"user\":\"0\",\"group\":\"0\","
    "\"mountPoints\":[{\"name\":\"data\",\"path\":\"/data\",\"readOnly\":true}]}}";
static struct s1_image_manifest image;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct s1_err err = {0};
	(void)argc;
	(void)argv;
	if (manifest_image_parse(image_json, strlen(image_json), &image, &err) < 0) {
		fprintf(stderr, "fixed image manifest: %s\n", err.msg);
		abort();
	}
	return 0;
}

/* The environment enter reads back (rkt/env/APP) is the one run built. */
static void check_env(const struct s1_app *app, const char *name)
{
	struct s1_err err = {0};
	char **envp = env_build(app, name, NULL), **back;
	char *text = env_serialize(envp);
	FUZZ_CHECK(env_parse(text, &back, &err) == 0);
	size_t i = 0;
	for (; envp[i] && back[i]; i++)
		FUZZ_CHECK(strcmp(envp[i], back[i]) == 0);
	FUZZ_CHECK(!envp[i] && !back[i]);
	env_free(back);
	free(text);
	env_free(envp);
}

static void check_plan(const struct s1_mount_plan *plan)
{
	for (size_t i = 0; i < plan->n_entries; i++) {
		const struct s1_mount_entry *e = &plan->entries[i];
		FUZZ_CHECK(e->target && e->target[0] == '/');
		if (e->op == S1_MOUNT_BIND || e->op == S1_MOUNT_COPY_FILE)
			FUZZ_CHECK(e->source && *e->source);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s1_err err = {0};
	struct s1_pod_manifest pod;
	if (manifest_pod_parse((const char *)data, size, &pod, &err) < 0)
		return 0;
	const struct s1_mountplan_opts opts = {S1_RESOLV_STAGE0, S1_HOSTS_DEFAULT, false};
	for (size_t i = 0; i < pod.n_apps; i++) {
		const struct s1_runtime_app *ra = &pod.apps[i];
		const struct s1_app *app = manifest_effective_app(ra, &image);
		struct s1_isolators iso;
		if (isolators_parse(app, &pod, false, &iso, &err) == 0) {
			FUZZ_CHECK(!iso.has_memory_limit || iso.memory_limit_bytes >= 4096);
			FUZZ_CHECK(!iso.has_cpu_limit || iso.cpu_limit_milli >= 1);
			isolators_free(&iso);
		}
		check_env(app, ra->name);
		struct s1_mount_plan plan;
		if (mountplan_build(&pod, ra, &image, &opts, &plan, &err) == 0) {
			check_plan(&plan);
			mountplan_free(&plan);
		}
	}
	manifest_pod_free(&pod);
	return 0;
}
