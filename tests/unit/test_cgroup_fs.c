/* Unit tests of applying a cgroup plan, of joining the app's cgroups and of gc (record, kill,
 * remove), all through the file-system table (cgroupfs.h) filled with an imitation of cgroupfs
 * kept below a temporary directory: mkdir makes a cgroup's interface files, writes go only to
 * files that exist, cgroup.subtree_control takes "+controller" commands (only controllers of
 * cgroup.controllers, not while the cgroup holds processes), "0" written to cgroup.procs moves
 * the writer, rmdir refuses a cgroup with live processes, and any call can be made to fail.
 * Longer than 500 lines: the imitation (some 450 of them) serves all three modules, and each
 * test file is a program of its own (Makefile), so one file keeps one imitation. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage1c/cgroup.h"
#include "stage1c/util.h"
#include "testutil.h"

#define UUID "6f2c1c4e-93a5-4b8e-8d9f-0123456789ab"
#define POD "stage1-c-" UUID
#define MEMCG "/process_api/fc47f07eabc527c0c4ba637bcb5fb9e6"

/* This machine's hierarchies (hybrid), and a v2-only host's. */
#define MI_HYBRID                                                                                  \
	"32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"                              \
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"                        \
	"35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"                        \
	"39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"                            \
	"40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"                 \
	"41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
#define CG_HYBRID "9:name=systemd:/\n8:pids:/\n4:memory:" MEMCG "\n3:cpuset:/\n1:cpu:/\n0::/\n"
#define MI_V2 "30 23 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
#define V2_START "/sys/fs/cgroup/user.slice/session-1.scope"
#define CG_V2 "0::/user.slice/session-1.scope\n"
#define MI_CPUSET "34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
#define CG_CPUSET "3:cpuset:/\n"

#define V2_POD V2_START "/" POD
#define UNIFIED_POD "/sys/fs/cgroup/unified/" POD
#define MEMORY_POD "/sys/fs/cgroup/memory" MEMCG "/" POD
#define CPU_POD "/sys/fs/cgroup/cpu/" POD
#define PIDS_POD "/sys/fs/cgroup/pids/" POD

static const struct s1_cgroup_limits all_limits = {true, 64 << 20, true, 250, true, 512};

/* ---- The imitation of cgroupfs ---- */

struct fake {
	struct s1_cgroup_fs fs;
	char root[64];	       /* the directory standing for "/" */
	const char *mounts[8]; /* the hierarchies' roots: a process moves within one */
	size_t n_mounts;
	char *log[256]; /* the calls that changed something, in order */
	size_t n_log;
	size_t calls;		  /* every call so far */
	size_t fail_at, fail_at2; /* the calls (counted from 1) that fail with fail_errno */
	int fail_errno;
};

static char *real(const struct fake *f, const char *path)
{
	return s1_xasprintf("%s%s", f->root, path);
}

static bool injected(struct fake *f)
{
	f->calls++;
	return f->calls == f->fail_at || f->calls == f->fail_at2;
}

/* Every call: counted, failed when its turn has come, its path taken below the root (*p). */
static int begin(void *ctx, const char *path, char **p)
{
	struct fake *f = ctx;
	*p = NULL;
	if (injected(f))
		return -f->fail_errno;
	*p = real(f, path);
	return 0;
}

/* The path is a directory (else -ENOTDIR), or a file (else -EISDIR). */
static int is_a(const char *p, bool dir)
{
	struct stat st;
	if (lstat(p, &st) < 0)
		return -errno; /* cgroupfs creates no file on a write */
	if (dir != S_ISDIR(st.st_mode))
		return dir ? -ENOTDIR : -EISDIR;
	return 0;
}

/* "VERB PATH[ VALUE]" */
static void note(struct fake *f, const char *verb, const char *path, const char *value)
{
	if (f->n_log < S1_ARRAY_SIZE(f->log))
		f->log[f->n_log++] =
		    s1_xasprintf("%s %s%s%s", verb, path, value ? " " : "", value ? value : "");
}

static void write_real(const char *path, const char *content)
{
	FILE *fp = fopen(path, "w");
	if (!fp) {
		fail_msg("creating %s: %s", path, strerror(errno));
		return;
	}
	fputs(content, fp);
	fclose(fp);
}

static char *read_real(const char *path)
{
	char *text = NULL;
	return s1_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL) == 0 ? text : NULL;
}

static bool alive(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *stat = read_real(path);
	const char *paren = stat ? strrchr(stat, ')') : NULL;
	return paren && paren[1] == ' ' && paren[2] != 'Z'; /* zombies have left their cgroups */
}

static bool is_procs_file(const char *name)
{
	return strcmp(name, "cgroup.procs") == 0 || strcmp(name, "tasks") == 0;
}

/* The live PIDs of a cgroup.procs text, one per line. */
static char *live_pids(const char *text)
{
	_cleanup_free_ char *copy = s1_xstrdup(text);
	char *out = s1_xstrdup(""), *save = NULL;
	for (char *w = strtok_r(copy, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		if (!alive((pid_t)atoi(w)))
			continue;
		char *more = s1_xasprintf("%s%s\n", out, w);
		free(out);
		out = more;
	}
	return out;
}

static bool busy(const char *realdir)
{
	_cleanup_free_ char *procs = s1_xasprintf("%s/cgroup.procs", realdir);
	_cleanup_free_ char *text = read_real(procs);
	_cleanup_free_ char *pids = text ? live_pids(text) : NULL;
	return pids && *pids;
}

static char *parent_of(const char *path)
{
	return s1_xstrndup(path, (size_t)(strrchr(path, '/') - path));
}

/* v2: the controllers a cgroup can have are those its parent enables for its children (a
 * hierarchy's root, or a start cgroup with no parent in the test, lists its own). */
static char *controllers_of(const char *realdir)
{
	_cleanup_free_ char *parent = parent_of(realdir);
	_cleanup_free_ char *psub = s1_xasprintf("%s/cgroup.subtree_control", parent);
	_cleanup_free_ char *own = s1_xasprintf("%s/cgroup.controllers", realdir);
	char *text = read_real(psub);
	return text ? text : read_real(own);
}

/* v2: the interface files of the controllers enabled for it (by its parent). */
static void controller_files(const char *realdir, const char *enabled)
{
	static const char *const files[][3] = {{"memory", "memory.max", "max\n"},
					       {"cpu", "cpu.max", "max 100000\n"},
					       {"cpu", "cpu.weight", "100\n"}};
	char path[512];
	for (size_t i = 0; i < S1_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", realdir, files[i][1]);
		if (strstr(enabled, files[i][0]) && access(path, F_OK) != 0)
			write_real(path, files[i][2]);
	}
}

/* A new cgroup's files. v2: the core ones and those of the controllers its parent enables;
 * v1: the parent's, empty (a new cpuset cgroup has no CPUs). */
static void populate(const char *realdir)
{
	_cleanup_free_ char *parent = parent_of(realdir);
	_cleanup_free_ char *pctl = s1_xasprintf("%s/cgroup.controllers", parent);
	char path[512];
	if (access(pctl, F_OK) == 0) {
		static const char *const base[] = {"cgroup.procs", "cgroup.controllers",
						   "cgroup.subtree_control", "cgroup.kill"};
		for (size_t i = 0; i < S1_ARRAY_SIZE(base); i++) {
			snprintf(path, sizeof(path), "%s/%s", realdir, base[i]);
			write_real(path, "");
		}
		_cleanup_free_ char *enabled = controllers_of(realdir);
		controller_files(realdir, enabled ? enabled : "");
		return;
	}
	DIR *d = opendir(parent);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", realdir, de->d_name);
		write_real(path, "");
	}
	if (d)
		closedir(d);
}

static int fake_mkdir(void *ctx, const char *path)
{
	_cleanup_free_ char *p = NULL;
	int r = begin(ctx, path, &p);
	if (r < 0)
		return r;
	if (mkdir(p, 0755) < 0)
		return -errno;
	populate(p);
	note(ctx, "mkdir", path, NULL);
	return 0;
}

static int fake_rmdir(void *ctx, const char *path)
{
	_cleanup_free_ char *p = NULL;
	int r = begin(ctx, path, &p);
	if (r < 0 || (r = is_a(p, true)) < 0)
		return r;
	if (busy(p))
		return -EBUSY;
	DIR *d = opendir(p);
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			return -ENOTEMPTY;
		}
	rewinddir(d);
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_type == DT_REG)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	if (rmdir(p) < 0)
		return -errno;
	note(ctx, "rmdir", path, NULL);
	return 0;
}

/* "+c" or "-c" commands; a controller must be in cgroup.controllers, and a cgroup holding
 * processes (below a hierarchy's root) delegates none. */
static int subtree_control(struct fake *f, const char *realdir, const char *file, const char *value)
{
	_cleanup_free_ char *avail = controllers_of(realdir);
	_cleanup_free_ char *cur = read_real(file);
	_cleanup_free_ char *cmds = s1_xstrdup(value);
	char *save = NULL;
	for (char *w = strtok_r(cmds, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if ((w[0] != '+' && w[0] != '-') || !avail || !strstr(avail, w + 1))
			return -ENOENT;
		bool root = false;
		for (size_t i = 0; i < f->n_mounts; i++) {
			_cleanup_free_ char *m = real(f, f->mounts[i]);
			root |= strcmp(m, realdir) == 0;
		}
		if (!root && busy(realdir))
			return -EBUSY;
		if (w[0] == '+' && !strstr(cur, w + 1)) {
			char *more = s1_xasprintf("%s%s%s", cur, *cur ? " " : "", w + 1);
			free(cur);
			cur = more;
		}
	}
	write_real(file, cur);
	/* The children get the files of what is enabled for them. */
	DIR *d = opendir(realdir);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *child = s1_xasprintf("%s/%s", realdir, de->d_name);
		controller_files(child, cur);
	}
	if (d)
		closedir(d);
	return 0;
}

/* Drop pid from every cgroup.procs below dir. */
static void forget_pid(const char *dir, pid_t pid)
{
	DIR *d = opendir(dir);
	char path[1024];
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			forget_pid(path, pid);
			continue;
		}
		if (!is_procs_file(de->d_name))
			continue;
		_cleanup_free_ char *text = read_real(path);
		_cleanup_free_ char *copy = s1_xstrdup(text ? text : "");
		_cleanup_free_ char *out = s1_xstrdup("");
		char *save = NULL;
		for (char *w = strtok_r(copy, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
			if (atoi(w) == pid)
				continue;
			char *more = s1_xasprintf("%s%s\n", out, w);
			free(out);
			out = more;
		}
		write_real(path, out);
	}
	if (d)
		closedir(d);
}

/* A PID ("0": the writer) written to cgroup.procs leaves its cgroup in that hierarchy. */
static int move_pid(struct fake *f, const char *path, const char *file, const char *value)
{
	pid_t pid = strcmp(value, "0") == 0 ? getpid() : (pid_t)atoi(value);
	const char *mount = NULL;
	for (size_t i = 0; i < f->n_mounts; i++)
		if (s1_str_has_prefix(path, f->mounts[i]) &&
		    (!mount || strlen(f->mounts[i]) > strlen(mount)))
			mount = f->mounts[i];
	if (!mount)
		fail_msg("%s is in no hierarchy of the test", path);
	_cleanup_free_ char *top = real(f, mount);
	forget_pid(top, pid);
	_cleanup_free_ char *text = read_real(file);
	_cleanup_free_ char *more = s1_xasprintf("%s%d\n", text ? text : "", (int)pid);
	write_real(file, more);
	return 0;
}

static int fake_write(void *ctx, const char *path, const char *value)
{
	_cleanup_free_ char *p = NULL;
	int r = begin(ctx, path, &p);
	if (r < 0 || (r = is_a(p, false)) < 0)
		return r;
	struct fake *f = ctx;
	const char *name = strrchr(p, '/') + 1;
	_cleanup_free_ char *dir = parent_of(p);
	if (strcmp(name, "cgroup.subtree_control") == 0)
		r = subtree_control(f, dir, p, value);
	else if (is_procs_file(name))
		r = move_pid(f, path, p, value);
	else
		write_real(p, value);
	if (r == 0)
		note(f, "write", path, value);
	return r;
}

static int fake_read(void *ctx, const char *path, size_t max, char **text)
{
	_cleanup_free_ char *p = NULL;
	int r = begin(ctx, path, &p);
	if (r < 0)
		return r;
	const char *name = strrchr(p, '/') + 1;
	if (strcmp(name, "cgroup.controllers") == 0 && access(p, F_OK) == 0) {
		_cleanup_free_ char *dir = parent_of(p);
		*text = controllers_of(dir);
		return *text ? 0 : -ENOENT;
	}
	r = cgroupfs_host.read(NULL, p, max, text);
	if (r == 0 && is_procs_file(name)) {
		char *pids = live_pids(*text);
		free(*text);
		*text = pids;
	}
	return r;
}

static int fake_open(void *ctx, const char *path, int flags)
{
	_cleanup_free_ char *p = NULL;
	int r = begin(ctx, path, &p);
	return r < 0 ? r : cgroupfs_host.open(NULL, p, flags);
}

static int fake_subdirs(void *ctx, const char *path, char ***names, size_t *n)
{
	_cleanup_free_ char *p = NULL;
	int r = begin(ctx, path, &p);
	*names = NULL;
	*n = 0;
	return r < 0 ? r : cgroupfs_host.subdirs(NULL, p, names, n);
}

static int fake_is_cgroup(void *ctx, const char *path)
{
	(void)path;
	return injected(ctx) ? 0 : 1;
}

static int fake_setup(void **state)
{
	struct fake *f = s1_xcalloc(1, sizeof(*f));
	snprintf(f->root, sizeof(f->root), "/tmp/s1c-cgfs.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	f->fs = (struct s1_cgroup_fs){f,	 fake_mkdir, fake_rmdir,   fake_write,
				      fake_read, fake_open,  fake_subdirs, fake_is_cgroup};
	f->fail_errno = EIO;
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void log_clear(struct fake *f)
{
	for (size_t i = 0; i < f->n_log; i++)
		free(f->log[i]);
	f->n_log = 0;
}

static void fake_clear(struct fake *f)
{
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(f->root, 0700);
	log_clear(f);
	f->calls = f->fail_at = f->fail_at2 = f->n_mounts = 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;
	fake_clear(f);
	rmdir(f->root);
	free(f);
	return 0;
}

/* ---- Helpers ---- */

static void mkdirs(const char *path)
{
	_cleanup_free_ char *p = s1_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void put(const struct fake *f, const char *rel, const char *content)
{
	_cleanup_free_ char *path = real(f, rel);
	_cleanup_free_ char *dir = s1_xstrndup(path, (size_t)(strrchr(path, '/') - path));
	mkdirs(dir);
	write_real(path, content);
}

static char *get(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *path = real(f, rel);
	char *text = read_real(path);
	if (!text)
		fail_msg("no file %s", rel);
	return text;
}

static void assert_file(const struct fake *f, const char *rel, const char *content)
{
	_cleanup_free_ char *text = get(f, rel);
	assert_string_equal(text, content);
}

static bool exists(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *path = real(f, rel);
	return access(path, F_OK) == 0;
}

static size_t count_log(const struct fake *f, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n_log; i++)
		n += s1_str_has_prefix(f->log[i], prefix);
	return n;
}

static char *self_line(void)
{
	return s1_xasprintf("%d\n", (int)getpid());
}

/* A v2-only host: this process in the start cgroup, which has controllers to delegate. */
static void v2_host(struct fake *f, const char *controllers)
{
	_cleanup_free_ char *self = self_line();
	f->mounts[f->n_mounts++] = "/sys/fs/cgroup";
	put(f, V2_START "/cgroup.controllers", controllers);
	put(f, V2_START "/cgroup.subtree_control", "");
	put(f, V2_START "/cgroup.procs", self);
	put(f, V2_START "/cgroup.kill", "");
}

/* This hybrid host: v1 hierarchies with their controllers' files, and a v2 tree without
 * controllers. */
static void hybrid_host(struct fake *f)
{
	static const char *const hiers[][3] = {
	    {"/sys/fs/cgroup/systemd", "", ""},
	    {"/sys/fs/cgroup/pids", "pids.max", ""},
	    {"/sys/fs/cgroup/memory", "memory.limit_in_bytes", MEMCG},
	    {"/sys/fs/cgroup/cpuset", "cpuset.cpus", ""},
	    {"/sys/fs/cgroup/cpu", "cpu.shares", ""},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(hiers); i++) {
		f->mounts[f->n_mounts++] = hiers[i][0];
		char rel[256];
		snprintf(rel, sizeof(rel), "%s%s/cgroup.procs", hiers[i][0], hiers[i][2]);
		put(f, rel, "");
		snprintf(rel, sizeof(rel), "%s%s/tasks", hiers[i][0], hiers[i][2]);
		put(f, rel, "");
		if (*hiers[i][1]) {
			snprintf(rel, sizeof(rel), "%s%s/%s", hiers[i][0], hiers[i][2],
				 hiers[i][1]);
			put(f, rel, "");
		}
	}
	put(f, "/sys/fs/cgroup/cpuset/cpuset.cpus", "0-3\n");
	put(f, "/sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
	put(f, "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
	put(f, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
	_cleanup_free_ char *self = self_line();
	f->mounts[f->n_mounts++] = "/sys/fs/cgroup/unified";
	put(f, "/sys/fs/cgroup/unified/cgroup.controllers", "");
	put(f, "/sys/fs/cgroup/unified/cgroup.subtree_control", "");
	put(f, "/sys/fs/cgroup/unified/cgroup.procs", self);
	put(f, "/sys/fs/cgroup/unified/cgroup.kill", "");
}

/* A v1 host with a cpuset hierarchy alone. */
static void cpuset_host(struct fake *f)
{
	f->mounts[f->n_mounts++] = "/sys/fs/cgroup/cpuset";
	put(f, "/sys/fs/cgroup/cpuset/cgroup.procs", "");
	put(f, "/sys/fs/cgroup/cpuset/tasks", "");
	put(f, "/sys/fs/cgroup/cpuset/cpuset.cpus", "0-3\n");
	put(f, "/sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
}

static void plan_ok(const char *mi, const char *cg, const struct s1_cgroup_limits *lim,
		    struct s1_cgroup_plan *p)
{
	struct s1_err err = {0};
	if (cgroup_plan_build(mi, cg, POD, lim, p, &err) != 0)
		fail_msg("plan: %s", err.msg);
}

/* This hybrid host, or a v2 one, and the pod's plan there. */
static void on_hybrid(struct fake *f, const struct s1_cgroup_limits *lim, struct s1_cgroup_plan *p)
{
	hybrid_host(f);
	plan_ok(MI_HYBRID, CG_HYBRID, lim, p);
}

static void on_v2(struct fake *f, const char *controllers, const struct s1_cgroup_limits *lim,
		  struct s1_cgroup_plan *p)
{
	v2_host(f, controllers);
	plan_ok(MI_V2, CG_V2, lim, p);
}

static void apply_ok(struct fake *f, const struct s1_cgroup_plan *p)
{
	struct s1_err err = {0};
	if (cgroup_plan_apply(&f->fs, p, &err) != 0)
		fail_msg("apply: %s", err.msg);
}

/* The pod's cgroups made on this hybrid host, with every limit. */
static void on_hybrid_applied(struct fake *f, struct s1_cgroup_plan *p)
{
	on_hybrid(f, &all_limits, p);
	apply_ok(f, p);
}

/* Nothing named like the pod's cgroup is left anywhere below the fake's root. */
static void assert_no_pod_dir(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, POD) == 0)
			fail_msg("%s/%s is left", dir, de->d_name);
		_cleanup_free_ char *sub = s1_xasprintf("%s/%s", dir, de->d_name);
		assert_no_pod_dir(sub);
	}
	closedir(d);
}

/* ---- Applying ---- */

static void test_apply_v2(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	on_v2(f, "cpuset cpu io memory pids\n", &all_limits, &p);
	apply_ok(f, &p);

	/* Three cgroups; the leader in its own, so that the start cgroup and the pod delegate
	 * memory and cpu; the limits in the app's (whose files exist only then). */
	assert_int_equal(count_log(f, "mkdir "), 3);
	assert_string_equal(f->log[0], "mkdir " V2_POD);
	assert_file(f, V2_START "/cgroup.subtree_control", "memory cpu");
	assert_file(f, V2_POD "/cgroup.subtree_control", "memory cpu");
	_cleanup_free_ char *self = self_line();
	assert_file(f, V2_POD "/leader/cgroup.procs", self);
	assert_file(f, V2_START "/cgroup.procs", "");
	assert_file(f, V2_POD "/app/memory.max", "67108864");
	assert_file(f, V2_POD "/app/cpu.max", "25000 100000");
	assert_file(f, V2_POD "/app/cpu.weight", "20");
	assert_file(f, V2_POD "/memory.max", "max\n");
	assert_file(f, V2_POD "/leader/memory.max", "max\n");

	/* run's failure path: the leader back where it started, then the cgroups removed. */
	assert_int_equal(cgroup_plan_leave(&f->fs, &p, &err), 0);
	assert_file(f, V2_START "/cgroup.procs", self);
	assert_file(f, V2_POD "/leader/cgroup.procs", "");
	if (cgroup_remove(&f->fs, p.dirs, p.n_dirs, &err) != 0)
		fail_msg("remove: %s", err.msg);
	assert_false(exists(f, V2_POD));
	assert_true(exists(f, V2_START "/cgroup.procs"));
	cgroup_plan_free(&p);
}

static void test_apply_v2_refused(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	/* A start cgroup without the memory controller delegated: refused before anything is
	 * made or written. */
	on_v2(f, "cpu pids\n", &all_limits, &p);
	assert_int_equal(cgroup_plan_apply(&f->fs, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "memory limit: controller memory is not available in " V2_START
				     " (cgroup.controllers); it must be enabled in the "
				     "cgroup.subtree_control of the cgroups above");
	assert_int_equal(f->n_log, 0);
	cgroup_plan_free(&p);

	/* The same with only shares requested: named as such. */
	fake_clear(f);
	struct s1_cgroup_limits shares = {.has_shares = true, .shares = 1024};
	on_v2(f, "memory pids\n", &shares, &p);
	assert_int_equal(cgroup_plan_apply(&f->fs, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "cpu shares: controller cpu is not available in " V2_START
				     " (cgroup.controllers); it must be enabled in the "
				     "cgroup.subtree_control of the cgroups above");
	cgroup_plan_free(&p);

	/* The start cgroup holds another process: it cannot delegate; everything undone. */
	fake_clear(f);
	on_v2(f, "cpu memory\n", &all_limits, &p);
	_cleanup_free_ char *both = s1_xasprintf("1\n%d\n", (int)getpid());
	put(f, V2_START "/cgroup.procs", both);
	assert_int_equal(cgroup_plan_apply(&f->fs, &p, &err), -EBUSY);
	assert_string_equal(err.msg,
			    "memory limit: cannot enable controller memory in " V2_START
			    " (cgroup.subtree_control): the cgroup holds processes besides "
			    "rkt; start rkt in a cgroup of its own (e.g. a systemd unit with "
			    "Delegate=yes): Device or resource busy");
	assert_false(exists(f, V2_POD));
	assert_file(f, V2_START "/cgroup.procs", both);
	cgroup_plan_free(&p);
}

/* No limits on v2: one cgroup, the app's, the leader stays, no controller is touched. */
static void test_apply_v2_membership(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	on_v2(f, "", NULL, &p);
	apply_ok(f, &p);
	assert_int_equal(f->n_log, 1);
	assert_string_equal(f->log[0], "mkdir " V2_POD);
	_cleanup_free_ char *self = self_line();
	assert_file(f, V2_START "/cgroup.procs", self);
	cgroup_plan_free(&p);
}

static void test_apply_hybrid(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	on_hybrid_applied(f, &p);
	/* Three cgroups: the v2 pod (the app's: no v2 limit), memory, cpu; nothing else is
	 * written but the limits, and the leader does not move. */
	static const char *const want[] = {
	    "mkdir " UNIFIED_POD,
	    "mkdir " MEMORY_POD,
	    "write " MEMORY_POD "/memory.limit_in_bytes 67108864",
	    "mkdir " CPU_POD,
	    "write " CPU_POD "/cpu.cfs_quota_us 25000",
	    "write " CPU_POD "/cpu.shares 512",
	};
	assert_int_equal(f->n_log, S1_ARRAY_SIZE(want));
	for (size_t i = 0; i < S1_ARRAY_SIZE(want); i++)
		assert_string_equal(f->log[i], want[i]);
	assert_file(f, MEMORY_POD "/memory.limit_in_bytes", "67108864");
	assert_file(f, CPU_POD "/cpu.shares", "512");
	_cleanup_free_ char *self = self_line();
	assert_file(f, "/sys/fs/cgroup/unified/cgroup.procs", self);
	cgroup_plan_free(&p);

	/* Without limits: the v2 pod alone, which holds the app. */
	fake_clear(f);
	on_hybrid(f, NULL, &p);
	apply_ok(f, &p);
	assert_int_equal(f->n_log, 1);
	assert_int_equal(count_log(f, "mkdir " UNIFIED_POD), 1);
	cgroup_plan_free(&p);
}

static void test_apply_cpuset(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	cpuset_host(f);
	plan_ok(MI_CPUSET, CG_CPUSET, NULL, &p);
	apply_ok(f, &p);
	assert_file(f, "/sys/fs/cgroup/cpuset/" POD "/cpuset.cpus", "0-3");
	assert_file(f, "/sys/fs/cgroup/cpuset/" POD "/cpuset.mems", "0");
	cgroup_plan_free(&p);
	/* Nothing to copy: nothing written. */
	fake_clear(f);
	cpuset_host(f);
	put(f, "/sys/fs/cgroup/cpuset/cpuset.mems", "\n");
	plan_ok(MI_CPUSET, CG_CPUSET, NULL, &p);
	apply_ok(f, &p);
	assert_file(f, "/sys/fs/cgroup/cpuset/" POD "/cpuset.mems", "");
	assert_int_equal(f->n_log, 2);
	cgroup_plan_free(&p);
}

/* Whichever call of apply fails, it undoes what it made; the leader is where it started. */
static void test_apply_undoes_at_every_step(void **state)
{
	struct fake *f = *state;
	static const struct {
		const char *mi, *cg, *start;
		void (*host)(struct fake *f);
		const struct s1_cgroup_limits *lim;
	} cases[] = {
	    {MI_HYBRID, CG_HYBRID, "/sys/fs/cgroup/unified", hybrid_host, &all_limits},
	    {MI_V2, CG_V2, V2_START, NULL, &all_limits},
	    {MI_CPUSET, CG_CPUSET, NULL, cpuset_host, NULL},
	};
	_cleanup_free_ char *self = self_line();
	for (size_t c = 0; c < S1_ARRAY_SIZE(cases); c++) {
		struct s1_cgroup_plan p;
		plan_ok(cases[c].mi, cases[c].cg, cases[c].lim, &p);
		size_t calls = 0;
		for (size_t k = 1;; k++) {
			fake_clear(f);
			if (cases[c].host)
				cases[c].host(f);
			else
				v2_host(f, "cpu memory\n");
			f->fail_at = k;
			struct s1_err err = {0};
			int r = cgroup_plan_apply(&f->fs, &p, &err);
			if (r == 0) {
				calls = f->calls;
				break;
			}
			assert_int_equal(r, -EIO);
			assert_true(*err.msg != '\0');
			assert_null(strstr(err.msg, "undoing"));
			assert_no_pod_dir(f->root);
			if (cases[c].start) {
				_cleanup_free_ char *procs =
				    s1_xasprintf("%s/cgroup.procs", cases[c].start);
				assert_file(f, procs, self);
			}
		}
		assert_true(calls >= p.n_ops);
		cgroup_plan_free(&p);
	}
}

static void test_apply_undo_fails(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	on_hybrid(f, &all_limits, &p);
	/* The second mkdir fails, then the rmdir of the first. */
	f->fail_at = 2;
	f->fail_at2 = 3;
	assert_int_equal(cgroup_plan_apply(&f->fs, &p, &err), -EIO);
	assert_string_equal(err.msg,
			    "creating the pod cgroup " MEMORY_POD
			    ": Input/output error (then undoing: removing cgroup " UNIFIED_POD
			    ": Input/output error)");
	cgroup_plan_free(&p);
}

static void test_apply_existing(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	on_hybrid_applied(f, &p);
	/* A second attempt of the same pod finds its directories made. */
	apply_ok(f, &p);
	cgroup_plan_free(&p);

	/* A file where the memory hierarchy's pod cgroup goes: apply fails half-way. */
	fake_clear(f);
	on_hybrid(f, &all_limits, &p);
	put(f, MEMORY_POD, "");
	assert_int_equal(cgroup_plan_apply(&f->fs, &p, &err), -ENOTDIR);
	assert_string_equal(err.msg, "creating the pod cgroup " MEMORY_POD ": not a directory");
	assert_false(exists(f, UNIFIED_POD));
	cgroup_plan_free(&p);
}

/* ---- Joining ---- */

static void close_all(struct s1_confine *c)
{
	confine_close_fds(c);
	assert_int_equal(c->n_cgroup_fds, 0);
	assert_int_equal(c->cgroup2_dir, -1);
}

static void test_join(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	struct s1_confine c = {.cgroup2_dir = -1};
	on_hybrid_applied(f, &p);
	assert_int_equal(cgroupjoin_open_plan(&f->fs, &p, 0, &c, &err), 0);
	/* v1: two "tasks" files; v2: the cgroup itself, for clone3 (its cgroup.procs where clone3
	 * cannot). */
	assert_int_equal(c.n_cgroup_fds, 2);
	assert_true(c.cgroup2_dir >= 0);
	struct stat fst, st;
	_cleanup_free_ char *app = real(f, UNIFIED_POD);
	assert_int_equal(fstat(c.cgroup2_dir, &fst), 0);
	assert_int_equal(stat(app, &st), 0);
	assert_int_equal(fst.st_ino, st.st_ino);

	/* Created in the v2 cgroup already: only v1 is written. */
	assert_int_equal(cgroupjoin_join(&c, true), 0);
	assert_file(f, MEMORY_POD "/tasks", "0");
	assert_file(f, CPU_POD "/tasks", "0");
	assert_file(f, UNIFIED_POD "/cgroup.procs", "");
	assert_int_equal(cgroupjoin_join(&c, false), 0);
	assert_file(f, UNIFIED_POD "/cgroup.procs", "0");
	close_all(&c);

	/* A file that cannot be opened: none is left open. */
	_cleanup_free_ char *tasks = real(f, CPU_POD "/tasks");
	unlink(tasks);
	assert_int_equal(cgroupjoin_open_plan(&f->fs, &p, 0, &c, &err), -ENOENT);
	assert_string_equal(err.msg, "opening " CPU_POD "/tasks: no such file or directory");
	assert_int_equal(c.n_cgroup_fds, 0);
	assert_int_equal(c.cgroup2_dir, -1);

	/* More than the descriptors confine keeps. */
	char *many[S1_MAX_CGROUP_FDS + 1];
	for (size_t i = 0; i < S1_ARRAY_SIZE(many); i++)
		many[i] = MEMORY_POD "/tasks";
	assert_int_equal(cgroupjoin_open_files(&f->fs, many, S1_ARRAY_SIZE(many), &c, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "the app joins 17 cgroups, more than 16");
	cgroup_plan_free(&p);
}

static int pod_dir(const struct fake *f)
{
	_cleanup_free_ char *dir = real(f, "/pod");
	mkdir(dir, 0755);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void write_record(int podfd, const char *section, const char *payload)
{
	struct s1_err err = {0};
	struct s1_record rec = {0};
	record_add(&rec, "leader", "42 1000");
	if (payload)
		record_add(&rec, section, payload);
	if (record_commit(podfd, &rec, &err) != 0)
		fail_msg("record: %s", err.msg);
}

/* The pod's record as enter reads it: every app's join files. */
static int open_recorded(struct fake *f, int podfd, struct s1_confine *c, struct s1_err *err)
{
	struct s1_record rec;
	assert_int_equal(record_load(podfd, &rec), 0);
	int r = cgroupjoin_open_recorded(&f->fs, &rec, NULL, c, err);
	record_free(&rec);
	return r;
}

/* enter: the files run recorded, and nothing else the record could name. */
static void test_join_recorded(void **state)
{
	struct fake *f = *state;
	_cleanup_close_ int podfd = pod_dir(f);
	struct s1_cgroup_plan p;
	on_hybrid_applied(f, &p);
	struct s1_record rec = {0};
	struct s1_err err = {0};
	struct s1_confine c = {.cgroup2_dir = -1};
	cgroupjoin_record_add(&rec, &p, 0);
	assert_int_equal(record_commit(podfd, &rec, &err), 0);
	assert_int_equal(open_recorded(f, podfd, &c, &err), 0);
	assert_int_equal(c.n_cgroup_fds, 2);
	assert_true(c.cgroup2_dir >= 0);
	close_all(&c);

	static const char *const bad[] = {
	    "/etc/passwd",
	    "/sys/fs/cgroup/memory/tasks",
	    UNIFIED_POD "/leader/cgroup.procs",
	    UNIFIED_POD "/app/memory.max",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		write_record(podfd, S1_REC_APP_CGROUPS, bad[i]);
		assert_int_equal(open_recorded(f, podfd, &c, &err), -EINVAL);
		_cleanup_free_ char *msg =
		    s1_xasprintf("app-cgroups record: bad entry \"%s\"", bad[i]);
		assert_string_equal(err.msg, msg);
		assert_int_equal(c.n_cgroup_fds, 0);
	}
	_cleanup_free_ char *lots = s1_xstrdup(MEMORY_POD "/tasks");
	for (int i = 0; i < S1_MAX_CGROUP_FDS; i++) {
		char *more = s1_xasprintf("%s\n%s", lots, MEMORY_POD "/tasks");
		free(lots);
		lots = more;
	}
	write_record(podfd, S1_REC_APP_CGROUPS, lots);
	assert_int_equal(open_recorded(f, podfd, &c, &err), -EINVAL);
	assert_string_equal(err.msg, "app-cgroups record: too many entries");
	/* A pod without the section joins nothing. */
	write_record(podfd, S1_REC_APP_CGROUPS, NULL);
	assert_int_equal(open_recorded(f, podfd, &c, &err), 0);
	assert_int_equal(c.n_cgroup_fds, 0);
	assert_int_equal(c.cgroup2_dir, -1);
	cgroup_plan_free(&p);
}

static void test_app_file(void **state)
{
	struct fake *f = *state;
	static const char *const good[] = {
	    "/sys/fs/cgroup/memory/" POD "/tasks",
	    "/sys/fs/cgroup/unified/start/" POD "/app/cgroup.procs",
	    "/sys/fs/cgroup/" POD "/cgroup.procs",
	};
	static const char *const bad[] = {
	    "/sys/fs/cgroup/" POD "/leader/cgroup.procs", /* the leader's, not the app's */
	    "/sys/fs/cgroup/" POD "/app/memory.max",
	    "/sys/fs/cgroup/" POD "/app/cgroup.procs/",
	    "/sys/fs/cgroup/" POD "/other/cgroup.procs",
	    "/sys/fs/cgroup/cgroup.procs",
	    "/sys/fs/cgroup/memory/tasks",
	    "/sys/fs/cgroup/memory/" POD "/../tasks",
	    "/sys/fs/cgroup/memory/" POD "/./tasks",
	    "/etc/" POD "/tasks/x",
	    "tasks",
	    "",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(good); i++)
		if (!cgroupjoin_is_app_file(&f->fs, good[i]))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++)
		if (cgroupjoin_is_app_file(&f->fs, bad[i]))
			fail_msg("accepted %s", bad[i]);
	/* On the host, a directory off any cgroup file system. */
	_cleanup_free_ char *dir = real(f, "/x/" POD);
	_cleanup_free_ char *file = real(f, "/x/" POD "/tasks");
	mkdirs(dir);
	assert_true(cgroupjoin_is_app_file(&f->fs, file));
	assert_false(cgroupjoin_is_app_file(&cgroupfs_host, file));
}

/* ---- gc: the record, killing, removing ---- */

static void test_record(void **state)
{
	struct fake *f = *state;
	struct s1_cgroup_plan p;
	struct s1_err err = {0};
	plan_ok(MI_HYBRID, CG_HYBRID, &all_limits, &p);
	_cleanup_close_ int podfd = pod_dir(f);
	char **dirs = NULL;
	size_t n = 99;
	assert_int_equal(cgroup_record_read(podfd, &dirs, &n, &err), -ENOENT);
	assert_int_equal(n, 0);
	assert_int_equal(cgroup_kill_recorded(&f->fs, podfd, SIGKILL, &err), 0);
	assert_int_equal(cgroup_remove_recorded(&f->fs, podfd, &err), 0);
	/* Among the record's other sections, which the cgroup lines do not absorb. */
	struct s1_record rec = {0};
	record_add(&rec, "leader", "42 1000");
	cgroup_record_add(&rec, &p);
	record_add(&rec, "app-cgroups", "/sys/fs/cgroup/x/tasks");
	if (record_commit(podfd, &rec, &err) != 0)
		fail_msg("record: %s", err.msg);
	_cleanup_free_ char *text = get(f, "/pod/" S1_RECORD_FILE);
	assert_string_equal(text, "leader 42 1000\n"
				  "cgroups " UNIFIED_POD "\n"
				  "cgroups " MEMORY_POD "\n"
				  "cgroups " CPU_POD "\n"
				  "app-cgroups /sys/fs/cgroup/x/tasks\n");
	assert_int_equal(cgroup_record_read(podfd, &dirs, &n, &err), 0);
	assert_int_equal(n, p.n_dirs);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(dirs[i], p.dirs[i]);
	assert_null(dirs[n]);
	cgroup_record_free(dirs, n);
	/* The record's cgroups, killed and removed (none of them exists: nothing to do). */
	assert_int_equal(cgroup_kill_recorded(&f->fs, podfd, SIGKILL, &err), 0);
	assert_int_equal(cgroup_remove_recorded(&f->fs, podfd, &err), 0);
	cgroup_plan_free(&p);
}

static void test_refuses_foreign(void **state)
{
	struct fake *f = *state;
	struct s1_err err = {0};
	_cleanup_free_ char *ours = real(f, "/sys/fs/cgroup/memory/" POD);
	mkdirs(ours);
	char *bad[] = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/" POD "/other",
		       "/sys/fs/cgroup/memory/" POD "/../x/" POD, "relative/" POD};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		char *record[] = {"/sys/fs/cgroup/memory/" POD, bad[i]};
		assert_int_equal(cgroup_remove(&f->fs, record, 2, &err), -EINVAL);
		_cleanup_free_ char *msg = s1_xasprintf(
		    "cgroup record: refusing \"%s\": not a stage1-c pod cgroup", bad[i]);
		assert_string_equal(err.msg, msg);
		assert_int_equal(cgroup_kill_all(&f->fs, record, 2, SIGTERM, &err), -EINVAL);
		assert_int_equal(access(ours, F_OK), 0);
	}
	/* On the host, a directory that is not on a cgroup file system is refused. */
	char *record[] = {ours};
	assert_int_equal(cgroup_remove(&cgroupfs_host, record, 1, &err), -EINVAL);
	_cleanup_free_ char *refused =
	    s1_xasprintf("cgroup record: refusing \"%s\": not a stage1-c pod cgroup", ours);
	assert_string_equal(err.msg, refused);
	assert_int_equal(cgroup_kill_all(&cgroupfs_host, record, 1, SIGKILL, &err), -EINVAL);
	assert_int_equal(access(ours, F_OK), 0);
}

static void test_remove_missing(void **state)
{
	struct fake *f = *state;
	struct s1_err err = {0};
	char *record[] = {UNIFIED_POD, UNIFIED_POD "/leader", UNIFIED_POD "/app", PIDS_POD};
	assert_int_equal(cgroup_remove(&f->fs, record, 4, &err), 0);
	assert_int_equal(cgroup_kill_all(&f->fs, record, 4, SIGKILL, &err), 0);
	assert_int_equal(cgroup_remove(&f->fs, record, 0, &err), 0);
	assert_int_equal(f->n_log, 0);
	/* The host: a pod cgroup that is not there. */
	char *host[] = {"/sys/fs/cgroup/memory/" POD, "/sys/fs/cgroup/unified/" POD "/app"};
	assert_int_equal(cgroup_remove(&cgroupfs_host, host, 2, &err), 0);
}

static int reap(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

static void put_pid(const struct fake *f, const char *rel, pid_t pid)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	put(f, rel, buf);
}

/* The cgroups of a v2 pod whose leader moved, and a v1 one with a cgroup the app made. */
static void make_pod(struct fake *f, char **record)
{
	v2_host(f, "cpu memory\n");
	hybrid_host(f);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(f->fs.mkdir(f, record[i]), 0);
	assert_int_equal(f->fs.mkdir(f, PIDS_POD "/made-by-app"), 0);
}

static void test_kill_all(void **state)
{
	struct fake *f = *state;
	struct s1_err err = {0};
	char *record[] = {V2_POD, V2_POD "/leader", V2_POD "/app", PIDS_POD};
	make_pod(f, record);
	pid_t app = tu_spawn_sleeper(), sub = tu_spawn_sleeper(), leader = tu_spawn_sleeper();
	put_pid(f, V2_POD "/app/cgroup.procs", app);
	put_pid(f, PIDS_POD "/cgroup.procs", app);
	put_pid(f, PIDS_POD "/made-by-app/cgroup.procs", sub);
	put_pid(f, V2_POD "/leader/cgroup.procs", leader);

	assert_int_equal(cgroup_kill_all(&f->fs, record, 4, SIGTERM, &err), 0);
	assert_int_equal(reap(app), SIGTERM);
	assert_int_equal(reap(sub), SIGTERM);
	nanosleep(&(struct timespec){0, 50000000}, NULL);
	assert_int_equal(waitpid(leader, NULL, WNOHANG), 0);

	/* SIGKILL goes through cgroup.kill too, where the cgroup has one: the app leaf's, not
	 * the pod's (whose leader is left alone) nor v1's. */
	log_clear(f);
	assert_int_equal(cgroup_kill_all(&f->fs, record, 4, SIGKILL, &err), 0);
	assert_int_equal(f->n_log, 1);
	assert_string_equal(f->log[0], "write " V2_POD "/app/cgroup.kill 1");
	assert_int_equal(waitpid(leader, NULL, WNOHANG), 0);
	kill(leader, SIGKILL);
	reap(leader);

	/* A pod cgroup without an app leaf: everything in it but the leader's leaf. */
	pid_t other = tu_spawn_sleeper();
	put_pid(f, V2_POD "/cgroup.procs", other);
	char *no_app[] = {V2_POD, V2_POD "/leader"};
	assert_int_equal(cgroup_kill_all(&f->fs, no_app, 2, SIGKILL, &err), 0);
	assert_int_equal(reap(other), SIGKILL);
}

/* gc: what is in the cgroups is killed, then they go, sub-cgroups the app made included. */
static void test_remove(void **state)
{
	struct fake *f = *state;
	struct s1_err err = {0};
	char *record[] = {V2_POD, V2_POD "/leader", V2_POD "/app", PIDS_POD};
	make_pod(f, record);
	pid_t app = tu_spawn_sleeper(), sub = tu_spawn_sleeper();
	put_pid(f, V2_POD "/app/cgroup.procs", app);
	put_pid(f, PIDS_POD "/made-by-app/cgroup.procs", sub);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cgroup_remove(&f->fs, record, 4, &err) != 0)
		fail_msg("remove: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_int_equal(reap(app), SIGKILL);
	assert_int_equal(reap(sub), SIGKILL);
	for (size_t i = 0; i < S1_ARRAY_SIZE(record); i++)
		assert_false(exists(f, record[i]));
	assert_true(exists(f, "/sys/fs/cgroup/pids/cgroup.procs"));
	assert_int_equal(cgroup_remove(&f->fs, record, 4, &err), 0); /* idempotent */

	/* What cannot be killed (the caller itself) keeps its cgroup, and says so. */
	fake_clear(f);
	make_pod(f, record);
	put_pid(f, V2_POD "/app/cgroup.procs", getpid());
	assert_int_equal(cgroup_remove(&f->fs, record, 4, &err), -EBUSY);
	assert_string_equal(err.msg, "removing cgroup " V2_POD "/app (processes are still in it)"
				     ": Device or resource busy");
	assert_true(exists(f, V2_POD "/app"));
	assert_false(exists(f, PIDS_POD));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_apply_v2, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_v2_refused, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_v2_membership, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_hybrid, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_cpuset, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_undoes_at_every_step, fake_setup,
					    fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_undo_fails, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_apply_existing, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_join, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_join_recorded, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_app_file, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_record, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_foreign, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_remove_missing, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_kill_all, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_remove, fake_setup, fake_teardown),
	};
	return cmocka_run_group_tests_name("cgroup_fs", tests, NULL, NULL);
}
