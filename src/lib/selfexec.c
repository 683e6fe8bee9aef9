/* Re-execution from a /proc/self/exe that nothing can write (selfexec.h): a read-only bind of
 * the file that no mount namespace holds, or a sealed memfd copy of it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "stage1c/selfexec.h"
#include "stage1c/syscalls.h"
#include "stage1c/util.h"

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Where the running binary is: 1 on the kind of mount selfexec_sealed execs from (the file is
 * the root of its own mount, which is read-only and in no mount namespace of ours: statmount
 * does not find it here), 0 on a mount of this namespace (so statmount answers, and the binary
 * re-executed from the bind can tell where it is), -1 neither (a kernel before 6.8: no
 * statmount). A file of a read-only mount of another namespace, which that namespace could make
 * writable again, is the root of no mount of its own unless someone bound it there. */
static int mount_state(int self)
{
	uint64_t id;
	struct statvfs sv;
	char buf[S1_STATMOUNT_STR + 64];
	if (s1_fd_mount_id_unique(self, &id) < 0)
		return -1;
	if (s1_statmount(id, S1_STATMOUNT_SB_BASIC, buf, sizeof(buf)) == 0)
		return 0;
	if (errno != ENOENT || fstatvfs(self, &sv) < 0 || !(sv.f_flag & ST_RDONLY) ||
	    s1_fd_is_mount_root(self) != 1)
		return -1;
	return 1;
}

static int exec_memfd(int self, char **argv, char **envp)
{
	struct stat st;
	if (fstat(self, &st) < 0)
		return -errno;
	_cleanup_close_ int mfd = memfd_create("stage1-c", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
		return -errno;
	fexecve(mfd, argv, envp);
	return -errno;
}

int selfexec_sealed(char **argv, char **envp)
{
	_cleanup_close_ int self = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS)
		return 0;
	int m = mount_state(self);
	if (m == 1)
		return 0;
	/* A clone of the file's own mount, read-only while it is still detached, is what the
	 * kernel runs: its fd closes at the exec, which dissolves the clone, and a mount in no
	 * namespace can never be made writable again. An open of /proc/PID/exe for writing, then
	 * or later (through a kept O_PATH fd), fails with EROFS. No copy of the binary is made. */
	if (m == 0) {
		int t = s1_open_tree(self, "",
				     S1_OPEN_TREE_CLONE | S1_OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (t >= 0) {
			if (s1_mount_setattr(t, "", AT_EMPTY_PATH,
					     S1_MOUNT_ATTR_RDONLY | S1_MOUNT_ATTR_NOSUID |
						 S1_MOUNT_ATTR_NODEV,
					     0) == 0)
				fexecve(t, argv, envp);
			close(t);
		}
	}
	/* A kernel without statmount, or a file system the binary cannot be run from. */
	return exec_memfd(self, argv, envp);
}
