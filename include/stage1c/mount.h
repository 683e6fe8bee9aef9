/* Applying a mount plan to the app's rootfs, and undoing it (mount.c); gc's detaching of what
 * run left (mountgc.c). */
#ifndef STAGE1C_MOUNT_H
#define STAGE1C_MOUNT_H

#include <stdbool.h>

#include "stage1c/error.h"
#include "stage1c/mountplan.h"
#include "stage1c/record.h"

/* Bind the app's rootfs (pod-relative path) onto itself as a private mount, so that every
 * mount made for the app hangs below one mount that is ours and propagates nowhere. Returns
 * an O_PATH fd of that mount's root or <0 with err set. The base mount is recorded (and the
 * record written) first: a failure after the bind undoes it the way gc would. */
int mount_root_setup(int podfd, const char *rootfs_rel, struct s1_err *err);

/* Apply the plan below rootfd (as returned by mount_root_setup). podfd anchors pod-relative
 * sources. On error some entries may be applied: mount_root_teardown undoes them all. */
int mount_apply_plan(int podfd, int rootfd, const struct s1_mount_plan *plan, struct s1_err *err);

/* Detach the root mount made by mount_root_setup (or any mount tree whose root is rootfd), with
 * everything below it, made private first: the unmount of a copy of a shared host mount (a
 * recursive bind's submount) must not propagate to the host's own. */
int mount_root_teardown(int rootfd);

/* The "mounts" section: an app's rootfs (pod-relative), on which run binds the rootfs onto
 * itself and builds the app's root below; a line per app. */
void mount_record_add(struct s1_record *rec, const char *rootfs_rel);

/* Detach every bind of a recorded rootfs onto itself (run's) with all below it, lazily (a busy
 * volume does not block), recognised by device and root in this namespace's mount table, never by a
 * mount ID; anything else on the rootfs is left alone. Idempotent; nothing to do is 0. */
int mount_gc(int podfd, struct s1_err *err);

/* Make the mount whose root is fd read-only, with all its submounts when recursive; the
 * mount's other flags (nosuid, nodev, noexec) are kept. */
int mount_make_readonly(int fd, bool recursive);

#endif
