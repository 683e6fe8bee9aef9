/* Unit tests of the mountinfo parser: proc(5)'s format with its empty fields, optional fields
 * and escapes, the lines it refuses, lookup by mount ID, and this machine's own mountinfo. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/mountinfo.h"
#include "stage1c/util.h"

static void parse_ok(const char *text, struct s1_mountinfo *mi)
{
	struct s1_err err = {0};
	if (mountinfo_parse(text, mi, &err) != 0)
		fail_msg("parse: %s", err.msg);
}

/* The text is refused, naming line lineno, and mi is left empty. */
static void parse_bad(const char *text, size_t lineno)
{
	struct s1_mountinfo mi;
	struct s1_err err = {0};
	char want[64];
	assert_int_equal(mountinfo_parse(text, &mi, &err), -EINVAL);
	snprintf(want, sizeof(want), "mountinfo line %zu: malformed", lineno);
	assert_contains(err.msg, want);
	assert_int_equal(mi.n, 0);
	assert_null(mi.entries);
	mountinfo_free(&mi);
}

static void assert_entry(const struct s1_mountinfo_entry *e, int id, int parent, unsigned major,
			 unsigned minor, const char *root, const char *point, const char *opts,
			 const char *optional, const char *fstype, const char *source,
			 const char *superopts)
{
	assert_non_null(e);
	assert_int_equal(e->id, id);
	assert_int_equal(e->parent, parent);
	assert_int_equal(e->major, major);
	assert_int_equal(e->minor, minor);
	assert_string_equal(e->root, root);
	assert_string_equal(e->point, point);
	assert_string_equal(e->opts, opts);
	assert_string_equal(e->optional, optional);
	assert_string_equal(e->fstype, fstype);
	assert_string_equal(e->source, source);
	assert_string_equal(e->superopts, superopts);
}

static void test_sample(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	parse_ok("22 27 0:21 / /proc rw,relatime - proc proc rw\n"
		 "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
		 "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		 "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
		 "612 27 8:17 /var/lib/x /mnt/data ro,nosuid master:7 - xfs /dev/sdb1 ro,attr2\n",
		 &mi);
	assert_int_equal(mi.n, 5);
	assert_entry(&mi.entries[0], 22, 27, 0, 21, "/", "/proc", "rw,relatime", "", "proc", "proc",
		     "rw");
	assert_entry(&mi.entries[1], 27, 1, 254, 0, "/", "/", "rw,relatime", "shared:1", "ext4",
		     "/dev/vda", "rw,discard");
	assert_entry(&mi.entries[3], 41, 31, 0, 38, "/", "/sys/fs/cgroup/unified", "rw,relatime",
		     "", "cgroup2", "cgroup2", "rw");
	assert_entry(&mi.entries[4], 612, 27, 8, 17, "/var/lib/x", "/mnt/data", "ro,nosuid",
		     "master:7", "xfs", "/dev/sdb1", "ro,attr2");
	mountinfo_free(&mi);
	mountinfo_free(&mi); /* harmless twice */
}

static void test_empty_source(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	/* mount(2) with source "" (as Go programs call it): two spaces in a row. */
	parse_ok("22 27 0:21 / /proc rw,relatime - proc proc rw\n"
		 "90 27 0:50 / /run/x rw,relatime shared:40 - tmpfs  rw,size=4k\n"
		 "91 27 0:51 / /run/y rw - tmpfs  rw\n",
		 &mi);
	assert_int_equal(mi.n, 3);
	assert_entry(&mi.entries[1], 90, 27, 0, 50, "/", "/run/x", "rw,relatime", "shared:40",
		     "tmpfs", "", "rw,size=4k");
	assert_entry(&mi.entries[2], 91, 27, 0, 51, "/", "/run/y", "rw", "", "tmpfs", "", "rw");
	mountinfo_free(&mi);
}

static void test_optional_fields(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	parse_ok("1 0 0:1 / / rw - ext4 src rw\n"
		 "2 1 0:2 / /a rw shared:1 master:2 - ext4 src rw\n"
		 "3 1 0:3 / /b rw shared:1 master:2 propagate_from:3 unbindable - ext4 src rw\n"
		 /* An empty optional field, and empty fields among others. */
		 "4 1 0:4 / /c rw  - ext4 src rw\n"
		 "5 1 0:5 / /d rw shared:1  master:2 - ext4 src rw\n",
		 &mi);
	assert_int_equal(mi.n, 5);
	assert_string_equal(mi.entries[0].optional, "");
	assert_string_equal(mi.entries[1].optional, "shared:1 master:2");
	assert_string_equal(mi.entries[2].optional,
			    "shared:1 master:2 propagate_from:3 unbindable");
	assert_string_equal(mi.entries[3].optional, "");
	assert_string_equal(mi.entries[4].optional, "shared:1  master:2");
	for (size_t i = 0; i < mi.n; i++) {
		assert_string_equal(mi.entries[i].opts, "rw");
		assert_string_equal(mi.entries[i].fstype, "ext4");
		assert_string_equal(mi.entries[i].source, "src");
		assert_string_equal(mi.entries[i].superopts, "rw");
	}
	mountinfo_free(&mi);
}

static void test_empty_fields(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	/* Every string field but the numbers may be empty; "-" may be the source. */
	parse_ok("7 1 0:9    - tmpfs - \n", &mi);
	assert_int_equal(mi.n, 1);
	assert_entry(&mi.entries[0], 7, 1, 0, 9, "", "", "", "", "tmpfs", "-", "");
	mountinfo_free(&mi);
	parse_ok("7 1 0:9 / / rw -   \n", &mi);
	assert_entry(&mi.entries[0], 7, 1, 0, 9, "/", "/", "rw", "", "", "", "");
	mountinfo_free(&mi);
}

static void test_escapes(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	parse_ok("50 27 0:60 /my\\040dir /mnt/a\\040b\\011c\\012d\\134e rw - fuse.my\\040fs "
		 "my\\040src\\134 rw,user_id=0\n"
		 /* Not escapes: too short, not octal, out of range. */
		 "51 27 0:61 /\\04 /x\\8\\400\\ rw - ext4 \\ rw\n",
		 &mi);
	assert_int_equal(mi.n, 2);
	assert_entry(&mi.entries[0], 50, 27, 0, 60, "/my dir", "/mnt/a b\tc\nd\\e", "rw", "",
		     "fuse.my fs", "my src\\", "rw,user_id=0");
	assert_entry(&mi.entries[1], 51, 27, 0, 61, "/\\04", "/x\\8\\400\\", "rw", "", "ext4", "\\",
		     "rw");
	mountinfo_free(&mi);
}

static void test_line_ends(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	parse_ok("", &mi);
	assert_int_equal(mi.n, 0);
	assert_null(mountinfo_find(&mi, 0));
	mountinfo_free(&mi);
	parse_ok("1 0 0:1 / / rw - ext4 src rw", &mi);
	assert_int_equal(mi.n, 1);
	assert_string_equal(mi.entries[0].superopts, "rw");
	mountinfo_free(&mi);
	parse_ok("1 0 0:1 / / rw - ext4 src rw\n2 1 0:2 / /a rw - ext4 src ro", &mi);
	assert_int_equal(mi.n, 2);
	assert_string_equal(mi.entries[1].superopts, "ro");
	mountinfo_free(&mi);
}

static void test_malformed(void **state)
{
	(void)state;
#define GOOD "1 0 0:1 / / rw - ext4 src rw\n"
	/* No "-": the optional fields never end. */
	parse_bad("1 0 0:1 / / rw ext4 src rw\n", 1);
	parse_bad(GOOD "2 1 0:2 / /a rw shared:1 ext4 src rw\n", 2);
	parse_bad(GOOD "2 1 0:2 / /a rw -- ext4 src rw\n", 2);
	/* Too few fields, before or after "-". */
	parse_bad("1 2 3\n", 1);
	parse_bad(GOOD GOOD "1 0 0:1 / /\n", 3);
	parse_bad("1 0 0:1 / / rw - ext4 src\n", 1);
	parse_bad("1 0 0:1 / / rw - ext4\n", 1);
	parse_bad("1 0 0:1 / / rw -\n", 1);
	parse_bad("1 0 0:1 / / - ext4 src rw\n", 1); /* opts missing: "-" is opts */
	/* A field after the super options. */
	parse_bad("1 0 0:1 / / rw - ext4 src rw extra\n", 1);
	parse_bad("1 0 0:1 / / rw - ext4 src rw \n", 1);
	/* Ids and devices that are not numbers. */
	parse_bad("x 0 0:1 / / rw - ext4 src rw\n", 1);
	parse_bad("1 y 0:1 / / rw - ext4 src rw\n", 1);
	parse_bad("-1 0 0:1 / / rw - ext4 src rw\n", 1);
	parse_bad("+1 0 0:1 / / rw - ext4 src rw\n", 1);
	parse_bad("2147483648 0 0:1 / / rw - ext4 src rw\n", 1);
	parse_bad("1 99999999999999999999 0:1 / / rw - ext4 src rw\n", 1);
	parse_bad("1 0 01 / / rw - ext4 src rw\n", 1);
	parse_bad("1 0 0: / / rw - ext4 src rw\n", 1);
	parse_bad("1 0 :1 / / rw - ext4 src rw\n", 1);
	parse_bad("1 0 0:1:2 / / rw - ext4 src rw\n", 1);
	parse_bad("1 0 0:4294967296 / / rw - ext4 src rw\n", 1);
	/* Leading or doubled spaces shift the numbers. */
	parse_bad(" 1 0 0:1 / / rw - ext4 src rw\n", 1);
	parse_bad("1  0 0:1 / / rw - ext4 src rw\n", 1);
	/* Empty lines are not mountinfo lines. */
	parse_bad("\n", 1);
	parse_bad(GOOD "\n" GOOD, 2);
	parse_bad(GOOD "\n\n", 2);
#undef GOOD
	/* The limits themselves are fine. */
	struct s1_mountinfo mi;
	parse_ok("2147483647 0 4294967295:4294967295 / / rw - ext4 src rw\n", &mi);
	assert_int_equal(mi.entries[0].id, 2147483647);
	assert_int_equal(mi.entries[0].major, 4294967295u);
	assert_int_equal(mi.entries[0].minor, 4294967295u);
	mountinfo_free(&mi);
	/* No err to fill: still refused. */
	assert_int_equal(mountinfo_parse("1 2 3\n", &mi, NULL), -EINVAL);
}

static void test_find(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	parse_ok("27 1 254:0 / / rw - ext4 /dev/vda rw\n"
		 "22 27 0:21 / /proc rw - proc proc rw\n"
		 "1000 27 0:30 / /a rw - tmpfs tmpfs rw\n"
		 "22 27 0:22 / /dup rw - tmpfs tmpfs rw\n",
		 &mi);
	assert_string_equal(mountinfo_find(&mi, 27)->point, "/");
	assert_string_equal(mountinfo_find(&mi, 1000)->point, "/a");
	assert_string_equal(mountinfo_find(&mi, 22)->point, "/proc"); /* the first of two */
	assert_null(mountinfo_find(&mi, 1));
	assert_null(mountinfo_find(&mi, 0));
	assert_null(mountinfo_find(&mi, -1));
	mountinfo_free(&mi);

	/* A table filled in by hand has no index: looked through instead. */
	struct s1_mountinfo_entry e[] = {{.id = 5}, {.id = 9}};
	struct s1_mountinfo hand = {.entries = e, .n = 2};
	assert_ptr_equal(mountinfo_find(&hand, 9), &e[1]);
	assert_null(mountinfo_find(&hand, 7));
}

/* Many lines, and one very long one: no limit, and the index finds every ID. */
static void test_large(void **state)
{
	(void)state;
	enum { LINES = 20000, LONG = 200000 };
	size_t cap = (size_t)LINES * 64 + LONG + 128, used = 0;
	_cleanup_free_ char *text = s1_xmalloc(cap);
	for (int i = 0; i < LINES; i++) {
		/* IDs out of order and far apart, as after many mounts and unmounts. */
		int id = (i * 7919) % LINES * 3 + 1;
		used += (size_t)snprintf(text + used, cap - used,
					 "%d 1 0:%d / /m/%d rw - tmpfs  rw\n", id, i, i);
	}
	used += (size_t)snprintf(text + used, cap - used, "99999999 1 0:0 / /");
	memset(text + used, 'x', LONG);
	used += LONG;
	snprintf(text + used, cap - used, " rw - tmpfs tmpfs rw\n");

	struct s1_mountinfo mi;
	parse_ok(text, &mi);
	assert_int_equal(mi.n, LINES + 1);
	for (int i = 0; i < LINES; i++) {
		int id = (i * 7919) % LINES * 3 + 1;
		const struct s1_mountinfo_entry *e = mountinfo_find(&mi, id);
		assert_ptr_equal(e, &mi.entries[i]);
		assert_int_equal(e->minor, i);
		assert_null(mountinfo_find(&mi, id + 1));
	}
	const struct s1_mountinfo_entry *l = mountinfo_find(&mi, 99999999);
	assert_non_null(l);
	assert_int_equal(strlen(l->point), LONG + 1);
	mountinfo_free(&mi);
}

static void test_this_machine(void **state)
{
	(void)state;
	struct s1_mountinfo mi;
	struct s1_err err = {0};
	if (mountinfo_read(&mi, &err) != 0)
		fail_msg("read: %s", err.msg);
	assert_true(mi.n > 0);
	const struct s1_mountinfo_entry *root = NULL;
	for (size_t i = 0; i < mi.n; i++) {
		if (strcmp(mi.entries[i].point, "/") == 0)
			root = &mi.entries[i];
		assert_ptr_equal(mountinfo_find(&mi, mi.entries[i].id), &mi.entries[i]);
	}
	if (!root)
		fail_msg("no mount at \"/\" in /proc/self/mountinfo");
	assert_true(root->fstype[0] != '\0');
	mountinfo_free(&mi);
}

/* The super options mountinfo shows, without the "rw"/"ro" it puts first. */
static const char *fs_options(const char *superopts)
{
	if (strncmp(superopts, "rw", 2) == 0 || strncmp(superopts, "ro", 2) == 0)
		superopts += 2;
	return *superopts == ',' ? superopts + 1 : superopts;
}

/* In the child: does mountinfo_read_cgroups give every cgroup mount of mountinfo_read, the
 * same? Prints the first difference. */
static bool cgroups_as_mountinfo(void)
{
	struct s1_err err = {0};
	struct s1_mountinfo all, cg;
	if (mountinfo_read(&all, &err) < 0 ||
	    mountinfo_read_cgroups(&cg, mountinfo_is_long(), &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return false;
	}
	size_t n = 0;
	bool same = true;
	for (size_t i = 0; i < all.n && same; i++) {
		const struct s1_mountinfo_entry *a = &all.entries[i];
		if (strcmp(a->fstype, "cgroup") != 0 && strcmp(a->fstype, "cgroup2") != 0)
			continue;
		const struct s1_mountinfo_entry *c = mountinfo_find(&cg, a->id);
		n++;
		same = c && c->parent == a->parent && c->major == a->major &&
		       c->minor == a->minor && strcmp(c->root, a->root) == 0 &&
		       strcmp(c->point, a->point) == 0 && strcmp(c->fstype, a->fstype) == 0 &&
		       strcmp(c->superopts, fs_options(a->superopts)) == 0;
		if (!same)
			fprintf(stderr, "# cgroup mount %d on %s: %s\n", a->id, a->point,
				c ? "differs" : "missing");
	}
	if (same && cg.n != n) {
		fprintf(stderr, "# %zu cgroup mounts, %zu in mountinfo\n", cg.n, n);
		same = false;
	}
	mountinfo_free(&all);
	mountinfo_free(&cg);
	return same;
}

/* In the child's own mount namespace: with few mounts (mountinfo), then with many (statmount,
 * on Linux 6.11 and later), one of them a cgroup2 mount whose point has a space (both ways
 * must escape it alike). */
static int cgroups_read_child(const char *dir)
{
	char sub[PATH_MAX];
	if (!cgroups_as_mountinfo())
		return 1;
	snprintf(sub, sizeof(sub), "%s/a b", dir);
	if (mkdir(sub, 0700) == 0)
		mount("cgroup2", sub, "cgroup2", 0, NULL); /* not every host has it */
	if (tu_mount_many(dir, 40) < 0)
		return 2;
	return cgroups_as_mountinfo() ? 0 : 1;
}

static void test_cgroups_read(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	tu_in_own_mount_ns(cgroups_read_child);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample),	    cmocka_unit_test(test_empty_source),
	    cmocka_unit_test(test_optional_fields), cmocka_unit_test(test_empty_fields),
	    cmocka_unit_test(test_escapes),	    cmocka_unit_test(test_line_ends),
	    cmocka_unit_test(test_malformed),	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_large),	    cmocka_unit_test(test_this_machine),
	    cmocka_unit_test(test_cgroups_read),
	};
	return cmocka_run_group_tests_name("mountinfo", tests, NULL, NULL);
}
