/* Unit tests for the seccomp filter: rkt's set algebra (groups, retain and remove sets, errno,
 * the defaults, the appc wildcards, refusals), its compilation, loading it in a child, and the
 * record enter reads it back from. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	assert_true(iso->seccomp.len > 100);
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
	assert_true(iso->seccomp.len > 50);

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

/* The program made at build time is the one libseccomp makes now. */
static void test_precompiled_default(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	struct s1_seccomp_prog *prog = s1_xmalloc(sizeof(*prog));
	assert_int_equal(seccomp_plan_build(NULL, false, &plan, &err), 0);
	assert_int_equal(seccomp_plan_compile(&plan, true, prog, &err), 0);
	assert_int_equal(s1_seccomp_default_prog.arch, seccomp_arch_native());
	assert_int_equal(prog->len, s1_seccomp_default_prog.len);
	assert_memory_equal(prog->insns, s1_seccomp_default_prog.insns,
			    prog->len * sizeof(prog->insns[0]));
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
	if (seccomp_plan_compile(plan, false, prog, &err) < 0)
		fail_msg("%s", err.msg);
	seccomp_plan_free(plan);
}

static void test_filters_in_a_child(void **state)
{
	(void)state;
	struct s1_seccomp_plan plan;
	struct s1_err err = {0};
	struct s1_seccomp_prog *prog = s1_xmalloc(sizeof(*prog));

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

	/* A small retain-set: what it lists works, anything else kills. */
	const char *few[] = {"write", "getpid", NULL};
	assert_int_equal(build(RETAIN, NULL, few, &plan, &err), 0);
	compile(&plan, prog);
	assert_int_equal(try_call(prog, SYS_getpid, 0, 0), ALLOWED);
	assert_int_equal(try_call(prog, SYS_getppid, 0, 0), KILLED);
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
	}
	/* A record without the filter, or with a damaged one, is refused. */
	struct s1_record rec = {0};
	record_add(&rec, "confine",
		   "keep_caps 0\nbounding 0\ngranted 0\nambient 0\nno_new_privs 1\n"
		   "oom_score_adj 0 0");
	struct s1_record rec2 = {0};
	assert_int_equal(record_commit(podfd, &rec, &err), 0);
	assert_true(read_confine(podfd, back, &err) < 0);
	assert_non_null(strstr(err.msg, "no seccomp filter"));
	record_add(&rec2, "confine",
		   "keep_caps 0\nbounding 0\ngranted 0\nambient 0\nno_new_privs 1\n"
		   "oom_score_adj 0 0");
	record_add(&rec2, "seccomp", "retain kill\nbpf 0020000000000004 00");
	assert_int_equal(record_commit(podfd, &rec2, &err), 0);
	assert_true(read_confine(podfd, back, &err) < 0);
	assert_non_null(strstr(err.msg, "malformed seccomp filter"));
	struct s1_record rec3 = {0};
	record_add(&rec3, "confine",
		   "keep_caps 0\nbounding 0\ngranted 0\nambient 0\nno_new_privs 1\n"
		   "oom_score_adj 0 0");
	record_add(&rec3, "seccomp", "retain kill\ndefault\nbpf 0020000000000004 00000000");
	assert_int_equal(record_commit(podfd, &rec3, &err), 0);
	assert_true(read_confine(podfd, back, &err) < 0);

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
	    cmocka_unit_test(test_filters_in_a_child),
	    cmocka_unit_test(test_nnp_and_record),
	};
	return cmocka_run_group_tests_name("seccomp", tests, NULL, NULL);
}
