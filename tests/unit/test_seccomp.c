/* Unit tests for the seccomp filter: rkt's set algebra (groups, retain and remove sets, errno,
 * the defaults, the appc wildcards, refusals), its compilation (run by a small BPF interpreter
 * against libseccomp's program for the same plan), loading it in a child, and the record enter
 * reads it back from. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "isolators_parse.h"

#include "stage1c/confine.h"
#include "stage1c/isolators.h"
#include "stage1c/manifest.h"
#include "stage1c/podstate.h"
#include "stage1c/seccomp.h"
#include "stage1c/util.h"

#define RETAIN "os/linux/seccomp-retain-set"
#define REMOVE "os/linux/seccomp-remove-set"

#define assert_contains_msg(hay, needle)                                                           \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));               \
	} while (0)

static bool has(const int *v, size_t n, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	assert_true(nr >= 0);
	for (size_t i = 0; i < n; i++)
		if (v[i] == nr)
			return true;
	return false;
}

#define ALLOWS(plan, name) has((plan)->syscalls, (plan)->n_syscalls, name)
#define LISTS(plan, name) has((plan)->syscalls, (plan)->n_syscalls, name)
#define ENOSYS_FOR(plan, name) has((plan)->enosys, (plan)->n_enosys, name)

/* A plan from an isolator given as its parts (set items NULL-terminated). */
static int build(const char *name, const char *errno_name, const char *const *set,
		 struct s1_seccomp_plan *plan, struct s1_err *err)
{
	size_t n = 0;
	while (set[n])
		n++;
	struct s1_seccomp_isolator iso = {
	    .name = name, .set = set, .n_set = n, .errno_name = errno_name};
	return seccomp_plan_build(&iso, false, plan, err);
}

static void assert_refused(const char *name, const char *errno_name, const char *const *set,
			   const char *message)
{
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	if (build(name, errno_name, set, &plan, &err) >= 0)
		fail_msg("accepted: %s %s", name, set[0] ? set[0] : "(empty)");
	if (!strstr(err.msg, message))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, message);
}

static void test_groups(void **state)
{
	(void)state;
	const char *names[] = {"@docker/default-blacklist", "@docker/default-whitelist",
			       "@rkt/default-blacklist", "@rkt/default-whitelist"};
	assert_int_equal(s1_seccomp_n_groups, 4);
	for (size_t g = 0; g < s1_seccomp_n_groups; g++) {
		assert_string_equal(s1_seccomp_groups[g].name, names[g]);
		assert_true(s1_seccomp_groups[g].n > 40);
		/* Every name is one libseccomp knows, on some architecture. */
		for (size_t i = 0; i < s1_seccomp_groups[g].n; i++)
			if (seccomp_syscall_resolve_name(s1_seccomp_groups[g].syscalls[i]) ==
			    __NR_SCMP_ERROR)
				fail_msg("%s: %s", names[g], s1_seccomp_groups[g].syscalls[i]);
	}
	for (size_t i = 0; i < s1_seccomp_n_arm_additions; i++)
		assert_int_not_equal(seccomp_syscall_resolve_name(s1_seccomp_arm_additions[i]),
				     __NR_SCMP_ERROR);
	/* rkt's groups are docker's. */
	assert_int_equal(s1_seccomp_groups[0].n, s1_seccomp_groups[2].n);
	assert_int_equal(s1_seccomp_groups[1].n, s1_seccomp_groups[3].n);
}

static void test_default(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	assert_int_equal(seccomp_plan_build(NULL, false, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_RETAIN);
	assert_int_equal(plan.errno_value, 0);
	assert_true(plan.is_default);
	assert_true(ALLOWS(&plan, "read"));
	assert_true(ALLOWS(&plan, "execve"));
	assert_true(ALLOWS(&plan, "clone"));
	assert_true(ALLOWS(&plan, "chroot"));
	assert_false(ALLOWS(&plan, "mount"));
	assert_false(ALLOWS(&plan, "unshare"));
	assert_false(ALLOWS(&plan, "ptrace"));
	assert_false(ALLOWS(&plan, "reboot"));
	/* Calls of other architectures (chown32, vm86, ...) are skipped: only real numbers. */
	for (size_t i = 0; i < plan.n_syscalls; i++)
		assert_true(plan.syscalls[i] >= 0);
	/* Calls newer than rkt's lists fail with ENOSYS; older ones outside them are killed. */
	assert_true(ENOSYS_FOR(&plan, "rseq"));
	assert_true(ENOSYS_FOR(&plan, "clone3"));
	assert_true(ENOSYS_FOR(&plan, "statx"));
	assert_true(ENOSYS_FOR(&plan, "faccessat2"));
	assert_true(ENOSYS_FOR(&plan, "open_tree"));
	assert_false(ENOSYS_FOR(&plan, "mount"));
	assert_false(ENOSYS_FOR(&plan, "unshare"));
	assert_false(ENOSYS_FOR(&plan, "copy_file_range"));
	seccomp_plan_free(&plan);

	/* --disable-seccomp: no filter at all. */
	assert_int_equal(seccomp_plan_build(NULL, true, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_OFF);
	const char *set[] = {"@rkt/default-whitelist", NULL};
	struct s1_seccomp_isolator iso = {.name = RETAIN, .set = set, .n_set = 1};
	assert_int_equal(seccomp_plan_build(&iso, true, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_OFF);
}

static void test_retain(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	const char *set[] = {"read", "write", "chown32", NULL};
	assert_int_equal(build(RETAIN, NULL, set, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_RETAIN);
	assert_false(plan.is_default);
	assert_true(ALLOWS(&plan, "read"));
	assert_true(ALLOWS(&plan, "write"));
	/* What systemd always allowed: the app is exec'd under the filter. */
	assert_true(ALLOWS(&plan, "execve"));
	assert_true(ALLOWS(&plan, "exit_group"));
	assert_true(ALLOWS(&plan, "rt_sigreturn"));
	assert_false(ALLOWS(&plan, "openat"));
	assert_int_equal(plan.n_syscalls, 6); /* read write execve exit exit_group rt_sigreturn */
	assert_true(ENOSYS_FOR(&plan, "rseq"));
	seccomp_plan_free(&plan);

	/* A group plus names; a call listed that is newer than the lists is allowed. */
	const char *set2[] = {"@rkt/default-whitelist", "mount", "umount2", "statx", NULL};
	assert_int_equal(build(RETAIN, "ENOSYS", set2, &plan, &err), 0);
	assert_int_equal(plan.errno_value, ENOSYS);
	assert_false(plan.is_default);
	assert_true(ALLOWS(&plan, "mount"));
	assert_true(ALLOWS(&plan, "umount2"));
	assert_true(ALLOWS(&plan, "statx"));
	assert_true(ALLOWS(&plan, "accept4"));
	assert_false(ENOSYS_FOR(&plan, "statx"));
	assert_true(ENOSYS_FOR(&plan, "rseq"));
	seccomp_plan_free(&plan);
}

static void test_remove(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	const char *set[] = {"mount", "umount2", "vm86", NULL};
	assert_int_equal(build(REMOVE, "EPERM", set, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_REMOVE);
	assert_int_equal(plan.errno_value, EPERM);
	assert_int_equal(plan.n_syscalls, 2);
	assert_true(LISTS(&plan, "mount"));
	assert_true(LISTS(&plan, "umount2"));
	assert_int_equal(plan.n_enosys, 0);
	seccomp_plan_free(&plan);

	const char *set2[] = {"@rkt/default-blacklist", "socket", NULL};
	assert_int_equal(build(REMOVE, "", set2, &plan, &err), 0);
	assert_int_equal(plan.errno_value, 0); /* "": killed */
	assert_true(LISTS(&plan, "mount"));
	assert_true(LISTS(&plan, "unshare"));
	assert_true(LISTS(&plan, "ptrace"));
	assert_true(LISTS(&plan, "socket"));
	assert_false(LISTS(&plan, "read"));
	assert_false(LISTS(&plan, "execve"));
	seccomp_plan_free(&plan);
}

static void test_appc_wildcards(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	/* Retain everything: no filter, whatever else the set says. */
	const char *all[] = {"read", "@appc.io/all", NULL};
	assert_int_equal(build(RETAIN, "EPERM", all, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_OFF);
	/* Remove nothing: the default whitelist, with the isolator's errno. */
	const char *empty[] = {"@appc.io/empty", NULL};
	assert_int_equal(build(REMOVE, NULL, empty, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_RETAIN);
	assert_true(plan.is_default);
	assert_true(ALLOWS(&plan, "read"));
	assert_false(ALLOWS(&plan, "mount"));
	seccomp_plan_free(&plan);
	assert_int_equal(build(REMOVE, "EPERM", empty, &plan, &err), 0);
	assert_int_equal(plan.mode, S1_SECCOMP_RETAIN);
	assert_int_equal(plan.errno_value, EPERM);
	assert_false(plan.is_default); /* compiled: its blocked calls return EPERM */
	assert_false(ALLOWS(&plan, "mount"));
	seccomp_plan_free(&plan);
	/* The other way round they would mean "nothing allowed" and "everything blocked". */
	assert_refused(RETAIN, NULL, empty, "@appc.io/empty would allow no system call");
	assert_refused(REMOVE, NULL, all, "@appc.io/all would block every system call");
}

static void test_refusals(void **state)
{
	(void)state;
	const char *none[] = {NULL};
	assert_refused(RETAIN, NULL, none, "the set is empty");
	const char *unknown[] = {"read", "nosuchcall", NULL};
	assert_refused(RETAIN, NULL, unknown, "unknown system call \"nosuchcall\"");
	const char *group[] = {"@rkt/default-greylist", NULL};
	assert_refused(REMOVE, NULL, group, "unknown seccomp group \"@rkt/default-greylist\"");
	const char *bare[] = {"@all", NULL};
	assert_refused(REMOVE, NULL, bare, "unknown seccomp group \"@all\"");
	const char *sd[] = {"@rkt/default-whitelist", "@systemd/clock", NULL};
	assert_refused(RETAIN, NULL, sd, "@systemd/clock is one of systemd's groups");
	assert_refused(REMOVE, NULL, sd, "only a systemd stage1");
	const char *ok[] = {"mount", NULL};
	assert_refused(REMOVE, "EWHATEVER", ok, "unknown errno \"EWHATEVER\"");
	assert_refused("os/linux/seccomp-other-set", NULL, ok, "not a seccomp isolator");
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_int_equal(seccomp_errno_from_name("EPERM"), EPERM);
	assert_int_equal(seccomp_errno_from_name("ENOSYS"), ENOSYS);
	assert_int_equal(seccomp_errno_from_name("ENOTSUP"), ENOTSUP);
	assert_int_equal(seccomp_errno_from_name("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(seccomp_errno_from_name("EHWPOISON"), EHWPOISON);
	assert_int_equal(seccomp_errno_from_name("eperm"), -1);
	assert_int_equal(seccomp_errno_from_name("1"), -1);
	assert_string_equal(seccomp_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(seccomp_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_null(seccomp_errno_name(4000));
}

static void test_isolators(void **state)
{
	(void)state;
	struct s1_isolators *iso = s1_xmalloc(sizeof(*iso));
	struct s1_err err = {0};
	/* No isolator: the default, precompiled. */
	assert_int_equal(tu_parse_isolators("[]", false, iso, &err), 0);
	assert_int_equal(iso->seccomp_mode, S1_SECCOMP_RETAIN);
	assert_int_equal(iso->seccomp.len, s1_seccomp_default_prog.len);
	assert_true(iso->seccomp.len > 50);
	isolators_free(iso);
	assert_int_equal(tu_parse_isolators("[]", true, iso, &err), 0);
	assert_int_equal(iso->seccomp_mode, S1_SECCOMP_OFF);
	assert_int_equal(iso->seccomp.len, 0);

	assert_int_equal(tu_parse_isolators("[{\"name\":\"" REMOVE
					    "\",\"value\":{\"set\":[\"@rkt/default-"
					    "blacklist\"],\"errno\":\"EPERM\"}}]",
					    false, iso, &err),
			 0);
	assert_int_equal(iso->seccomp_mode, S1_SECCOMP_REMOVE);
	assert_int_equal(iso->seccomp_errno, EPERM);
	assert_true(iso->seccomp.len > 10);
	isolators_free(iso);

	static const struct {
		const char *json, *message;
	} bad[] = {
	    {"[{\"name\":\"" RETAIN "\",\"value\":{\"set\":[\"read\"]}},"
	     "{\"name\":\"" REMOVE "\",\"value\":{\"set\":[\"mount\"]}}]",
	     "at most one seccomp isolator"},
	    {"[{\"name\":\"" RETAIN "\",\"value\":{\"set\":[\"read\"]}},"
	     "{\"name\":\"" RETAIN "\",\"value\":{\"set\":[\"write\"]}}]",
	     "at most one seccomp isolator"},
	    {"[{\"name\":\"" RETAIN "\",\"value\":[\"read\"]}]", "value must be {\"set\""},
	    {"[{\"name\":\"" RETAIN "\",\"value\":{\"set\":[\"read\", 5]}}]",
	     "set item 1 is not a name"},
	    {"[{\"name\":\"" RETAIN "\",\"value\":{\"set\":[\"read\"],\"errno\":1}}]",
	     "errno must be a name"},
	    {"[{\"name\":\"" RETAIN "\",\"value\":{\"set\":[\"@systemd/mount\"]}}]",
	     "systemd stage1"},
	    {"[{\"name\":\"os/linux/seccomp-other-set\",\"value\":{\"set\":[\"read\"]}}]",
	     "not supported"},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		if (tu_parse_isolators(bad[i].json, false, iso, &err) >= 0)
			fail_msg("accepted: %s", bad[i].json);
		if (!strstr(err.msg, bad[i].message))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].json, err.msg,
				 bad[i].message);
	}
	/* --disable-seccomp: not even looked at. */
	assert_int_equal(tu_parse_isolators(bad[0].json, true, iso, &err), 0);
	assert_int_equal(iso->seccomp.len, 0);
	free(iso);
}

/* The program made at build time is the one the library makes now. */
static void test_precompiled_default(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	struct s1_seccomp_prog *prog = s1_xcalloc(1, sizeof(*prog));
	assert_int_equal(seccomp_plan_build(NULL, false, &plan, &err), 0);
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), 0);
	assert_int_equal(s1_seccomp_default_prog.arch, seccomp_arch_native());
	assert_int_equal(prog->len, s1_seccomp_default_prog.len);
	assert_memory_equal(prog->insns, s1_seccomp_default_prog.insns,
			    prog->len * sizeof(prog->insns[0]));
	seccomp_plan_free(&plan);
	seccomp_prog_free(prog);
	free(prog);
}

/* libseccomp's program for plan, as seccomp_plan_compile made it before seccompbpf.c: the
 * reference ours must agree with, call number by call number. */
static uint32_t kill_action(void)
{
	return seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL;
}

static void reference_compile(const struct s1_seccomp_plan *plan, struct s1_seccomp_prog *prog)
{
	uint32_t block =
	    plan->errno_value ? SCMP_ACT_ERRNO((uint32_t)plan->errno_value) : kill_action();
	bool retain = plan->mode == S1_SECCOMP_RETAIN;
	scmp_filter_ctx ctx = seccomp_init(retain ? block : SCMP_ACT_ALLOW);
	assert_non_null(ctx);
	assert_int_equal(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, kill_action()), 0);
	assert_int_equal(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), 0);
	uint32_t listed = retain ? SCMP_ACT_ALLOW : block;
	for (size_t i = 0; i < plan->n_syscalls; i++)
		assert_int_equal(seccomp_rule_add(ctx, listed, plan->syscalls[i], 0), 0);
	uint32_t enosys = SCMP_ACT_ERRNO(ENOSYS);
	for (size_t i = 0; enosys != block && i < plan->n_enosys; i++)
		assert_int_equal(seccomp_rule_add(ctx, enosys, plan->enosys[i], 0), 0);
	int fd = memfd_create("test_seccomp", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(seccomp_export_bpf(ctx, fd), 0);
	off_t size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0 && size % sizeof(struct sock_filter) == 0 &&
		    (size_t)size <= S1_SECCOMP_MAX_INSNS * sizeof(struct sock_filter));
	prog->insns = s1_xmalloc((size_t)size);
	assert_int_equal(pread(fd, prog->insns, (size_t)size, 0), size);
	prog->len = (unsigned short)((size_t)size / sizeof(struct sock_filter));
	close(fd);
	seccomp_release(ctx);
}

/* A seccomp program's verdict on one call: a cBPF interpreter of what seccomp programs use.
 * Any other instruction, a jump out of the program or falling off its end fails the test. */
static uint32_t bpf_run(const struct s1_seccomp_prog *prog, uint32_t arch, uint32_t nr)
{
	struct seccomp_data d = {.nr = (int)nr, .arch = arch};
	uint32_t a = 0;
	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->insns[pc];
		size_t off;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k % 4 != 0 || f->k >= sizeof(d))
				fail_msg("instruction %zu loads at %u", pc, f->k);
			memcpy(&a, (const char *)&d + f->k, sizeof(a));
			continue;
		case BPF_RET | BPF_K:
			return f->k;
		case BPF_JMP | BPF_JA:
			off = f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			off = a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			off = a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			off = a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			off = (a & f->k) ? f->jt : f->jf;
			break;
		default:
			fail_msg("instruction %zu: code 0x%04x", pc, f->code);
			return 0;
		}
		if (off >= prog->len - pc - 1)
			fail_msg("instruction %zu jumps by %zu, out of %u instructions", pc, off,
				 prog->len);
		pc += off;
	}
	fail_msg("a path falls off the end of the program");
	return 0;
}

/* Ours statically: only LD, JEQ, JGE, JA and RET (the kernel's action cache emulates them),
 * every jump inside the program, the last instruction a RET. */
static void assert_well_formed(const struct s1_seccomp_prog *prog)
{
	assert_true(prog->len > 0);
	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->insns[pc];
		size_t after = prog->len - pc - 1;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(after > 0);
			break;
		case BPF_RET | BPF_K:
			break;
		case BPF_JMP | BPF_JA:
			assert_true(f->k < after);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
			assert_true(f->jt < after && f->jf < after);
			break;
		default:
			fail_msg("instruction %zu: code 0x%04x", pc, f->code);
		}
	}
}

static uint32_t foreign_arch(void)
{
	return seccomp_arch_native() == AUDIT_ARCH_X86_64 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
}

/* Our program for plan decides as libseccomp's does: every number up to 1023, each with x32's
 * bit, -1, and the same numbers from another architecture. Returns our length (the plan is
 * freed). */
static size_t assert_as_libseccomp(struct s1_seccomp_plan *plan, const char *what)
{
	struct s1_seccomp_prog *ours = s1_xmalloc(sizeof(*ours));
	struct s1_seccomp_prog *ref = s1_xmalloc(sizeof(*ref));
	struct s1_err err = {0};
	if (seccomp_plan_compile(plan, true, ours, &err) < 0)
		fail_msg("%s: %s", what, err.msg);
	reference_compile(plan, ref);
	assert_well_formed(ours);
	uint32_t native = seccomp_arch_native(), other = foreign_arch();
	for (uint32_t i = 0; i < 1024 + 4; i++) {
		uint32_t nr = i < 1024 ? i
				       : (uint32_t[]){0xffffffff, 0xfffffffe, 0x7fffffff,
						      0x80000000}[i - 1024];
		uint32_t try[][2] = {{native, nr}, {native, nr | 0x40000000}, {other, nr}};
		for (size_t t = 0; t < S1_ARRAY_SIZE(try); t++) {
			uint32_t a = bpf_run(ours, try[t][0], try[t][1]);
			uint32_t b = bpf_run(ref, try[t][0], try[t][1]);
			if (a != b)
				fail_msg("%s: arch 0x%x nr 0x%x: ours 0x%x, libseccomp's 0x%x",
					 what, try[t][0], try[t][1], a, b);
		}
	}
	size_t len = ours->len;
	seccomp_plan_free(plan);
	seccomp_prog_free(ours);
	seccomp_prog_free(ref);
	free(ours);
	free(ref);
	return len;
}

/* A plan made by hand: numbers from first to last by step. */
static void numbers_plan(struct s1_seccomp_plan *plan, enum s1_seccomp_mode mode, int errno_value,
			 int first, int last, int step)
{
	memset(plan, 0, sizeof(*plan));
	plan->mode = mode;
	plan->errno_value = errno_value;
	plan->syscalls = s1_xmalloc(((size_t)(last - first) / (size_t)step + 1) * sizeof(int));
	for (int nr = first; nr <= last; nr += step)
		plan->syscalls[plan->n_syscalls++] = nr;
}

static bool has_long_jump(const struct s1_seccomp_prog *prog)
{
	for (size_t i = 0; i < prog->len; i++)
		if (prog->insns[i].code == (BPF_JMP | BPF_JA))
			return true;
	return false;
}

static void test_compile_as_libseccomp(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};

	assert_int_equal(seccomp_plan_build(NULL, false, &plan, &err), 0);
	size_t len = assert_as_libseccomp(&plan, "default");
	assert_true(len < 70); /* libseccomp's: 399; a RET per interval: 107 */
	assert_int_equal(len, s1_seccomp_default_prog.len);

	const char *few[] = {"read", "write", "getpid", NULL};
	assert_int_equal(build(RETAIN, NULL, few, &plan, &err), 0);
	assert_as_libseccomp(&plan, "retain few");
	/* Three actions: allowed, EPERM and the newer calls' ENOSYS. */
	assert_int_equal(build(RETAIN, "EPERM", few, &plan, &err), 0);
	assert_as_libseccomp(&plan, "retain few, EPERM");
	const char *more[] = {"@rkt/default-whitelist", "mount", NULL};
	assert_int_equal(build(RETAIN, "ENOSYS", more, &plan, &err), 0);
	assert_as_libseccomp(&plan, "retain, ENOSYS");

	const char *rm[] = {"mount", "umount2", "reboot", NULL};
	assert_int_equal(build(REMOVE, NULL, rm, &plan, &err), 0);
	assert_as_libseccomp(&plan, "remove");
	assert_int_equal(build(REMOVE, "EPERM", rm, &plan, &err), 0);
	assert_as_libseccomp(&plan, "remove, EPERM");
	const char *black[] = {"@rkt/default-blacklist", NULL};
	assert_int_equal(build(REMOVE, "EACCES", black, &plan, &err), 0);
	assert_as_libseccomp(&plan, "remove blacklist");

	/* One call; and (where chown32 is another architecture's) none at all. */
	const char *one[] = {"getppid", NULL};
	assert_int_equal(build(REMOVE, NULL, one, &plan, &err), 0);
	assert_as_libseccomp(&plan, "remove one");
	numbers_plan(&plan, S1_SECCOMP_RETAIN, 0, SYS_getpid, SYS_getpid, 1);
	assert_as_libseccomp(&plan, "retain one");
	numbers_plan(&plan, S1_SECCOMP_RETAIN, EPERM, 0, 0, 1);
	assert_as_libseccomp(&plan, "retain 0");
	const char *other[] = {"chown32", NULL};
	assert_int_equal(build(REMOVE, NULL, other, &plan, &err), 0);
	assert_as_libseccomp(&plan, "remove other architecture's");

	/* Hundreds of intervals: halves longer than a conditional jump reaches. */
	struct s1_seccomp_prog *prog = s1_xcalloc(1, sizeof(*prog));
	numbers_plan(&plan, S1_SECCOMP_REMOVE, 0, 0, 450, 2);
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), 0);
	assert_true(has_long_jump(prog));
	seccomp_prog_free(prog);
	assert_as_libseccomp(&plan, "remove every other");
	numbers_plan(&plan, S1_SECCOMP_RETAIN, EPERM, 1, 900, 3);
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), 0);
	assert_true(has_long_jump(prog));
	seccomp_prog_free(prog);
	assert_as_libseccomp(&plan, "retain every third");
	free(prog);
}

/* What a plan says of nr: the oracle for architectures libseccomp does not build here. */
static uint32_t plan_verdict(const struct s1_seccomp_plan *plan, uint32_t kill, uint32_t nr)
{
	uint32_t block = plan->errno_value ? SECCOMP_RET_ERRNO | (uint32_t)plan->errno_value : kill;
	bool retain = plan->mode == S1_SECCOMP_RETAIN;
	for (size_t i = 0; i < plan->n_syscalls; i++)
		if ((uint32_t)plan->syscalls[i] == nr)
			return retain ? SECCOMP_RET_ALLOW : block;
	for (size_t i = 0; retain && i < plan->n_enosys; i++)
		if ((uint32_t)plan->enosys[i] == nr && block != (SECCOMP_RET_ERRNO | ENOSYS))
			return SECCOMP_RET_ERRNO | ENOSYS;
	return retain ? block : SECCOMP_RET_ALLOW;
}

static void test_compile_other_arch_and_limits(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	struct s1_seccomp_prog *prog = s1_xcalloc(1, sizeof(*prog));

	/* Elsewhere than x86-64 there is no x32 to refuse: the arch's check, then the search. */
	const uint32_t kill = SECCOMP_RET_KILL_PROCESS;
	assert_int_equal(seccomp_plan_build(NULL, false, &plan, &err), 0);
	plan.enosys[0] = plan.syscalls[3]; /* in both lists: allowed */
	assert_int_equal(seccomp_bpf_compile(&plan, AUDIT_ARCH_AARCH64, kill, prog, &err), 0);
	assert_well_formed(prog);
	for (uint32_t nr = 0; nr < 1024; nr++) {
		assert_int_equal(bpf_run(prog, AUDIT_ARCH_AARCH64, nr),
				 plan_verdict(&plan, kill, nr));
		assert_int_equal(bpf_run(prog, AUDIT_ARCH_AARCH64, nr | 0x40000000), kill);
		assert_int_equal(bpf_run(prog, AUDIT_ARCH_X86_64, nr), kill);
	}
	assert_int_equal(bpf_run(prog, AUDIT_ARCH_AARCH64, plan.syscalls[3]), SECCOMP_RET_ALLOW);
	seccomp_plan_free(&plan);
	seccomp_prog_free(prog);

	/* More than the kernel takes. */
	numbers_plan(&plan, S1_SECCOMP_REMOVE, EPERM, 0, 4200, 2);
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), -EINVAL);
	assert_contains_msg(err.msg, "more than the kernel takes (4096)");
	assert_int_equal(prog->len, 0);
	seccomp_plan_free(&plan);
	/* Lists out of order, or negative numbers, are the plan's bug. */
	numbers_plan(&plan, S1_SECCOMP_REMOVE, EPERM, 10, 20, 5);
	plan.syscalls[1] = 3;
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), -EINVAL);
	assert_contains_msg(err.msg, "system call 3 is out of order");
	plan.syscalls[1] = 10;
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), -EINVAL);
	plan.syscalls[0] = -1;
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), -EINVAL);
	seccomp_plan_free(&plan);
	free(prog);
}

/* Load prog in a child and make one system call there: its return value and errno, or
 * "killed by SIGSYS". */
enum outcome { ALLOWED, FAILED_ENOSYS, FAILED_EPERM, FAILED_OTHER, KILLED };

static enum outcome try_call(const struct s1_seccomp_prog *prog, long nr, long a1, long a2)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_prog_load(prog) < 0)
			_exit(3);
		long r = syscall(nr, a1, a2, 0, 0, 0);
		int e = r < 0 ? errno : 0;
		/* Raw calls: the sanitizers' _exit would look for leaks, with calls the filter
		 * under test may block. */
		syscall(SYS_write, p[1], &e, sizeof(e));
		syscall(SYS_exit_group, 0);
	}
	close(p[1]);
	int e = -1, st;
	ssize_t n = read(p[0], &e, sizeof(e));
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		return KILLED;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0 && n == sizeof(e));
	return e == 0	     ? ALLOWED
	       : e == ENOSYS ? FAILED_ENOSYS
	       : e == EPERM  ? FAILED_EPERM
			     : FAILED_OTHER;
}

static void compile(struct s1_seccomp_plan *plan, struct s1_seccomp_prog *prog)
{
	struct s1_err err = {0};
	seccomp_prog_free(prog);
	if (seccomp_plan_compile(plan, false, prog, &err) < 0)
		fail_msg("%s", err.msg);
	seccomp_plan_free(plan);
}

static void test_filters_in_a_child(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	struct s1_seccomp_prog *prog = s1_xcalloc(1, sizeof(*prog));

	/* The default: unshare(0) is blocked (killed); getpid works; rseq and clone3 say
	 * ENOSYS (glibc falls back). */
	assert_int_equal(seccomp_plan_build(NULL, false, &plan, &err), 0);
	compile(&plan, prog);
	assert_int_equal(try_call(prog, SYS_getpid, 0, 0), ALLOWED);
	assert_int_equal(try_call(prog, SYS_unshare, 0, 0), KILLED);
	assert_int_equal(try_call(prog, SYS_rseq, 0, 0), FAILED_ENOSYS);
	assert_int_equal(try_call(prog, SYS_clone3, 0, 0), FAILED_ENOSYS);

	/* The same with errno EPERM. */
	const char *empty[] = {"@appc.io/empty", NULL};
	assert_int_equal(build(REMOVE, "EPERM", empty, &plan, &err), 0);
	compile(&plan, prog);
	assert_int_equal(try_call(prog, SYS_unshare, 0, 0), FAILED_EPERM);
	assert_int_equal(try_call(prog, SYS_getpid, 0, 0), ALLOWED);
	assert_int_equal(try_call(prog, SYS_clone3, 0, 0), FAILED_ENOSYS);

	/* A remove-set: only its calls are blocked. */
	const char *rm[] = {"unshare", NULL};
	assert_int_equal(build(REMOVE, "ENOSYS", rm, &plan, &err), 0);
	compile(&plan, prog);
	assert_int_equal(try_call(prog, SYS_unshare, 0, 0), FAILED_ENOSYS);
	assert_int_equal(try_call(prog, SYS_getppid, 0, 0), ALLOWED);
	assert_int_equal(try_call(prog, SYS_rseq, 0, 0), FAILED_OTHER); /* EINVAL: a real call */

	/* A remove-set with errno: the call fails, its neighbour works. */
	const char *ppid[] = {"getppid", NULL};
	assert_int_equal(build(REMOVE, "EPERM", ppid, &plan, &err), 0);
	compile(&plan, prog);
	assert_int_equal(try_call(prog, SYS_getppid, 0, 0), FAILED_EPERM);
	assert_int_equal(try_call(prog, SYS_getpid, 0, 0), ALLOWED);

	/* Long jumps, as the kernel takes them: every even number blocked. */
	numbers_plan(&plan, S1_SECCOMP_REMOVE, EPERM, 0, 450, 2);
	compile(&plan, prog);
	assert_true(has_long_jump(prog));
	assert_int_equal(try_call(prog, SYS_getpid, 0, 0), SYS_getpid % 2 ? ALLOWED : FAILED_EPERM);
	assert_int_equal(try_call(prog, SYS_getppid, 0, 0),
			 SYS_getppid % 2 ? ALLOWED : FAILED_EPERM);

	/* A small retain-set: what it lists works, anything else kills. */
	const char *few[] = {"write", "getpid", NULL};
	assert_int_equal(build(RETAIN, NULL, few, &plan, &err), 0);
	compile(&plan, prog);
	assert_int_equal(try_call(prog, SYS_getpid, 0, 0), ALLOWED);
	assert_int_equal(try_call(prog, SYS_getppid, 0, 0), KILLED);
	seccomp_prog_free(prog);
	free(prog);
}

/* The record as enter reads it, every app's part. */
static int read_confine(int podfd, struct s1_confine *out, struct s1_err *err)
{
	struct s1_record rec;
	int r = record_load(podfd, &rec);
	if (r < 0)
		return s1_error(err, r, "%s", "reading the pod's confinement record");
	r = confine_record_read(&rec, NULL, out, err);
	record_free(&rec);
	return r;
}

static void test_nnp_and_record(void **state)
{
	(void)state;
	struct s1_isolators *iso = s1_xmalloc(sizeof(*iso));
	struct s1_confine *c = s1_xmalloc(sizeof(*c)), *back = s1_xmalloc(sizeof(*back));
	struct s1_err err = {0};
	assert_int_equal(tu_parse_isolators("[]", false, iso, &err), 0);

	/* rkt's rule: a non-root app with a filter gets no_new_privs. */
	confine_compute(iso, false, 1000, c);
	seccomp_prog_free(&c->seccomp);
	assert_true(c->no_new_privs);
	assert_false(c->admin_until_seccomp);
	/* Root does not, where the caller has CAP_SYS_ADMIN to keep until the filter is in. */
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	assert_int_equal(syscall(SYS_capget, &hdr, data), 0);
	bool admin = data[0].permitted & (1u << CAP_SYS_ADMIN);
	confine_compute(iso, false, 0, c);
	assert_int_equal(c->no_new_privs, !admin);
	assert_int_equal(c->admin_until_seccomp, admin);
	seccomp_prog_free(&c->seccomp);
	isolators_free(iso);
	/* No filter: no reason for either. */
	assert_int_equal(tu_parse_isolators("[]", true, iso, &err), 0);
	confine_compute(iso, false, 1000, c);
	assert_false(c->no_new_privs);
	assert_false(c->admin_until_seccomp);

	/* What run records is what enter reads back: the very program. */
	char dir[] = "/tmp/test_seccomp.XXXXXX";
	assert_non_null(mkdtemp(dir));
	int podfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(podfd >= 0);
	const char *cases[] = {
	    "[]",
	    "[{\"name\":\"" REMOVE "\",\"value\":{\"set\":[\"mount\"],\"errno\":\"ENOTSUP\"}}]",
	    "[{\"name\":\"" RETAIN "\",\"value\":{\"set\":[\"@appc.io/all\"]}}]",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(cases); i++) {
		assert_int_equal(tu_parse_isolators(cases[i], false, iso, &err), 0);
		confine_compute(iso, false, 1000, c);
		struct s1_record rec = {0};
		confine_record_add(&rec, c);
		assert_int_equal(record_commit(podfd, &rec, &err), 0);
		if (read_confine(podfd, back, &err) < 0)
			fail_msg("%s: %s", cases[i], err.msg);
		assert_int_equal(back->seccomp_mode, c->seccomp_mode);
		assert_int_equal(back->seccomp_errno, c->seccomp_errno);
		assert_int_equal(back->no_new_privs, c->no_new_privs);
		assert_int_equal(back->seccomp.len, c->seccomp.len);
		assert_memory_equal(back->seccomp.insns, c->seccomp.insns,
				    c->seccomp.len * sizeof(c->seccomp.insns[0]));
		/* The precompiled default goes by name, which enter's copy of it fills in. */
		_cleanup_free_ char *text = NULL;
		assert_int_equal(s1_read_file_at(podfd, S1_RECORD_FILE, 1 << 20, &text, NULL), 0);
		assert_int_equal(strstr(text, "\nseccomp default\n") != NULL, i == 0);
		isolators_free(iso);
		seccomp_prog_free(&c->seccomp);
		seccomp_prog_free(&back->seccomp);
	}
	/* A record without the filter, or with a damaged one, is refused. */
	static const struct {
		const char *seccomp, *message; /* seccomp NULL: no such section */
	} damaged[] = {
	    {NULL, "no seccomp filter"},
	    {"retain kill\nbpf 0020000000000004 00", "malformed seccomp filter"},
	    {"retain kill\ndefault\nbpf 0020000000000004 00000000", ""},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(damaged); i++) {
		struct s1_record rec = {0};
		record_add(&rec, "confine",
			   "keep_caps 0\nbounding 0\ngranted 0\nambient 0\nno_new_privs 1\n"
			   "oom_score_adj 0 0");
		if (damaged[i].seccomp)
			record_add(&rec, "seccomp", damaged[i].seccomp);
		assert_int_equal(record_commit(podfd, &rec, &err), 0);
		assert_true(read_confine(podfd, back, &err) < 0);
		assert_non_null(strstr(err.msg, damaged[i].message));
	}

	unlinkat(podfd, S1_RECORD_FILE, 0);
	close(podfd);
	rmdir(dir);
	free(iso);
	free(c);
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_groups),
	    cmocka_unit_test(test_default),
	    cmocka_unit_test(test_retain),
	    cmocka_unit_test(test_remove),
	    cmocka_unit_test(test_appc_wildcards),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_errno_names),
	    cmocka_unit_test(test_isolators),
	    cmocka_unit_test(test_precompiled_default),
	    cmocka_unit_test(test_compile_as_libseccomp),
	    cmocka_unit_test(test_compile_other_arch_and_limits),
	    cmocka_unit_test(test_filters_in_a_child),
	    cmocka_unit_test(test_nnp_and_record),
	};
	return cmocka_run_group_tests_name("seccomp", tests, NULL, NULL);
}
