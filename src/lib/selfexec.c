/* Re-execution from a sealed memfd copy of /proc/self/exe. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage1c/selfexec.h"
#include "stage1c/util.h"

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int selfexec_sealed(char **argv, char **envp)
{
	_cleanup_close_ int self = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS)
		return 0;

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
