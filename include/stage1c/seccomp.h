/* The app's system call filter (appc's seccomp isolators, with rkt's named groups): the set
 * algebra as plain data (a plan), and the BPF program made of it (libseccomp only names the
 * calls). */
#ifndef STAGE1C_SECCOMP_H
#define STAGE1C_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage1c/error.h"

/* A group of rkt's, compiled in from data/rkt-seccomp-groups.json (scripts/gen-seccomp-groups.sh).
 */
struct s1_seccomp_group {
	const char *name; /* "@rkt/default-whitelist" */
	const char *const *syscalls;
	size_t n;
};
extern const struct s1_seccomp_group s1_seccomp_groups[];
extern const size_t s1_seccomp_n_groups;
/* What rkt adds to @rkt/default-whitelist on arm and arm64. */
extern const char *const s1_seccomp_arm_additions[];
extern const size_t s1_seccomp_n_arm_additions;

#define S1_SECCOMP_DEFAULT_GROUP "@rkt/default-whitelist"
/* The kernel's limit for one filter (BPF_MAXINSNS). */
#define S1_SECCOMP_MAX_INSNS 4096

enum s1_seccomp_mode {
	S1_SECCOMP_OFF,	   /* no filter */
	S1_SECCOMP_RETAIN, /* only the listed calls are allowed */
	S1_SECCOMP_REMOVE, /* the listed calls are blocked */
};

/* What the filter says, as system call numbers of this architecture (sorted, unique). */
struct s1_seccomp_plan {
	enum s1_seccomp_mode mode;
	int errno_value; /* what a blocked call returns; 0: the process is killed */
	bool is_default; /* @rkt/default-whitelist as a retain-set, blocked calls killed */
	int *syscalls;	 /* retain: allowed; remove: blocked */
	size_t n_syscalls;
	int *enosys; /* retain: calls newer than rkt's lists, blocked with ENOSYS */
	size_t n_enosys;
};

/* One seccomp isolator as the manifest gives it (names borrowed from the manifest). */
struct s1_seccomp_isolator {
	const char *name; /* "os/linux/seccomp-retain-set" or "os/linux/seccomp-remove-set" */
	const char *const *set;
	size_t n_set;
	const char *errno_name; /* NULL or "": kill */
};

/* rkt's rules: no isolator (iso NULL) is @rkt/default-whitelist as a retain-set; a remove-set
 * blocks its calls, a retain-set allows only its own (and execve, exit, exit_group,
 * rt_sigreturn and sigreturn, which systemd, applying rkt's filters, always allowed: the
 * filter is in place before the app's execve); @appc.io/all in a retain-set is no filter,
 * @appc.io/empty in a remove-set the default whitelist; @rkt/… and @docker/… groups expand
 * to rkt's lists; @systemd/… groups (a systemd stage1's) and unknown groups or names are
 * errors; names that exist only on other architectures are skipped. disable: no filter.
 * In a retain-set, a blocked call that Linux added after rkt's lists were written (numbered
 * above all of them on x86-64: rseq, clone3, statx, faccessat2, …) fails with ENOSYS rather
 * than the isolator's action: C libraries try those first and fall back when the kernel
 * does not know them. Returns 0 or -errno with err set. */
int seccomp_plan_build(const struct s1_seccomp_isolator *iso, bool disable,
		       struct s1_seccomp_plan *plan, struct s1_err *err);
void seccomp_plan_free(struct s1_seccomp_plan *plan);

/* The errno an isolator names ("EPERM"), or -1. */
int seccomp_errno_from_name(const char *name);
/* Its name, or NULL. */
const char *seccomp_errno_name(int value);

/* A BPF program for this architecture (other architectures' calls kill the process). Its
 * instructions are on the heap, as long as the program: a struct of the kernel's maximum (32 KB)
 * in every app's isolators and confinement cost a run about 20 page faults to zero and copy. */
struct s1_seccomp_prog {
	unsigned short len;	   /* 0: no filter */
	struct sock_filter *insns; /* len instructions, the program's own (seccomp_prog_free) */
};

/* prog, which holds no program, becomes a copy of the len instructions. */
void seccomp_prog_set(struct s1_seccomp_prog *prog, const struct sock_filter *insns, size_t len);
void seccomp_prog_free(struct s1_seccomp_prog *prog);

/* The program for plan (seccomp_bpf_compile's, for this architecture). The default plan comes
 * precompiled (at build time, by the same code: build/gen/seccomp-default.c) unless
 * force_compile. Returns 0 or -errno. */
int seccomp_plan_compile(const struct s1_seccomp_plan *plan, bool force_compile,
			 struct s1_seccomp_prog *prog, struct s1_err *err);

/* The program for plan on arch (an AUDIT_ARCH_* value), without libseccomp: other
 * architectures' calls (and on x86-64, x32's) get kill, as do blocked calls when the plan has
 * no errno; then a balanced binary search over intervals of call numbers with one action each
 * (seccompbpf.c). Returns 0, or -EINVAL when the program would be longer than the kernel takes
 * or the plan's lists are not sorted. */
int seccomp_bpf_compile(const struct s1_seccomp_plan *plan, uint32_t arch, uint32_t kill,
			struct s1_seccomp_prog *prog, struct s1_err *err);

/* The precompiled default (len 0 when the build could not make one for this architecture). */
struct s1_seccomp_precompiled {
	uint32_t arch; /* SCMP_ARCH_* (an AUDIT_ARCH_* value) it was made for */
	unsigned short len;
	const struct sock_filter *insns;
};
extern const struct s1_seccomp_precompiled s1_seccomp_default_prog;

/* The default's program into prog, where one was made for this architecture: what a pod
 * without a seccomp isolator gets, without building the plan (a tenth of a millisecond).
 * Returns whether it did. */
bool seccomp_default_precompiled(struct s1_seccomp_prog *prog);
/* Is prog that precompiled default? And the default into prog, for enter (which needs no
 * libseccomp: run made sure it was for this architecture). */
bool seccomp_is_default_prog(const struct s1_seccomp_prog *prog);
bool seccomp_default_copy(struct s1_seccomp_prog *prog);

/* In the forked child, last before execve: only the system call. Returns 0 or -errno. */
int seccomp_prog_load(const struct s1_seccomp_prog *prog);

#endif
