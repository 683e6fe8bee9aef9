/* stage1-c's record of a pod: what stop, gc and enter need to know of what run made, in one
 * file of the pod directory (S1_RECORD_FILE), written once by run before it makes anything gc
 * must undo (creating a file costs more than all the rest of it), read by the others. This
 * module owns the file: its sections, its layout, its locks. What a section's lines say belongs
 * to the module that writes them (user.c the ids, confine.c the confinement, ...).
 *
 * Layout: one line per entry, "SECTION PAYLOAD". The pod's sections come first (leader,
 * mounts, cgroups); then each app's, in the pod manifest's order, after a line "app NAME"
 * (ids, confine, seccomp, app-cgroups). A payload never holds a newline: each writer checks its
 * data (names are ACNames, paths are checked for newlines when planned). docs/interface.md §5. */
#ifndef STAGE1C_RECORD_H
#define STAGE1C_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "stage1c/error.h"

#define S1_RECORD_FILE "stage1-c.record"

/* The pod's sections. */
#define S1_REC_LEADER "leader"	 /* "PID STARTTIME" of the pod leader (podstate.h) */
#define S1_REC_MOUNTS "mounts"	 /* a line per app: its rootfs, relative to the pod (mount.h) */
#define S1_REC_CGROUPS "cgroups" /* a line per cgroup directory run made (cgroupgc.h) */
/* An app's sections, after its "app NAME" line. */
#define S1_REC_APP "app"
#define S1_REC_IDS "ids"		 /* its uid, gid and groups (user.h) */
#define S1_REC_CONFINE "confine"	 /* its capabilities, OOM score (confine.h) */
#define S1_REC_SECCOMP "seccomp"	 /* its seccomp filter (confine.h) */
#define S1_REC_APP_CGROUPS "app-cgroups" /* the files it joins its cgroups through */
#define S1_REC_WORKDIR "workdir" /* its working directory in its root (enter reads no manifest) */

struct s1_record {
	char *text;
	size_t len;
};

/* Append payload (one or more lines) as section. */
void record_add(struct s1_record *rec, const char *section, const char *payload);
/* Start app's sections: what is added after belongs to it. */
void record_add_app(struct s1_record *rec, const char *app);
/* Write the record atomically (a reader finds none or all of it); rec is freed either way.
 * record_commit_open returns the record open read-write (what record_lock_open gives), or
 * -errno. */
int record_commit(int podfd, struct s1_record *rec, struct s1_err *err);
int record_commit_open(int podfd, struct s1_record *rec, struct s1_err *err);
void record_free(struct s1_record *rec);

/* Read the pod's record into rec: 0, -ENOENT (none) or -errno. */
int record_load(int podfd, struct s1_record *rec);
/* The payload lines of section, each ending in "\n": those of app's part where app is given,
 * else every one in the file. 0, or -ENOENT when there is none. */
int record_get(const struct s1_record *rec, const char *section, const char *app, char **payload);
/* record_load and record_get in one, for a reader of one section. */
int record_read(int podfd, const char *section, const char *app, char **payload);
/* The apps that have a part, in order: a NULL-terminated array (*n entries), to free with
 * record_apps_free. */
char **record_apps(const struct s1_record *rec, size_t *n);
void record_apps_free(char **apps);

/* The record's per-app locks, one byte of the file per app (open file description locks):
 * stop --force takes app i's exclusive, without waiting, while it kills that app's processes;
 * the leader takes it shared, waiting, once app i has exited, and holds it until the pod ends
 * (sweeping every app's cgroups last). A stop --force that finds it held has nothing of that
 * app left to kill (its post-stop handler runs in its cgroups). record_lock_open gives
 * the file to lock (an fd to close, or -errno: -ENOENT without a record); record_lock_app
 * returns 0 or -errno (-EWOULDBLOCK: held, when not waiting). Closing the fd drops its locks. */
int record_lock_open(int podfd);
int record_lock_app(int fd, size_t app_index, bool exclusive, bool wait);

#endif
