/* Carrying out the mount plan inside the app's rootfs: every target is resolved inside the
 * root and mounted onto through its descriptor (/proc/self/fd/N), never by a string path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "stage1c/log.h"
#include "stage1c/mount.h"
#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

/* Remount one mount read-only keeping its locked flags (the pre-5.12 way). */
static int remount_readonly_path(const char *path)
{
	struct statvfs sv;
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
	if (statvfs(path, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
		if (sv.f_flag & ST_NOATIME)
			flags |= MS_NOATIME;
		if (sv.f_flag & ST_NODIRATIME)
			flags |= MS_NODIRATIME;
		if (sv.f_flag & ST_RELATIME)
			flags |= MS_RELATIME;
	}
	return mount(NULL, path, NULL, flags, NULL) < 0 ? -errno : 0;
}

static int remount_submounts_readonly(const char *top)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	size_t tlen = strlen(top);
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	while (getline(&line, &cap, f) > 0) {
		char raw[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", raw) != 1)
			continue;
		_cleanup_free_ char *mp = s1_unescape_octal(raw, strlen(raw));
		if (strncmp(mp, top, tlen) == 0 && mp[tlen] == '/') {
			int q = remount_readonly_path(mp);
			if (q < 0 && r == 0)
				r = q;
		}
	}
	free(line);
	return r;
}

int mount_make_readonly(int fd, bool recursive)
{
	if (s1_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? S1_AT_RECURSIVE : 0),
			     S1_MOUNT_ATTR_RDONLY) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	char p[S1_FD_PATH_MAX];
	int r = remount_readonly_path(path_fd(fd, p));
	if (r < 0 || !recursive)
		return r;
	char top[4096];
	ssize_t n = readlink(p, top, sizeof(top) - 1);
	if (n < 0)
		return -errno;
	top[n] = '\0';
	return remount_submounts_readonly(top);
}

int mount_root_setup(int podfd, const char *rootfs_rel, struct s1_err *err)
{
	char p[S1_FD_PATH_MAX];
	_cleanup_close_ int fd = path_open_in_root(podfd, rootfs_rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return s1_error(err, fd, "app rootfs %s", rootfs_rel);
	if (mount(path_fd(fd, p), path_fd(fd, p), NULL, MS_BIND | MS_REC, NULL) < 0)
		return s1_error(err, errno, "bind mount of the app rootfs %s", rootfs_rel);
	int top = path_open_in_root(podfd, rootfs_rel, O_PATH | O_DIRECTORY);
	if (top < 0) {
		/* Not through fd: that is the mount below ours (rkt's overlay, say). Only what
		 * stands above the recorded base goes; if even that fails, gc finds it. */
		struct s1_err gerr = {0};
		s1_error(err, top, "app rootfs %s", rootfs_rel);
		mount_gc(podfd, &gerr);
		return top;
	}
	if (mount(NULL, path_fd(top, p), NULL, MS_PRIVATE | MS_REC, NULL) < 0) {
		int r = s1_error(err, errno, "making the app rootfs mount private");
		mount_root_teardown(top);
		close(top);
		return r;
	}
	return top;
}

int mount_root_teardown(int rootfd)
{
	char p[S1_FD_PATH_MAX];
	return umount2(path_fd(rootfd, p), MNT_DETACH) < 0 ? -errno : 0;
}

/* The pod-relative directory of an empty volume, made once with the volume's mode and owner. */
static int open_empty_volume(int podfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	int fd = path_open_in_root(podfd, e->source, O_PATH | O_DIRECTORY);
	if (fd >= 0)
		return fd;
	_cleanup_close_ int dfd = path_mkdir_in_root(podfd, e->source, 0700);
	if (dfd < 0)
		return s1_error(err, dfd, "%s: creating %s", e->what, e->source);
	char p[S1_FD_PATH_MAX];
	/* chmod after mkdir: the mode must not depend on the caller's umask. */
	if (chown(path_fd(dfd, p), e->uid, e->gid) < 0 || chmod(path_fd(dfd, p), e->mode) < 0)
		return s1_error(err, errno, "%s: setting owner and mode of %s", e->what, e->source);
	return steal_fd(&dfd);
}

static int open_source(int podfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	if (e->create_empty_dir)
		return open_empty_volume(podfd, e, err);
	int fd = e->source_base == S1_SOURCE_HOST ? open(e->source, O_PATH | O_CLOEXEC)
						  : path_open_in_root(podfd, e->source, O_PATH);
	if (fd < 0)
		return s1_error(err, e->source_base == S1_SOURCE_HOST ? errno : fd, "%s: source %s",
				e->what, e->source);
	return fd;
}

/* After a bind: the mount now on top of target, slave to its source (host changes come in,
 * nothing goes back), read-only when asked. */
static int finish_bind(int rootfd, const struct s1_mount_entry *e, bool read_only,
		       struct s1_err *err)
{
	char p[S1_FD_PATH_MAX];
	_cleanup_close_ int fd = path_open_in_root(rootfd, e->target, O_PATH);
	if (fd < 0)
		return s1_error(err, fd, "%s: reopening %s", e->what, e->target);
	if (mount(NULL, path_fd(fd, p), NULL, MS_SLAVE | (e->recursive ? MS_REC : 0), NULL) < 0)
		return s1_error(err, errno, "%s: setting propagation of %s", e->what, e->target);
	int r;
	if (read_only && (r = mount_make_readonly(fd, e->recursive)) < 0)
		return s1_error(err, r, "%s: making %s read-only", e->what, e->target);
	return 0;
}

static int apply_bind(int podfd, int rootfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	char sp[S1_FD_PATH_MAX], tp[S1_FD_PATH_MAX];
	_cleanup_close_ int src = open_source(podfd, e, err);
	if (src < 0)
		return src;
	struct stat st;
	if (fstat(src, &st) < 0)
		return s1_error(err, errno, "%s: source %s", e->what, e->source);
	_cleanup_close_ int tgt = path_ensure_in_root(
	    rootfd, e->target, S_ISDIR(st.st_mode) ? S1_PATH_DIR : S1_PATH_FILE);
	if (tgt < 0)
		return s1_error(err, tgt, "%s: mount target %s in the app's rootfs", e->what,
				e->target);
	if (mount(path_fd(src, sp), path_fd(tgt, tp), NULL, MS_BIND | (e->recursive ? MS_REC : 0),
		  NULL) < 0)
		return s1_error(err, errno, "%s: bind mount of %s on %s", e->what, e->source,
				e->target);
	return finish_bind(rootfd, e, e->read_only, err);
}

static int apply_tmpfs(int rootfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	char p[S1_FD_PATH_MAX];
	_cleanup_close_ int tgt = path_ensure_in_root(rootfd, e->target, S1_PATH_DIR);
	if (tgt < 0)
		return s1_error(err, tgt, "%s: mount target in the app's rootfs", e->what);
	if (mount("tmpfs", path_fd(tgt, p), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return s1_error(err, errno, "%s: mounting a tmpfs", e->what);
	return 0;
}

static int apply_readonly(int rootfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	char p[S1_FD_PATH_MAX];
	_cleanup_close_ int tgt = path_open_in_root(rootfd, e->target, O_PATH);
	if (tgt == -ENOENT)
		return 0;
	if (tgt < 0)
		return s1_error(err, tgt, "%s", e->what);
	if (mount(path_fd(tgt, p), path_fd(tgt, p), NULL, MS_BIND | (e->recursive ? MS_REC : 0),
		  NULL) < 0)
		return s1_error(err, errno, "%s: bind mount", e->what);
	return finish_bind(rootfd, e, true, err);
}

static int apply_mask(int rootfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	char p[S1_FD_PATH_MAX], np[S1_FD_PATH_MAX];
	_cleanup_close_ int tgt = path_open_in_root(rootfd, e->target, O_PATH);
	struct stat st;
	if (tgt == -ENOENT)
		return 0;
	if (tgt < 0 || fstat(tgt, &st) < 0)
		return s1_error(err, tgt < 0 ? tgt : errno, "%s", e->what);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path_fd(tgt, p), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
			  "mode=0") < 0)
			return s1_error(err, errno, "%s: masking", e->what);
		return 0;
	}
	_cleanup_close_ int null = open("/dev/null", O_PATH | O_CLOEXEC);
	if (null < 0)
		return s1_error(err, errno, "/dev/null");
	if (mount(path_fd(null, np), path_fd(tgt, p), NULL, MS_BIND, NULL) < 0)
		return s1_error(err, errno, "%s: masking", e->what);
	return 0;
}

/* Open target (created if missing) for writing: a regular file inside the root only. */
static int open_target_for_write(int rootfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	char p[S1_FD_PATH_MAX];
	struct stat st;
	_cleanup_close_ int tgt = path_ensure_in_root(rootfd, e->target, S1_PATH_FILE);
	if (tgt < 0)
		return s1_error(err, tgt, "%s: %s in the app's rootfs", e->what, e->target);
	if (fstat(tgt, &st) < 0 || !S_ISREG(st.st_mode))
		return s1_error(err, 0, "%s: %s in the app's rootfs is not a regular file", e->what,
				e->target);
	int fd = open(path_fd(tgt, p), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return s1_error(err, errno, "%s: opening %s", e->what, e->target);
	return fd;
}

static int apply_copy_file(int podfd, int rootfd, const struct s1_mount_entry *e,
			   struct s1_err *err)
{
	_cleanup_free_ char *content = NULL;
	size_t len;
	_cleanup_close_ int src = path_open_in_root(podfd, e->source, O_RDONLY);
	int r;
	if (src < 0)
		return s1_error(err, src, "%s: %s", e->what, e->source);
	if ((r = s1_read_fd(src, 1u << 20, &content, &len)) < 0)
		return s1_error(err, r, "%s: reading %s", e->what, e->source);
	_cleanup_close_ int out = open_target_for_write(rootfd, e, err);
	if (out < 0)
		return out;
	if ((r = s1_write_all(out, content, len)) < 0)
		return s1_error(err, r, "%s: writing %s", e->what, e->target);
	return 0;
}

static int apply_write_if_missing(int rootfd, const struct s1_mount_entry *e, struct s1_err *err)
{
	_cleanup_close_ int fd = path_open_in_root(rootfd, e->target, O_PATH);
	if (fd >= 0)
		return 0;
	if (fd != -ENOENT)
		return s1_error(err, fd, "%s: %s", e->what, e->target);
	_cleanup_close_ int tgt = path_ensure_in_root(rootfd, e->target, S1_PATH_FILE);
	if (tgt == -EEXIST)
		return 0; /* a dangling symlink: the image has its own idea of this file */
	if (tgt < 0)
		return s1_error(err, tgt, "%s: %s in the app's rootfs", e->what, e->target);
	_cleanup_close_ int out = open_target_for_write(rootfd, e, err);
	if (out < 0)
		return out;
	int r = s1_write_all(out, e->content, strlen(e->content));
	return r < 0 ? s1_error(err, r, "%s: writing %s", e->what, e->target) : 0;
}

int mount_apply_plan(int podfd, int rootfd, const struct s1_mount_plan *plan, struct s1_err *err)
{
	for (size_t i = 0; i < plan->n_entries; i++) {
		const struct s1_mount_entry *e = &plan->entries[i];
		int r = 0;
		s1_debug("mount: %s on %s", e->what, e->target);
		switch (e->op) {
		case S1_MOUNT_BIND:
			r = apply_bind(podfd, rootfd, e, err);
			break;
		case S1_MOUNT_TMPFS:
			r = apply_tmpfs(rootfd, e, err);
			break;
		case S1_MOUNT_READONLY:
			r = apply_readonly(rootfd, e, err);
			break;
		case S1_MOUNT_MASK:
			r = apply_mask(rootfd, e, err);
			break;
		case S1_MOUNT_COPY_FILE:
			r = apply_copy_file(podfd, rootfd, e, err);
			break;
		case S1_MOUNT_WRITE_IF_MISSING:
			r = apply_write_if_missing(rootfd, e, err);
			break;
		}
		if (r < 0)
			return r;
	}
	if (plan->read_only_root) {
		int r = mount_make_readonly(rootfd, false);
		if (r < 0)
			return s1_error(err, r, "making the app's root read-only");
	}
	return 0;
}

/* The ID of the mount an fd lives on, from /proc/self/fdinfo (any kernel since 3.15). */
static int fd_mount_id(int fd, long *id)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	_cleanup_free_ char *text = NULL;
	int r = s1_read_file_at(AT_FDCWD, path, 4096, &text, NULL);
	if (r < 0)
		return r;
	const char *p = strstr(text, "mnt_id:");
	if (!p || sscanf(p, "mnt_id: %ld", id) != 1)
		return -EINVAL;
	return 0;
}

int mount_record_base(struct s1_record *rec, int rootfs_fd, const char *rootfs_rel,
		      struct s1_err *err)
{
	long id;
	int r = fd_mount_id(rootfs_fd, &id);
	if (r < 0)
		return s1_error(err, r, "reading the mount of %s", rootfs_rel);
	_cleanup_free_ char *line = s1_xasprintf("%ld %s", id, rootfs_rel);
	podstate_record_add(rec, "mounts", line);
	return 0;
}

int mount_record_read(int podfd, long *base, char **rootfs_rel)
{
	_cleanup_free_ char *text = NULL;
	*rootfs_rel = NULL;
	int r = podstate_record_read(podfd, "mounts", &text);
	if (r < 0)
		return r;
	char *end;
	errno = 0;
	*base = strtol(text, &end, 10);
	if (errno || end == text || *end != ' ' || !end[1] || end[1] == '\n')
		return -EINVAL;
	*rootfs_rel = s1_xstrndup(end + 1, strcspn(end + 1, "\n"));
	return 0;
}

int mount_gc(int podfd, struct s1_err *err)
{
	long base;
	_cleanup_free_ char *rel = NULL;
	int r = mount_record_read(podfd, &base, &rel);
	if (r == -ENOENT)
		return 0; /* run never got to mount anything */
	if (r == -EINVAL)
		return s1_error(err, 0, "malformed mounts record");
	if (r < 0)
		return s1_error(err, r, "reading the mounts record");
	/* Detach what is stacked on the rootfs above the mount that was there before run. */
	for (int i = 0; i < 64; i++) {
		_cleanup_close_ int fd = path_open_in_root(podfd, rel, O_PATH | O_DIRECTORY);
		long id;
		if (fd == -ENOENT)
			return 0;
		if (fd < 0)
			return s1_error(err, fd, "app rootfs %s", rel);
		if ((r = fd_mount_id(fd, &id)) < 0)
			return s1_error(err, r, "reading the mount of %s", rel);
		if (id == base)
			return 0;
		char p[S1_FD_PATH_MAX];
		if (umount2(path_fd(fd, p), MNT_DETACH) < 0)
			return s1_error(err, errno, "unmounting %s", rel);
		s1_debug("detached the mount on %s", rel);
	}
	return s1_error(err, 0, "too many mounts stacked on %s", rel);
}
