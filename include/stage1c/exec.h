/* Finding the app's executable inside its rootfs, as execvp would after the chroot. */
#ifndef STAGE1C_EXEC_H
#define STAGE1C_EXEC_H

#include "stage1c/error.h"

/* exec0 with a slash: absolute, or relative to workdir; otherwise searched in path_var (the
 * app's PATH). *out gets the in-root absolute path (malloc'd) of a regular, executable file;
 * or -errno with err set ("can't execute \"x\": no such file or directory"). */
int exec_resolve_in_root(int rootfd, const char *exec0, const char *workdir, const char *path_var,
			 char **out, struct s1_err *err);

#endif
