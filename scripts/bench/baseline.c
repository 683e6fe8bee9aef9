/* The benchmark's floor: a stage1 "run" entrypoint that does only what starting a fly app with
 * a volume cannot avoid. The test stage0 renders its pod and execs it exactly as it execs
 * stage1-c's run (pod directory as working directory, the lock fd, rkt's argv); it binds the
 * volume into the app's rootfs, chroots there and execs the app.
 *   run [rkt's flags...] UUID
 * The app is the only one under stage1/rootfs/opt/stage2/; the volume and the command come from
 * the environment, so that the floor parses nothing:
 *   BASELINE_VOLUME=SOURCE:TARGET   (TARGET absolute, existing in the image)
 *   BASELINE_EXEC=PROG              (default /stamp)
 * The bind stays until the pod's gc, as rkt's fly leaves its mounts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what)
{
	fprintf(stderr, "run: %s: ", what);
	perror(NULL);
	return 254;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	DIR *d = opendir("stage1/rootfs/opt/stage2");
	if (!d)
		return fail("stage1/rootfs/opt/stage2");
	struct dirent *e;
	char root[4096] = "";
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(root, sizeof(root), "stage1/rootfs/opt/stage2/%s/rootfs",
				 e->d_name);
			break;
		}
	closedir(d);
	if (!*root)
		return fail("no app");
	const char *vol = getenv("BASELINE_VOLUME");
	if (vol && *vol) {
		const char *colon = strchr(vol, ':');
		if (!colon)
			return fail("BASELINE_VOLUME is not SOURCE:TARGET");
		char src[4096], tgt[8192];
		snprintf(src, sizeof(src), "%.*s", (int)(colon - vol), vol);
		snprintf(tgt, sizeof(tgt), "%s%s", root, colon + 1);
		if (mount(src, tgt, NULL, MS_BIND, NULL) < 0)
			return fail("bind mount of the volume");
	}
	if (chroot(root) < 0 || chdir("/") < 0)
		return fail("chroot");
	const char *prog = getenv("BASELINE_EXEC");
	char *app_argv[] = {(char *)(prog && *prog ? prog : "/stamp"), NULL};
	execve(app_argv[0], app_argv, environ);
	return fail("exec");
}
