/* Composition of the app's environment and the rkt/env/$APP file format. */
#include <errno.h>
#include <string.h>

#include "stage1c/env.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

static const char *const env_defaults[][2] = {
    {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
    {"SHELL", "/bin/sh"},
    {"USER", "root"},
    {"LOGNAME", "root"},
    {"HOME", "/root"},
};

const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Remove every name= entry of envp (n entries); returns the new count. */
static size_t env_unset(char **envp, size_t n, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < n;) {
		if (strncmp(envp[i], name, nl) == 0 && envp[i][nl] == '=') {
			free(envp[i]);
			envp[i] = envp[--n];
			envp[n] = NULL;
		} else {
			i++;
		}
	}
	return n;
}

char **env_build(const struct s1_app *app, const char *app_name, const char *metadata_url)
{
	size_t cap = app->n_environment + S1_ARRAY_SIZE(env_defaults) + 4, n = 0;
	char **envp = s1_xcalloc(cap, sizeof(char *));
	for (size_t i = 0; i < app->n_environment; i++)
		envp[n++] =
		    s1_xasprintf("%s=%s", app->environment[i].name, app->environment[i].value);
	for (size_t i = 0; i < S1_ARRAY_SIZE(env_defaults); i++)
		if (!env_get(envp, env_defaults[i][0]))
			envp[n++] = s1_xasprintf("%s=%s", env_defaults[i][0], env_defaults[i][1]);
	/* The ACE sets these; the app's own values must not lie about its name or its metadata. */
	n = env_unset(envp, n, "AC_APP_NAME");
	n = env_unset(envp, n, "AC_METADATA_URL");
	envp[n++] = s1_xasprintf("AC_APP_NAME=%s", app_name);
	if (metadata_url)
		envp[n++] = s1_xasprintf("AC_METADATA_URL=%s", metadata_url);
	if (!env_get(envp, "container"))
		envp[n++] = s1_xstrdup("container=rkt");
	envp[n] = NULL;
	return envp;
}

void env_set(char ***envp, const char *name, const char *value)
{
	size_t n = 0;
	while ((*envp)[n])
		n++;
	n = env_unset(*envp, n, name);
	*envp = s1_xrealloc(*envp, (n + 2) * sizeof(char *));
	(*envp)[n++] = s1_xasprintf("%s=%s", name, value);
	(*envp)[n] = NULL;
}

char *env_serialize(char *const *envp)
{
	size_t len = 1;
	for (char *const *e = envp; *e; e++)
		len += 2 * strlen(*e) + 1;
	char *out = s1_xmalloc(len), *p = out;
	for (char *const *e = envp; *e; e++) {
		for (const char *c = *e; *c; c++) {
			if (*c == '\\' || *c == '\n') {
				*p++ = '\\';
				*p++ = *c == '\n' ? 'n' : '\\';
			} else {
				*p++ = *c;
			}
		}
		*p++ = '\n';
	}
	*p = '\0';
	return out;
}

int env_parse(const char *text, char ***out, struct s1_err *err)
{
	*out = NULL;
	size_t lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	char **envp = s1_xcalloc(lines + 2, sizeof(char *));
	size_t n = 0, lineno = 0;
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		lineno++;
		char *v = s1_xmalloc(len + 1), *o = v;
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '\\' && i + 1 < len && (p[i + 1] == 'n' || p[i + 1] == '\\')) {
				*o++ = p[i + 1] == 'n' ? '\n' : '\\';
				i++;
			} else {
				*o++ = p[i];
			}
		}
		*o = '\0';
		char *eq = strchr(v, '=');
		if (eq)
			*eq = '\0';
		bool ok = eq && names_is_env_name(v);
		if (eq)
			*eq = '=';
		if (!ok) {
			free(v);
			env_free(envp);
			return s1_error(err, 0, "line %zu: not NAME=value", lineno);
		}
		envp[n++] = v;
		p += len + (end ? 1 : 0);
	}
	*out = envp;
	return 0;
}

void env_free(char **envp)
{
	if (!envp)
		return;
	for (char **e = envp; *e; e++)
		free(*e);
	free(envp);
}
