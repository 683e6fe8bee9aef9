/* Unit tests of mount.c with real mounts, in a mount namespace of the test's own whose "/" is
 * rshared (as systemd makes it): the app's root is built below a private bind, every bind is a
 * slave of the host's mount and never its peer, nothing is written onto a host file system,
 * teardown and gc leave the namespace's own mounts in place. Needs root. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "stage1c/mount.h"
#include "stage1c/mountinfo.h"
#include "stage1c/mountplan.h"
#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/util.h"

#define ROOTFS "stage1/rootfs/opt/stage2/app/rootfs"

struct fixture {
	char pod[64];
	int podfd;
	int rootfd;
	char *rootfs; /* absolute */
};

static int setup(void **state)
{
	struct fixture *f = s1_xcalloc(1, sizeof(*f));
	*state = f;
	f->rootfd = -1;
	snprintf(f->pod, sizeof(f->pod), "/tmp/s1-test-mount.XXXXXX");
	if (!mkdtemp(f->pod))
		return -1;
	tu_mk_dir(f->pod, ROOTFS "/etc");
	f->rootfs = s1_xasprintf("%s/%s", f->pod, ROOTFS);
	f->podfd = open(f->pod, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return f->podfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->rootfd >= 0) {
		mount_root_teardown(f->rootfd);
		close(f->rootfd);
	}
	close(f->podfd);
	umount2(f->rootfs, MNT_DETACH);
	tu_rm_tree(f->pod);
	free(f->rootfs);
	free(f);
	return 0;
}

/* The mountinfo entry mounted at point (the last one: the top of the stack), or NULL. */
static const struct s1_mountinfo_entry *at(const struct s1_mountinfo *mi, const char *point)
{
	const struct s1_mountinfo_entry *e = NULL;
	for (size_t i = 0; i < mi->n; i++)
		if (strcmp(mi->entries[i].point, point) == 0)
			e = &mi->entries[i];
	return e;
}

static size_t count_below(const struct s1_mountinfo *mi, const char *dir)
{
	size_t n = 0, l = strlen(dir);
	for (size_t i = 0; i < mi->n; i++)
		if (strncmp(mi->entries[i].point, dir, l) == 0 &&
		    (mi->entries[i].point[l] == '/' || mi->entries[i].point[l] == '\0'))
			n++;
	return n;
}

/* The namespace's own mount points, one string: what must be the same after the pod. */
static char *host_points(const char *skip)
{
	struct s1_mountinfo mi;
	struct s1_err err;
	if (mountinfo_read(&mi, &err) < 0)
		fail_msg("%s", err.msg);
	size_t cap = 1, l = strlen(skip);
	for (size_t i = 0; i < mi.n; i++)
		cap += strlen(mi.entries[i].point) + 1;
	char *out = s1_xcalloc(1, cap);
	for (size_t i = 0; i < mi.n; i++)
		if (strncmp(mi.entries[i].point, skip, l) != 0) {
			strcat(out, mi.entries[i].point);
			strcat(out, "\n");
		}
	mountinfo_free(&mi);
	return out;
}

static struct s1_mount_entry bind_entry(const char *src, const char *target, bool rec, bool ro)
{
	return (struct s1_mount_entry){.op = S1_MOUNT_BIND,
				       .source = (char *)src,
				       .source_base = S1_SOURCE_HOST,
				       .target = (char *)target,
				       .recursive = rec,
				       .read_only = ro,
				       .what = (char *)target};
}

static void test_root_is_private_and_binds_are_slaves(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *before = host_points(f->pod);
	struct s1_err err = {0};
	f->rootfd = mount_root_setup(f->podfd, ROOTFS, &err);
	if (f->rootfd < 0)
		fail_msg("%s", err.msg);
	struct s1_mount_entry entries[] = {
	    bind_entry("/dev", "/dev", true, false),
	    bind_entry("/sys", "/sys", true, true),
	    {.op = S1_MOUNT_TMPFS, .target = "/tmp", .what = "/tmp"},
	};
	struct s1_mount_plan plan = {.entries = entries, .n_entries = S1_ARRAY_SIZE(entries)};
	if (mount_apply_plan(f->podfd, f->rootfd, &plan, &err) < 0)
		fail_msg("%s", err.msg);

	struct s1_mountinfo mi;
	assert_int_equal(mountinfo_read(&mi, &err), 0);
	const struct s1_mountinfo_entry *root = at(&mi, f->rootfs);
	assert_non_null(root);
	assert_string_equal(root->optional, ""); /* private */
	_cleanup_free_ char *dev = s1_xasprintf("%s/dev", f->rootfs);
	_cleanup_free_ char *tmp = s1_xasprintf("%s/tmp", f->rootfs);
	size_t n = 0;
	for (size_t i = 0; i < mi.n; i++) {
		const struct s1_mountinfo_entry *e = &mi.entries[i];
		if (strncmp(e->point, f->rootfs, strlen(f->rootfs)) != 0 || e == root)
			continue;
		n++;
		/* Never a peer of anything ("shared:"), the binds slaves of the host's. */
		if (strstr(e->optional, "shared:"))
			fail_msg("%s is shared: %s", e->point, e->optional);
		if (strcmp(e->point, tmp) != 0 && !strstr(e->optional, "master:"))
			fail_msg("%s is no slave: \"%s\"", e->point, e->optional);
		if (strncmp(e->point + strlen(f->rootfs), "/sys", 4) == 0 &&
		    strncmp(e->opts, "ro", 2) != 0)
			fail_msg("%s is not read-only: %s", e->point, e->opts);
	}
	assert_true(n > 3); /* /dev with its submounts, /sys with its own, /tmp */
	assert_string_equal(at(&mi, tmp)->fstype, "tmpfs");
	assert_string_equal(at(&mi, tmp)->source, "tmpfs");
	mountinfo_free(&mi);

	assert_int_equal(mount_root_teardown(f->rootfd), 0);
	close(f->rootfd);
	f->rootfd = -1;
	assert_int_equal(mountinfo_read(&mi, &err), 0);
	assert_int_equal(count_below(&mi, f->pod), 0);
	mountinfo_free(&mi);
	/* The unmount of the copies of /dev/pts, /dev/shm... did not propagate to the host's. */
	_cleanup_free_ char *after = host_points(f->pod);
	assert_string_equal(before, after);
	(void)dev;
}

static void test_no_write_or_create_on_a_host_bind(void **state)
{
	struct fixture *f = *state;
	struct s1_err err = {0};
	/* The image's /etc is a symlink into /dev/shm. */
	_cleanup_free_ char *etc = s1_xasprintf("%s/etc", f->rootfs);
	assert_int_equal(rmdir(etc), 0);
	assert_int_equal(symlink("/dev/shm", etc), 0);
	f->rootfd = mount_root_setup(f->podfd, ROOTFS, &err);
	assert_true(f->rootfd >= 0);
	struct s1_mount_entry dev = bind_entry("/dev", "/dev", true, false);
	struct s1_mount_entry hosts = {.op = S1_MOUNT_WRITE_IF_MISSING,
				       .target = "/etc/s1-test-hosts",
				       .content = "x\n",
				       .what = "hosts"};
	struct s1_mount_entry vol = bind_entry("/tmp", "/dev/s1-test-newdir/x", false, false);
	struct s1_mount_entry copy = {.op = S1_MOUNT_COPY_FILE,
				      .source = "stage1/src",
				      .source_base = S1_SOURCE_POD,
				      .target = "/etc/s1-test-copy",
				      .what = "resolv.conf"};
	_cleanup_free_ char *src = s1_xasprintf("%s/stage1/src", f->pod);
	FILE *fp = fopen(src, "w");
	assert_non_null(fp);
	fputs("nameserver 192.0.2.1\n", fp);
	fclose(fp);

	struct s1_mount_entry ok_plan[] = {dev, hosts};
	struct s1_mount_plan plan = {.entries = ok_plan, .n_entries = 2};
	assert_int_equal(mount_apply_plan(f->podfd, f->rootfd, &plan, &err), 0);
	assert_int_equal(access("/dev/shm/s1-test-hosts", F_OK), -1); /* left alone */

	struct s1_mount_plan vplan = {.entries = &vol, .n_entries = 1};
	assert_true(mount_apply_plan(f->podfd, f->rootfd, &vplan, &err) < 0);
	assert_non_null(strstr(err.msg, "would be created on a host file system"));
	assert_int_equal(access("/dev/s1-test-newdir", F_OK), -1);

	struct s1_mount_plan cplan = {.entries = &copy, .n_entries = 1};
	assert_true(mount_apply_plan(f->podfd, f->rootfd, &cplan, &err) < 0);
	assert_non_null(strstr(err.msg, "host file system"));
	assert_int_equal(access("/dev/shm/s1-test-copy", F_OK), -1);
}

static void test_gc_detaches_only_self_binds(void **state)
{
	struct fixture *f = *state;
	struct s1_err err = {0};
	struct s1_record rec = {0};
	mount_record_add(&rec, ROOTFS);
	assert_int_equal(record_commit(f->podfd, &rec, &err), 0);

	/* Nothing mounted (after a reboot): nothing to do. */
	assert_int_equal(mount_gc(f->podfd, &err), 0);

	/* Something else on the rootfs (rkt's overlay, say): left alone. */
	assert_int_equal(mount("tmpfs", f->rootfs, "tmpfs", 0, NULL), 0);
	assert_int_equal(mount_gc(f->podfd, &err), 0);
	struct s1_mountinfo mi;
	assert_int_equal(mountinfo_read(&mi, &err), 0);
	assert_non_null(at(&mi, f->rootfs));
	assert_string_equal(at(&mi, f->rootfs)->fstype, "tmpfs");
	mountinfo_free(&mi);

	/* run's bind on it, with mounts below: detached, the tmpfs stays. */
	f->rootfd = mount_root_setup(f->podfd, ROOTFS, &err);
	assert_true(f->rootfd >= 0);
	struct s1_mount_entry dev = bind_entry("/dev", "/dev", true, false);
	struct s1_mount_plan plan = {.entries = &dev, .n_entries = 1};
	assert_int_equal(mount_apply_plan(f->podfd, f->rootfd, &plan, &err), 0);
	close(f->rootfd);
	f->rootfd = -1;
	assert_int_equal(mount_gc(f->podfd, &err), 0);
	assert_int_equal(mountinfo_read(&mi, &err), 0);
	assert_int_equal(count_below(&mi, f->rootfs), 1);
	assert_string_equal(at(&mi, f->rootfs)->fstype, "tmpfs");
	mountinfo_free(&mi);
	assert_int_equal(umount2(f->rootfs, MNT_DETACH), 0);

	/* A bind on a plain directory (rkt's --no-overlay copy): detached too. */
	f->rootfd = mount_root_setup(f->podfd, ROOTFS, &err);
	assert_true(f->rootfd >= 0);
	close(f->rootfd);
	f->rootfd = -1;
	assert_int_equal(mount_gc(f->podfd, &err), 0);
	assert_int_equal(mountinfo_read(&mi, &err), 0);
	assert_int_equal(count_below(&mi, f->pod), 0);
	mountinfo_free(&mi);
	assert_int_equal(mount_gc(f->podfd, &err), 0); /* idempotent */
}

static void test_masks_share_one_private_mount(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *before = host_points(f->pod);
	struct s1_err err = {0};
	const char *files[] = {"/m1", "/m2", "/m3"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = s1_xasprintf("%s%s", f->rootfs, files[i]);
		FILE *fp = fopen(p, "w");
		assert_non_null(fp);
		fputs("secret\n", fp);
		fclose(fp);
	}
	f->rootfd = mount_root_setup(f->podfd, ROOTFS, &err);
	assert_true(f->rootfd >= 0);
	struct s1_mount_entry entries[] = {
	    bind_entry("/dev", "/dev", true, false),
	    {.op = S1_MOUNT_MASK, .target = "/m1", .what = "/m1"},
	    {.op = S1_MOUNT_MASK, .target = "/missing", .what = "/missing"},
	    {.op = S1_MOUNT_MASK, .target = "/m2", .what = "/m2"},
	    {.op = S1_MOUNT_MASK, .target = "/m3", .what = "/m3"},
	};
	struct s1_mount_plan plan = {.entries = entries, .n_entries = S1_ARRAY_SIZE(entries)};
	if (mount_apply_plan(f->podfd, f->rootfd, &plan, &err) < 0)
		fail_msg("%s", err.msg);
	struct s1_mountinfo mi;
	assert_int_equal(mountinfo_read(&mi, &err), 0);
	for (size_t i = 0; i < S1_ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = s1_xasprintf("%s%s", f->rootfs, files[i]);
		const struct s1_mountinfo_entry *e = at(&mi, p);
		if (!e) {
			fail_msg("%s is not masked", files[i]);
			continue;
		}
		/* Private: neither a peer nor a slave of the host's /dev. */
		if (strcmp(e->optional, "") != 0)
			fail_msg("the mask on %s is not private: \"%s\"", files[i], e->optional);
		struct stat st;
		assert_int_equal(stat(p, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
		assert_int_equal(major(st.st_rdev), 1);
		assert_int_equal(minor(st.st_rdev), 3);
	}
	mountinfo_free(&mi);
	assert_int_equal(mount_root_teardown(f->rootfd), 0);
	close(f->rootfd);
	f->rootfd = -1;
	assert_int_equal(mountinfo_read(&mi, &err), 0);
	assert_int_equal(count_below(&mi, f->pod), 0);
	mountinfo_free(&mi);
	_cleanup_free_ char *after = host_points(f->pod);
	assert_string_equal(before, after);
}

/* statmount and listmount fail with ENOSYS, as before Linux 6.8. */
static int deny_statmount(void)
{
	static const int nrs[] = {457 /* statmount */, 458 /* listmount */};
	return tu_deny_enosys(nrs, S1_ARRAY_SIZE(nrs));
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP mount tests need root\n");
		return 0;
	}
	/* A namespace of the test's own, shared as on systemd hosts: what leaks shows here only. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0) {
		perror("mount namespace");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_root_is_private_and_binds_are_slaves, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_no_write_or_create_on_a_host_bind, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_gc_detaches_only_self_binds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_masks_share_one_private_mount, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("mount", tests, NULL, NULL);
	/* gc again as on a kernel before 6.8: statmount fails, the mount table answers. */
	const struct CMUnitTest gc_tests[] = {
	    cmocka_unit_test_setup_teardown(test_gc_detaches_only_self_binds, setup, teardown),
	};
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (deny_statmount() < 0) {
			perror("seccomp");
			_exit(1);
		}
		_exit(cmocka_run_group_tests_name("mount without statmount", gc_tests, NULL, NULL));
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return failed + 1;
	return failed + WEXITSTATUS(st);
}
