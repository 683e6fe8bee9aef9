/* Reading and writing the pod-directory files shared with rkt's stage0. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "stage1c/env.h"
#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/util.h"

#define MANIFEST_MAX (4u << 20)

char *podstate_app_rootfs(const char *app)
{
	return s1_xasprintf(S1_STAGE1_ROOTFS "/opt/stage2/%s/rootfs", app);
}

/* A directory of the pod (created if missing). */
static int open_pod_dir(int podfd, const char *rel, mode_t mode, struct s1_err *err)
{
	int fd = path_mkdir_in_root(podfd, rel, mode);
	if (fd < 0)
		return s1_error(err, fd, "%s", rel);
	char p[S1_FD_PATH_MAX];
	int dfd = openat(AT_FDCWD, path_fd(fd, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	close(fd);
	return dfd < 0 ? s1_error(err, e, "%s", rel) : dfd;
}

static int write_in(int podfd, const char *dir, mode_t mode, const char *name, const char *content,
		    struct s1_err *err)
{
	_cleanup_close_ int dfd = open_pod_dir(podfd, dir, mode, err);
	if (dfd < 0)
		return dfd;
	int r = s1_write_file_atomic(dfd, name, content, strlen(content), 0644);
	return r < 0 ? s1_error(err, r, "writing %s/%s", dir, name) : 0;
}

int podstate_write_pid(int podfd, pid_t pid, struct s1_err *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	return write_in(podfd, ".", 0755, "pid", buf, err);
}

int podstate_write_status(int podfd, const char *app, int status, struct s1_err *err)
{
	char buf[32];
	/* No newline: rkt parses the file's whole content as a number. */
	snprintf(buf, sizeof(buf), "%d", status);
	return write_in(podfd, S1_STAGE1_ROOTFS "/rkt/status", 0755, app, buf, err);
}

int podstate_write_env(int podfd, const char *app, char *const *envp, struct s1_err *err)
{
	_cleanup_free_ char *text = env_serialize(envp);
	return write_in(podfd, S1_STAGE1_ROOTFS "/rkt/env", 0755, app, text, err);
}

int podstate_mark_ready(int podfd, struct s1_err *err)
{
	_cleanup_close_ int dfd = open_pod_dir(podfd, S1_STAGE1_ROOTFS "/rkt", 0755, err);
	if (dfd < 0)
		return dfd;
	unlinkat(dfd, "supervisor-status.tmp", 0);
	if (symlinkat("ready", dfd, "supervisor-status.tmp") < 0 ||
	    renameat(dfd, "supervisor-status.tmp", dfd, "supervisor-status") < 0)
		return s1_error(err, errno, "writing rkt/supervisor-status");
	return 0;
}

int podstate_proc_stat(pid_t pid, pid_t *ppid, unsigned long long *starttime)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	_cleanup_free_ char *text = NULL;
	int r = s1_read_file_at(AT_FDCWD, path, 4096, &text, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	/* The command name may hold spaces and parentheses: count fields after the last ')'. */
	char *p = strrchr(text, ')');
	long pp;
	if (!p || sscanf(p + 1, " %*c %ld", &pp) != 1)
		return -EINVAL;
	p++;
	for (int field = 2; field < 21; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	if (ppid)
		*ppid = (pid_t)pp;
	return sscanf(p, " %llu", starttime) == 1 ? 0 : -EINVAL;
}

#ifndef PIDFS_MAGIC
#define PIDFS_MAGIC 0x50494446
#endif
#define PIDFS_PREFIX "pidfs:"

/* A pidfd of pid, or -errno (-ENOSYS where the C library has no number for the call). */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return fd >= 0 ? fd : -errno;
#else
	(void)pid;
	return -ENOSYS;
#endif
}

/* pid's pidfd inode as "pidfs:INODE": 1, 0 where pidfds are not pidfs inodes (before Linux
 * 6.9, or 32-bit inode numbers, which wrap), or -ESRCH. */
static int pidfs_id(pid_t pid, char id[S1_PROC_ID_MAX])
{
	if (sizeof(ino_t) < 8)
		return 0;
	int fd = open_pidfd(pid);
	if (fd < 0)
		return fd == -ESRCH ? -ESRCH : 0;
	struct statfs sfs;
	struct stat st;
	bool ok = fstatfs(fd, &sfs) == 0 && sfs.f_type == PIDFS_MAGIC && fstat(fd, &st) == 0;
	close(fd);
	if (ok)
		snprintf(id, S1_PROC_ID_MAX, PIDFS_PREFIX "%llu", (unsigned long long)st.st_ino);
	return ok;
}

int podstate_proc_id(pid_t pid, bool start_time, char id[S1_PROC_ID_MAX])
{
	int r;
	if (!start_time && (r = pidfs_id(pid, id)) != 0)
		return r < 0 ? r : 0;
	unsigned long long st;
	if ((r = podstate_proc_stat(pid, NULL, &st)) < 0)
		return r;
	snprintf(id, S1_PROC_ID_MAX, "%llu", st);
	return 0;
}

int podstate_record_leader(struct s1_record *rec, pid_t pid, struct s1_err *err)
{
	char id[S1_PROC_ID_MAX];
	int r = podstate_proc_id(pid, false, id);
	if (r < 0)
		return s1_error(err, r, "identifying PID %ld", (long)pid);
	char buf[64];
	snprintf(buf, sizeof(buf), "%ld %s", (long)pid, id);
	record_add(rec, S1_REC_LEADER, buf);
	return 0;
}

/* The leader section's payload (NULL: none) as PID and identity: 0, or -errno. */
static int parse_leader(const char *text, pid_t *pid, char id[S1_PROC_ID_MAX])
{
	long p;
	char rest;
	_Static_assert(S1_PROC_ID_MAX == 32, "the format's width");
	if (!text || sscanf(text, "%ld %31s %c", &p, id, &rest) != 2 || p <= 0)
		return -EINVAL;
	*pid = (pid_t)p;
	return 0;
}

int podstate_read_leader(int podfd, pid_t *pid, char id[S1_PROC_ID_MAX])
{
	_cleanup_free_ char *text = NULL;
	int r = record_read(podfd, S1_REC_LEADER, NULL, &text);
	return r < 0 ? r : parse_leader(text, pid, id);
}

/* Does the leader recorded as pid and id still run? Its identity is taken as it was made. */
static int leader_runs(pid_t pid, const char *id)
{
	char now[S1_PROC_ID_MAX];
	bool start_time = strncmp(id, PIDFS_PREFIX, strlen(PIDFS_PREFIX)) != 0;
	return podstate_proc_id(pid, start_time, now) == 0 && strcmp(now, id) == 0 ? 0 : -ESRCH;
}

int podstate_leader_alive(int podfd, pid_t *pid)
{
	char id[S1_PROC_ID_MAX];
	if (podstate_read_leader(podfd, pid, id) < 0)
		return -ENOENT;
	return leader_runs(*pid, id);
}

/* PIDFD_GET_INFO (Linux 6.13), as far as its first version goes: the parent's PID. */
struct pidfd_info_v0 {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
};
_Static_assert(sizeof(struct pidfd_info_v0) == 64, "PIDFD_INFO_SIZE_VER0");
#define S1_PIDFD_GET_INFO _IOWR(0xFF, 11, struct pidfd_info_v0)

int podstate_proc_parent(pid_t pid, pid_t *ppid)
{
	int fd = open_pidfd(pid);
	if (fd == -ESRCH)
		return -ESRCH;
	if (fd >= 0) {
		struct pidfd_info_v0 info = {.mask = 1 /* PIDFD_INFO_PID */};
		int r = ioctl(fd, S1_PIDFD_GET_INFO, &info);
		int e = errno;
		close(fd);
		if (r == 0) {
			*ppid = (pid_t)info.ppid;
			return 0;
		}
		if (e == ESRCH)
			return -ESRCH;
	}
	unsigned long long start;
	return podstate_proc_stat(pid, ppid, &start);
}

int podstate_app_process(const struct s1_record *rec, pid_t pid)
{
	pid_t leader, parent;
	char leader_id[S1_PROC_ID_MAX];
	int r = podstate_proc_parent(pid, &parent);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = NULL;
	record_get(rec, S1_REC_LEADER, NULL, &text);
	return parse_leader(text, &leader, leader_id) == 0 && leader_runs(leader, leader_id) == 0 &&
		       parent == leader
		   ? 0
		   : -EXDEV;
}

int podstate_check_uuid(const char *uuid, struct s1_err *err)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return s1_error(err, errno, "can't read the pod directory's path");
	const char *base = strrchr(cwd, '/');
	base = base ? base + 1 : cwd;
	if (strcmp(base, uuid) != 0)
		return s1_error(err, 0, "pod UUID %s does not match the pod directory %s", uuid,
				cwd);
	return 0;
}

int podstate_load_pod(int podfd, struct s1_pod_manifest *pod, struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = s1_read_file_at(podfd, "pod", MANIFEST_MAX, &text, &len);
	if (r < 0) {
		memset(pod, 0, sizeof(*pod));
		return s1_error(err, r, "reading the pod manifest");
	}
	return manifest_pod_parse(text, len, pod, err);
}

int podstate_load_image(int podfd, const struct s1_runtime_app *ra, struct s1_image_manifest *im,
			struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	memset(im, 0, sizeof(*im));
	_cleanup_free_ char *path = s1_xasprintf("appsinfo/%s/manifest", ra->name);
	int r = s1_read_file_at(podfd, path, MANIFEST_MAX, &text, &len);
	if (r < 0)
		return s1_error(err, r, "reading the image manifest %s", path);
	if ((r = manifest_image_parse(text, len, im, err)) < 0)
		return r;
	const struct s1_app *app = manifest_effective_app(ra, im);
	if (!app || !app->exec)
		return s1_error(err, 0, "app \"%s\" has no exec", ra->name);
	return 0;
}
