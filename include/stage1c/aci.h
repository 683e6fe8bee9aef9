/* The stage1 image (appc ACI): manifest validation, reproducible packing, reading and checking. */
#ifndef STAGE1C_ACI_H
#define STAGE1C_ACI_H

#include <stddef.h>
#include <stdio.h>

#include "stage1c/error.h"

struct json_t;

/* Entry mtime when SOURCE_DATE_EPOCH is not set: 2020-01-01T00:00:00Z. */
#define ACI_DEFAULT_MTIME 1577836800LL
/* The largest mtime a plain ustar header holds (11 octal digits). */
#define ACI_MAX_MTIME 077777777777LL
/* "sha512-" + 128 hex digits + NUL */
#define ACI_ID_SIZE (7 + 128 + 1)
/* Manifests larger than this are refused. */
#define ACI_MANIFEST_MAX (1024 * 1024)

/* Annotation prefix of rkt's stage1 entrypoints (".../run", ".../app/add", ...). */
#define ACI_STAGE1_PREFIX "coreos.com/rkt/stage1/"
#define ACI_STAGE1_INTERFACE_VERSION ACI_STAGE1_PREFIX "interface-version"

/* A validated ImageManifest. */
struct aci_manifest {
	struct json_t *json;
	/* Entrypoint annotations: name and absolute path inside rootfs, borrowed from json. */
	const char **ep_names;
	const char **ep_paths;
	size_t n_entrypoints;
};

/* Parse text as an appc 0.8.11 ImageManifest and validate it as actool does (acKind,
 * acVersion a semver, name an ACIdentifier, labels and annotations with ACIdentifier names,
 * no duplicates, a known os/arch pair) and, for the stage1 annotations, entrypoint values
 * that are clean absolute paths and an integer interface-version. */
int aci_manifest_parse(const char *text, size_t len, struct aci_manifest *m, struct s1_err *err);
void aci_manifest_free(struct aci_manifest *m);

/* Check that fd (a regular file) is an ELF executable without an interpreter (static,
 * static-pie included). */
int aci_elf_check_static(int fd, struct s1_err *err);

/* Check an archive member name against the ACI layout: "manifest", "rootfs" or below it,
 * optionally "./"-prefixed; never absolute, never with "." or ".." components. On success
 * *clean points into name past any "./" and without a trailing slash (len in *clean_len). */
int aci_layout_path_check(const char *name, const char **clean, size_t *clean_len,
			  struct s1_err *err);

/* Parse a SOURCE_DATE_EPOCH value (NULL or empty: ACI_DEFAULT_MTIME). */
int aci_mtime_parse(const char *sde, long long *mtime, struct s1_err *err);

struct aci_build_opts {
	const char *manifest_path;
	const char *rootfs_path;
	const char *output_path;
	long long mtime;
};

/* Write a gzip-compressed ACI from a manifest file and a rootfs tree: entries in name order,
 * owned by root:root, directories 0755, files 0755 or 0644 (by the owner's execute bit),
 * symlinks 0777, every mtime the same, a gzip header without name or timestamp. Validates
 * the manifest and every entrypoint (an executable, static ELF file reached without symlinks)
 * before writing; writes to a temporary file renamed over output_path on success only.
 * id (ACI_ID_SIZE bytes, may be NULL) receives the image ID. */
int aci_build(const struct aci_build_opts *o, char *id, struct s1_err *err);

/* The image ID of an ACI (any compression): sha512 of the uncompressed tar. */
int aci_image_id(const char *path, char *id, struct s1_err *err);

/* Check an existing ACI: layout (manifest and rootfs only, safe paths, no duplicates), manifest
 * valid, each entrypoint an executable file in the image. */
int aci_check(const char *path, struct s1_err *err);

/* Print one line per archive entry: mode, owner, size, name (and link target). */
int aci_list(const char *path, FILE *out, struct s1_err *err);

#endif
