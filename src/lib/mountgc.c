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

/* Is the mount whose root fd is a bind run made: the directory below it bound onto itself
 * (same device, same root)? Mount IDs would not do: they differ between namespaces and
 * after a reboot, and gc must detach nothing it did not make. */
static bool is_self_bind(int fd, const struct s1_mountinfo *mi)
{
	char p[S1_FD_PATH_MAX], point[PATH_MAX];
	uint64_t id;
	if (s1_fd_mount_id(fd, &id) < 0 || id > INT32_MAX)
		return false;
	const struct s1_mountinfo_entry *e = mountinfo_find(mi, (int)id);
	ssize_t n = readlink(path_fd(fd, p), point, sizeof(point) - 1);
	if (!e || n < 0)
		return false;
	point[n] = '\0';
	if (strcmp(e->point, point) != 0)
		return false; /* the rootfs is no mount point here */
	const struct s1_mountinfo_entry *parent = mountinfo_find(mi, e->parent);
	if (!parent || parent == e || e->major != parent->major || e->minor != parent->minor)
		return false;
	if (strcmp(parent->point, point) != 0 && !s1_str_has_prefix(point, parent->point))
		return false;
	_cleanup_free_ char *below = strcmp(parent->point, point) == 0 ? s1_xstrdup(parent->root)
								       : below_root(parent, point);
	return strcmp(e->root, below) == 0;
}

/* Detach run's binds of the rootfs rel onto itself, with all below them; stop at anything else
 * (rkt's overlay, a mount of another namespace's making, nothing after a reboot). */
static int gc_rootfs(int podfd, const char *rel, const struct s1_mountinfo *mi, struct s1_err *err)
{
	for (int i = 0; i < 64; i++) {
		_cleanup_close_ int fd = path_open_in_root(podfd, rel, O_PATH | O_DIRECTORY);
		if (fd == -ENOENT || (fd >= 0 && !is_self_bind(fd, mi)))
			return 0;
		if (fd < 0)
			return s1_error(err, fd, "app rootfs %s", rel);
		int r = mount_root_teardown(fd);
		if (r < 0)
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
	struct s1_mountinfo mi;
	if ((r = mountinfo_read(&mi, err)) < 0)
		return r;
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
