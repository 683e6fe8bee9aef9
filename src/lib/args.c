/* Command-line parsing for the entrypoints, with the semantics of Go's flag package. */
#include <errno.h>
#include <string.h>

#include "stage1c/args.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

static int parse_go_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int args_parse_flags(int argc, char **argv, const struct s1_flag *flags, size_t n_flags,
		     int *first_arg, struct s1_err *err)
{
	int i = 1;
	while (i < argc) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			break; /* first positional */
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		const char *name = a + (a[1] == '-' ? 2 : 1);
		if (*name == '\0' || *name == '-' || *name == '=')
			return s1_error(err, 0, "bad flag syntax: %s", a);
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct s1_flag *f = NULL;
		for (size_t k = 0; k < n_flags; k++)
			if (strlen(flags[k].name) == nlen &&
			    strncmp(flags[k].name, name, nlen) == 0)
				f = &flags[k];
		if (!f)
			return s1_error(err, 0, "flag provided but not defined: -%.*s", (int)nlen,
					name);
		if (f->type == S1_FLAG_BOOL) {
			bool v = true;
			if (eq && parse_go_bool(eq + 1, &v) < 0)
				return s1_error(err, 0,
						"invalid boolean value \"%s\" for flag --%s",
						eq + 1, f->name);
			*(bool *)f->target = v;
			i++;
			continue;
		}
		if (eq) {
			*(const char **)f->target = eq + 1;
			i++;
		} else {
			if (i + 1 >= argc)
				return s1_error(err, 0, "flag needs an argument: --%s", f->name);
			*(const char **)f->target = argv[i + 1];
			i += 2;
		}
	}
	*first_arg = i;
	return 0;
}

int args_parse_dns_conf_mode(const char *value, enum s1_dns_resolv *resolv,
			     enum s1_dns_hosts *hosts, struct s1_err *err)
{
	static const char *const resolv_names[] = {"default", "host", "stage0", "none"};
	static const char *const hosts_names[] = {"default", "host", "stage0"};
	*resolv = S1_RESOLV_DEFAULT;
	*hosts = S1_HOSTS_DEFAULT;
	_cleanup_free_ char *copy = s1_xstrdup(value);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return s1_error(err, 0, "--dns-conf-mode: \"%s\" is not key=value", tok);
		*eq = '\0';
		const char *v = eq + 1;
		bool found = false;
		if (strcmp(tok, "resolv") == 0) {
			for (size_t k = 0; k < S1_ARRAY_SIZE(resolv_names); k++)
				if (strcmp(v, resolv_names[k]) == 0) {
					*resolv = (enum s1_dns_resolv)k;
					found = true;
				}
		} else if (strcmp(tok, "hosts") == 0) {
			for (size_t k = 0; k < S1_ARRAY_SIZE(hosts_names); k++)
				if (strcmp(v, hosts_names[k]) == 0) {
					*hosts = (enum s1_dns_hosts)k;
					found = true;
				}
		} else {
			return s1_error(err, 0, "--dns-conf-mode: unknown key \"%s\"", tok);
		}
		if (!found)
			return s1_error(err, 0, "--dns-conf-mode: invalid value \"%s\" for %s", v,
					tok);
	}
	return 0;
}

const char args_run_usage[] =
    "Usage: run [flags] UUID\n"
    "Start the pod UUID (the working directory is its pod directory), as rkt's stage0 does.\n"
    "\n"
    "  --debug                             print diagnostics on stderr\n"
    "  --net=default|host                  the app shares the host's network either way\n"
    "  --interactive                       accepted: stdin is always passed to the app\n"
    "  --local-config=DIR                  accepted and unused\n"
    "  --mds-token=TOKEN                   accepted; no metadata service is registered\n"
    "  --hostname=NAME                     ignored with a warning: the host's UTS is shared\n"
    "  --dns-conf-mode=resolv=R,hosts=H    R: host|stage0|none|default, H: host|stage0|default\n"
    "  --disable-capabilities-restriction  the app keeps the caller's capabilities\n"
    "  --disable-paths                     no read-only /sys and /proc/sys, no masked /proc "
    "files\n"
    "  --disable-seccomp                   no system call filter: neither the app's seccomp\n"
    "                                      isolator nor the default (@rkt/default-whitelist)\n"
    "  --ipc=auto|parent                   the host's IPC namespace is shared\n"
    "Refused (a chroot flavor cannot honour them): --private-users, --net other than\n"
    "default or host, --ipc=private, --mutable.\n";

int args_parse_run(int argc, char **argv, struct s1_run_args *args, struct s1_err *err)
{
	const char *private_users = NULL, *dns = NULL, *ipc = NULL;
	bool mutable_pod = false;
	memset(args, 0, sizeof(*args));
	const struct s1_flag flags[] = {
	    {"help", S1_FLAG_BOOL, &args->help},
	    {"h", S1_FLAG_BOOL, &args->help},
	    {"debug", S1_FLAG_BOOL, &args->debug},
	    {"interactive", S1_FLAG_BOOL, &args->interactive},
	    {"disable-capabilities-restriction", S1_FLAG_BOOL, &args->disable_capabilities},
	    {"disable-paths", S1_FLAG_BOOL, &args->disable_paths},
	    {"disable-seccomp", S1_FLAG_BOOL, &args->disable_seccomp},
	    {"mutable", S1_FLAG_BOOL, &mutable_pod},
	    {"net", S1_FLAG_STRING, &args->net},
	    {"private-users", S1_FLAG_STRING, &private_users},
	    {"mds-token", S1_FLAG_STRING, &args->mds_token},
	    {"local-config", S1_FLAG_STRING, &args->local_config},
	    {"hostname", S1_FLAG_STRING, &args->hostname},
	    {"dns-conf-mode", S1_FLAG_STRING, &dns},
	    {"ipc", S1_FLAG_STRING, &ipc},
	};
	int first = 0, r;
	if ((r = args_parse_flags(argc, argv, flags, S1_ARRAY_SIZE(flags), &first, err)) < 0)
		return r;
	if (args->help)
		return 0;

	if (private_users && *private_users)
		return s1_error(err, 0,
				"--private-users=%s: user namespaces are not supported by a fly "
				"pod, which shares the host's",
				private_users);
	if (mutable_pod)
		return s1_error(err, 0, "--mutable: mutable pods are not supported");
	if (args->net && strcmp(args->net, "default") != 0 && strcmp(args->net, "host") != 0)
		return s1_error(err, 0,
				"--net=%s: a fly pod shares the host's network; only --net=host "
				"(or default) is supported",
				args->net);
	if (ipc) {
		if (strcmp(ipc, "private") == 0)
			return s1_error(err, 0,
					"--ipc=private: a fly pod shares the host's IPC "
					"namespace");
		if (strcmp(ipc, "auto") == 0)
			args->ipc = S1_IPC_AUTO;
		else if (strcmp(ipc, "parent") == 0)
			args->ipc = S1_IPC_PARENT;
		else
			return s1_error(err, 0, "--ipc=%s: expected auto, private or parent", ipc);
	}
	if (dns && (r = args_parse_dns_conf_mode(dns, &args->resolv, &args->hosts, err)) < 0)
		return r;

	return args_parse_pod_uuid(argc, argv, first, &args->uuid, err);
}

int args_parse_pod_uuid(int argc, char **argv, int first, const char **uuid, struct s1_err *err)
{
	if (first >= argc)
		return s1_error(err, 0, "missing pod UUID");
	if (first + 1 < argc)
		return s1_error(err, 0, "unexpected argument \"%s\" after the pod UUID",
				argv[first + 1]);
	if (!names_is_uuid(argv[first]))
		return s1_error(err, 0, "\"%s\" is not a pod UUID", argv[first]);
	*uuid = argv[first];
	return 0;
}
