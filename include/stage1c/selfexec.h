/* Running the entrypoint from a file nothing can write, so that a process of the app that
 * reaches our binary through the host's /proc/PID/exe cannot rewrite the file on the host (the
 * runc CVE-2019-5736 class). */
#ifndef STAGE1C_SELFEXEC_H
#define STAGE1C_SELFEXEC_H

/* Unless it runs sealed already, re-execute the running binary with the same argv and environment
 * from a read-only bind mount of its file that no mount namespace holds (Linux 6.8+: statmount
 * tells the re-executed binary where it is), else from a memfd copy sealed against any write.
 * Returns only when already running sealed (0), or on failure (<0: the caller should not go
 * on). */
int selfexec_sealed(char **argv, char **envp);

#endif
