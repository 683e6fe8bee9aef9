/* gc's side of the app's mounts: the record of each app's rootfs, and detaching run's binds of
 * it, recognised in this namespace's mount table (mount.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "stage1c/log.h"
#include "stage1c/mount.h"
#include "stage1c/mountinfo.h"
#include "stage1c/path.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

void mount_record_add(struct s1_record *rec, const char *rootfs_rel)
{
	record_add(rec, S1_REC_MOUNTS, rootfs_rel);
}

/* The kernel's name of the directory below the mount e (at point) in its parent mount. */
static char *below_root(const struct s1_mountinfo_entry *parent, const char *point)
{
	const char *rel = strcmp(parent->point, "/") == 0 ? point : point + strlen(parent->point);
	const char *root = strcmp(parent->root, "/") == 0 ? "" : parent->root;
	return *root || *rel ? s1_xasprintf("%s%s", root, rel) : s1_xstrdup("/");
}

/* Is the mount e, whose mount point is point, a bind run made: the directory below it (in
 * parent) bound onto itself (same device, same root)? Mount IDs would not do: they differ
 * between namespaces and after a reboot, and gc must detach nothing it did not make. */
static bool self_bind_of(const struct s1_mountinfo_entry *e,
			 const struct s1_mountinfo_entry *parent, const char *point)
{
	if (strcmp(e->point, point) != 0)
		return false; /* the rootfs is no mount point here */
	if (e->major != parent->major || e->minor != parent->minor)
		return false;
	if (strcmp(parent->point, point) != 0 && !s1_str_has_prefix(point, parent->point))
		return false;
	_cleanup_free_ char *below = strcmp(parent->point, point) == 0 ? s1_xstrdup(parent->root)
								       : below_root(parent, point);
	return strcmp(e->root, below) == 0;
}

/* The mount point of the mount whose root fd is, as the kernel names it. */
static bool fd_point(int fd, char point[PATH_MAX])
{
	char p[S1_FD_PATH_MAX];
	ssize_t n = readlink(path_fd(fd, p), point, PATH_MAX - 1);
	if (n < 0)
		return false;
	point[n] = '\0';
	return true;
}

/* The same through this namespace's mount table. */
static bool is_self_bind_mi(int fd, const struct s1_mountinfo *mi)
{
	char point[PATH_MAX];
	uint64_t id;
	if (s1_fd_mount_id(fd, &id) < 0 || id > INT32_MAX || !fd_point(fd, point))
		return false;
	const struct s1_mountinfo_entry *e = mountinfo_find(mi, (int)id);
	const struct s1_mountinfo_entry *parent = e ? mountinfo_find(mi, e->parent) : NULL;
	return parent && parent != e && self_bind_of(e, parent, point);
}

#define STATMOUNT_BUF (S1_STATMOUNT_STR + PATH_MAX * 2)
#define STATMOUNT_WANT                                                                             \
	(S1_STATMOUNT_SB_BASIC | S1_STATMOUNT_MNT_BASIC | S1_STATMOUNT_MNT_ROOT |                  \
	 S1_STATMOUNT_MNT_POINT)

/* Mount id (unique) as an entry whose strings point into buf; its parent's unique ID. */
static int statmount_entry(uint64_t id, char *buf, struct s1_mountinfo_entry *e, uint64_t *parent)
{
	const struct s1_statmount *sm = (const void *)buf;
	char *str = buf + S1_STATMOUNT_STR;
	if (s1_statmount(id, STATMOUNT_WANT, buf, STATMOUNT_BUF) < 0)
		return -errno;
	if ((sm->mask & STATMOUNT_WANT) != STATMOUNT_WANT)
		return -EOPNOTSUPP;
	*e = (struct s1_mountinfo_entry){.major = sm->sb_dev_major,
					 .minor = sm->sb_dev_minor,
					 .root = str + sm->mnt_root,
					 .point = str + sm->mnt_point};
	*parent = sm->mnt_parent_id;
	return 0;
}

/* The same through statmount (Linux 6.8): two mounts asked about, rather than the whole table
 * written out (rkt keeps two overlays per pod until gc, each a long mountinfo line). 1 or 0,
 * or -errno where the kernel cannot say. */
static int is_self_bind_statmount(int fd)
{
	char point[PATH_MAX];
	uint64_t id, parent_id, grand;
	if (s1_fd_mount_id_unique(fd, &id) < 0)
		return -errno;
	if (!fd_point(fd, point))
		return 0;
	_cleanup_free_ char *b1 = s1_xmalloc(STATMOUNT_BUF);
	_cleanup_free_ char *b2 = s1_xmalloc(STATMOUNT_BUF);
	struct s1_mountinfo_entry e, parent;
	int r = statmount_entry(id, b1, &e, &parent_id);
	if (r == 0 && parent_id == id)
		return 0; /* the namespace's root */
	if (r == 0)
		r = statmount_entry(parent_id, b2, &parent, &grand);
	return r < 0 ? r : self_bind_of(&e, &parent, point);
}

/* Detach run's binds of the rootfs rel onto itself, with all below them; stop at anything else
 * (rkt's overlay, a mount of another namespace's making, nothing after a reboot). mi is read
 * only where statmount cannot answer. */
static int gc_rootfs(int podfd, const char *rel, struct s1_mountinfo *mi, struct s1_err *err)
{
	for (int i = 0; i < 64; i++) {
		_cleanup_close_ int fd = path_open_in_root(podfd, rel, O_PATH | O_DIRECTORY);
		if (fd == -ENOENT)
			return 0;
		if (fd < 0)
			return s1_error(err, fd, "app rootfs %s", rel);
		int r = is_self_bind_statmount(fd);
		if (r < 0) {
			if (!mi->entries && (r = mountinfo_read(mi, err)) < 0)
				return r;
			r = is_self_bind_mi(fd, mi);
		}
		if (r == 0)
			return 0;
		if ((r = mount_root_teardown(fd)) < 0)
			return s1_error(err, r, "unmounting %s", rel);
		s1_debug("detached the mount on %s", rel);
	}
	return 0;
}

int mount_gc(int podfd, struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r = record_read(podfd, S1_REC_MOUNTS, NULL, &text);
	if (r == -ENOENT)
		return 0; /* run never got to mount anything */
	if (r < 0)
		return s1_error(err, r, "reading the mounts record");
	struct s1_mountinfo mi = {0};
	/* One line per app; a record of stage1-c 0.1 put the base mount's ID first. */
	for (char *line = text, *nl; r == 0 && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		size_t digits = strspn(line, "0123456789");
		const char *rel = digits && line[digits] == ' ' ? line + digits + 1 : line;
		if (!*rel)
			r = s1_error(err, 0, "malformed mounts record");
		else
			r = gc_rootfs(podfd, rel, &mi, err);
	}
	mountinfo_free(&mi);
	return r;
}
