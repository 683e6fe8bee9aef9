/* Unit tests of the pod and image manifest parsers: rkt's real files, nulls, validation, and
 * error messages that name the field. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/manifest.h"
#include "stage1c/util.h"

/* The example files of /work/shared/examples (written by rkt 1.30), embedded so that the test
 * does not depend on anything outside the repository. */
/* pod-volume-user-env.json, verbatim */
static const char EX_POD_VOLUME_USER_ENV[] =
    "{\"acVersion\":\"1.30.0+git171c416f\",\"acKind\":\"PodManifest\",\"apps\":[{\"name\""
    ":\"busybox\",\"image\":{\"name\":\"example.com/busybox\",\"id\":\"sha512-881ea65611a"
    "f1ae2cd281645061199779d833338fa274bec3369bb88232485d3\",\"labels\":[{\"name\":\"os\""
    ",\"value\":\"linux\"},{\"name\":\"arch\",\"value\":\"amd64\"}]},\"app\":{\"exec\":["
    "\"/bin/sh\",\"-c\",\"exit 3\"],\"user\":\"1000\",\"group\":\"1000\",\"workingDirecto"
    "ry\":\"/tmp\",\"environment\":[{\"name\":\"FOO\",\"value\":\"bar\"}]},\"mounts\":[{"
    "\"volume\":\"data\",\"path\":\"/data\"}]}],\"volumes\":[{\"name\":\"data\",\"kind\":"
    "\"host\",\"source\":\"/srv/app-data\",\"readOnly\":true}],\"isolators\":null,\"annot"
    "ations\":[{\"name\":\"coreos.com/rkt/stage1/mutable\",\"value\":\"false\"}],\"ports"
    "\":[]}";

/* pod-isolators.json, verbatim */
static const char EX_POD_ISOLATORS[] =
    "{\"acVersion\":\"1.30.0+git171c416f\",\"acKind\":\"PodManifest\",\"apps\":[{\"name\""
    ":\"busybox\",\"image\":{\"name\":\"example.com/busybox\",\"id\":\"sha512-881ea65611a"
    "f1ae2cd281645061199779d833338fa274bec3369bb88232485d3\",\"labels\":[{\"name\":\"os\""
    ",\"value\":\"linux\"},{\"name\":\"arch\",\"value\":\"amd64\"}]},\"app\":{\"exec\":["
    "\"/bin/sh\",\"-c\",\"echo hello-from-stage2; id; cat /proc/self/status | grep Cap\"]"
    ",\"user\":\"0\",\"group\":\"0\",\"supplementaryGIDs\":[10,20],\"isolators\":[{\"name"
    "\":\"resource/memory\",\"value\":{\"default\":false,\"request\":\"64M\",\"limit\":\""
    "64M\"}},{\"name\":\"resource/cpu\",\"value\":{\"default\":false,\"request\":\"250m\""
    ",\"limit\":\"250m\"}},{\"name\":\"os/linux/cpu-shares\",\"value\":512},{\"name\":\"o"
    "s/linux/oom-score-adj\",\"value\":100},{\"name\":\"os/linux/capabilities-retain-set"
    "\",\"value\":{\"set\":[\"CAP_NET_BIND_SERVICE\",\"CAP_CHOWN\"]}},{\"name\":\"os/linu"
    "x/seccomp-retain-set\",\"value\":{\"set\":[\"@rkt/default-whitelist\"],\"errno\":\""
    "\"}}],\"userAnnotations\":{\"foo\":\"bar\"}}}],\"volumes\":null,\"isolators\":null,"
    "\"annotations\":[{\"name\":\"coreos.com/rkt/stage1/mutable\",\"value\":\"false\"}],"
    "\"ports\":[]}";

/* app-image-manifest.json, verbatim */
static const char EX_APP_IMAGE_MANIFEST[] =
    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/busybo"
    "x\",\"labels\":[{\"name\":\"os\",\"value\":\"linux\"},{\"name\":\"arch\",\"value\":"
    "\"amd64\"}],\"app\":{\"exec\":[\"/bin/sh\",\"-c\",\"echo hello-from-stage2; id; cat "
    "/proc/self/status | grep Cap\"],\"user\":\"0\",\"group\":\"0\"}}";

/* stage1-manifest-go-fly.json, verbatim */
static const char EX_STAGE1_MANIFEST_GO_FLY[] =
    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"coreos.com/rkt/sta"
    "ge1-fly\",\"labels\":[{\"name\":\"version\",\"value\":\"1.30.0+git171c416f\"},{\"nam"
    "e\":\"arch\",\"value\":\"amd64\"},{\"name\":\"os\",\"value\":\"linux\"}],\"annotatio"
    "ns\":[{\"name\":\"coreos.com/rkt/stage1/run\",\"value\":\"/run\"},{\"name\":\"coreos"
    ".com/rkt/stage1/enter\",\"value\":\"/enter\"},{\"name\":\"coreos.com/rkt/stage1/gc\""
    ",\"value\":\"/gc\"},{\"name\":\"coreos.com/rkt/stage1/stop\",\"value\":\"/stop\"},{"
    "\"name\":\"coreos.com/rkt/stage1/interface-version\",\"value\":\"5\"}]}";

#define IMG "'image':{'name':'example.com/busybox','id':'sha512-abc'}"
#define APP_SECTION "'app':{'exec':['/bin/sh'],'user':'0','group':'0'}"
/* A pod manifest with the given apps and volumes (JSON array contents). */
#define POD(apps, volumes)                                                                         \
	"{'acKind':'PodManifest','acVersion':'1.30.0','apps':[" apps "],'volumes':[" volumes "]}"
/* One runtime app named a, with extra fields in its app section. */
#define APP_WITH(app_fields)                                                                       \
	"{'name':'a'," IMG ",'app':{'exec':['/bin/sh'],'user':'0','group':'0'" app_fields "}}"

static void parse_pod_ok(const char *text, struct s1_pod_manifest *pod)
{
	struct s1_err err = {0};
	_cleanup_free_ char *t = js(text);
	if (manifest_pod_parse(t, strlen(t), pod, &err) != 0)
		fail_msg("pod manifest refused: %s\n%s", err.msg, t);
}

/* A refused manifest: -EINVAL, a message that names the field, nothing left allocated. */
static void expect_pod_error(const char *text, const char *needle)
{
	struct s1_err err = {0};
	struct s1_pod_manifest pod;
	_cleanup_free_ char *t = js(text);
	int r = manifest_pod_parse(t, strlen(t), &pod, &err);
	if (r == 0) {
		manifest_pod_free(&pod);
		fail_msg("accepted, expected \"%s\":\n%s", needle, t);
	}
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.code, EINVAL);
	if (strncmp(err.msg, "pod manifest: ", 14) != 0)
		fail_msg("message without its prefix: %s", err.msg);
	assert_contains(err.msg, needle);
	assert_null(pod.json);
	assert_null(pod.apps);
	assert_int_equal(pod.n_apps, 0);
}

static void expect_image_error(const char *text, const char *needle)
{
	struct s1_err err = {0};
	struct s1_image_manifest im;
	_cleanup_free_ char *t = js(text);
	int r = manifest_image_parse(t, strlen(t), &im, &err);
	if (r == 0) {
		manifest_image_free(&im);
		fail_msg("accepted, expected \"%s\":\n%s", needle, t);
	}
	assert_int_equal(r, -EINVAL);
	if (strncmp(err.msg, "image manifest: ", 16) != 0)
		fail_msg("message without its prefix: %s", err.msg);
	assert_contains(err.msg, needle);
	assert_null(im.json);
	assert_null(im.name);
}

static void test_example_pod_volume_user_env(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	struct s1_err err = {0};
	assert_int_equal(
	    manifest_pod_parse(EX_POD_VOLUME_USER_ENV, strlen(EX_POD_VOLUME_USER_ENV), &pod, &err),
	    0);
	assert_int_equal(pod.n_apps, 1);
	const struct s1_runtime_app *ra = &pod.apps[0];
	assert_string_equal(ra->name, "busybox");
	assert_string_equal(ra->image_name, "example.com/busybox");
	assert_string_equal(
	    ra->image_id,
	    "sha512-881ea65611af1ae2cd281645061199779d833338fa274bec3369bb88232485d3");
	assert_true(ra->has_app);
	assert_false(ra->read_only_rootfs);
	assert_string_equal(ra->app.exec[0], "/bin/sh");
	assert_string_equal(ra->app.exec[1], "-c");
	assert_string_equal(ra->app.exec[2], "exit 3");
	assert_null(ra->app.exec[3]);
	assert_string_equal(ra->app.user, "1000");
	assert_string_equal(ra->app.group, "1000");
	assert_string_equal(ra->app.working_directory, "/tmp");
	assert_int_equal(ra->app.n_environment, 1);
	assert_string_equal(ra->app.environment[0].name, "FOO");
	assert_string_equal(ra->app.environment[0].value, "bar");
	assert_int_equal(ra->app.n_supplementary_gids, 0);
	assert_int_equal(ra->app.n_isolators, 0);
	assert_int_equal(ra->n_mounts, 1);
	assert_string_equal(ra->mounts[0].volume, "data");
	assert_string_equal(ra->mounts[0].path, "/data");
	assert_null(ra->mounts[0].app_volume);

	assert_int_equal(pod.n_volumes, 1);
	const struct s1_volume *v = manifest_pod_find_volume(&pod, "data");
	assert_ptr_equal(v, &pod.volumes[0]);
	assert_int_equal(v->kind, S1_VOLUME_HOST);
	assert_string_equal(v->source, "/srv/app-data");
	assert_int_equal(v->read_only, S1_TRUE);
	assert_int_equal(v->recursive, S1_UNSET);
	assert_int_equal(v->mode, 0755);
	assert_int_equal(v->uid, 0);
	assert_int_equal(v->gid, 0);
	assert_null(manifest_pod_find_volume(&pod, "dat"));

	assert_int_equal(pod.n_isolators, 0); /* "isolators": null */
	assert_int_equal(pod.n_annotations, 1);
	assert_string_equal(pod.annotations[0].name, "coreos.com/rkt/stage1/mutable");
	assert_string_equal(pod.annotations[0].value, "false");
	assert_ptr_equal(manifest_pod_find_app(&pod, "busybox"), ra);
	assert_null(manifest_pod_find_app(&pod, "busybo"));
	manifest_pod_free(&pod);
	assert_null(pod.apps);
}

static void test_example_pod_isolators(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	struct s1_err err = {0};
	assert_int_equal(manifest_pod_parse(EX_POD_ISOLATORS, strlen(EX_POD_ISOLATORS), &pod, &err),
			 0);
	assert_int_equal(pod.n_apps, 1);
	assert_int_equal(pod.n_volumes, 0); /* "volumes": null */
	const struct s1_app *app = &pod.apps[0].app;
	assert_int_equal(app->n_supplementary_gids, 2);
	assert_int_equal(app->supplementary_gids[0], 10);
	assert_int_equal(app->supplementary_gids[1], 20);
	assert_int_equal(app->n_isolators, 6);
	static const char *const names[] = {"resource/memory",
					    "resource/cpu",
					    "os/linux/cpu-shares",
					    "os/linux/oom-score-adj",
					    "os/linux/capabilities-retain-set",
					    "os/linux/seccomp-retain-set"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(names); i++)
		assert_string_equal(app->isolators[i].name, names[i]);
	/* Values stay JSON, borrowed from the manifest's tree. */
	json_t *mem = app->isolators[0].value;
	assert_true(json_is_object(mem));
	assert_string_equal(json_string_value(json_object_get(mem, "limit")), "64M");
	assert_int_equal(json_integer_value(app->isolators[2].value), 512);
	assert_int_equal(json_integer_value(app->isolators[3].value), 100);
	manifest_pod_free(&pod);
}

static void test_example_image_manifests(void **state)
{
	(void)state;
	struct s1_image_manifest im;
	struct s1_err err = {0};
	assert_int_equal(
	    manifest_image_parse(EX_APP_IMAGE_MANIFEST, strlen(EX_APP_IMAGE_MANIFEST), &im, &err),
	    0);
	assert_string_equal(im.name, "example.com/busybox");
	assert_int_equal(im.n_labels, 2);
	assert_string_equal(im.labels[0].name, "os");
	assert_string_equal(im.labels[0].value, "linux");
	assert_string_equal(im.labels[1].value, "amd64");
	assert_true(im.has_app);
	assert_string_equal(im.app.exec[0], "/bin/sh");
	assert_string_equal(im.app.user, "0");
	assert_null(im.app.working_directory);
	manifest_image_free(&im);

	assert_int_equal(manifest_image_parse(EX_STAGE1_MANIFEST_GO_FLY,
					      strlen(EX_STAGE1_MANIFEST_GO_FLY), &im, &err),
			 0);
	assert_string_equal(im.name, "coreos.com/rkt/stage1-fly");
	assert_false(im.has_app);
	assert_int_equal(im.n_labels, 3);
	assert_int_equal(im.n_annotations, 5);
	assert_string_equal(im.annotations[4].name, "coreos.com/rkt/stage1/interface-version");
	assert_string_equal(im.annotations[4].value, "5");
	manifest_image_free(&im);
}

/* The pod's app section replaces the image's as a whole; with neither there is none. */
static void test_effective_app(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	struct s1_image_manifest im, stage1;
	struct s1_err err = {0};
	parse_pod_ok(POD("{'name':'noapp'," IMG ",'app':null},"
			 "{'name':'withapp'," IMG ",'app':{'exec':['/bin/true'],'user':'1',"
			 "'group':'2'}}",
			 ""),
		     &pod);
	assert_int_equal(
	    manifest_image_parse(EX_APP_IMAGE_MANIFEST, strlen(EX_APP_IMAGE_MANIFEST), &im, &err),
	    0);
	assert_int_equal(manifest_image_parse(EX_STAGE1_MANIFEST_GO_FLY,
					      strlen(EX_STAGE1_MANIFEST_GO_FLY), &stage1, &err),
			 0);
	const struct s1_runtime_app *noapp = manifest_pod_find_app(&pod, "noapp");
	const struct s1_runtime_app *withapp = manifest_pod_find_app(&pod, "withapp");
	assert_false(noapp->has_app);
	assert_ptr_equal(manifest_effective_app(noapp, &im), &im.app);
	assert_ptr_equal(manifest_effective_app(withapp, &im), &withapp->app);
	assert_string_equal(manifest_effective_app(withapp, &im)->exec[0], "/bin/true");
	assert_null(manifest_effective_app(noapp, &stage1));
	assert_null(manifest_effective_app(noapp, NULL));
	manifest_image_free(&stage1);
	manifest_image_free(&im);
	manifest_pod_free(&pod);
}

/* rkt writes "isolators": null; any array may be null or absent. */
static void test_null_arrays(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	parse_pod_ok("{'acKind':'PodManifest','acVersion':'1.30.0','apps':null,'volumes':null,"
		     "'isolators':null,'annotations':null,'ports':null}",
		     &pod);
	assert_int_equal(pod.n_apps, 0);
	assert_int_equal(pod.n_volumes, 0);
	assert_int_equal(pod.n_isolators, 0);
	assert_int_equal(pod.n_annotations, 0);
	manifest_pod_free(&pod);

	parse_pod_ok("{'acKind':'PodManifest','acVersion':'1.30.0'}", &pod);
	assert_int_equal(pod.n_apps, 0);
	manifest_pod_free(&pod);

	parse_pod_ok(POD("{'name':'a'," IMG ",'mounts':null,'annotations':null,"
			 "'app':{'exec':null,'user':'0','group':'0','supplementaryGIDs':null,"
			 "'eventHandlers':null,'environment':null,'mountPoints':null,"
			 "'isolators':null,'workingDirectory':null}}",
			 ""),
		     &pod);
	const struct s1_runtime_app *ra = &pod.apps[0];
	assert_int_equal(ra->n_mounts, 0);
	assert_null(ra->app.exec);
	assert_int_equal(ra->app.n_supplementary_gids, 0);
	assert_int_equal(ra->app.n_event_handlers, 0);
	assert_int_equal(ra->app.n_environment, 0);
	assert_int_equal(ra->app.n_mount_points, 0);
	assert_int_equal(ra->app.n_isolators, 0);
	assert_null(ra->app.working_directory);
	manifest_pod_free(&pod);
}

static void test_unknown_fields_ignored(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	parse_pod_ok("{'acKind':'PodManifest','acVersion':'1.30.0','future':{'x':[1,2]},"
		     "'userAnnotations':{'a':'b'},'userLabels':{'c':'d'},"
		     "'ports':[{'name':'http','hostPort':80}],"
		     "'apps':[{'name':'a','extra':true,"
		     "'image':{'name':'x','id':'sha512-00','labels':[],'more':1},"
		     "'app':{'exec':['/x'],'user':'0','group':'0','ports':[],'newField':null},"
		     "'mounts':[{'volume':'v','path':'/v','hint':'?'}]}],"
		     "'volumes':[{'name':'v','kind':'empty','whatever':'x'}]}",
		     &pod);
	assert_int_equal(pod.n_apps, 1);
	assert_int_equal(pod.n_volumes, 1);
	assert_int_equal(pod.volumes[0].kind, S1_VOLUME_EMPTY);
	manifest_pod_free(&pod);
}

static void test_duplicates_rejected(void **state)
{
	(void)state;
	expect_pod_error(POD(APP_WITH("") "," APP_WITH(""), ""),
			 "apps[1].name: duplicate app name \"a\"");
	expect_pod_error(POD("", "{'name':'v','kind':'empty'},{'name':'w','kind':'empty'},"
				 "{'name':'v','kind':'host','source':'/x'}"),
			 "volumes[2].name: duplicate volume name \"v\"");
	expect_pod_error(POD(APP_WITH(",'environment':[{'name':'A','value':'1'},"
				      "{'name':'A','value':'2'}]"),
			     ""),
			 "apps[0].app.environment[1].name: duplicate name \"A\"");
	expect_pod_error(POD(APP_WITH(",'mountPoints':[{'name':'m','path':'/a'},"
				      "{'name':'m','path':'/b'}]"),
			     ""),
			 "apps[0].app.mountPoints[1].name: duplicate mount point \"m\"");
	expect_pod_error(POD(APP_WITH(",'eventHandlers':[{'name':'pre-start','exec':['/a']},"
				      "{'name':'pre-start','exec':['/b']}]"),
			     ""),
			 "apps[0].app.eventHandlers[1].name: duplicate handler \"pre-start\"");
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1','annotations':["
			 "{'name':'x.io/a','value':'1'},{'name':'x.io/a','value':'2'}]}",
			 "annotations[1].name: duplicate name \"x.io/a\"");
	/* A key twice in one object is ambiguous JSON: refused rather than one silently kept. */
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1','apps':[],'apps':[]}",
			 "invalid JSON");
}

static void test_kind_and_version(void **state)
{
	(void)state;
	expect_pod_error("{'acKind':'ImageManifest','acVersion':'1'}",
			 "acKind: must be \"PodManifest\"");
	expect_pod_error("{'acVersion':'1'}", "acKind: must be \"PodManifest\"");
	expect_pod_error("{'acKind':42,'acVersion':'1'}", "acKind: must be \"PodManifest\"");
	expect_pod_error("{'acKind':'podmanifest','acVersion':'1'}", "acKind");
	expect_pod_error("{'acKind':'PodManifest'}", "acVersion: required field is missing");
	expect_pod_error("{'acKind':'PodManifest','acVersion':''}", "acVersion");
	expect_image_error("{'acKind':'PodManifest','acVersion':'0.8.11','name':'x'}",
			   "acKind: must be \"ImageManifest\"");
}

static void test_invalid_names(void **state)
{
	(void)state;
	expect_pod_error(POD("{'name':'Busy_Box'," IMG "," APP_SECTION "}", ""),
			 "apps[0].name: invalid app name \"Busy_Box\"");
	expect_pod_error(POD("{'name':'a--b'," IMG "," APP_SECTION "}", ""),
			 "apps[0].name: invalid app name \"a--b\"");
	expect_pod_error(POD("{'name':'../../x'," IMG "," APP_SECTION "}", ""),
			 "apps[0].name: invalid app name");
	expect_pod_error(POD("{" IMG "," APP_SECTION "}", ""),
			 "apps[0].name: required field is missing");
	expect_pod_error(POD("", "{'name':'-v','kind':'empty'}"),
			 "volumes[0].name: invalid volume name \"-v\"");
	expect_pod_error(POD("{'name':'a'," IMG ",'mounts':[{'volume':'V','path':'/v'}]}", ""),
			 "apps[0].mounts[0].volume: invalid volume name \"V\"");
	expect_pod_error(POD("{'name':'a','image':{'name':'Example.com','id':'sha512-ab'}}", ""),
			 "apps[0].image.name: invalid image name \"Example.com\"");
	expect_pod_error(POD("{'name':'a','image':{'name':'x','id':'sha256-ab'}}", ""),
			 "apps[0].image.id: invalid image id \"sha256-ab\"");
	expect_pod_error(POD("{'name':'a','image':{'name':'x'}}", ""),
			 "apps[0].image.id: required field is missing");
	expect_pod_error(POD(APP_WITH(",'environment':[{'name':'1FOO','value':'x'}]"), ""),
			 "apps[0].app.environment[0].name: invalid environment variable name "
			 "\"1FOO\"");
	expect_pod_error(POD(APP_WITH(",'environment':[{'name':'A=B','value':'x'}]"), ""),
			 "apps[0].app.environment[0].name: invalid environment variable name");
	expect_pod_error(POD(APP_WITH(",'mountPoints':[{'name':'Data','path':'/d'}]"), ""),
			 "apps[0].app.mountPoints[0].name: invalid mount point name \"Data\"");
	expect_pod_error(POD(APP_WITH(",'isolators':[{'name':'Resource/Memory','value':{}}]"), ""),
			 "apps[0].app.isolators[0].name: invalid isolator name");
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1','annotations':["
			 "{'name':'Bad Name','value':'1'}]}",
			 "annotations[0].name: invalid annotation name \"Bad Name\"");
	expect_pod_error(POD("{'name':'a'," IMG ",'annotations':[{'name':'a b','value':'1'}]}", ""),
			 "apps[0].annotations[0].name: invalid annotation name");
	expect_image_error("{'acKind':'ImageManifest','acVersion':'0.8.11','name':'Bad/Name'}",
			   "name: invalid image name \"Bad/Name\"");
	expect_image_error("{'acKind':'ImageManifest','acVersion':'0.8.11'}",
			   "name: required field is missing");
	expect_image_error("{'acKind':'ImageManifest','acVersion':'0.8.11','name':'x',"
			   "'labels':[{'name':'OS','value':'linux'}]}",
			   "labels[0].name: invalid annotation name \"OS\"");
}

static void test_json_syntax_errors(void **state)
{
	(void)state;
	expect_pod_error("{\n'acKind':'PodManifest',\n'acVersion': ,\n}", "invalid JSON at line 3");
	expect_pod_error("", "invalid JSON at line");
	expect_pod_error("{'acKind':'PodManifest'", "invalid JSON at line 1");
	expect_pod_error("[]", "must be a JSON object");
	expect_pod_error("null", "invalid JSON at line 1");
	expect_image_error("{\n\n\n\n'name': 'x',,}", "invalid JSON at line 5");

	/* Text after the object, and an embedded NUL: not a manifest. */
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1'} {}", "invalid JSON");
	struct s1_pod_manifest pod;
	struct s1_err err = {0};
	static const char nul[] = "{\"acKind\":\"PodManifest\",\"acVersion\":\"1\"}\0garbage";
	assert_int_not_equal(manifest_pod_parse(nul, sizeof(nul) - 1, &pod, &err), 0);
	assert_contains(err.msg, "invalid JSON");
	/* Only len bytes are read: the same text cut short is a syntax error, not an overread. */
	static const char cut[] = "{\"acKind\":\"PodManifest\",\"acVersion\":\"1\"}";
	assert_int_not_equal(manifest_pod_parse(cut, sizeof(cut) - 2, &pod, &err), 0);
	assert_contains(err.msg, "invalid JSON at line 1");
}

static void test_supplementary_gids(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	parse_pod_ok(POD(APP_WITH(",'supplementaryGIDs':[0,4294967294,5,5]"), ""), &pod);
	const struct s1_app *app = &pod.apps[0].app;
	assert_int_equal(app->n_supplementary_gids, 4);
	assert_int_equal(app->supplementary_gids[0], 0);
	assert_int_equal(app->supplementary_gids[1], 4294967294u);
	assert_int_equal(app->supplementary_gids[3], 5);
	manifest_pod_free(&pod);

	parse_pod_ok(POD(APP_WITH(",'supplementaryGIDs':[]"), ""), &pod);
	assert_int_equal(pod.apps[0].app.n_supplementary_gids, 0);
	manifest_pod_free(&pod);

	static const char *const bad[] = {"-1",	  "'10'", "4294967295",		"1.5",
					  "null", "true", "9223372036854775807"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *text =
		    s1_xasprintf(POD(APP_WITH(",'supplementaryGIDs':[3,%s]"), ""), bad[i]);
		expect_pod_error(text,
				 "apps[0].app.supplementaryGIDs[1]: must be a group id (integer)");
	}
	expect_pod_error(POD(APP_WITH(",'supplementaryGIDs':5"), ""),
			 "apps[0].app.supplementaryGIDs: must be an array");
}

static void test_event_handlers(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	parse_pod_ok(POD(APP_WITH(",'eventHandlers':[{'name':'pre-start','exec':['/bin/a','x']},"
				  "{'name':'post-stop','exec':['/bin/b']}]"),
			 ""),
		     &pod);
	const struct s1_app *app = &pod.apps[0].app;
	assert_int_equal(app->n_event_handlers, 2);
	assert_string_equal(app->event_handlers[0].name, "pre-start");
	assert_string_equal(app->event_handlers[0].exec[0], "/bin/a");
	assert_string_equal(app->event_handlers[0].exec[1], "x");
	assert_null(app->event_handlers[0].exec[2]);
	assert_string_equal(app->event_handlers[1].name, "post-stop");
	manifest_pod_free(&pod);

	expect_pod_error(POD(APP_WITH(",'eventHandlers':[{'name':'on-start','exec':['/a']}]"), ""),
			 "apps[0].app.eventHandlers[0].name: unknown event handler \"on-start\"");
	expect_pod_error(POD(APP_WITH(",'eventHandlers':[{'name':'pre-start'}]"), ""),
			 "apps[0].app.eventHandlers[0].exec: must be a non-empty array");
	expect_pod_error(POD(APP_WITH(",'eventHandlers':[{'name':'pre-start','exec':[]}]"), ""),
			 "apps[0].app.eventHandlers[0].exec: must be a non-empty array");
	expect_pod_error(
	    POD(APP_WITH(",'eventHandlers':[{'name':'post-stop','exec':['/a',1]}]"), ""),
	    "apps[0].app.eventHandlers[0].exec: must be a non-empty array");
	expect_pod_error(POD(APP_WITH(",'eventHandlers':[{'exec':['/a']}]"), ""),
			 "apps[0].app.eventHandlers[0].name: required field is missing");
	expect_pod_error(POD(APP_WITH(",'eventHandlers':['pre-start']"), ""),
			 "apps[0].app.eventHandlers[0]: must be an object");
}

static void test_app_volume(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	parse_pod_ok(POD("{'name':'a'," IMG ",'mounts':[{'volume':'scratch','path':'/s',"
			 "'appVolume':{'name':'scratch','kind':'empty','mode':'0700','uid':1000,"
			 "'gid':100,'readOnly':false}},"
			 "{'volume':'other','path':'/o','appVolume':null}]}",
			 ""),
		     &pod);
	const struct s1_runtime_mount *m = &pod.apps[0].mounts[0];
	assert_non_null(m->app_volume);
	assert_string_equal(m->app_volume->name, "scratch");
	assert_int_equal(m->app_volume->kind, S1_VOLUME_EMPTY);
	assert_int_equal(m->app_volume->mode, 0700);
	assert_int_equal(m->app_volume->uid, 1000);
	assert_int_equal(m->app_volume->gid, 100);
	assert_int_equal(m->app_volume->read_only, S1_FALSE);
	assert_null(pod.apps[0].mounts[1].app_volume);
	manifest_pod_free(&pod);

	expect_pod_error(POD("{'name':'a'," IMG ",'mounts':[{'volume':'s','path':'/s',"
			     "'appVolume':{'name':'s','kind':'tmpfs'}}]}",
			     ""),
			 "apps[0].mounts[0].appVolume.kind: unknown volume kind \"tmpfs\"");
	expect_pod_error(POD("{'name':'a'," IMG ",'mounts':[{'volume':'s','path':'/s',"
			     "'appVolume':{'name':'s','kind':'host'}}]}",
			     ""),
			 "apps[0].mounts[0].appVolume.source: a host volume needs an absolute "
			 "source path");
	expect_pod_error(POD("{'name':'a'," IMG ",'mounts':[{'volume':'s','path':'/s',"
			     "'appVolume':'s'}]}",
			     ""),
			 "apps[0].mounts[0].appVolume: must be an object");
	expect_pod_error(POD("{'name':'a'," IMG ",'mounts':[{'volume':'s','path':'s'}]}", ""),
			 "apps[0].mounts[0].path: must be an absolute path");
	expect_pod_error(POD("{'name':'a'," IMG ",'mounts':[{'volume':'s'}]}", ""),
			 "apps[0].mounts[0].path: required field is missing");
	expect_pod_error(POD("{'name':'a'," IMG ",'mounts':{'volume':'s'}}", ""),
			 "apps[0].mounts: must be an array");
}

static void test_volume_fields(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	parse_pod_ok(POD("", "{'name':'e','kind':'empty'},"
			     "{'name':'m','kind':'empty','mode':'1777','uid':4294967294,'gid':7},"
			     "{'name':'h','kind':'host','source':'/srv','recursive':true,"
			     "'readOnly':false},"
			     "{'name':'z','kind':'empty','mode':'7777','recursive':false}"),
		     &pod);
	assert_int_equal(pod.volumes[0].mode, 0755);
	assert_int_equal(pod.volumes[0].uid, 0);
	assert_int_equal(pod.volumes[0].gid, 0);
	assert_null(pod.volumes[0].source);
	assert_int_equal(pod.volumes[0].read_only, S1_UNSET);
	assert_int_equal(pod.volumes[1].mode, 01777);
	assert_int_equal(pod.volumes[1].uid, 4294967294u);
	assert_int_equal(pod.volumes[1].gid, 7);
	assert_int_equal(pod.volumes[2].recursive, S1_TRUE);
	assert_int_equal(pod.volumes[2].read_only, S1_FALSE);
	assert_int_equal(pod.volumes[3].mode, 07777);
	assert_int_equal(pod.volumes[3].recursive, S1_FALSE);
	manifest_pod_free(&pod);

	static const char *const bad_modes[] = {"abc",	 "0789", "",	  "077777", "-755",
						"0x1ff", "755 ", "17777", "8"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad_modes); i++) {
		_cleanup_free_ char *text =
		    s1_xasprintf(POD("", "{'name':'v','kind':'empty','mode':'%s'}"), bad_modes[i]);
		_cleanup_free_ char *want =
		    s1_xasprintf("volumes[0].mode: invalid mode \"%s\"", bad_modes[i]);
		expect_pod_error(text, want);
	}
	expect_pod_error(POD("", "{'name':'v','kind':'empty','mode':493}"),
			 "volumes[0].mode: must be a string");
	expect_pod_error(POD("", "{'name':'v'}"), "volumes[0].kind: required field is missing");
	expect_pod_error(POD("", "{'name':'v','kind':'Host','source':'/x'}"),
			 "volumes[0].kind: unknown volume kind \"Host\"");
	expect_pod_error(POD("", "{'name':'v','kind':'host'}"),
			 "volumes[0].source: a host volume needs an absolute source path");
	expect_pod_error(POD("", "{'name':'v','kind':'host','source':'srv/data'}"),
			 "volumes[0].source: a host volume needs an absolute source path");
	expect_pod_error(POD("", "{'name':'v','kind':'host','source':''}"), "volumes[0].source");
	expect_pod_error(POD("", "{'name':'v','kind':'empty','uid':-1}"),
			 "volumes[0].uid: out of range");
	expect_pod_error(POD("", "{'name':'v','kind':'empty','gid':4294967295}"),
			 "volumes[0].gid: out of range");
	expect_pod_error(POD("", "{'name':'v','kind':'empty','uid':'0'}"),
			 "volumes[0].uid: must be an integer");
	expect_pod_error(POD("", "{'name':'v','kind':'empty','readOnly':'true'}"),
			 "volumes[0].readOnly: must be true or false");
	expect_pod_error(POD("", "{'name':'v','kind':'empty','recursive':1}"),
			 "volumes[0].recursive: must be true or false");
	expect_pod_error(POD("", "'v'"), "volumes[0]: must be an object");
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1','volumes':{}}",
			 "volumes: must be an array");
}

static void test_app_fields(void **state)
{
	(void)state;
	struct s1_pod_manifest pod;
	parse_pod_ok(POD("{'name':'a'," IMG ",'readOnlyRootFS':true,'app':{'exec':['rel/x',''],"
			 "'user':'/etc/owner','group':'wheel','workingDirectory':'',"
			 "'environment':[{'name':'EMPTY'},{'name':'NL','value':'a\\nb'}],"
			 "'mountPoints':[{'name':'data','path':'/data','readOnly':true},"
			 "{'name':'logs','path':'/logs'}]}}",
			 ""),
		     &pod);
	const struct s1_runtime_app *ra = &pod.apps[0];
	assert_true(ra->read_only_rootfs);
	assert_string_equal(ra->app.exec[0], "rel/x");
	assert_string_equal(ra->app.exec[1], ""); /* only exec[0] must be non-empty */
	assert_string_equal(ra->app.user, "/etc/owner");
	assert_null(ra->app.working_directory); /* "" means the default, "/" */
	assert_string_equal(ra->app.environment[0].value, "");
	assert_string_equal(ra->app.environment[1].value, "a\nb");
	assert_int_equal(ra->app.n_mount_points, 2);
	assert_true(ra->app.mount_points[0].read_only);
	assert_false(ra->app.mount_points[1].read_only);
	manifest_pod_free(&pod);

	static const struct {
		const char *app, *msg;
	} bad[] = {
	    {"{'exec':[],'user':'0','group':'0'}", "apps[0].app.exec: must be a non-empty array"},
	    {"{'exec':[''],'user':'0','group':'0'}", "apps[0].app.exec: must be a non-empty"},
	    {"{'exec':[1],'user':'0','group':'0'}", "apps[0].app.exec: must be a non-empty"},
	    {"{'exec':'/bin/sh','user':'0','group':'0'}", "apps[0].app.exec: must be a non-empty"},
	    {"{'exec':['/a'],'group':'0'}", "apps[0].app.user: required field is missing"},
	    {"{'exec':['/a'],'user':'0'}", "apps[0].app.group: required field is missing"},
	    {"{'exec':['/a'],'user':'','group':'0'}", "apps[0].app.user: must not be empty"},
	    {"{'exec':['/a'],'user':'0','group':''}", "apps[0].app.group: must not be empty"},
	    {"{'exec':['/a'],'user':0,'group':'0'}", "apps[0].app.user: must be a string"},
	    {"{'exec':['/a'],'user':'0','group':0}", "apps[0].app.group: must be a string"},
	    {"{'exec':['/a'],'user':'0','group':'0','workingDirectory':'tmp'}",
	     "apps[0].app.workingDirectory: must be an absolute path"},
	    {"{'exec':['/a'],'user':'0','group':'0','workingDirectory':7}",
	     "apps[0].app.workingDirectory: must be a string"},
	    {"{'exec':['/a'],'user':'0','group':'0','mountPoints':[{'name':'d','path':'d'}]}",
	     "apps[0].app.mountPoints[0].path: must be an absolute path"},
	    {"{'exec':['/a'],'user':'0','group':'0','mountPoints':[{'name':'d'}]}",
	     "apps[0].app.mountPoints[0].path: required field is missing"},
	    {"{'exec':['/a'],'user':'0','group':'0','mountPoints':[{'name':'d','path':'/d',"
	     "'readOnly':'yes'}]}",
	     "apps[0].app.mountPoints[0].readOnly: must be true or false"},
	    {"{'exec':['/a'],'user':'0','group':'0','isolators':[{'name':'resource/memory'}]}",
	     "apps[0].app.isolators[0].value: required field is missing"},
	    {"{'exec':['/a'],'user':'0','group':'0','isolators':{}}",
	     "apps[0].app.isolators: must be an array"},
	    {"{'exec':['/a'],'user':'0','group':'0','environment':[{'name':'A','value':1}]}",
	     "apps[0].app.environment[0].value: must be a string"},
	    {"{'exec':['/a'],'user':'0','group':'0','environment':['A=1']}",
	     "apps[0].app.environment[0]: must be an object"},
	    {"'just a string'", "apps[0].app: must be an object"},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *text =
		    s1_xasprintf(POD("{'name':'a'," IMG ",'app':%s}", ""), bad[i].app);
		expect_pod_error(text, bad[i].msg);
	}
	expect_pod_error(POD("{'name':'a'}", ""), "apps[0].image: required object is missing");
	expect_pod_error(POD("{'name':'a','image':'x'}", ""),
			 "apps[0].image: required object is missing");
	expect_pod_error(POD("{'name':'a'," IMG ",'readOnlyRootFS':'true'}", ""),
			 "apps[0].readOnlyRootFS: must be true or false");
	expect_pod_error(POD("'a'", ""), "apps[0]: must be an object");
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1','apps':'a'}",
			 "apps: must be an array");
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1','annotations':[{'name':'a'}]}",
			 "annotations[0].value: required field is missing");
	expect_pod_error("{'acKind':'PodManifest','acVersion':'1','isolators':[{'value':1}]}",
			 "isolators[0].name: required field is missing");
}

static void test_image_manifest_errors(void **state)
{
	(void)state;
#define IM(rest) "{'acKind':'ImageManifest','acVersion':'0.8.11','name':'example.com/x'" rest "}"
	struct s1_image_manifest im;
	struct s1_err err = {0};
	_cleanup_free_ char *ok = js(IM(",'app':null,'labels':null,'annotations':null"));
	assert_int_equal(manifest_image_parse(ok, strlen(ok), &im, &err), 0);
	assert_false(im.has_app);
	assert_int_equal(im.n_labels, 0);
	manifest_image_free(&im);

	expect_image_error(IM(",'app':{'exec':['/a'],'group':'0'}"),
			   "app.user: required field is missing");
	expect_image_error(IM(",'app':{'exec':['/a'],'user':'0','group':'0',"
			      "'mountPoints':[{'name':'m','path':'rel'}]}"),
			   "app.mountPoints[0].path: must be an absolute path");
	expect_image_error(IM(",'labels':[{'name':'os','value':'linux'},"
			      "{'name':'os','value':'darwin'}]"),
			   "labels[1].name: duplicate name \"os\"");
	expect_image_error(IM(",'labels':[{'name':'os'}]"),
			   "labels[0].value: required field is missing");
	expect_image_error(IM(",'annotations':[{'name':'a','value':null}]"),
			   "annotations[0].value: required field is missing");
	expect_image_error(IM(",'app':[]"), "app: must be an object");
	expect_image_error("{'acKind':'ImageManifest','acVersion':'0.8.11','name':5}",
			   "name: must be a string");
#undef IM
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_pod_volume_user_env),
	    cmocka_unit_test(test_example_pod_isolators),
	    cmocka_unit_test(test_example_image_manifests),
	    cmocka_unit_test(test_effective_app),
	    cmocka_unit_test(test_null_arrays),
	    cmocka_unit_test(test_unknown_fields_ignored),
	    cmocka_unit_test(test_duplicates_rejected),
	    cmocka_unit_test(test_kind_and_version),
	    cmocka_unit_test(test_invalid_names),
	    cmocka_unit_test(test_json_syntax_errors),
	    cmocka_unit_test(test_supplementary_gids),
	    cmocka_unit_test(test_event_handlers),
	    cmocka_unit_test(test_app_volume),
	    cmocka_unit_test(test_volume_fields),
	    cmocka_unit_test(test_app_fields),
	    cmocka_unit_test(test_image_manifest_errors),
	};
	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
