/* Unit tests of user and group resolution inside the app's rootfs (never the host's). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "no_openat2.h"

#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/user.h"
#include "stage1c/util.h"

#define PASSWD                                                                                     \
	"root:x:0:0:root:/root:/bin/sh\n"                                                          \
	"daemon:x:1:1::/:/sbin/nologin\n"                                                          \
	"app:x:1000:1001:App:/home/app:/bin/sh\n"                                                  \
	"bad:x:notanumber:0::/:\n"                                                                 \
	"huge:x:4294967295:0::/:\n"                                                                \
	"short:x\n"                                                                                \
	"\n"                                                                                       \
	"last:x:77:77::/:"
#define GROUP                                                                                      \
	"root:x:0:\n"                                                                              \
	"wheel:x:10:app\n"                                                                         \
	"app:x:1001:\n"                                                                            \
	"staff:x:50:\n"

struct fixture {
	char base[64];
	bool created;
	char *root;  /* a rootfs with etc/passwd and etc/group */
	char *empty; /* a rootfs with nothing in it */
	char *host;  /* outside both: stands for the host's files */
	int rootfd, emptyfd;
};

static int setup(void **state)
{
	struct fixture *f = s1_xcalloc(1, sizeof(*f));
	*state = f;
	f->rootfd = f->emptyfd = -1;
	snprintf(f->base, sizeof(f->base), "/tmp/s1-test-user.XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	f->created = true;
	f->root = s1_xasprintf("%s/root", f->base);
	f->empty = s1_xasprintf("%s/empty", f->base);
	f->host = s1_xasprintf("%s/host", f->base);
	if (mkdir(f->root, 0755) < 0 || mkdir(f->empty, 0755) < 0 || mkdir(f->host, 0755) < 0)
		return -1;
	tu_mk_file(f->root, "etc/passwd", PASSWD, 0644);
	tu_mk_file(f->root, "etc/group", GROUP, 0644);
	f->rootfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	f->emptyfd = open(f->empty, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return f->rootfd < 0 || f->emptyfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->rootfd >= 0)
		close(f->rootfd);
	if (f->emptyfd >= 0)
		close(f->emptyfd);
	if (f->created)
		tu_rm_tree(f->base);
	free(f->root);
	free(f->empty);
	free(f->host);
	free(f);
	return 0;
}

static uid_t uid_ok(int rootfd, const char *user)
{
	struct s1_err err = {0};
	uid_t uid = 12345;
	if (user_lookup_uid(rootfd, user, &uid, &err) != 0)
		fail_msg("user \"%s\": %s", user, err.msg);
	return uid;
}

static gid_t gid_ok(int rootfd, const char *group)
{
	struct s1_err err = {0};
	gid_t gid = 12345;
	if (user_lookup_gid(rootfd, group, &gid, &err) != 0)
		fail_msg("group \"%s\": %s", group, err.msg);
	return gid;
}

static void uid_err(int rootfd, const char *user, const char *needle)
{
	struct s1_err err = {0};
	uid_t uid = 12345;
	int r = user_lookup_uid(rootfd, user, &uid, &err);
	if (r == 0)
		fail_msg("user \"%s\" resolved to %u, expected \"%s\"", user, (unsigned)uid,
			 needle);
	assert_true(r < 0);
	assert_int_equal(uid, 12345);
	_cleanup_free_ char *named = s1_xasprintf("user \"%s\"", user);
	assert_contains(err.msg, named);
	assert_contains(err.msg, needle);
}

static void gid_err(int rootfd, const char *group, const char *needle)
{
	struct s1_err err = {0};
	gid_t gid = 12345;
	int r = user_lookup_gid(rootfd, group, &gid, &err);
	if (r == 0)
		fail_msg("group \"%s\" resolved to %u, expected \"%s\"", group, (unsigned)gid,
			 needle);
	assert_int_equal(gid, 12345);
	_cleanup_free_ char *named = s1_xasprintf("group \"%s\"", group);
	assert_contains(err.msg, named);
	assert_contains(err.msg, needle);
}

static void test_numeric_ids(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(uid_ok(f->rootfd, "0"), 0);
	assert_int_equal(uid_ok(f->rootfd, "1000"), 1000);
	assert_int_equal(uid_ok(f->rootfd, "007"), 7);
	assert_int_equal(uid_ok(f->rootfd, "4294967294"), 4294967294u);
	/* Numbers need no files at all. */
	assert_int_equal(uid_ok(f->emptyfd, "65534"), 65534);
	assert_int_equal(gid_ok(f->emptyfd, "100"), 100);
	uid_err(f->rootfd, "4294967295", "id out of range"); /* (uid_t)-1 means "no change" */
	uid_err(f->rootfd, "99999999999999999999999", "id out of range");
	gid_err(f->rootfd, "4294967295", "id out of range");
	/* Not numbers: looked up as names, and absent. */
	uid_err(f->rootfd, "-1", "not found in the app's /etc/passwd");
	uid_err(f->rootfd, "+5", "not found");
	uid_err(f->rootfd, "1000 ", "not found");
}

static void test_names_from_the_rootfs(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(uid_ok(f->rootfd, "root"), 0);
	assert_int_equal(uid_ok(f->rootfd, "daemon"), 1);
	assert_int_equal(uid_ok(f->rootfd, "app"), 1000);
	assert_int_equal(uid_ok(f->rootfd, "last"), 77); /* no final newline */
	assert_int_equal(gid_ok(f->rootfd, "wheel"), 10);
	assert_int_equal(gid_ok(f->rootfd, "app"), 1001);
	assert_int_equal(gid_ok(f->rootfd, "staff"), 50);

	uid_err(f->rootfd, "nosuch", "user \"nosuch\" not found in the app's /etc/passwd");
	gid_err(f->rootfd, "nosuch", "group \"nosuch\" not found in the app's /etc/group");
	uid_err(f->rootfd, "ap", "not found");	  /* a prefix of a name */
	uid_err(f->rootfd, "apps", "not found");  /* longer than a name */
	uid_err(f->rootfd, "wheel", "not found"); /* a group is not a user */
	uid_err(f->rootfd, "short", "not found"); /* a line without the id field */
	uid_err(f->rootfd, "bad", "malformed entry in the app's /etc/passwd");
	uid_err(f->rootfd, "huge", "malformed entry");
	/* A name with the field separator in it must not read a neighbouring field. */
	uid_err(f->rootfd, "app:x", "not found");
	uid_err(f->rootfd, "app:x:1000", "not found");
	gid_err(f->rootfd, "wheel:x", "not found");
	uid_err(f->rootfd, "app\n", "not found");
}

static void test_root_without_files(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(uid_ok(f->emptyfd, "root"), 0);
	assert_int_equal(gid_ok(f->emptyfd, "root"), 0);
	uid_err(f->emptyfd, "nobody", "not found in the app's /etc/passwd");
	gid_err(f->emptyfd, "nogroup", "not found in the app's /etc/group");
	uid_err(f->emptyfd, "Root", "not found");
}

static void test_owner_of_a_path(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	tu_mk_file(f->root, "srv/owned", "x", 0644);
	_cleanup_free_ char *owned = s1_xasprintf("%s/srv/owned", f->root);
	assert_int_equal(chown(owned, 1234, 5678), 0);
	tu_mk_link(f->root, "link_owned", "/srv/owned");
	/* The host-side file a hostile link points at: its owner must never be used. */
	tu_mk_file(f->host, "hostfile", "x", 0644);
	_cleanup_free_ char *hostfile = s1_xasprintf("%s/hostfile", f->host);
	assert_int_equal(chown(hostfile, 4321, 8765), 0);
	tu_mk_link(f->root, "to_host", hostfile);
	tu_mk_link(f->root, "to_host_rel", "../../../../../../..");

	{
		assert_int_equal(uid_ok(f->rootfd, "/srv/owned"), 1234);
		assert_int_equal(gid_ok(f->rootfd, "/srv/owned"), 5678);
		assert_int_equal(uid_ok(f->rootfd, "/link_owned"), 1234);
		assert_int_equal(gid_ok(f->rootfd, "/srv/../../../srv/owned"), 5678);
		assert_int_equal(uid_ok(f->rootfd, "/"), geteuid());
		uid_err(f->rootfd, "/missing", "can't find the file in the app's rootfs");
		uid_err(f->rootfd, "/to_host", "no such file or directory");
		gid_err(f->rootfd, "/to_host", "can't find the file");
		_cleanup_free_ char *via_rel = s1_xasprintf("/to_host_rel%s", hostfile);
		uid_err(f->rootfd, via_rel, "can't find the file");
	}
}

/* etc/passwd itself a symlink to a host path: read inside the root, never the host's file. */
static void test_hostile_database_links(void **state)
{
	struct fixture *f = *state;
	tu_mk_file(f->host, "passwd", "evil:x:666:666::/:\n", 0644);
	tu_mk_file(f->host, "group", "evil:x:666:\n", 0644);
	_cleanup_free_ char *host_passwd = s1_xasprintf("%s/passwd", f->host);
	_cleanup_free_ char *host_group_rel =
	    s1_xasprintf("../../../../../../../../..%s/group", f->host);
	tu_mk_link(f->root, "etc/passwd", host_passwd);
	tu_mk_link(f->root, "etc/group", host_group_rel);

	{
		/* Nothing at <root><host path>: the names are unknown, root still works. */
		uid_err(f->rootfd, "evil", "not found in the app's /etc/passwd");
		gid_err(f->rootfd, "evil", "not found in the app's /etc/group");
		assert_int_equal(uid_ok(f->rootfd, "root"), 0);
		assert_int_equal(gid_ok(f->rootfd, "root"), 0);
	}

	/* The same link names the in-root copy once there is one. */
	_cleanup_free_ char *in_root_host = s1_xasprintf("%s%s", f->root, f->host);
	tu_mk_file(in_root_host, "passwd", "evil:x:42:42::/:\n", 0644);
	tu_mk_file(in_root_host, "group", "evil:x:43:\n", 0644);
	{
		assert_int_equal(uid_ok(f->rootfd, "evil"), 42);
		assert_int_equal(gid_ok(f->rootfd, "evil"), 43);
	}

	/* A database that is a directory cannot be read: an error, not "not found". */
	tu_mk_link(f->root, "etc/passwd", "/etc");
	uid_err(f->rootfd, "someone", "the app's /etc/passwd is not a regular file");
	/* A FIFO fails at once instead of hanging, a device instead of being read forever. */
	_cleanup_free_ char *fifo = s1_xasprintf("%s/fifo", f->root);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	_cleanup_free_ char *dev = s1_xasprintf("%s/zero", f->root);
	assert_int_equal(mknod(dev, S_IFCHR | 0644, makedev(1, 5)), 0);
	_cleanup_free_ char *passwd = s1_xasprintf("%s/etc/passwd", f->root);
	unlink(passwd);
	tu_mk_link(f->root, "etc/passwd", "/fifo");
	uid_err(f->rootfd, "someone", "the app's /etc/passwd is not a regular file");
	unlink(passwd);
	tu_mk_link(f->root, "etc/passwd", "../zero");
	uid_err(f->rootfd, "someone", "the app's /etc/passwd is not a regular file");
}

static void test_resolve_groups(void **state)
{
	struct fixture *f = *state;
	gid_t supp[] = {10, 1001, 10, 50, 0, 50};
	struct s1_app app = {.user = "app",
			     .group = "app",
			     .supplementary_gids = supp,
			     .n_supplementary_gids = S1_ARRAY_SIZE(supp)};
	struct s1_ids ids;
	struct s1_err err = {0};
	assert_int_equal(user_resolve(f->rootfd, &app, &ids, &err), 0);
	assert_int_equal(ids.uid, 1000);
	assert_int_equal(ids.gid, 1001);
	/* Primary first, then the supplementary ones in order, each once. */
	static const gid_t want[] = {1001, 10, 50, 0};
	assert_int_equal(ids.n_groups, S1_ARRAY_SIZE(want));
	for (size_t i = 0; i < S1_ARRAY_SIZE(want); i++)
		assert_int_equal(ids.groups[i], want[i]);
	user_ids_free(&ids);
	assert_null(ids.groups);

	struct s1_app plain = {.user = "0", .group = "wheel"};
	assert_int_equal(user_resolve(f->rootfd, &plain, &ids, &err), 0);
	assert_int_equal(ids.uid, 0);
	assert_int_equal(ids.gid, 10);
	assert_int_equal(ids.n_groups, 1);
	assert_int_equal(ids.groups[0], 10);
	user_ids_free(&ids);

	struct s1_app bad_user = {.user = "ghost", .group = "0"};
	assert_true(user_resolve(f->rootfd, &bad_user, &ids, &err) < 0);
	assert_contains(err.msg, "user \"ghost\" not found");
	assert_null(ids.groups);
	assert_int_equal(ids.n_groups, 0);

	struct s1_app bad_group = {.user = "0", .group = "ghost"};
	assert_true(user_resolve(f->rootfd, &bad_group, &ids, &err) < 0);
	assert_contains(err.msg, "group \"ghost\" not found");
	assert_null(ids.groups);
}

static void commit_ids(int podfd, const struct s1_ids *ids)
{
	struct s1_err err = {0};
	struct s1_record rec = {0};
	record_add(&rec, "leader", "1 2");
	user_record_add(&rec, ids);
	if (record_commit(podfd, &rec, &err) != 0)
		fail_msg("%s", err.msg);
}

/* enter reads back exactly the ids run gave the app, and refuses a damaged record. */
static void test_db_find(void **state)
{
	(void)state;
	const char text[] = "root:x:0:0::/root:/bin/sh\nap:x:7:7::/:\napp:x:1000:1000::/:\n"
			    "bad:x:12x:1\nhuge:x:99999999999999999999:1\nnoid:x\nlast:x:5";
	unsigned id = 77;
	assert_int_equal(user_db_find(text, strlen(text), "app", &id), 0);
	assert_int_equal(id, 1000);
	assert_int_equal(user_db_find(text, strlen(text), "ap", &id), 0);
	assert_int_equal(id, 7);
	assert_int_equal(user_db_find(text, strlen(text), "last", &id), 0);
	assert_int_equal(id, 5);
	assert_int_equal(user_db_find(text, strlen(text), "bad", &id), -EINVAL);
	assert_int_equal(user_db_find(text, strlen(text), "huge", &id), -EINVAL);
	assert_int_equal(user_db_find(text, strlen(text), "noid", &id), -ENOENT);
	assert_int_equal(user_db_find(text, strlen(text), "app:x", &id), -ENOENT);
	assert_int_equal(user_db_find(text, strlen(text), "nobody", &id), -ENOENT);
	/* The text's length, not a NUL, ends it: an entry past len is not seen. */
	assert_int_equal(user_db_find(text, 10, "app", &id), -ENOENT);
	assert_int_equal(user_db_find("", 0, "root", &id), -ENOENT);
}

/* The record as enter reads it, every app's part. */
static int read_ids(int podfd, struct s1_ids *out, struct s1_err *err)
{
	struct s1_record rec;
	int r = record_load(podfd, &rec);
	if (r < 0)
		return s1_error(err, r, "%s", "reading the app's ids record");
	r = user_record_read(&rec, NULL, out, err);
	record_free(&rec);
	return r;
}

static void test_ids_record(void **state)
{
	struct fixture *f = *state;
	int podfd = f->emptyfd;
	struct s1_err err = {0};
	struct s1_ids back;
	assert_true(read_ids(podfd, &back, &err) < 0);
	assert_contains(err.msg, "reading the app's ids record");

	gid_t groups[] = {1001, 10, 50, 0};
	struct s1_ids ids = {.uid = 1000, .gid = 1001, .groups = groups, .n_groups = 4};
	commit_ids(podfd, &ids);
	assert_int_equal(read_ids(podfd, &back, &err), 0);
	assert_int_equal(back.uid, 1000);
	assert_int_equal(back.gid, 1001);
	assert_int_equal(back.n_groups, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(back.groups[i], groups[i]);
	user_ids_free(&back);

	/* The largest valid ids survive the round trip. */
	gid_t big[] = {4294967294u};
	struct s1_ids max = {.uid = 4294967294u, .gid = 4294967294u, .groups = big, .n_groups = 1};
	commit_ids(podfd, &max);
	assert_int_equal(read_ids(podfd, &back, &err), 0);
	assert_int_equal(back.uid, 4294967294u);
	assert_int_equal(back.groups[0], 4294967294u);
	user_ids_free(&back);

	static const char *const bad[] = {
	    "ids \n",
	    "ids 1000\n",
	    "ids 1000 1001\n",
	    "ids 1000 1001 2 1001\n",
	    "ids 1000 1001 1 1001 7\n",
	    "ids -1 0 0\n",
	    "ids 4294967295 0 0\n",
	    "ids 1000 1001 x\n",
	    "ids 1000  1001 0\n",
	    "ids 1000 1001 99999999\n",
	    "ids 0 0 1 1\nids 2 2 0\n", /* twice */
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		tu_mk_file(f->empty, S1_RECORD_FILE, bad[i], 0644);
		memset(&err, 0, sizeof(err));
		if (read_ids(podfd, &back, &err) == 0)
			fail_msg("record \"%s\" was accepted", bad[i]);
		assert_contains(err.msg, "malformed ids record");
		assert_null(back.groups);
	}
	tu_mk_file(f->empty, S1_RECORD_FILE, "leader 1 2\n", 0644);
	assert_true(read_ids(podfd, &back, &err) < 0);
	assert_contains(err.msg, "reading the app's ids record");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_numeric_ids),     T(test_names_from_the_rootfs),  T(test_root_without_files),
	    T(test_owner_of_a_path), T(test_hostile_database_links), T(test_resolve_groups),
	    T(test_ids_record),	     cmocka_unit_test(test_db_find),
	};
#undef T
	return run_group_with_and_without_openat2("user", tests, S1_ARRAY_SIZE(tests), NULL, NULL);
}
