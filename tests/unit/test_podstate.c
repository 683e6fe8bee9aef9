/* A process's identity (podstate_proc_id) and the record's leader by it: what stop, gc and
 * enter go by to tell the pod's leader from a later process with its PID; and how the record
 * is committed (record_commit_open). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage1c/podstate.h"
#include "stage1c/record.h"
#include "stage1c/util.h"
#include "testutil.h"

/* A PID no process has now: a child's, once reaped. */
static pid_t gone_pid(void)
{
	pid_t pid = tu_spawn_sleeper();
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void test_proc_id(void **state)
{
	(void)state;
	char a[S1_PROC_ID_MAX], b[S1_PROC_ID_MAX], c[S1_PROC_ID_MAX];
	assert_int_equal(podstate_proc_id(getpid(), false, a), 0);
	assert_int_equal(podstate_proc_id(getpid(), false, b), 0);
	assert_string_equal(a, b);
	print_message("# this kernel's identity: %s\n", a);

	/* The start time, as /proc/PID/stat's field 22 says. */
	unsigned long long st;
	assert_int_equal(podstate_proc_stat(getpid(), NULL, &st), 0);
	assert_int_equal(podstate_proc_id(getpid(), true, c), 0);
	assert_false(has_prefix(c, "pidfs:"));
	assert_int_equal(strtoull(c, NULL, 10), st);

	/* Another process: another identity, in either kind where pidfds are pidfs inodes. */
	pid_t child = tu_spawn_sleeper();
	assert_int_equal(podstate_proc_id(child, false, b), 0);
	assert_string_not_equal(a, b);
	pid_t parent = 0;
	assert_int_equal(podstate_proc_stat(child, &parent, &st), 0);
	assert_int_equal(parent, getpid());
	parent = 0;
	assert_int_equal(podstate_proc_parent(child, &parent), 0);
	assert_int_equal(parent, getpid());
	assert_int_equal(podstate_proc_parent(getpid(), &parent), 0);
	assert_int_equal(parent, getppid());
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);

	/* No process: ESRCH, both ways. */
	pid_t gone = gone_pid();
	assert_int_equal(podstate_proc_id(gone, false, b), -ESRCH);
	assert_int_equal(podstate_proc_id(gone, true, b), -ESRCH);
	assert_int_equal(podstate_proc_stat(gone, NULL, &st), -ESRCH);
	assert_int_equal(podstate_proc_parent(gone, &parent), -ESRCH);
}

static void write_record(int podfd, const char *text)
{
	int fd = openat(podfd, S1_RECORD_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_leader(void **state)
{
	(void)state;
	char dir[] = "/tmp/stage1c-test-podstate-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int podfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(podfd >= 0);
	struct s1_err err = {0};

	/* This process as the leader, recorded the way run records itself, and read back. */
	struct s1_record rec = {0};
	assert_int_equal(podstate_record_leader(&rec, getpid(), &err), 0);
	assert_int_equal(record_commit(podfd, &rec, &err), 0);
	record_free(&rec);
	pid_t pid = 0;
	char id[S1_PROC_ID_MAX], now[S1_PROC_ID_MAX];
	assert_int_equal(podstate_read_leader(podfd, &pid, id), 0);
	assert_int_equal(pid, getpid());
	assert_int_equal(podstate_proc_id(getpid(), false, now), 0);
	assert_string_equal(id, now);
	assert_int_equal(podstate_leader_alive(podfd, &pid), 0);

	/* A record made by the start time (a kernel without pidfs) is checked by it. */
	char text[128];
	assert_int_equal(podstate_proc_id(getpid(), true, now), 0);
	snprintf(text, sizeof(text), "leader %ld %s\n", (long)getpid(), now);
	write_record(podfd, text);
	assert_int_equal(podstate_leader_alive(podfd, &pid), 0);

	/* Another identity at the PID, or no process at it: gone. */
	const char *other[] = {"pidfs:1", "1", "pidfs:18446744073709551615"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(other); i++) {
		snprintf(text, sizeof(text), "leader %ld %s\n", (long)getpid(), other[i]);
		write_record(podfd, text);
		assert_int_equal(podstate_leader_alive(podfd, &pid), -ESRCH);
	}
	snprintf(text, sizeof(text), "leader %ld %s\n", (long)gone_pid(), id);
	write_record(podfd, text);
	assert_int_equal(podstate_leader_alive(podfd, &pid), -ESRCH);

	/* Malformed: no leader to go by. */
	const char *bad[] = {"leader 1\n", "leader 0 5\n", "leader -3 5\n", "leader 1 2 3\n",
			     "leader x 5\n"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		write_record(podfd, bad[i]);
		if (podstate_leader_alive(podfd, &pid) != -ENOENT)
			fail_msg("record \"%s\" was accepted", bad[i]);
	}
	close(podfd);
	tu_rm_tree(dir);
}

/* The record's text, read back by name. */
static void assert_record(int podfd, const char *want)
{
	struct s1_record rec;
	assert_int_equal(record_load(podfd, &rec), 0);
	assert_int_equal(rec.len, strlen(want));
	assert_memory_equal(rec.text, want, rec.len);
	record_free(&rec);
}

/* Committed, the record is there whole, and the fd returned is the record's, read-write (the
 * leader's locks): the first time (linked in) and over an earlier record (renamed over), with
 * nothing else left in the directory either way. */
static void test_commit_open(void **state)
{
	(void)state;
	char dir[] = "/tmp/stage1c-test-record-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int podfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(podfd >= 0);
	struct s1_err err = {0};
	const char *texts[] = {"leader 1 2\nmount a\n", "leader 3 4\n"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(texts); i++) {
		struct s1_record rec = {.text = s1_xstrdup(texts[i]), .len = strlen(texts[i])};
		int fd = record_commit_open(podfd, &rec, &err);
		assert_true(fd >= 0);
		assert_null(rec.text);
		assert_record(podfd, texts[i]);
		struct stat a, b;
		assert_int_equal(fstat(fd, &a), 0);
		assert_int_equal(fstatat(podfd, S1_RECORD_FILE, &b, AT_SYMLINK_NOFOLLOW), 0);
		assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
		assert_int_equal(a.st_nlink, 1);
		assert_int_equal(a.st_mode & 07777, 0600);
		assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		assert_int_equal(record_lock_app(fd, 0, true, false), 0);
		close(fd);
		assert_int_equal(tu_count_entries(dir), 1);
	}
	close(podfd);
	tu_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proc_id),
	    cmocka_unit_test(test_leader),
	    cmocka_unit_test(test_commit_open),
	};
	return cmocka_run_group_tests_name("podstate", tests, NULL, NULL);
}
