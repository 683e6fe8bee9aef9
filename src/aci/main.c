/* acipack: build, check, list and identify stage1 ACIs (a build-host tool, not in the image). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage1c/aci.h"

#define EXIT_FAIL 254

static const char usage_text[] =
    "Usage: acipack build --manifest FILE --rootfs DIR -o OUT.aci [--print-id]\n"
    "       acipack check FILE.aci\n"
    "       acipack list FILE.aci\n"
    "       acipack id FILE.aci\n"
    "       acipack --help | --version\n"
    "\n"
    "  build  write a gzip-compressed ACI from an image manifest and a rootfs tree,\n"
    "         reproducibly: entries in name order, owner root:root, directories 0755,\n"
    "         files 0755 or 0644, every mtime $SOURCE_DATE_EPOCH (default 1577836800),\n"
    "         no gzip timestamp. Refuses an invalid ImageManifest and any stage1\n"
    "         entrypoint (coreos.com/rkt/stage1/* annotation) that is missing, not\n"
    "         executable or not a static ELF. --print-id prints the image ID.\n"
    "  check  validate an ACI: only manifest and rootfs/ at the top, no absolute or\n"
    "         \"..\" paths, no duplicates, a valid manifest, entrypoints present.\n"
    "  list   print the entries of an ACI.\n"
    "  id     print the image ID: \"sha512-\" and the sha512 of the uncompressed tar.\n"
    "\n"
    "Exit status: 0 on success, 254 on any error (one line on stderr).\n";

static int fail(const char *msg)
{
	fprintf(stderr, "acipack: %s\n", msg);
	return EXIT_FAIL;
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "acipack: %s%s (see acipack --help)\n", what, arg ? arg : "");
	return EXIT_FAIL;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"manifest", required_argument, NULL, 'm'},
	    {"rootfs", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"print-id", no_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	struct aci_build_opts o = {0};
	bool print_id = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.manifest_path = optarg;
			break;
		case 'r':
			o.rootfs_path = optarg;
			break;
		case 'o':
			o.output_path = optarg;
			break;
		case 'p':
			print_id = true;
			break;
		case ':':
			return usage_error("build: missing value for ", argv[optind - 1]);
		default:
			return usage_error("build: unknown option ", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("build: unexpected argument ", argv[optind]);
	if (!o.manifest_path || !o.rootfs_path || !o.output_path)
		return usage_error("build: --manifest, --rootfs and -o are required", NULL);

	struct s1_err err = {0};
	char id[ACI_ID_SIZE];
	if (aci_mtime_parse(getenv("SOURCE_DATE_EPOCH"), &o.mtime, &err) < 0 ||
	    aci_build(&o, id, &err) < 0)
		return fail(err.msg);
	if (print_id)
		printf("%s\n", id);
	return fflush(stdout) == 0 ? 0 : fail("can't write to stdout");
}

static int cmd_file(const char *cmd, int argc, char **argv)
{
	if (argc != 2)
		return usage_error(cmd, ": expects one FILE.aci");
	const char *path = argv[1];
	struct s1_err err = {0};
	char id[ACI_ID_SIZE];
	int r;
	if (strcmp(cmd, "check") == 0)
		r = aci_check(path, &err);
	else if (strcmp(cmd, "list") == 0)
		r = aci_list(path, stdout, &err);
	else {
		r = aci_image_id(path, id, &err);
		if (r == 0)
			printf("%s\n", id);
	}
	if (r < 0)
		return fail(err.msg);
	return fflush(stdout) == 0 ? 0 : fail("can't write to stdout");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("missing command", NULL);
	const char *cmd = argv[1];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("acipack %s\n", STAGE1C_VERSION);
		return 0;
	}
	if (strcmp(cmd, "build") == 0)
		return cmd_build(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0 || strcmp(cmd, "list") == 0 || strcmp(cmd, "id") == 0)
		return cmd_file(cmd, argc - 1, argv + 1);
	return usage_error("unknown command ", cmd);
}
