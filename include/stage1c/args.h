/* Go-style flag parsing for the entrypoints, and the meaning of run's flags. */
#ifndef STAGE1C_ARGS_H
#define STAGE1C_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "stage1c/error.h"

enum s1_flag_type { S1_FLAG_BOOL, S1_FLAG_STRING };

struct s1_flag {
	const char *name; /* without dashes */
	enum s1_flag_type type;
	void *target; /* bool * or const char ** (points into argv) */
};

/* Parse flags as Go's flag package does: "-f" or "--f"; valued flags as "--f=v" or "--f v";
 * booleans as "--f" or "--f=true|false" (never a separate word); parsing stops at the first
 * non-flag argument or after "--". *first_arg gets the index of the first positional. */
int args_parse_flags(int argc, char **argv, const struct s1_flag *flags, size_t n_flags,
		     int *first_arg, struct s1_err *err);

/* The one positional argument of run, stop and gc after their flags (argv[first]): a pod UUID,
 * with nothing after it. */
int args_parse_pod_uuid(int argc, char **argv, int first, const char **uuid, struct s1_err *err);

enum s1_dns_resolv { S1_RESOLV_DEFAULT, S1_RESOLV_HOST, S1_RESOLV_STAGE0, S1_RESOLV_NONE };
enum s1_dns_hosts { S1_HOSTS_DEFAULT, S1_HOSTS_HOST, S1_HOSTS_STAGE0 };
enum s1_ipc { S1_IPC_AUTO, S1_IPC_PARENT };

struct s1_run_args {
	bool help;
	bool debug;
	bool interactive;
	bool disable_capabilities;
	bool disable_paths;
	bool disable_seccomp;
	const char *net;
	const char *mds_token;
	const char *local_config;
	const char *hostname;
	enum s1_dns_resolv resolv;
	enum s1_dns_hosts hosts;
	enum s1_ipc ipc;
	const char *uuid;
};

/* Parse and check run's argv (docs/interface.md §3). Flags a chroot flavor cannot honour are
 * errors. */
int args_parse_run(int argc, char **argv, struct s1_run_args *args, struct s1_err *err);

/* Parse a --dns-conf-mode value ("resolv=host,hosts=stage0"). */
int args_parse_dns_conf_mode(const char *value, enum s1_dns_resolv *resolv,
			     enum s1_dns_hosts *hosts, struct s1_err *err);

extern const char args_run_usage[];

#endif
