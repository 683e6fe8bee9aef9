/* Unit tests of the mount plan: system mounts, protected paths, volume merging (contract §6
 * steps 1-8) and DNS files, computed from real manifests without mounting anything. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/manifest.h"
#include "stage1c/mountplan.h"
#include "stage1c/util.h"

#define IMG "'image':{'name':'example.com/x','id':'sha512-abc'}"
#define APP "'exec':['/bin/sh'],'user':'0','group':'0'"
/* A pod with one app "a" (runtime fields ra) and the given volumes. */
#define POD(ra, volumes)                                                                           \
	"{'acKind':'PodManifest','acVersion':'1.30.0','apps':[{'name':'a'," IMG ra "}],"           \
	"'volumes':[" volumes "]}"
#define IMAGE(app_fields)                                                                          \
	"{'acKind':'ImageManifest','acVersion':'0.8.11','name':'example.com/x','app':{" APP        \
	    app_fields "}}"

static const struct s1_mountplan_opts defaults = {S1_RESOLV_DEFAULT, S1_HOSTS_DEFAULT, false};

struct built {
	struct s1_pod_manifest pod;
	struct s1_image_manifest im;
	bool has_im;
	struct s1_mount_plan plan;
	struct s1_err err;
	int r;
};

static void build(struct built *b, const char *pod_text, const char *im_text,
		  const struct s1_mountplan_opts *opts)
{
	memset(b, 0, sizeof(*b));
	_cleanup_free_ char *pt = js(pod_text);
	if (manifest_pod_parse(pt, strlen(pt), &b->pod, &b->err) != 0)
		fail_msg("test pod manifest: %s", b->err.msg);
	if (im_text) {
		_cleanup_free_ char *it = js(im_text);
		if (manifest_image_parse(it, strlen(it), &b->im, &b->err) != 0)
			fail_msg("test image manifest: %s", b->err.msg);
		b->has_im = true;
	}
	b->r = mountplan_build(&b->pod, &b->pod.apps[0], b->has_im ? &b->im : NULL, opts, &b->plan,
			       &b->err);
}

static void built_free(struct built *b)
{
	mountplan_free(&b->plan);
	assert_null(b->plan.entries);
	assert_int_equal(b->plan.n_entries, 0);
	manifest_pod_free(&b->pod);
	if (b->has_im)
		manifest_image_free(&b->im);
}

static void plan_ok(struct built *b, const char *pod_text, const char *im_text,
		    const struct s1_mountplan_opts *opts)
{
	build(b, pod_text, im_text, opts);
	if (b->r != 0)
		fail_msg("mountplan_build: %s", b->err.msg);
}

/* A failing build: -EINVAL, the message, and an empty plan. */
static void plan_err(const char *pod_text, const char *im_text, const char *needle)
{
	struct built b;
	build(&b, pod_text, im_text, &defaults);
	if (b.r == 0)
		fail_msg("built a plan of %zu entries, expected \"%s\"", b.plan.n_entries, needle);
	assert_int_equal(b.r, -EINVAL);
	assert_contains(b.err.msg, needle);
	assert_null(b.plan.entries);
	assert_int_equal(b.plan.n_entries, 0);
	built_free(&b);
}

static ssize_t find(const struct s1_mount_plan *plan, enum s1_mount_op op, const char *target)
{
	for (size_t i = 0; i < plan->n_entries; i++)
		if (plan->entries[i].op == op && strcmp(plan->entries[i].target, target) == 0)
			return (ssize_t)i;
	return -1;
}

static size_t count_op(const struct s1_mount_plan *plan, enum s1_mount_op op)
{
	size_t n = 0;
	for (size_t i = 0; i < plan->n_entries; i++)
		n += plan->entries[i].op == op;
	return n;
}

static const struct s1_mount_entry *entry(const struct s1_mount_plan *plan, enum s1_mount_op op,
					  const char *target)
{
	ssize_t i = find(plan, op, target);
	if (i < 0)
		fail_msg("no entry (op %d) for %s", op, target);
	return &plan->entries[i];
}

/* The entries that come from volumes (binds whose "what" names a volume), in order. */
static size_t volume_entries(const struct s1_mount_plan *plan, const struct s1_mount_entry **out,
			     size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < plan->n_entries; i++)
		if (plan->entries[i].op == S1_MOUNT_BIND &&
		    strncmp(plan->entries[i].what, "volume ", 7) == 0 && n < max)
			out[n++] = &plan->entries[i];
	return n;
}

static const char *const proc_readonly[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/bus"};
static const char *const proc_masked[] = {"/proc/config.gz", "/proc/kallsyms", "/proc/sched_debug",
					  "/proc/kcore",     "/proc/kmem",     "/proc/mem"};

static void test_system_mounts(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b,
		POD(",'app':{" APP "},'mounts':[{'volume':'v','path':'/v'}]",
		    "{'name':'v','kind':'host','source':'/srv'}"),
		NULL, &defaults);
	const struct s1_mount_plan *p = &b.plan;
	static const char *const sys[] = {"/dev", "/proc", "/sys"};
	for (size_t i = 0; i < 3; i++) {
		const struct s1_mount_entry *e = &p->entries[i];
		assert_int_equal(e->op, S1_MOUNT_BIND);
		assert_string_equal(e->target, sys[i]);
		assert_string_equal(e->source, sys[i]);
		assert_int_equal(e->source_base, S1_SOURCE_HOST);
		assert_true(e->recursive);
		assert_false(e->create_empty_dir);
	}
	assert_false(p->entries[0].read_only);
	assert_false(p->entries[1].read_only);
	assert_true(p->entries[2].read_only); /* /sys, unless --disable-paths */
	ssize_t tmp = find(p, S1_MOUNT_TMPFS, "/tmp");
	ssize_t vol = find(p, S1_MOUNT_BIND, "/v");
	assert_true(tmp > 2);
	assert_true(vol > tmp);
	assert_int_equal(count_op(p, S1_MOUNT_TMPFS), 1);
	/* Everything protective comes after /proc and /sys are there, before the volumes. */
	for (size_t i = 0; i < p->n_entries; i++)
		if (p->entries[i].op == S1_MOUNT_READONLY || p->entries[i].op == S1_MOUNT_MASK)
			assert_true(i > 2 && (ssize_t)i < vol);
	assert_false(p->read_only_root);
	built_free(&b);
}

static void test_protected_paths(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b, POD("", ""), NULL, &defaults);
	const struct s1_mount_plan *p = &b.plan;
	assert_int_equal(count_op(p, S1_MOUNT_READONLY), S1_ARRAY_SIZE(proc_readonly));
	for (size_t i = 0; i < S1_ARRAY_SIZE(proc_readonly); i++)
		assert_true(entry(p, S1_MOUNT_READONLY, proc_readonly[i])->recursive);
	assert_int_equal(count_op(p, S1_MOUNT_MASK), S1_ARRAY_SIZE(proc_masked));
	for (size_t i = 0; i < S1_ARRAY_SIZE(proc_masked); i++)
		entry(p, S1_MOUNT_MASK, proc_masked[i]);
	built_free(&b);

	struct s1_mountplan_opts off = defaults;
	off.disable_paths = true;
	plan_ok(&b, POD("", ""), NULL, &off);
	p = &b.plan;
	assert_int_equal(count_op(p, S1_MOUNT_READONLY), 0);
	assert_int_equal(count_op(p, S1_MOUNT_MASK), 0);
	assert_false(entry(p, S1_MOUNT_BIND, "/sys")->read_only);
	/* The system mounts themselves stay, in their order. */
	assert_string_equal(p->entries[0].target, "/dev");
	assert_string_equal(p->entries[1].target, "/proc");
	assert_string_equal(p->entries[2].target, "/sys");
	assert_int_equal(p->entries[3].op, S1_MOUNT_TMPFS);
	assert_string_equal(p->entries[3].target, "/tmp");
	built_free(&b);
}

static void test_host_volume(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b,
		POD(",'app':{" APP "},'mounts':[{'volume':'data','path':'/data'}]",
		    "{'name':'data','kind':'host','source':'/srv/app-data','readOnly':true},"
		    "{'name':'unused','kind':'host','source':'/unused'}"),
		NULL, &defaults);
	const struct s1_mount_entry *v[8];
	assert_int_equal(volume_entries(&b.plan, v, 8), 1); /* unused volumes are skipped */
	assert_string_equal(v[0]->source, "/srv/app-data");
	assert_int_equal(v[0]->source_base, S1_SOURCE_HOST);
	assert_string_equal(v[0]->target, "/data");
	assert_true(v[0]->read_only);
	assert_false(v[0]->recursive);
	assert_false(v[0]->create_empty_dir);
	assert_string_equal(v[0]->what, "volume \"data\"");
	assert_int_equal(find(&b.plan, S1_MOUNT_BIND, "/unused"), -1);
	built_free(&b);
}

static void test_recursive_only_when_true(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b,
		POD(",'mounts':[{'volume':'t','path':'/t'},{'volume':'f','path':'/f'},"
		    "{'volume':'u','path':'/u'}]",
		    "{'name':'t','kind':'host','source':'/t','recursive':true},"
		    "{'name':'f','kind':'host','source':'/f','recursive':false},"
		    "{'name':'u','kind':'host','source':'/u'}"),
		NULL, &defaults);
	assert_true(entry(&b.plan, S1_MOUNT_BIND, "/t")->recursive);
	assert_false(entry(&b.plan, S1_MOUNT_BIND, "/f")->recursive);
	assert_false(entry(&b.plan, S1_MOUNT_BIND, "/u")->recursive);
	built_free(&b);
}

static void test_duplicate_mount(void **state)
{
	(void)state;
	plan_err(POD(",'mounts':[{'volume':'data','path':'/a'},{'volume':'data','path':'/b'}]",
		     "{'name':'data','kind':'empty'}"),
		 NULL, "duplicate mount given: \"data\"");
	plan_err(POD(",'mounts':[{'volume':'data','path':'/a'},{'volume':'data','path':'/a'}]",
		     "{'name':'data','kind':'empty'}"),
		 NULL, "duplicate mount given: \"data\"");
}

static void test_missing_volume(void **state)
{
	(void)state;
	plan_err(POD("", ""), IMAGE(",'mountPoints':[{'name':'logs','path':'/var/log'}]"),
		 "missing volume for mountpoint \"logs\"");
	plan_err(POD(",'app':{" APP ",'mountPoints':[{'name':'cache','path':'/cache'}]}",
		     "{'name':'other','kind':'empty'}"),
		 NULL, "missing volume for mountpoint \"cache\"");
	plan_err(POD(",'mounts':[{'volume':'nov','path':'/x'}]", "{'name':'other','kind':'empty'}"),
		 NULL, "mount \"/x\": no volume named \"nov\" in the pod");
}

static void test_conflicting_paths(void **state)
{
	(void)state;
	plan_err(
	    POD(",'mounts':[{'volume':'data','path':'/data'}]", "{'name':'data','kind':'empty'}"),
	    IMAGE(",'mountPoints':[{'name':'data','path':'/other'}]"),
	    "conflicting path information from mount and mountpoint \"data\" (/data vs "
	    "/other)");
	plan_err(POD(",'app':{" APP ",'mountPoints':[{'name':'data','path':'/b'}]}",
		     "{'name':'data','kind':'empty'}"),
		 IMAGE(",'mountPoints':[{'name':'data','path':'/a'}]"),
		 "conflicting path information from mount and mountpoint \"data\" (/a vs /b)");

	/* The same name with the same path is one mount, not two. */
	struct built b;
	plan_ok(&b,
		POD(",'app':{" APP ",'mountPoints':[{'name':'data','path':'/data'}]},"
		    "'mounts':[{'volume':'data','path':'/data'}]",
		    "{'name':'data','kind':'host','source':'/srv'}"),
		IMAGE(",'mountPoints':[{'name':'data','path':'/data'}]"), &defaults);
	const struct s1_mount_entry *v[8];
	assert_int_equal(volume_entries(&b.plan, v, 8), 1);
	built_free(&b);
}

/* Runtime mounts first, then the image's mountPoints, then the app's, for new names only. */
static void test_merge_order(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b,
		POD(",'app':{" APP ",'mountPoints':[{'name':'c','path':'/c'},"
		    "{'name':'b','path':'/b'}]},'mounts':[{'volume':'a','path':'/a'}]",
		    "{'name':'c','kind':'empty'},{'name':'b','kind':'empty'},"
		    "{'name':'a','kind':'empty'},{'name':'i','kind':'empty'}"),
		IMAGE(",'mountPoints':[{'name':'i','path':'/i'},{'name':'b','path':'/b'}]"),
		&defaults);
	const struct s1_mount_entry *v[8];
	assert_int_equal(volume_entries(&b.plan, v, 8), 4);
	assert_string_equal(v[0]->target, "/a");
	assert_string_equal(v[1]->target, "/i");
	assert_string_equal(v[2]->target, "/b");
	assert_string_equal(v[3]->target, "/c");
	built_free(&b);

	/* An image mountPoint is honoured when the pod does not replace the app section. */
	plan_ok(&b, POD("", "{'name':'logs','kind':'host','source':'/var/log/app'}"),
		IMAGE(",'mountPoints':[{'name':'logs','path':'/var/log'}]"), &defaults);
	assert_string_equal(entry(&b.plan, S1_MOUNT_BIND, "/var/log")->source, "/var/log/app");
	built_free(&b);
}

static void test_read_only_inheritance(void **state)
{
	(void)state;
	struct built b;
	plan_ok(
	    &b,
	    POD(",'mounts':[{'volume':'unset','path':'/unset'},"
		"{'volume':'volfalse','path':'/volfalse'},{'volume':'voltrue','path':'/voltrue'},"
		"{'volume':'plain','path':'/plain'}]",
		"{'name':'unset','kind':'host','source':'/s'},"
		"{'name':'volfalse','kind':'host','source':'/s','readOnly':false},"
		"{'name':'voltrue','kind':'host','source':'/s','readOnly':true},"
		"{'name':'plain','kind':'host','source':'/s'},"
		"{'name':'mpfalse','kind':'empty'},{'name':'either','kind':'empty'}"),
	    IMAGE(",'mountPoints':[{'name':'unset','path':'/unset','readOnly':true},"
		  "{'name':'volfalse','path':'/volfalse','readOnly':true},"
		  "{'name':'voltrue','path':'/voltrue','readOnly':false},"
		  "{'name':'mpfalse','path':'/mpfalse','readOnly':false},"
		  "{'name':'either','path':'/either'}]"),
	    &defaults);
	/* A volume without readOnly takes the mountPoint's; one that says so keeps its own. */
	assert_true(entry(&b.plan, S1_MOUNT_BIND, "/unset")->read_only);
	assert_false(entry(&b.plan, S1_MOUNT_BIND, "/volfalse")->read_only);
	assert_true(entry(&b.plan, S1_MOUNT_BIND, "/voltrue")->read_only);
	assert_false(entry(&b.plan, S1_MOUNT_BIND, "/plain")->read_only);
	assert_false(entry(&b.plan, S1_MOUNT_BIND, "/mpfalse")->read_only);
	assert_false(entry(&b.plan, S1_MOUNT_BIND, "/either")->read_only);
	built_free(&b);

	/* Declared read-only by either the image or the app: read-only. */
	plan_ok(&b,
		POD(",'app':{" APP ",'mountPoints':[{'name':'d','path':'/d','readOnly':true}]}",
		    "{'name':'d','kind':'empty'}"),
		IMAGE(",'mountPoints':[{'name':'d','path':'/d','readOnly':false}]"), &defaults);
	assert_true(entry(&b.plan, S1_MOUNT_BIND, "/d")->read_only);
	built_free(&b);
}

static void test_empty_volumes(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b,
		POD(",'mounts':[{'volume':'scratch','path':'/scratch'},{'volume':'d','path':'/d'}]",
		    "{'name':'scratch','kind':'empty','mode':'0700','uid':1000,'gid':100,"
		    "'readOnly':true,'recursive':true},{'name':'d','kind':'empty'}"),
		NULL, &defaults);
	const struct s1_mount_entry *e = entry(&b.plan, S1_MOUNT_BIND, "/scratch");
	assert_string_equal(e->source, "stage1-c/volumes/scratch");
	assert_int_equal(e->source_base, S1_SOURCE_POD);
	assert_true(e->create_empty_dir);
	assert_int_equal(e->mode, 0700);
	assert_int_equal(e->uid, 1000);
	assert_int_equal(e->gid, 100);
	assert_true(e->read_only);
	assert_false(e->recursive); /* a fresh directory has nothing to recurse into */
	e = entry(&b.plan, S1_MOUNT_BIND, "/d");
	assert_string_equal(e->source, "stage1-c/volumes/d");
	assert_int_equal(e->mode, 0755);
	assert_int_equal(e->uid, 0);
	assert_int_equal(e->gid, 0);
	assert_false(e->read_only);
	built_free(&b);

	char *dir = mountplan_empty_volume_dir("x");
	assert_string_equal(dir, "stage1-c/volumes/x");
	free(dir);
}

static void test_app_volume_override(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b,
		POD(",'mounts':[{'volume':'data','path':'/data','appVolume':{'name':'data',"
		    "'kind':'host','source':'/srv/override','readOnly':true}},"
		    "{'volume':'extra','path':'/extra','appVolume':{'name':'extra','kind':'empty',"
		    "'mode':'0710'}}]",
		    "{'name':'data','kind':'host','source':'/srv/pod'}"),
		NULL, &defaults);
	const struct s1_mount_entry *e = entry(&b.plan, S1_MOUNT_BIND, "/data");
	assert_string_equal(e->source, "/srv/override");
	assert_true(e->read_only);
	/* No pod volume of that name is needed when the mount carries its own. */
	e = entry(&b.plan, S1_MOUNT_BIND, "/extra");
	assert_true(e->create_empty_dir);
	assert_int_equal(e->mode, 0710);
	built_free(&b);
}

static void test_dns_modes(void **state)
{
	(void)state;
	struct built b;
	const struct s1_mount_entry *e;
	const char *pod = POD(",'mounts':[{'volume':'v','path':'/v'}]",
			      "{'name':'v','kind':'host','source':'/srv'}");

	/* default/default: only the fallback /etc/hosts. */
	plan_ok(&b, pod, NULL, &defaults);
	assert_int_equal(find(&b.plan, S1_MOUNT_BIND, "/etc/resolv.conf"), -1);
	assert_int_equal(find(&b.plan, S1_MOUNT_COPY_FILE, "/etc/resolv.conf"), -1);
	assert_int_equal(find(&b.plan, S1_MOUNT_BIND, "/etc/hosts"), -1);
	e = entry(&b.plan, S1_MOUNT_WRITE_IF_MISSING, "/etc/hosts");
	assert_string_equal(e->content, "127.0.0.1 localhost localdomain\n");
	assert_true(find(&b.plan, S1_MOUNT_WRITE_IF_MISSING, "/etc/hosts") >
		    find(&b.plan, S1_MOUNT_BIND, "/v"));
	built_free(&b);

	struct s1_mountplan_opts o = {S1_RESOLV_HOST, S1_HOSTS_HOST, false};
	plan_ok(&b, pod, NULL, &o);
	e = entry(&b.plan, S1_MOUNT_BIND, "/etc/resolv.conf");
	assert_string_equal(e->source, "/etc/resolv.conf");
	assert_int_equal(e->source_base, S1_SOURCE_HOST);
	assert_true(e->read_only);
	assert_false(e->recursive);
	e = entry(&b.plan, S1_MOUNT_BIND, "/etc/hosts");
	assert_string_equal(e->source, "/etc/hosts");
	assert_int_equal(e->source_base, S1_SOURCE_HOST);
	assert_true(e->read_only);
	assert_int_equal(find(&b.plan, S1_MOUNT_WRITE_IF_MISSING, "/etc/hosts"), -1);
	/* After the volumes, so that a volume on /etc cannot hide them. */
	assert_true(find(&b.plan, S1_MOUNT_BIND, "/etc/resolv.conf") >
		    find(&b.plan, S1_MOUNT_BIND, "/v"));
	built_free(&b);

	o = (struct s1_mountplan_opts){S1_RESOLV_STAGE0, S1_HOSTS_STAGE0, false};
	plan_ok(&b, pod, NULL, &o);
	e = entry(&b.plan, S1_MOUNT_COPY_FILE, "/etc/resolv.conf");
	assert_string_equal(e->source, "stage1/rootfs/etc/rkt-resolv.conf");
	assert_int_equal(e->source_base, S1_SOURCE_POD);
	assert_int_equal(find(&b.plan, S1_MOUNT_BIND, "/etc/resolv.conf"), -1);
	e = entry(&b.plan, S1_MOUNT_BIND, "/etc/hosts");
	assert_string_equal(e->source, "stage1/rootfs/etc/rkt-hosts");
	assert_int_equal(e->source_base, S1_SOURCE_POD);
	assert_true(e->read_only);
	built_free(&b);

	o = (struct s1_mountplan_opts){S1_RESOLV_NONE, S1_HOSTS_DEFAULT, true};
	plan_ok(&b, pod, NULL, &o);
	assert_int_equal(find(&b.plan, S1_MOUNT_BIND, "/etc/resolv.conf"), -1);
	assert_int_equal(find(&b.plan, S1_MOUNT_COPY_FILE, "/etc/resolv.conf"), -1);
	entry(&b.plan, S1_MOUNT_WRITE_IF_MISSING, "/etc/hosts");
	built_free(&b);
}

static void test_read_only_rootfs(void **state)
{
	(void)state;
	struct built b;
	plan_ok(&b, POD(",'readOnlyRootFS':true", ""), NULL, &defaults);
	assert_true(b.plan.read_only_root);
	built_free(&b);
	plan_ok(&b, POD(",'readOnlyRootFS':false", ""), NULL, &defaults);
	assert_false(b.plan.read_only_root);
	built_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_system_mounts),
	    cmocka_unit_test(test_protected_paths),
	    cmocka_unit_test(test_host_volume),
	    cmocka_unit_test(test_recursive_only_when_true),
	    cmocka_unit_test(test_duplicate_mount),
	    cmocka_unit_test(test_missing_volume),
	    cmocka_unit_test(test_conflicting_paths),
	    cmocka_unit_test(test_merge_order),
	    cmocka_unit_test(test_read_only_inheritance),
	    cmocka_unit_test(test_empty_volumes),
	    cmocka_unit_test(test_app_volume_override),
	    cmocka_unit_test(test_dns_modes),
	    cmocka_unit_test(test_read_only_rootfs),
	};
	return cmocka_run_group_tests_name("mountplan", tests, NULL, NULL);
}
