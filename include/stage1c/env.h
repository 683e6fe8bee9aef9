/* The app's environment (appc ACE rules) and its on-disk form for enter. */
#ifndef STAGE1C_ENV_H
#define STAGE1C_ENV_H

#include <stddef.h>

#include "stage1c/error.h"
#include "stage1c/manifest.h"

/* Build a NULL-terminated "NAME=value" array: the manifest's variables, then the defaults
 * (PATH, SHELL, USER, LOGNAME, HOME) where unset, AC_APP_NAME, AC_METADATA_URL (when
 * metadata_url is given) and container. Nothing comes from the caller's environment. */
char **env_build(const struct s1_app *app, const char *app_name, const char *metadata_url);

/* Set name to value in *envp (built by env_build or env_parse), replacing it where set. */
void env_set(char ***envp, const char *name, const char *value);

/* The value of name in envp, or NULL. */
const char *env_get(char *const *envp, const char *name);

/* One "NAME=value" per line; a backslash or newline inside a value is written as "\\" or
 * "\n" so that every variable stays on its line. */
char *env_serialize(char *const *envp);
/* The reverse of env_serialize, into *out (NULL-terminated; env_free it). 0, or -EINVAL with
 * err naming the malformed line. */
int env_parse(const char *text, char ***out, struct s1_err *err);

void env_free(char **envp);

#endif
