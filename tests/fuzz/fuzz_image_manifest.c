/* Fuzzes manifest_image_parse, then isolators_parse and mountplan_build (fixed pod) of its app. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "stage1c/isolators.h"
#include "stage1c/manifest.h"
#include "stage1c/mountplan.h"

/* One app without an app section of its own (the image's applies), and two volumes. */
static const char pod_json[] =
    "{\"acKind\":\"PodManifest\",\"acVersion\":\"1.30.0\",\"apps\":[{\"name\":\"app\","
    "\"image\":{\"name\":\"example.com/app\",\"id\":\"sha512-0123456789abcdef\"},"
    "\"mounts\":[{\"volume\":\"data\",\"path\":\"/data\"}]}],"
    "\"volumes\":[{\"name\":\"data\",\"kind\":\"host\",\"source\":\"/srv/data\"},"
    "{\"name\":\"cache\",\"kind\":\"empty\",\"mode\":\"0700\",\"uid\":1000,\"gid\":1000}]}";
static struct s1_pod_manifest pod;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct s1_err err = {0};
	(void)argc;
	(void)argv;
	if (manifest_pod_parse(pod_json, strlen(pod_json), &pod, &err) < 0) {
		fprintf(stderr, "fixed pod manifest: %s\n", err.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s1_err err = {0};
	struct s1_image_manifest im;
	if (manifest_image_parse((const char *)data, size, &im, &err) < 0)
		return 0;
	if (im.has_app) {
		struct s1_isolators iso;
		if (isolators_parse(&im.app, NULL, false, &iso, &err) == 0)
			isolators_free(&iso);
		const struct s1_mountplan_opts opts = {S1_RESOLV_HOST, S1_HOSTS_STAGE0, true};
		struct s1_mount_plan plan;
		if (mountplan_build(&pod, &pod.apps[0], &im, &opts, &plan, &err) == 0)
			mountplan_free(&plan);
	}
	manifest_image_free(&im);
	return 0;
}
