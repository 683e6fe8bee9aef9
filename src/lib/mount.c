/* Carrying out the mount plan inside the app's rootfs: every target is resolved inside the
 * root and mounted onto through its descriptor (/proc/self/fd/N), never by a string path. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
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
#include "stage1c/mountinfo.h"
#include "stage1c/path.h"
#include "stage1c/podstate.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

/* Remount one mount read-only keeping its locked flags (the pre-5.12 way). */
static int remount_readonly_path(const char *path)
{
	/* The locked flags, which a remount must repeat (statvfs's ST_ flag, mount's MS_ flag). */
	static const unsigned long kept[][2] = {
	    {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},	      {ST_NOEXEC, MS_NOEXEC},
	    {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
	struct statvfs sv;
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
	if (statvfs(path, &sv) == 0)
		for (size_t i = 0; i < S1_ARRAY_SIZE(kept); i++)
			if (sv.f_flag & kept[i][0])
				flags |= kept[i][1];
	return mount(NULL, path, NULL, flags, NULL) < 0 ? -errno : 0;
}

static int remount_submounts_readonly(const char *top)
{
	struct s1_mountinfo mi;
	struct s1_err err;
	int r = mountinfo_read(&mi, &err);
	if (r < 0)
		return r;
	size_t tlen = strlen(top);
	for (size_t i = 0; i < mi.n; i++) {
		const char *mp = mi.entries[i].point;
		if (strncmp(mp, top, tlen) == 0 && mp[tlen] == '/') {
			int q = remount_readonly_path(mp);
			if (q < 0 && r == 0)
				r = q;
		}
	}
	mountinfo_free(&mi);
	return r;
}

int mount_make_readonly(int fd, bool recursive)
{
	if (s1_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? S1_AT_RECURSIVE : 0),
			     S1_MOUNT_ATTR_RDONLY, 0) == 0)
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

/* The propagation of the mount whose root is fd (and of its submounts, when recursive). */
static int set_propagation(int fd, unsigned long prop, bool recursive)
{
	if (s1_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? S1_AT_RECURSIVE : 0), 0, prop) ==
	    0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	char p[S1_FD_PATH_MAX];
	return mount(NULL, path_fd(fd, p), NULL, prop | (recursive ? MS_REC : 0), NULL) < 0 ? -errno
											    : 0;
}

/* Before Linux 5.2 a mount made with mount(2) onto /proc/self/fd/N has no descriptor of its
 * own: it is reached by the kernel's own name of N (no symlink in it), never by a path of the
 * image. */
static int open_mounted_on(int tgt)
{
	char p[S1_FD_PATH_MAX], path[PATH_MAX];
	ssize_t n = readlink(path_fd(tgt, p), path, sizeof(path) - 1);
	if (n < 0)
		return -errno;
	path[n] = '\0';
	int fd = openat(AT_FDCWD, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* What attach_clone could not set on the detached tree (a kernel before 5.12), set on the
 * attached one before anything else can use it. prop 0: the propagation the clone has. */
static int finish_attached(int mfd, bool recursive, bool read_only, unsigned long prop)
{
	int r = prop ? set_propagation(mfd, prop, recursive) : 0;
	if (r == 0 && read_only)
		r = mount_make_readonly(mfd, recursive);
	return r;
}

static int attach_bind_legacy(int src, int tgt, bool recursive, bool read_only, unsigned long prop)
{
	char sp[S1_FD_PATH_MAX], tp[S1_FD_PATH_MAX];
	if (mount(path_fd(src, sp), path_fd(tgt, tp), NULL, MS_BIND | (recursive ? MS_REC : 0),
		  NULL) < 0)
		return -errno;
	_cleanup_close_ int m = open_mounted_on(tgt);
	if (m < 0)
		return m;
	int r = finish_attached(m, recursive, read_only, prop);
	return r < 0 ? r : steal_fd(&m);
}

/* A copy of the mount tree at src, made read-only when asked and given its propagation while
 * it is still detached, then attached on tgt: it is never, not even for an instant, a peer of
 * the host's mount it copies, so no unmount of ours can reach the host's. prop 0 (with
 * read_only false) is for a src that is a private mount of ours: a clone of it is private
 * already, and is attached as it is. Returns an O_PATH fd of the new mount's root, or -errno. */
static int attach_clone(int src, int tgt, bool recursive, bool read_only, unsigned long prop)
{
	unsigned rec = recursive ? S1_AT_RECURSIVE : 0;
	_cleanup_close_ int t =
	    s1_open_tree(src, "", S1_OPEN_TREE_CLONE | S1_OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (t < 0)
		return errno == ENOSYS ? attach_bind_legacy(src, tgt, recursive, read_only, prop)
				       : -errno;
	bool set = (!prop && !read_only) ||
		   s1_mount_setattr(t, "", AT_EMPTY_PATH | rec,
				    read_only ? S1_MOUNT_ATTR_RDONLY : 0, prop) == 0;
	if (!set && errno != ENOSYS)
		return -errno;
	if (s1_move_mount(t, "", tgt, "", S1_MOVE_MOUNT_F_EMPTY_PATH | S1_MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return -errno;
	if (!set) {
		int r = finish_attached(t, recursive, read_only, prop);
		if (r < 0)
			return r;
	}
	return steal_fd(&t);
}

/* A fresh tmpfs on tgt; its root's fd, or -errno. */
static int attach_tmpfs(int tgt, const char *mode, bool read_only)
{
	const char *const opts[] = {"source", "tmpfs", "mode", mode, NULL};
	uint64_t attrs =
	    S1_MOUNT_ATTR_NOSUID | S1_MOUNT_ATTR_NODEV | (read_only ? S1_MOUNT_ATTR_RDONLY : 0);
	_cleanup_close_ int m = s1_tmpfs_detached(opts, attrs);
	if (m >= 0) {
		if (s1_move_mount(m, "", tgt, "",
				  S1_MOVE_MOUNT_F_EMPTY_PATH | S1_MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return -errno;
		return steal_fd(&m);
	}
	if (errno != ENOSYS)
		return -errno;
	char p[S1_FD_PATH_MAX];
	_cleanup_free_ char *data = s1_xasprintf("mode=%s", mode);
	if (mount("tmpfs", path_fd(tgt, p), "tmpfs",
		  MS_NOSUID | MS_NODEV | (read_only ? MS_RDONLY : 0), data) < 0)
		return -errno;
	return open_mounted_on(tgt);
}

/* Same object (and mount) as the root: a mount there would replace the app's root. */
static bool is_root(int fd, int rootfd)
{
	struct stat a, b;
	uint64_t ma, mb;
	return fstat(fd, &a) == 0 && fstat(rootfd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino && s1_fd_mount_id(fd, &ma) == 0 &&
	       s1_fd_mount_id(rootfd, &mb) == 0 && ma == mb;
}

int mount_root_setup(int podfd, const char *rootfs_rel, struct s1_err *err)
{
	_cleanup_close_ int fd = path_open_in_root(podfd, rootfs_rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return s1_error(err, fd, "app rootfs %s", rootfs_rel);
	int top = attach_clone(fd, fd, true, false, MS_PRIVATE);
	if (top < 0)
		return s1_error(err, top, "bind mount of the app rootfs %s", rootfs_rel);
	/* Attached below a shared mount (rkt's data dir on a systemd host) it became shared, with
	 * copies at that mount's peers, which its unmount removes again. Nothing of ours below it
	 * may propagate anywhere. */
	int r = set_propagation(top, MS_PRIVATE, true);
	if (r < 0) {
		s1_error(err, r, "making the app rootfs mount private");
		mount_root_teardown(top);
		close(top);
		return r;
	}
	return top;
}

/* Detach the tree at fd, made private first: the unmount of a copy of a shared host mount
 * (a recursive bind's submount) must not propagate to the host's own. */
static int detach_tree(int fd)
{
	char p[S1_FD_PATH_MAX];
	int r = set_propagation(fd, MS_PRIVATE, true);
	if (r < 0)
		return r;
	return umount2(path_fd(fd, p), MNT_DETACH) < 0 ? -errno : 0;
}

int mount_root_teardown(int rootfd)
{
	return detach_tree(rootfd);
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
	int fd = e->source_base == S1_SOURCE_HOST ? openat(AT_FDCWD, e->source, O_PATH | O_CLOEXEC)
						  : path_open_in_root(podfd, e->source, O_PATH);
	if (fd < 0)
		return s1_error(err, e->source_base == S1_SOURCE_HOST ? errno : fd, "%s: source %s",
				e->what, e->source);
	return fd;
}

/* State of one application of a plan: where run may create and write. Only on the app's own
 * rootfs, its /tmp and the pod's empty volumes: never on a bind of a host file system (/dev,
 * /proc, /sys, a host volume), whatever the image's symlinks say. */
struct apply {
	int podfd, rootfd;
	struct s1_mount_set own;
	int mask; /* the first mask of a file (a private bind of /dev/null), or -1 */
};

static int own_mount_add(struct apply *a, int mfd)
{
	uint64_t id;
	int r = s1_fd_mount_id(mfd, &id);
	if (r < 0)
		return r;
	path_mount_set_add(&a->own, id);
	return 0;
}

/* The target, made when missing, as an O_PATH fd; an error names the entry. */
static int ensure_target(struct apply *a, const struct s1_mount_entry *e, enum s1_path_kind kind,
			 struct s1_err *err)
{
	int tgt = path_ensure_in_root(a->rootfd, e->target, kind, &a->own);
	if (tgt == -EXDEV)
		return s1_error(err, 0,
				"%s: %s is missing and would be created on a host file system "
				"bound into the app",
				e->what, e->target);
	if (tgt < 0)
		return s1_error(err, tgt, "%s: mount target %s in the app's rootfs", e->what,
				e->target);
	return tgt;
}

static int apply_bind(struct apply *a, const struct s1_mount_entry *e, struct s1_err *err)
{
	_cleanup_close_ int src = open_source(a->podfd, e, err);
	if (src < 0)
		return src;
	struct stat st;
	if (fstat(src, &st) < 0)
		return s1_error(err, errno, "%s: source %s", e->what, e->source);
	_cleanup_close_ int tgt =
	    ensure_target(a, e, S_ISDIR(st.st_mode) ? S1_PATH_DIR : S1_PATH_FILE, err);
	if (tgt < 0)
		return tgt;
	if (is_root(tgt, a->rootfd))
		return s1_error(err, 0, "%s: mount target %s is the app's root", e->what,
				e->target);
	_cleanup_close_ int m = attach_clone(src, tgt, e->recursive, e->read_only, MS_SLAVE);
	if (m < 0)
		return s1_error(err, m, "%s: bind mount of %s on %s", e->what, e->source,
				e->target);
	int r;
	if (e->create_empty_dir && (r = own_mount_add(a, m)) < 0)
		return s1_error(err, r, "%s: reading its mount", e->what);
	return 0;
}

static int apply_tmpfs(struct apply *a, const struct s1_mount_entry *e, struct s1_err *err)
{
	_cleanup_close_ int tgt = ensure_target(a, e, S1_PATH_DIR, err);
	if (tgt < 0)
		return tgt;
	_cleanup_close_ int m = attach_tmpfs(tgt, "1777", false);
	int r = m < 0 ? m : own_mount_add(a, m);
	return r < 0 ? s1_error(err, r, "%s: mounting a tmpfs", e->what) : 0;
}

static int apply_readonly(struct apply *a, const struct s1_mount_entry *e, struct s1_err *err)
{
	_cleanup_close_ int tgt = path_open_in_root(a->rootfd, e->target, O_PATH);
	if (tgt == -ENOENT)
		return 0;
	if (tgt < 0)
		return s1_error(err, tgt, "%s", e->what);
	_cleanup_close_ int m = attach_clone(tgt, tgt, e->recursive, true, MS_SLAVE);
	return m < 0 ? s1_error(err, m, "%s: read-only bind mount", e->what) : 0;
}

static int apply_mask(struct apply *a, const struct s1_mount_entry *e, struct s1_err *err)
{
	_cleanup_close_ int tgt = path_open_in_root(a->rootfd, e->target, O_PATH);
	struct stat st;
	if (tgt == -ENOENT)
		return 0;
	if (tgt < 0 || fstat(tgt, &st) < 0)
		return s1_error(err, tgt < 0 ? tgt : errno, "%s", e->what);
	_cleanup_close_ int m = -1;
	if (S_ISDIR(st.st_mode)) {
		m = attach_tmpfs(tgt, "0", true);
	} else if (a->mask >= 0) {
		/* The masks of files share one source: the first, already private (two calls
		 * each instead of four). */
		m = attach_clone(a->mask, tgt, false, false, 0);
	} else {
		_cleanup_close_ int null = openat(AT_FDCWD, "/dev/null", O_PATH | O_CLOEXEC);
		if (null < 0)
			return s1_error(err, errno, "/dev/null");
		m = attach_clone(null, tgt, false, false, MS_PRIVATE);
		if (m >= 0)
			a->mask = steal_fd(&m);
		return a->mask < 0 ? s1_error(err, m, "%s: masking", e->what) : 0;
	}
	return m < 0 ? s1_error(err, m, "%s: masking", e->what) : 0;
}

/* Open tgt for writing: a regular file on a file system of the app's own, never one bound in
 * from the host. */
static int open_for_write(struct apply *a, const struct s1_mount_entry *e, int tgt,
			  struct s1_err *err)
{
	char p[S1_FD_PATH_MAX];
	struct stat st;
	if (!path_on_mount_in(tgt, &a->own))
		return s1_error(err, 0, "%s: %s is on a host file system bound into the app",
				e->what, e->target);
	if (fstat(tgt, &st) < 0 || !S_ISREG(st.st_mode))
		return s1_error(err, 0, "%s: %s in the app's rootfs is not a regular file", e->what,
				e->target);
	int fd = openat(AT_FDCWD, path_fd(tgt, p),
			O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return s1_error(err, errno, "%s: opening %s", e->what, e->target);
	return fd;
}

static int write_target(struct apply *a, const struct s1_mount_entry *e, int tgt,
			const char *content, size_t len, struct s1_err *err)
{
	_cleanup_close_ int out = open_for_write(a, e, tgt, err);
	if (out < 0)
		return out;
	int r = s1_write_all(out, content, len);
	return r < 0 ? s1_error(err, r, "%s: writing %s", e->what, e->target) : 0;
}

static int apply_copy_file(struct apply *a, const struct s1_mount_entry *e, struct s1_err *err)
{
	_cleanup_free_ char *content = NULL;
	size_t len;
	_cleanup_close_ int src =
	    path_open_in_root(a->podfd, e->source, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	int r;
	if (src < 0)
		return s1_error(err, src, "%s: %s", e->what, e->source);
	if ((r = s1_read_fd(src, 1u << 20, &content, &len)) < 0)
		return s1_error(err, r, "%s: reading %s", e->what, e->source);
	_cleanup_close_ int tgt = ensure_target(a, e, S1_PATH_FILE, err);
	if (tgt < 0)
		return tgt;
	return write_target(a, e, tgt, content, len, err);
}

/* A default the image may have its own idea of: where the file is missing and can be made on
 * the app's own file systems. Elsewhere (the image's /etc is a volume, or a symlink into /dev)
 * it is left alone. */
static int apply_write_if_missing(struct apply *a, const struct s1_mount_entry *e,
				  struct s1_err *err)
{
	_cleanup_close_ int fd = path_open_in_root(a->rootfd, e->target, O_PATH);
	if (fd >= 0)
		return 0;
	if (fd != -ENOENT)
		return s1_error(err, fd, "%s: %s", e->what, e->target);
	_cleanup_close_ int tgt = path_ensure_in_root(a->rootfd, e->target, S1_PATH_FILE, &a->own);
	if (tgt == -EXDEV) {
		s1_debug("%s: %s is not on the app's own file systems: left alone", e->what,
			 e->target);
		return 0;
	}
	if (tgt < 0)
		return s1_error(err, tgt, "%s: %s in the app's rootfs", e->what, e->target);
	return write_target(a, e, tgt, e->content, strlen(e->content), err);
}

static int apply_entry(struct apply *a, const struct s1_mount_entry *e, struct s1_err *err)
{
	s1_debug("mount: %s on %s", e->what, e->target);
	switch (e->op) {
	case S1_MOUNT_BIND:
		return apply_bind(a, e, err);
	case S1_MOUNT_TMPFS:
		return apply_tmpfs(a, e, err);
	case S1_MOUNT_READONLY:
		return apply_readonly(a, e, err);
	case S1_MOUNT_MASK:
		return apply_mask(a, e, err);
	case S1_MOUNT_COPY_FILE:
		return apply_copy_file(a, e, err);
	case S1_MOUNT_WRITE_IF_MISSING:
		return apply_write_if_missing(a, e, err);
	}
	return s1_error(err, 0, "%s: unknown mount operation", e->what);
}

int mount_apply_plan(int podfd, int rootfd, const struct s1_mount_plan *plan, struct s1_err *err)
{
	struct apply a = {.podfd = podfd, .rootfd = rootfd, .mask = -1};
	int r = own_mount_add(&a, rootfd);
	if (r < 0)
		return s1_error(err, r, "reading the app rootfs's mount");
	for (size_t i = 0; i < plan->n_entries && r >= 0; i++)
		r = apply_entry(&a, &plan->entries[i], err);
	if (a.mask >= 0)
		close(a.mask);
	path_mount_set_free(&a.own);
	if (r < 0)
		return r;
	if (plan->read_only_root && (r = mount_make_readonly(rootfd, false)) < 0)
		return s1_error(err, r, "making the app's root read-only");
	return 0;
}
