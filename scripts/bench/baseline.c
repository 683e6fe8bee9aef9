/* The benchmark's floor: only what starting an app in its image cannot avoid, a chroot into
 * the rootfs and an exec.
 *   baseline ROOTFS PROG [ARGS...] */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: baseline ROOTFS PROG [ARGS...]\n", stderr);
		return 125;
	}
	if (chroot(argv[1]) < 0 || chdir("/") < 0) {
		perror("baseline: chroot");
		return 125;
	}
	execve(argv[2], &argv[2], environ);
	perror("baseline: exec");
	return 127;
}
