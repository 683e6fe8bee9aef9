/* The one parser of /proc/self/mountinfo (proc(5)) for the whole library. */
#ifndef STAGE1C_MOUNTINFO_H
#define STAGE1C_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "stage1c/error.h"

/* One line: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".
 * root, point, fstype and source have their octal escapes (\040 for a space) undone. Any
 * string may be "" (mount(2) with an empty source shows as two spaces in a row). */
struct s1_mountinfo_entry {
	int id, parent;
	unsigned major, minor;
	char *root;	 /* the directory of the file system mounted there */
	char *point;	 /* the mount point, relative to this process's root */
	char *opts;	 /* per-mount options ("rw,nosuid,relatime") */
	char *optional;	 /* the optional fields joined by spaces ("shared:1 master:2"), or "" */
	char *fstype;	 /* "ext4", "cgroup2", "fuse.sshfs" */
	char *source;	 /* "/dev/vda1", "tmpfs", or "" */
	char *superopts; /* per-superblock options ("rw,size=4k"), as the kernel escapes them */
};

/* Every line, in the kernel's order. The entries' strings all live in one block that mi
 * owns: they are valid until mountinfo_free. */
struct s1_mountinfo {
	struct s1_mountinfo_entry *entries;
	size_t n;
	/* Private: the strings' storage, and mountinfo_find's index (entry index + 1 by ID). */
	char *strings;
	size_t *slots;
	size_t n_slots;
};

/* Parse a mountinfo text (a final newline is optional; "" is no entries). In linear time,
 * with no limit on line length. A line short of the ten mandatory fields, without the "-"
 * that ends the optional fields, with a field after the super options or with a
 * non-numeric ID, parent or device is an error ("mountinfo line N: malformed (...)");
 * mi is then empty. */
int mountinfo_parse(const char *text, struct s1_mountinfo *mi, struct s1_err *err);

/* The same for this process's /proc/self/mountinfo. */
int mountinfo_read(struct s1_mountinfo *mi, struct s1_err *err);

/* The same, with only the cgroup and cgroup2 mounts: in a long table (mountinfo_is_long),
 * from listmount(2) and statmount(2) where the kernel has them (6.11), which cost less than the
 * kernel's writing of every mount's line (an overlay's, with its long options, takes about 12 µs
 * here, and rkt keeps two per pod until gc; a statmount of the magic, 2.5 µs), else from
 * /proc/self/mountinfo. The entries have what mountinfo says of them but the per-mount options, the
 * optional fields and the source (""); the super options are the file system's own (no "rw"/"ro").
 */
int mountinfo_read_cgroups(struct s1_mountinfo *mi, bool long_table, struct s1_err *err);

/* Does this mount namespace have so many mounts (32, listmount: Linux 6.8) that asking
 * statmount about some beats reading /proc/self/mountinfo? */
bool mountinfo_is_long(void);

/* The cgroup mounts at points (n paths), asked of statmount one by one: a point that is no
 * cgroup mount's is left out. -errno (ENOSYS, EOPNOTSUPP...) where the kernel cannot say. */
int mountinfo_read_cgroup_points(struct s1_mountinfo *mi, const char *const *points, size_t n,
				 struct s1_err *err);

/* The entry of mount ID id (the first, should a crafted text repeat one), or NULL. O(1). */
const struct s1_mountinfo_entry *mountinfo_find(const struct s1_mountinfo *mi, int id);

/* Frees everything; mi is left empty (freeing it again is harmless). */
void mountinfo_free(struct s1_mountinfo *mi);

#endif
