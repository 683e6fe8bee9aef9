/* A cgroup plan carried out through a file-system table (the host's, or a test's), and undone. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stage1c/cgroupapply.h"
#include "stage1c/util.h"

#define CGROUP_FILE_MAX (1u << 16)

static int not_available(const struct s1_cgroup_op *op, struct s1_err *err)
{
	return s1_error(err, 0,
			"%s: controller %s is not available in %s (cgroup.controllers); it must "
			"be enabled in the cgroup.subtree_control of the cgroups above",
			op->what, op->value, op->path);
}

/* REQUIRE: is the controller one of the words of the cgroup's cgroup.controllers? */
static int require(const struct s1_cgroup_fs *fs, const struct s1_cgroup_op *op, struct s1_err *err)
{
	_cleanup_free_ char *f = s1_xasprintf("%s/cgroup.controllers", op->path);
	_cleanup_free_ char *text = NULL;
	int r = fs->read(fs->ctx, f, CGROUP_FILE_MAX, &text);
	if (r < 0)
		return s1_error(err, r, "%s: reading %s", op->what, f);
	char *save = NULL;
	for (char *w = strtok_r(text, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (strcmp(w, op->value) == 0)
			return 0;
	return not_available(op, err);
}

static int make_dir(const struct s1_cgroup_fs *fs, const struct s1_cgroup_op *op,
		    struct s1_err *err)
{
	int r = fs->mkdir(fs->ctx, op->path);
	if (r == -EEXIST) {
		/* The name is the pod's own: a second attempt of the same pod. A directory it must
		 * be, not a symlink to one. */
		int fd = fs->open(fs->ctx, op->path, O_PATH | O_DIRECTORY);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		r = -ENOTDIR;
	}
	return r < 0 ? s1_error(err, r, "%s %s", op->what, op->path) : 0;
}

/* COPY: the first line of the file value into path (nothing to copy: nothing written). */
static int copy_file(const struct s1_cgroup_fs *fs, const struct s1_cgroup_op *op,
		     struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r = fs->read(fs->ctx, op->value, CGROUP_FILE_MAX, &text);
	if (r < 0)
		return s1_error(err, r, "%s: reading %s", op->what, op->value);
	text[strcspn(text, "\n")] = '\0';
	if (*text && (r = fs->write(fs->ctx, op->path, text)) < 0)
		return s1_error(err, r, "%s: writing \"%s\" to %s", op->what, text, op->path);
	return 0;
}

static int enable(const struct s1_cgroup_fs *fs, const struct s1_cgroup_op *op, struct s1_err *err)
{
	_cleanup_free_ char *f = s1_xasprintf("%s/cgroup.subtree_control", op->path);
	_cleanup_free_ char *v = s1_xasprintf("+%s", op->value);
	int r = fs->write(fs->ctx, f, v);
	if (r == -ENOENT)
		return not_available(op, err);
	if (r == -EBUSY)
		return s1_error(err, r,
				"%s: cannot enable controller %s in %s (cgroup.subtree_control): "
				"the cgroup holds processes besides rkt; start rkt in a cgroup of "
				"its own (e.g. a systemd unit with Delegate=yes)",
				op->what, op->value, op->path);
	return r < 0 ? s1_error(err, r, "%s: enabling controller %s in %s", op->what, op->value, f)
		     : 0;
}

static int do_op(const struct s1_cgroup_fs *fs, const struct s1_cgroup_op *op, struct s1_err *err)
{
	int r;
	switch (op->type) {
	case S1_CGROUP_REQUIRE:
		return require(fs, op, err);
	case S1_CGROUP_MKDIR:
		return make_dir(fs, op, err);
	case S1_CGROUP_COPY:
		return copy_file(fs, op, err);
	case S1_CGROUP_JOIN:
		if ((r = fs->write(fs->ctx, op->path, "0")) < 0)
			return s1_error(err, r, "%s into %s", op->what, op->path);
		return 0;
	case S1_CGROUP_ENABLE:
		return enable(fs, op, err);
	case S1_CGROUP_WRITE:
		if ((r = fs->write(fs->ctx, op->path, op->value)) < 0)
			return s1_error(err, r, "%s: writing \"%s\" to %s", op->what, op->value,
					op->path);
		return 0;
	}
	return s1_error(err, 0, "unknown cgroup operation %d", (int)op->type);
}

/* Undo ops[0..n) in reverse: the leader goes back and, with dirs, the directories go (a
 * missing one is fine). Controllers enabled stay enabled (others may rely on them by now).
 * Carries on past errors; the first one is returned. */
static int undo_ops(const struct s1_cgroup_fs *fs, const struct s1_cgroup_plan *plan, size_t n,
		    bool dirs, struct s1_err *err)
{
	int first = 0;
	while (n-- > 0) {
		const struct s1_cgroup_op *op = &plan->ops[n];
		int r = 0;
		if (op->type == S1_CGROUP_JOIN) {
			if ((r = fs->write(fs->ctx, op->value, "0")) < 0)
				r = s1_error(first ? NULL : err, r,
					     "moving the pod leader back into %s", op->value);
		} else if (op->type == S1_CGROUP_MKDIR && dirs) {
			r = fs->rmdir(fs->ctx, op->path);
			if (r < 0 && r != -ENOENT)
				r = s1_error(first ? NULL : err, r, "removing cgroup %s", op->path);
			else
				r = 0;
		}
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

int cgroup_plan_apply(const struct s1_cgroup_fs *fs, const struct s1_cgroup_plan *plan,
		      struct s1_err *err)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		int r = do_op(fs, &plan->ops[i], err);
		if (r < 0) {
			struct s1_err uerr = {0};
			if (undo_ops(fs, plan, i, true, &uerr) < 0 && err) {
				size_t l = strlen(err->msg);
				snprintf(err->msg + l, sizeof(err->msg) - l, " (then undoing: %s)",
					 uerr.msg);
			}
			return r;
		}
	}
	return 0;
}

int cgroup_plan_leave(const struct s1_cgroup_fs *fs, const struct s1_cgroup_plan *plan,
		      struct s1_err *err)
{
	return undo_ops(fs, plan, plan->n_ops, false, err);
}
