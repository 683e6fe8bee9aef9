/* The app's system call filter: rkt's set algebra over its named groups (names resolved by
 * libseccomp), compiled to BPF before the fork (seccompbpf.c), loaded by the child as its last
 * step before execve. */
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage1c/seccomp.h"
#include "stage1c/util.h"

#define RETAIN_NAME "os/linux/seccomp-retain-set"
#define REMOVE_NAME "os/linux/seccomp-remove-set"

/* What systemd always allowed in a filter of rkt's (SystemCallFilter= without "~"): without
 * them the app could not be started, nor end. */
static const char *const always_retained[] = {"execve", "exit", "exit_group", "rt_sigreturn",
					      "sigreturn"};

/* A growing array of system call numbers. */
struct nrs {
	int *v;
	size_t n, cap;
};

static void nrs_add(struct nrs *s, int nr)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 512;
		s->v = s1_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = nr;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void nrs_sort_unique(struct nrs *s)
{
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_int);
	size_t k = 1;
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[k - 1])
			s->v[k++] = s->v[i];
	s->n = k;
}

static bool nrs_has(const struct nrs *s, int nr)
{
	return bsearch(&nr, s->v, s->n, sizeof(*s->v), cmp_int) != NULL;
}

/* A name of this architecture's: its number; negative numbers are libseccomp's for calls
 * that exist only on other architectures (chown32, vm86), which are skipped. */
static void add_name(struct nrs *s, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr >= 0)
		nrs_add(s, nr);
}

static const struct s1_seccomp_group *find_group(const char *name)
{
	for (size_t i = 0; i < s1_seccomp_n_groups; i++)
		if (strcmp(s1_seccomp_groups[i].name, name) == 0)
			return &s1_seccomp_groups[i];
	return NULL;
}

static void add_group(struct nrs *s, const struct s1_seccomp_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		add_name(s, g->syscalls[i]);
#if defined(__arm__) || defined(__aarch64__)
	/* rkt's own whitelist (not docker's) has a few more calls on arm and arm64. */
	if (strcmp(g->name, S1_SECCOMP_DEFAULT_GROUP) == 0)
		for (size_t i = 0; i < s1_seccomp_n_arm_additions; i++)
			add_name(s, s1_seccomp_arm_additions[i]);
#endif
}

/* rkt's lists were written for x86-64 in 2016-2017: every call numbered above the highest of
 * theirs there came later. The same calls, by name, on this architecture. */
static void add_newer_than_lists(struct nrs *s)
{
	int newest = 0;
	for (size_t g = 0; g < s1_seccomp_n_groups; g++)
		for (size_t i = 0; i < s1_seccomp_groups[g].n; i++) {
			int nr = seccomp_syscall_resolve_name_arch(
			    SCMP_ARCH_X86_64, s1_seccomp_groups[g].syscalls[i]);
			if (nr > newest)
				newest = nr;
		}
	/* x86-64 numbers are dense up to 334, then start again at 424: stop after a long gap. */
	for (int nr = newest + 1, misses = 0; misses < 128; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (!name) {
			misses++;
			continue;
		}
		misses = 0;
		add_name(s, name);
		free(name); /* libseccomp's copy */
	}
}

enum flag { FLAG_NONE, FLAG_ALL, FLAG_EMPTY };

/* Check every item of the set before using any: a misspelt name is an error wherever it is. */
static int check_items(const struct s1_seccomp_isolator *iso, enum flag *flag, struct s1_err *err)
{
	*flag = FLAG_NONE;
	if (iso->n_set == 0)
		return s1_error(err, 0, "isolator %s: the set is empty", iso->name);
	for (size_t i = 0; i < iso->n_set; i++) {
		const char *item = iso->set[i];
		if (item[0] != '@') {
			if (seccomp_syscall_resolve_name(item) == __NR_SCMP_ERROR)
				return s1_error(err, 0, "isolator %s: unknown system call \"%s\"",
						iso->name, item);
			continue;
		}
		/* rkt takes the first of the appc wildcards and ignores the rest of the set. */
		if (strcmp(item, "@appc.io/all") == 0 || strcmp(item, "@appc.io/empty") == 0) {
			if (*flag == FLAG_NONE)
				*flag = strcmp(item, "@appc.io/all") == 0 ? FLAG_ALL : FLAG_EMPTY;
			continue;
		}
		if (s1_str_has_prefix(item, "@systemd/"))
			return s1_error(err, 0,
					"isolator %s: %s is one of systemd's groups, which only a "
					"systemd stage1 (rkt's coreos flavor) has",
					iso->name, item);
		if (!find_group(item))
			return s1_error(err, 0, "isolator %s: unknown seccomp group \"%s\"",
					iso->name, item);
	}
	return 0;
}

static void plan_take(struct s1_seccomp_plan *plan, struct nrs *calls, struct nrs *enosys)
{
	plan->syscalls = steal_pointer(&calls->v);
	plan->n_syscalls = calls->n;
	plan->enosys = steal_pointer(&enosys->v);
	plan->n_enosys = enosys->n;
}

int seccomp_plan_build(const struct s1_seccomp_isolator *iso, bool disable,
		       struct s1_seccomp_plan *plan, struct s1_err *err)
{
	memset(plan, 0, sizeof(*plan));
	if (disable)
		return 0;
	enum flag flag = FLAG_NONE;
	bool retain = true;
	if (iso) {
		if (strcmp(iso->name, RETAIN_NAME) == 0)
			retain = true;
		else if (strcmp(iso->name, REMOVE_NAME) == 0)
			retain = false;
		else
			return s1_error(err, 0, "%s is not a seccomp isolator", iso->name);
		if (iso->errno_name && iso->errno_name[0]) {
			plan->errno_value = seccomp_errno_from_name(iso->errno_name);
			if (plan->errno_value < 0) {
				plan->errno_value = 0;
				return s1_error(err, 0, "isolator %s: unknown errno \"%s\"",
						iso->name, iso->errno_name);
			}
		}
		int r = check_items(iso, &flag, err);
		if (r < 0)
			return r;
		if (retain && flag == FLAG_ALL)
			return 0; /* no filter at all */
		if (retain && flag == FLAG_EMPTY)
			return s1_error(err, 0,
					"isolator %s: @appc.io/empty would allow no system call at "
					"all",
					iso->name);
		if (!retain && flag == FLAG_ALL)
			return s1_error(err, 0,
					"isolator %s: @appc.io/all would block every system call",
					iso->name);
	}

	struct nrs calls = {0}, enosys = {0};
	if (!iso || flag == FLAG_EMPTY) {
		/* No isolator, or "remove nothing": rkt's default whitelist. */
		retain = true;
		plan->is_default = plan->errno_value == 0;
		add_group(&calls, find_group(S1_SECCOMP_DEFAULT_GROUP));
	} else {
		for (size_t i = 0; i < iso->n_set; i++) {
			const char *item = iso->set[i];
			if (item[0] == '@')
				add_group(&calls, find_group(item));
			else
				add_name(&calls, item);
		}
	}
	plan->mode = retain ? S1_SECCOMP_RETAIN : S1_SECCOMP_REMOVE;
	if (retain)
		for (size_t i = 0; i < S1_ARRAY_SIZE(always_retained); i++)
			add_name(&calls, always_retained[i]);
	nrs_sort_unique(&calls);
	if (retain) {
		struct nrs newer = {0};
		add_newer_than_lists(&newer);
		nrs_sort_unique(&newer);
		for (size_t i = 0; i < newer.n; i++)
			if (!nrs_has(&calls, newer.v[i]))
				nrs_add(&enosys, newer.v[i]);
		free(newer.v);
	}
	plan_take(plan, &calls, &enosys);
	return 0;
}

void seccomp_plan_free(struct s1_seccomp_plan *plan)
{
	free(plan->syscalls);
	free(plan->enosys);
	plan->syscalls = plan->enosys = NULL;
	plan->n_syscalls = plan->n_enosys = 0;
}

bool seccomp_default_precompiled(struct s1_seccomp_prog *prog)
{
	const struct s1_seccomp_precompiled *pre = &s1_seccomp_default_prog;
	if (pre->len == 0 || pre->arch != seccomp_arch_native())
		return false;
	seccomp_prog_set(prog, pre->insns, pre->len);
	return true;
}

/* Linux 4.14's whole-process kill where the kernel has it (a thread killed alone leaves its
 * process in an unknown state), else the thread's. Asked of the kernel in one call, where
 * libseccomp's seccomp_api_get() probes eight. */
static uint32_t kill_action(void)
{
	uint32_t action = SECCOMP_RET_KILL_PROCESS;
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0
		   ? SCMP_ACT_KILL_PROCESS
		   : SCMP_ACT_KILL;
}

int seccomp_plan_compile(const struct s1_seccomp_plan *plan, bool force_compile,
			 struct s1_seccomp_prog *prog, struct s1_err *err)
{
	prog->len = 0;
	if (plan->mode == S1_SECCOMP_OFF)
		return 0;
	if (plan->is_default && !force_compile && seccomp_default_precompiled(prog))
		return 0;
	return seccomp_bpf_compile(plan, seccomp_arch_native(), kill_action(), prog, err);
}
