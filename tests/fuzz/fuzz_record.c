/* Fuzzes the readers of stage1-c.record (podstate.h), and what stop, gc and enter do with it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "stage1c/cgroupgc.h"
#include "stage1c/cgroupjoin.h"
#include "stage1c/confine.h"
#include "stage1c/mount.h"
#include "stage1c/podstate.h"
#include "stage1c/user.h"

/* A pod directory of this process's own, holding nothing but the record: on a tmpfs where
 * there is one, since every input is written and read back several times. */
static char pod_dir[] = "/dev/shm/stage1c-fuzz-record.XXXXXX";
static int podfd = -1;

static void remove_pod_dir(void)
{
	unlinkat(podfd, S1_RECORD_FILE, 0);
	rmdir(pod_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(pod_dir)) {
		strcpy(pod_dir, "/tmp/stage1c-fuzz-record.XXXXXX");
		mkdtemp(pod_dir);
	}
	if ((podfd = open(pod_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("fuzz_record: pod directory");
		abort();
	}
	atexit(remove_pod_dir);
	return 0;
}

/* A cgroup file system of empty cgroups, where nothing but a pod cgroup may be changed, and
 * nothing but the pod's or the app's cgroup joined, whatever the record says. */
static bool ours(const char *dir)
{
	return cgroup_dir_kind(dir) != S1_CGROUP_DIR_FOREIGN;
}

static bool joinable(const char *dir)
{
	enum s1_cgroup_dir_kind k = cgroup_dir_kind(dir);
	return k == S1_CGROUP_DIR_POD || k == S1_CGROUP_DIR_APP;
}

/* Is path the file name in a directory for which is_ok holds? */
static bool file_in(const char *path, const char *name, bool (*is_ok)(const char *dir))
{
	const char *slash = strrchr(path, '/');
	if (!slash || strcmp(slash + 1, name) != 0)
		return false;
	char *dir = s1_xstrndup(path, (size_t)(slash - path));
	bool ok = is_ok(dir);
	free(dir);
	return ok;
}

static int fs_mkdir(void *ctx, const char *path)
{
	(void)ctx;
	(void)path;
	FUZZ_CHECK(!"mkdir from a record");
	return -EPERM;
}

static int fs_rmdir(void *ctx, const char *path)
{
	(void)ctx;
	FUZZ_CHECK(ours(path));
	return 0;
}

static int fs_write(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	(void)value;
	FUZZ_CHECK(file_in(path, "cgroup.kill", ours));
	return -ENOENT;
}

static int fs_read(void *ctx, const char *path, size_t max, char **text)
{
	(void)ctx;
	(void)max;
	(void)text;
	FUZZ_CHECK(file_in(path, "cgroup.procs", ours));
	return -ENOENT; /* no processes: nothing is ever signalled */
}

static int fs_open(void *ctx, const char *path, int flags)
{
	(void)ctx;
	FUZZ_CHECK(!(flags & O_CREAT));
	if (flags & O_DIRECTORY)
		FUZZ_CHECK(joinable(path));
	else
		FUZZ_CHECK(file_in(path, "cgroup.procs", joinable) ||
			   file_in(path, "tasks", joinable));
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int fs_subdirs(void *ctx, const char *path, char ***names, size_t *n)
{
	(void)ctx;
	FUZZ_CHECK(ours(path));
	*names = s1_xcalloc(1, sizeof(**names));
	*n = 0;
	return 0;
}

static int fs_is_cgroup(void *ctx, const char *path)
{
	(void)ctx;
	(void)path;
	return 1;
}

static const struct s1_cgroup_fs fake_fs = {
    .mkdir = fs_mkdir,
    .rmdir = fs_rmdir,
    .write = fs_write,
    .read = fs_read,
    .open = fs_open,
    .subdirs = fs_subdirs,
    .is_cgroup = fs_is_cgroup,
};

static void write_record(const uint8_t *data, size_t size)
{
	int fd = openat(podfd, S1_RECORD_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0 && s1_write_all(fd, data, size) == 0);
	close(fd);
}

/* What run writes of the ids and the confinement enter read is what enter reads again. */
static void check_round_trip(const struct s1_ids *ids, const struct s1_confine *c)
{
	struct s1_err err = {0};
	struct s1_record rec = {0};
	struct s1_ids ids2;
	struct s1_confine c2;
	record_add_app(&rec, "app");
	user_record_add(&rec, ids);
	confine_record_add(&rec, c);
	FUZZ_CHECK(record_commit(podfd, &rec, &err) == 0);
	FUZZ_CHECK(record_load(podfd, &rec) == 0);
	FUZZ_CHECK(user_record_read(&rec, "app", &ids2, &err) == 0);
	FUZZ_CHECK(ids2.uid == ids->uid && ids2.gid == ids->gid && ids2.n_groups == ids->n_groups);
	FUZZ_CHECK(memcmp(ids2.groups, ids->groups, ids->n_groups * sizeof(gid_t)) == 0);
	user_ids_free(&ids2);
	FUZZ_CHECK(confine_record_read(&rec, "app", &c2, &err) == 0);
	record_free(&rec);
	FUZZ_CHECK(c2.keep_caps == c->keep_caps && c2.bounding == c->bounding &&
		   c2.granted == c->granted && c2.ambient == c->ambient &&
		   c2.no_new_privs == c->no_new_privs &&
		   c2.has_oom_score_adj == c->has_oom_score_adj &&
		   c2.oom_score_adj == c->oom_score_adj);
	/* The seccomp filter enter loads is the one run compiled. */
	FUZZ_CHECK(c2.seccomp_mode == c->seccomp_mode && c2.seccomp_errno == c->seccomp_errno &&
		   c2.admin_until_seccomp == c->admin_until_seccomp &&
		   c2.seccomp.len == c->seccomp.len);
	FUZZ_CHECK(c->seccomp.len == 0 ||
		   memcmp(c2.seccomp.insns, c->seccomp.insns,
			  c->seccomp.len * sizeof(c->seccomp.insns[0])) == 0);
	seccomp_prog_free(&c2.seccomp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s1_err err = {0};
	write_record(data, size);

	pid_t pid;
	char id[S1_PROC_ID_MAX];
	if (podstate_read_leader(podfd, &pid, id) == 0)
		FUZZ_CHECK(pid > 0 && strlen(id) < S1_PROC_ID_MAX);
	char **dirs;
	size_t n;
	if (cgroup_record_read(podfd, &dirs, &n, &err) == 0)
		cgroup_record_free(dirs, n);
	struct s1_record rec;
	if (record_load(podfd, &rec) < 0)
		return 0;
	/* enter joins an app's cgroups; stop --force kills them; gc removes them. */
	size_t n_apps;
	char **apps = record_apps(&rec, &n_apps);
	const char *first = n_apps ? apps[0] : NULL;
	struct s1_confine joined = {.cgroup2_dir = -1};
	cgroupjoin_open_recorded(&fake_fs, &rec, first, &joined, &err);
	confine_close_fds(&joined);
	cgroup_kill_recorded(&fake_fs, podfd, SIGKILL, &err);
	cgroup_remove_recorded(&fake_fs, podfd, &err);

	struct s1_ids ids;
	struct s1_confine c;
	if (user_record_read(&rec, first, &ids, &err) == 0) {
		if (confine_record_read(&rec, first, &c, &err) == 0) {
			record_free(&rec);
			check_round_trip(&ids, &c);
			seccomp_prog_free(&c.seccomp);
		}
		user_ids_free(&ids);
	}
	record_apps_free(apps);
	record_free(&rec);
	return 0;
}
