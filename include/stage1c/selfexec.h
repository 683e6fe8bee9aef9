/* Running the entrypoint from a sealed in-memory copy of itself, so that a process of the app
 * that reaches our binary through the host's /proc/PID/exe cannot rewrite the file on the
 * host (the runc CVE-2019-5736 class). */
#ifndef STAGE1C_SELFEXEC_H
#define STAGE1C_SELFEXEC_H

/* If the running binary is not a sealed memfd yet, copy it into one, seal it against any
 * write, and re-execute from it with the same argv and environment. Returns only when
 * already running sealed (0), or on failure (<0: the caller should not go on). */
int selfexec_sealed(char **argv, char **envp);

#endif
