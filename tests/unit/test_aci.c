/* Unit tests of the ACI packer: manifest validation, ELF checks, layout paths, build and check. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage1c/aci.h"
#include "stage1c/util.h"
#include "testutil.h"

#define STAGE1_MANIFEST                                                                            \
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.org/"           \
	"stage1-c\","                                                                              \
	"\"labels\":[{\"name\":\"version\",\"value\":\"0.1.0\"},"                                  \
	"{\"name\":\"arch\",\"value\":\"amd64\"},{\"name\":\"os\",\"value\":\"linux\"}],"          \
	"\"annotations\":[{\"name\":\"coreos.com/rkt/stage1/run\",\"value\":\"/run\"},"            \
	"{\"name\":\"coreos.com/rkt/stage1/enter\",\"value\":\"/enter\"},"                         \
	"{\"name\":\"coreos.com/rkt/stage1/gc\",\"value\":\"/gc\"},"                               \
	"{\"name\":\"coreos.com/rkt/stage1/stop\",\"value\":\"/stop\"},"                           \
	"{\"name\":\"coreos.com/rkt/stage1/interface-version\",\"value\":\"5\"}]}"

#define IM_HEAD "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.org/x\""

/* ---- helpers ----------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_in(const char *dir, const char *name)
{
	return s1_xasprintf("%s/%s", dir, name);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *p = path_in(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(s1_write_all(fd, data, len), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *read_whole(const char *path, size_t *len)
{
	char *buf = NULL;
	assert_int_equal(s1_read_file_at(AT_FDCWD, path, 64 << 20, &buf, len), 0);
	return buf;
}

static void put(unsigned char *b, size_t off, size_t size, uint64_t v, bool msb)
{
	for (size_t i = 0; i < size; i++)
		b[off + (msb ? size - 1 - i : i)] = (unsigned char)(v >> (8 * i));
}

#define PUT(b, type, field, v, msb)                                                                \
	put(b, offsetof(type, field), sizeof(((type *)0)->field), v, msb)

/* A minimal ELF: header and two program headers (PT_LOAD, then PT_INTERP or PT_NOTE). */
static size_t make_elf(unsigned char *b, bool is64, bool msb, unsigned type, bool interp)
{
	size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	memset(b, 0, ehsize + 2 * phsize);
	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	b[EI_DATA] = msb ? ELFDATA2MSB : ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	if (is64) {
		PUT(b, Elf64_Ehdr, e_type, type, msb);
		PUT(b, Elf64_Ehdr, e_phoff, ehsize, msb);
		PUT(b, Elf64_Ehdr, e_phentsize, phsize, msb);
		PUT(b, Elf64_Ehdr, e_phnum, 2, msb);
	} else {
		PUT(b, Elf32_Ehdr, e_type, type, msb);
		PUT(b, Elf32_Ehdr, e_phoff, ehsize, msb);
		PUT(b, Elf32_Ehdr, e_phentsize, phsize, msb);
		PUT(b, Elf32_Ehdr, e_phnum, 2, msb);
	}
	put(b, ehsize, 4, PT_LOAD, msb);
	put(b, ehsize + phsize, 4, interp ? PT_INTERP : PT_NOTE, msb);
	return ehsize + 2 * phsize;
}

static int elf_check_bytes(const void *data, size_t len, struct s1_err *err)
{
	_cleanup_close_ int fd = memfd_create("elf", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(s1_write_all(fd, data, len), 0);
	return aci_elf_check_static(fd, err);
}

/* A stage1 layout in a fresh temporary directory: manifest, rootfs with static entrypoints. */
struct fixture {
	char dir[64];
	char *manifest;
	char *rootfs;
	char *out;
};

static void fixture_entrypoint(struct fixture *f, const char *name, mode_t mode, bool interp)
{
	unsigned char elf[256];
	size_t len = make_elf(elf, true, false, ET_EXEC, interp);
	write_file(f->rootfs, name, elf, len, mode);
}

static int fixture_setup(void **state)
{
	struct fixture *f = s1_xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/test_aci.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->manifest = path_in(f->dir, "manifest.json");
	f->rootfs = path_in(f->dir, "rootfs");
	f->out = path_in(f->dir, "out.aci");
	write_file(f->dir, "manifest.json", STAGE1_MANIFEST, strlen(STAGE1_MANIFEST), 0644);
	assert_int_equal(mkdir(f->rootfs, 0755), 0);
	static const char *const eps[] = {"run", "enter", "gc", "stop"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(eps); i++)
		fixture_entrypoint(f, eps[i], 0700, false);
	_cleanup_free_ char *flavor = path_in(f->rootfs, "flavor");
	assert_int_equal(symlink("fly", flavor), 0);
	static const char *const dirs[] = {"rkt", "rkt/status", "rkt/env", "opt", "opt/stage2"};
	for (size_t i = 0; i < S1_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = path_in(f->rootfs, dirs[i]);
		assert_int_equal(mkdir(d, 0700), 0);
	}
	write_file(f->rootfs, "rkt/notes", "x", 1, 0600);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	rm_rf(f->dir);
	free(f->manifest);
	free(f->rootfs);
	free(f->out);
	free(f);
	return 0;
}

static int fixture_build(struct fixture *f, const char *out, char *id, struct s1_err *err)
{
	struct aci_build_opts o = {
	    .manifest_path = f->manifest,
	    .rootfs_path = f->rootfs,
	    .output_path = out,
	    .mtime = ACI_DEFAULT_MTIME,
	};
	return aci_build(&o, id, err);
}

struct tar_entry {
	const char *name;
	unsigned type;
	mode_t perm;
	const char *data;
	const char *link; /* hard link target */
};

static void write_tar(const char *path, const struct tar_entry *entries, size_t n)
{
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, entries[i].name);
		archive_entry_set_filetype(e, entries[i].type);
		archive_entry_set_perm(e, entries[i].perm);
		size_t len = entries[i].data ? strlen(entries[i].data) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		if (entries[i].link)
			archive_entry_set_hardlink(e, entries[i].link);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, entries[i].data, len),
					 (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* ---- manifest ---------------------------------------------------------------------------- */

static void test_manifest_stage1_is_valid(void **state)
{
	(void)state;
	struct aci_manifest m;
	struct s1_err err = {0};
	assert_int_equal(aci_manifest_parse(STAGE1_MANIFEST, strlen(STAGE1_MANIFEST), &m, &err), 0);
	assert_int_equal(m.n_entrypoints, 4);
	assert_string_equal(m.ep_names[0], "coreos.com/rkt/stage1/run");
	assert_string_equal(m.ep_paths[0], "/run");
	assert_string_equal(m.ep_paths[3], "/stop");
	aci_manifest_free(&m);
}

static void test_manifest_minimal_forms_are_valid(void **state)
{
	(void)state;
	static const char *const ok[] = {
	    IM_HEAD "}",
	    IM_HEAD ",\"labels\":null,\"annotations\":null,\"app\":null}",
	    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"1.2.3-rc.1+build.5\",\"name\":\"a\"}",
	    IM_HEAD ",\"labels\":[{\"name\":\"os\",\"value\":\"linux\"},"
		    "{\"name\":\"arch\",\"value\":\"ppc64le\"}]}",
	    IM_HEAD ",\"annotations\":[{\"name\":\"coreos.com/rkt/stage1/app/add\","
		    "\"value\":\"/bin/app-add\"}],\"app\":{},\"dependencies\":[]}",
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(ok); i++) {
		struct aci_manifest m;
		struct s1_err err = {0};
		if (aci_manifest_parse(ok[i], strlen(ok[i]), &m, &err) < 0)
			fail_msg("case %zu rejected: %s", i, err.msg);
		aci_manifest_free(&m);
	}
}

static void test_manifest_invalid_is_refused(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		const char *error;
	} bad[] = {
	    {"{\"acKind\":", "invalid JSON at line 1"},
	    {"[]", "not a JSON object"},
	    {"{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"name\":\"a\"}",
	     "acKind must be \"ImageManifest\""},
	    {"{\"acKind\":\"ImageManifest\",\"name\":\"a\"}", "acVersion must be set"},
	    {"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8\",\"name\":\"a\"}",
	     "not a semantic version"},
	    {"{\"acKind\":\"ImageManifest\",\"acVersion\":\"v1.0.0\",\"name\":\"a\"}",
	     "not a semantic version"},
	    {"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\"}", "name must be set"},
	    {"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":7}",
	     "name must be a string"},
	    {"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"Example.org/x\"}",
	     "name \"Example.org/x\": ACIdentifier must contain only lower case"},
	    {"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"a//b\"}",
	     "ACIdentifier"},
	    {IM_HEAD ",\"labels\":{}}", "labels must be an array"},
	    {IM_HEAD ",\"labels\":[{\"value\":\"x\"}]}", "labels[0]: name must be a string"},
	    {IM_HEAD ",\"labels\":[{\"name\":\"Os\",\"value\":\"linux\"}]}",
	     "labels[0]: name \"Os\": ACIdentifier"},
	    {IM_HEAD ",\"labels\":[{\"name\":\"os\",\"value\":5}]}", "value must be a string"},
	    {IM_HEAD ",\"labels\":[{\"name\":\"os\",\"value\":\"linux\"},"
		     "{\"name\":\"os\",\"value\":\"linux\"}]}",
	     "duplicate labels of name \"os\""},
	    {IM_HEAD ",\"labels\":[{\"name\":\"name\",\"value\":\"x\"}]}",
	     "invalid label name: \"name\""},
	    {IM_HEAD ",\"labels\":[{\"name\":\"os\",\"value\":\"plan9\"}]}", "bad os \"plan9\""},
	    {IM_HEAD ",\"labels\":[{\"name\":\"os\",\"value\":\"linux\"},"
		     "{\"name\":\"arch\",\"value\":\"x86_64\"}]}",
	     "bad arch \"x86_64\" for linux"},
	    {IM_HEAD ",\"annotations\":[{\"name\":\"a\",\"value\":\"1\"},"
		     "{\"name\":\"a\",\"value\":\"2\"}]}",
	     "duplicate annotations of name \"a\""},
	    {IM_HEAD ",\"annotations\":[{\"name\":\"coreos.com/rkt/stage1/run\","
		     "\"value\":\"run\"}]}",
	     "entrypoint \"run\" is not a clean absolute path"},
	    {IM_HEAD ",\"annotations\":[{\"name\":\"coreos.com/rkt/stage1/run\","
		     "\"value\":\"/../run\"}]}",
	     "is not a clean absolute path"},
	    {IM_HEAD ",\"annotations\":[{\"name\":\"coreos.com/rkt/stage1/run\","
		     "\"value\":\"/\"}]}",
	     "is not a clean absolute path"},
	    {IM_HEAD ",\"annotations\":[{\"name\":\"coreos.com/rkt/stage1/interface-version\","
		     "\"value\":\"five\"}]}",
	     "is not a positive integer"},
	    {IM_HEAD ",\"app\":[]}", "app must be an object"},
	    {IM_HEAD ",\"name\":\"y\"}", "duplicate object key"},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(bad); i++) {
		struct aci_manifest m;
		struct s1_err err = {0};
		if (aci_manifest_parse(bad[i].json, strlen(bad[i].json), &m, &err) == 0)
			fail_msg("case %zu accepted: %s", i, bad[i].json);
		if (!strstr(err.msg, bad[i].error))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, bad[i].error);
		assert_null(m.json);
	}
}

/* ---- ELF --------------------------------------------------------------------------------- */

static void test_elf_static_is_accepted(void **state)
{
	(void)state;
	unsigned char b[256];
	struct s1_err err = {0};
	assert_int_equal(elf_check_bytes(b, make_elf(b, true, false, ET_EXEC, false), &err), 0);
	/* static-pie */
	assert_int_equal(elf_check_bytes(b, make_elf(b, true, false, ET_DYN, false), &err), 0);
	assert_int_equal(elf_check_bytes(b, make_elf(b, false, true, ET_EXEC, false), &err), 0);
}

static void test_elf_dynamic_is_refused(void **state)
{
	(void)state;
	unsigned char b[256];
	struct s1_err err = {0};
	assert_int_equal(elf_check_bytes(b, make_elf(b, true, false, ET_DYN, true), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "dynamically linked"));
	assert_int_equal(elf_check_bytes(b, make_elf(b, false, true, ET_EXEC, true), &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "dynamically linked"));
	/* This test program itself is dynamically linked. */
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(self >= 0);
	assert_int_equal(aci_elf_check_static(self, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "dynamically linked"));
}

static void test_elf_non_executables_are_refused(void **state)
{
	(void)state;
	unsigned char b[256];
	struct s1_err err = {0};
	assert_int_equal(elf_check_bytes("#!/bin/sh\nexit 0\n", 17, &err), -EINVAL);
	assert_string_equal(err.msg, "not an ELF executable");
	assert_int_equal(elf_check_bytes(b, make_elf(b, true, false, ET_REL, false), &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "e_type"));
	size_t len = make_elf(b, true, false, ET_EXEC, false);
	assert_int_equal(elf_check_bytes(b, 40, &err), -EINVAL);
	assert_string_equal(err.msg, "truncated ELF header");
	assert_int_equal(elf_check_bytes(b, sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + 2, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "truncated ELF program headers");
	PUT(b, Elf64_Ehdr, e_phnum, 0, false);
	assert_int_equal(elf_check_bytes(b, len, &err), -EINVAL);
	assert_string_equal(err.msg, "malformed ELF program headers");
}

/* ---- layout paths and mtime -------------------------------------------------------------- */

static void test_layout_paths(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *clean; /* NULL: refused */
	} cases[] = {
	    {"manifest", "manifest"},
	    {"rootfs/", "rootfs"},
	    {"rootfs", "rootfs"},
	    {"rootfs/usr/bin/run", "rootfs/usr/bin/run"},
	    {"./manifest", "manifest"},
	    {"./rootfs/x/", "rootfs/x"},
	    {".", ""},
	    {"./", ""},
	    {"extra", NULL},
	    {"manifest/x", NULL},
	    {"rootfsx/a", NULL},
	    {"../evil", NULL},
	    {"rootfs/../../evil", NULL},
	    {"rootfs/a/../b", NULL},
	    {"rootfs/./a", NULL},
	    {"rootfs//a", NULL},
	    {"/etc/passwd", NULL},
	    {"/rootfs/a", NULL},
	    {"/", NULL},
	    {"", NULL},
	};
	for (size_t i = 0; i < S1_ARRAY_SIZE(cases); i++) {
		const char *clean = NULL;
		size_t len = 0;
		struct s1_err err = {0};
		int r = aci_layout_path_check(cases[i].name, &clean, &len, &err);
		if (!cases[i].clean) {
			if (r == 0)
				fail_msg("\"%s\" accepted", cases[i].name);
			continue;
		}
		if (r < 0)
			fail_msg("\"%s\" refused: %s", cases[i].name, err.msg);
		assert_int_equal(len, strlen(cases[i].clean));
		assert_memory_equal(clean, cases[i].clean, len);
	}
	struct s1_err err = {0};
	const char *clean;
	size_t len;
	aci_layout_path_check("../evil", &clean, &len, &err);
	assert_string_equal(err.msg, "unsafe file path in layout: \"../evil\"");
	aci_layout_path_check("extra", &clean, &len, &err);
	assert_string_equal(err.msg, "unrecognized file path in layout: \"extra\"");
}

static void test_mtime_parse(void **state)
{
	(void)state;
	long long t = -1;
	struct s1_err err = {0};
	assert_int_equal(aci_mtime_parse(NULL, &t, &err), 0);
	assert_int_equal(t, ACI_DEFAULT_MTIME);
	assert_int_equal(aci_mtime_parse("", &t, &err), 0);
	assert_int_equal(t, ACI_DEFAULT_MTIME);
	assert_int_equal(aci_mtime_parse("1700000000", &t, &err), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(aci_mtime_parse("0", &t, &err), 0);
	assert_int_equal(t, 0);
	assert_int_equal(aci_mtime_parse("-1", &t, &err), -EINVAL);
	assert_int_equal(aci_mtime_parse("12x", &t, &err), -EINVAL);
	assert_int_equal(aci_mtime_parse("99999999999999", &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "SOURCE_DATE_EPOCH"));
}

/* ---- build ------------------------------------------------------------------------------- */

static void test_build_is_reproducible(void **state)
{
	struct fixture *f = *state;
	struct s1_err err = {0};
	char id1[ACI_ID_SIZE], id2[ACI_ID_SIZE], id3[ACI_ID_SIZE];
	_cleanup_free_ char *out2 = path_in(f->dir, "again.aci");
	if (fixture_build(f, f->out, id1, &err) < 0)
		fail_msg("%s", err.msg);
	/* A changed directory order or mtime on disk must not show. */
	_cleanup_free_ char *zzz = path_in(f->rootfs, "opt/stage2");
	assert_int_equal(utimensat(AT_FDCWD, zzz, NULL, 0), 0);
	if (fixture_build(f, out2, id2, &err) < 0)
		fail_msg("%s", err.msg);
	size_t len1, len2;
	_cleanup_free_ char *a = read_whole(f->out, &len1);
	_cleanup_free_ char *b = read_whole(out2, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(a, b, len1);
	assert_string_equal(id1, id2);
	assert_int_equal(strlen(id1), ACI_ID_SIZE - 1);
	assert_int_equal(aci_image_id(f->out, id3, &err), 0);
	assert_string_equal(id1, id3);
	/* gzip header: no name flag, no timestamp. */
	assert_int_equal((unsigned char)a[0], 0x1f);
	assert_int_equal((unsigned char)a[1], 0x8b);
	assert_int_equal(a[3], 0);
	assert_memory_equal(a + 4, "\0\0\0\0", 4);
}

static void test_build_normalizes_entries(void **state)
{
	struct fixture *f = *state;
	struct s1_err err = {0};
	if (fixture_build(f, f->out, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(aci_check(f->out, &err), 0);

	static const struct {
		const char *name;
		mode_t mode;
	} want[] = {
	    {"manifest", AE_IFREG | 0644},	     {"rootfs/", AE_IFDIR | 0755},
	    {"rootfs/enter", AE_IFREG | 0755},	     {"rootfs/flavor", AE_IFLNK | 0777},
	    {"rootfs/gc", AE_IFREG | 0755},	     {"rootfs/opt/", AE_IFDIR | 0755},
	    {"rootfs/opt/stage2/", AE_IFDIR | 0755}, {"rootfs/rkt/", AE_IFDIR | 0755},
	    {"rootfs/rkt/env/", AE_IFDIR | 0755},    {"rootfs/rkt/notes", AE_IFREG | 0644},
	    {"rootfs/rkt/status/", AE_IFDIR | 0755}, {"rootfs/run", AE_IFREG | 0755},
	    {"rootfs/stop", AE_IFREG | 0755},
	};
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, f->out, 16384), ARCHIVE_OK);
	struct archive_entry *e;
	size_t i = 0;
	for (; archive_read_next_header(a, &e) == ARCHIVE_OK; i++) {
		assert_true(i < S1_ARRAY_SIZE(want));
		assert_string_equal(archive_entry_pathname(e), want[i].name);
		assert_int_equal(archive_entry_mode(e), want[i].mode);
		assert_int_equal(archive_entry_uid(e), 0);
		assert_int_equal(archive_entry_gid(e), 0);
		assert_string_equal(archive_entry_uname(e), "root");
		assert_string_equal(archive_entry_gname(e), "root");
		assert_int_equal(archive_entry_mtime(e), ACI_DEFAULT_MTIME);
		assert_int_equal(archive_entry_mtime_nsec(e), 0);
		if (archive_entry_filetype(e) == AE_IFLNK)
			assert_string_equal(archive_entry_symlink(e), "fly");
	}
	assert_int_equal(i, S1_ARRAY_SIZE(want));
	archive_read_free(a);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(aci_list(f->out, out, &err), 0);
	fclose(out);
	assert_non_null(strstr(text, "lrwxrwxrwx root/root         0 rootfs/flavor -> fly\n"));
	assert_non_null(strstr(text, "-rwxr-xr-x root/root"));
	free(text);
}

static void expect_build_refused(struct fixture *f, const char *error)
{
	struct s1_err err = {0};
	size_t before = tu_count_entries(f->dir);
	assert_true(fixture_build(f, f->out, NULL, &err) < 0);
	if (!strstr(err.msg, error))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, error);
	assert_int_equal(tu_count_entries(f->dir), before);
}

static void test_build_refuses_bad_manifest(void **state)
{
	struct fixture *f = *state;
	write_file(f->dir, "manifest.json", "{\"acKind\":", 10, 0644);
	expect_build_refused(f, "manifest.json: invalid JSON at line 1");
	static const char upper[] = "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
				    "\"name\":\"Example.org/stage1\"}";
	write_file(f->dir, "manifest.json", upper, strlen(upper), 0644);
	expect_build_refused(f, "invalid ImageManifest: name \"Example.org/stage1\"");
}

static void test_build_refuses_bad_entrypoints(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *gc = path_in(f->rootfs, "gc");

	assert_int_equal(unlink(gc), 0);
	expect_build_refused(f,
			     "entrypoint /gc (coreos.com/rkt/stage1/gc): can't open: no such file");

	fixture_entrypoint(f, "gc", 0644, false);
	expect_build_refused(f, "entrypoint /gc (coreos.com/rkt/stage1/gc): not executable");

	fixture_entrypoint(f, "gc", 0755, true);
	expect_build_refused(f, "entrypoint /gc (coreos.com/rkt/stage1/gc): dynamically linked");

	write_file(f->rootfs, "gc", "#!/bin/sh\n", 10, 0755);
	expect_build_refused(f, "/gc (coreos.com/rkt/stage1/gc): not an ELF executable");

	assert_int_equal(unlink(gc), 0);
	assert_int_equal(symlink("run", gc), 0);
	expect_build_refused(f, "/gc (coreos.com/rkt/stage1/gc): a symlink is in the way");

	assert_int_equal(unlink(gc), 0);
	assert_int_equal(mkdir(gc, 0755), 0);
	expect_build_refused(f, "/gc (coreos.com/rkt/stage1/gc): not a regular file");
}

static void test_build_refuses_special_files(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *fifo = path_in(f->rootfs, "rkt/fifo");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	expect_build_refused(f, "rootfs/rkt/fifo: unsupported file type");
}

/* ---- check ------------------------------------------------------------------------------- */

static void check_tar(struct fixture *f, const struct tar_entry *entries, size_t n,
		      const char *error)
{
	write_tar(f->out, entries, n);
	struct s1_err err = {0};
	int r = aci_check(f->out, &err);
	if (!error) {
		if (r < 0)
			fail_msg("refused: %s", err.msg);
		return;
	}
	if (r == 0)
		fail_msg("accepted, expected \"%s\"", error);
	if (!strstr(err.msg, error))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, error);
}

#define CHECK_TAR(f, error, ...)                                                                   \
	do {                                                                                       \
		const struct tar_entry e_[] = {__VA_ARGS__};                                       \
		check_tar(f, e_, S1_ARRAY_SIZE(e_), error);                                        \
	} while (0)

#define TAR_MANIFEST                                                                               \
	{                                                                                          \
		"manifest", AE_IFREG, 0644, STAGE1_MANIFEST, NULL                                  \
	}
#define TAR_ROOTFS                                                                                 \
	{                                                                                          \
		"rootfs/", AE_IFDIR, 0755, NULL, NULL                                              \
	}
#define EP(n)                                                                                      \
	{                                                                                          \
		"rootfs/" n, AE_IFREG, 0755, "x", NULL                                             \
	}
#define EPS EP("run"), EP("enter"), EP("gc"), EP("stop")

static void test_check_accepts_valid_layouts(void **state)
{
	struct fixture *f = *state;
	CHECK_TAR(f, NULL, TAR_MANIFEST, TAR_ROOTFS, EPS);
	CHECK_TAR(f, NULL, {"./", AE_IFDIR, 0755, NULL, NULL},
		  {"./manifest", AE_IFREG, 0644, STAGE1_MANIFEST, NULL},
		  {"./rootfs/", AE_IFDIR, 0755, NULL, NULL},
		  {"./rootfs/run", AE_IFREG, 0755, "x", NULL}, EP("enter"), EP("gc"),
		  {"rootfs/stop", AE_IFREG, 0755, NULL, "rootfs/gc"});
}

static void test_check_refuses_bad_layouts(void **state)
{
	struct fixture *f = *state;
	CHECK_TAR(f, "unrecognized file path in layout: \"extra\"", TAR_MANIFEST, TAR_ROOTFS, EPS,
		  {"extra", AE_IFREG, 0644, "x", NULL});
	CHECK_TAR(f, "unsafe file path in layout: \"../evil\"", TAR_MANIFEST, TAR_ROOTFS, EPS,
		  {"../evil", AE_IFREG, 0644, "x", NULL});
	CHECK_TAR(f, "unsafe file path in layout: \"rootfs/../../evil\"", TAR_MANIFEST, TAR_ROOTFS,
		  EPS, {"rootfs/../../evil", AE_IFREG, 0644, "x", NULL});
	CHECK_TAR(f, "unsafe file path in layout: \"/etc/evil\"", TAR_MANIFEST, TAR_ROOTFS, EPS,
		  {"/etc/evil", AE_IFREG, 0644, "x", NULL});
	CHECK_TAR(f, "hard link rootfs/x: target \"manifest\" outside rootfs", TAR_MANIFEST,
		  TAR_ROOTFS, EPS, {"rootfs/x", AE_IFREG, 0644, NULL, "manifest"});
	CHECK_TAR(f, "hard link rootfs/x: unsafe file path", TAR_MANIFEST, TAR_ROOTFS, EPS,
		  {"rootfs/x", AE_IFREG, 0644, NULL, "../../etc/shadow"});
	CHECK_TAR(f, "duplicate file entry in archive: rootfs/run", TAR_MANIFEST, TAR_ROOTFS, EPS,
		  EP("run"));
	CHECK_TAR(f, "no image manifest found in layout", TAR_ROOTFS, EPS);
	CHECK_TAR(f, "no rootfs found in layout", TAR_MANIFEST, EPS);
	CHECK_TAR(f, "rootfs is not a directory", TAR_MANIFEST,
		  {"rootfs", AE_IFREG, 0644, "x", NULL});
	CHECK_TAR(f, "manifest is not a regular file", {"manifest", AE_IFDIR, 0755, NULL, NULL},
		  TAR_ROOTFS);
	CHECK_TAR(f, "image manifest validation failed: invalid ImageManifest: acKind",
		  {"manifest", AE_IFREG, 0644, "{}", NULL}, TAR_ROOTFS);
	CHECK_TAR(f, "entrypoint /gc (coreos.com/rkt/stage1/gc): not in the image", TAR_MANIFEST,
		  TAR_ROOTFS, EP("run"), EP("enter"), EP("stop"));
	CHECK_TAR(f, "entrypoint /gc (coreos.com/rkt/stage1/gc): not an executable file",
		  TAR_MANIFEST, TAR_ROOTFS, EP("run"), EP("enter"), EP("stop"),
		  {"rootfs/gc", AE_IFREG, 0644, "x", NULL});
}

static void test_check_refuses_non_archives(void **state)
{
	struct fixture *f = *state;
	struct s1_err err = {0};
	write_file(f->dir, "out.aci", "not a tar", 9, 0644);
	assert_true(aci_check(f->out, &err) < 0);
	assert_non_null(strstr(err.msg, "out.aci"));
	_cleanup_free_ char *missing = path_in(f->dir, "missing.aci");
	assert_int_equal(aci_check(missing, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "missing.aci: no such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest_stage1_is_valid),
	    cmocka_unit_test(test_manifest_minimal_forms_are_valid),
	    cmocka_unit_test(test_manifest_invalid_is_refused),
	    cmocka_unit_test(test_elf_static_is_accepted),
	    cmocka_unit_test(test_elf_dynamic_is_refused),
	    cmocka_unit_test(test_elf_non_executables_are_refused),
	    cmocka_unit_test(test_layout_paths),
	    cmocka_unit_test(test_mtime_parse),
	    cmocka_unit_test_setup_teardown(test_build_is_reproducible, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_build_normalizes_entries, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_build_refuses_bad_manifest, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_build_refuses_bad_entrypoints, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_build_refuses_special_files, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_check_accepts_valid_layouts, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_check_refuses_bad_layouts, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_check_refuses_non_archives, fixture_setup,
					    fixture_teardown),
	};
	return cmocka_run_group_tests_name("aci", tests, NULL, NULL);
}
