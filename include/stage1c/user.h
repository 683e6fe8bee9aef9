/* The app's user and groups, resolved inside its own rootfs (never the host's NSS). */
#ifndef STAGE1C_USER_H
#define STAGE1C_USER_H

#include <stddef.h>
#include <sys/types.h>

#include "stage1c/error.h"
#include "stage1c/manifest.h"
#include "stage1c/record.h"

struct s1_ids {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* primary gid first, then the supplementary ones, without repeats */
	size_t n_groups;
};

/* user: a number, "/path" (owner of that file inside the root) or a name from the root's
 * /etc/passwd; "root" works without the file. */
int user_lookup_uid(int rootfd, const char *user, uid_t *uid, struct s1_err *err);
/* group: the same with /etc/group. */
int user_lookup_gid(int rootfd, const char *group, gid_t *gid, struct s1_err *err);

/* The id (third field) of name's entry in the text of a passwd- or group-style file: 0,
 * -ENOENT, or -EINVAL when that entry's id is not a number. */
int user_db_find(const char *text, size_t len, const char *name, unsigned *id);

int user_resolve(int rootfd, const struct s1_app *app, struct s1_ids *ids, struct s1_err *err);
void user_ids_free(struct s1_ids *ids);

/* run records the ids it gave the app (the "ids" section), and enter uses that record rather
 * than the app's /etc/passwd and /etc/group, which the app may have rewritten since. */
void user_record_add(struct s1_record *rec, const struct s1_ids *ids);
int user_record_read(const struct s1_record *rec, const char *app, struct s1_ids *ids,
		     struct s1_err *err);

#endif
