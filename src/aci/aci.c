/* The stage1 ACI: validate an ImageManifest, pack a rootfs reproducibly, read and check one. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage1c/aci.h"
#include "stage1c/names.h"
#include "stage1c/util.h"

static void aci_archive_write_freep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

static void aci_archive_read_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static void aci_archive_entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}

#define _cleanup_archive_write_ __attribute__((cleanup(aci_archive_write_freep)))
#define _cleanup_archive_read_ __attribute__((cleanup(aci_archive_read_freep)))
#define _cleanup_archive_entry_ __attribute__((cleanup(aci_archive_entry_freep)))

static int archive_fail(struct s1_err *err, struct archive *a, const char *what)
{
	const char *msg = archive_error_string(a);
	return s1_error(err, 0, "%s: %s", what, msg ? msg : "libarchive error");
}

/* ---- manifest ---------------------------------------------------------------------------- */

static const char acidentifier_rule[] =
    "ACIdentifier must contain only lower case alphanumeric characters plus \"-._~/\"";

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One or more dot-separated [0-9A-Za-z-]+ identifiers (semver pre-release and build parts). */
static bool skip_semver_idents(const char **sp)
{
	const char *s = *sp;
	for (;;) {
		const char *start = s;
		while (is_digit(*s) || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		       *s == '-')
			s++;
		if (s == start)
			return false;
		if (*s != '.')
			break;
		s++;
	}
	*sp = s;
	return true;
}

/* MAJOR.MINOR.PATCH[-pre][+build], as go-semver (which actool uses) parses acVersion. */
static bool is_semver(const char *s)
{
	for (int part = 0; part < 3; part++) {
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
		if (part < 2 && *s++ != '.')
			return false;
	}
	if (*s == '-') {
		s++;
		if (!skip_semver_idents(&s))
			return false;
	}
	if (*s == '+') {
		s++;
		if (!skip_semver_idents(&s))
			return false;
	}
	return *s == '\0';
}

/* The os/arch pairs appc 0.8.11 accepts (schema/types/labels.go). */
static const struct {
	const char *os;
	const char *archs;
} valid_os_arch[] = {
    {"darwin", "x86_64 i386"},
    {"freebsd", "amd64 i386 arm"},
    {"linux", "amd64 i386 aarch64 aarch64_be armv6l armv7l armv7b ppc64 ppc64le s390x"},
};

static bool is_word_of(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static const char *kv_name(json_t *kv)
{
	return json_string_value(json_object_get(kv, "name"));
}

/* The value of the first {name, value} item called name, in an already checked list. */
static const char *kv_get(json_t *list, const char *name)
{
	size_t i;
	json_t *kv;
	json_array_foreach(list, i, kv)
	{
		if (strcmp(kv_name(kv), name) == 0)
			return json_string_value(json_object_get(kv, "value"));
	}
	return NULL;
}

/* labels, annotations: null or [{"name": ACIdentifier, "value": string}], names unique. */
static int check_name_values(json_t *list, const char *what, struct s1_err *err)
{
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return s1_error(err, 0, "%s must be an array", what);
	size_t i;
	json_t *kv;
	json_array_foreach(list, i, kv)
	{
		const char *name = kv_name(kv);
		if (!name)
			return s1_error(err, 0, "%s[%zu]: name must be a string", what, i);
		if (!names_is_acidentifier(name))
			return s1_error(err, 0, "%s[%zu]: name \"%s\": %s", what, i, name,
					acidentifier_rule);
		if (!json_is_string(json_object_get(kv, "value")))
			return s1_error(err, 0, "%s[%zu] \"%s\": value must be a string", what, i,
					name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(kv_name(json_array_get(list, j)), name) == 0)
				return s1_error(err, 0, "duplicate %s of name \"%s\"", what, name);
	}
	return 0;
}

static int check_os_arch(json_t *labels, struct s1_err *err)
{
	if (!json_is_array(labels))
		return 0;
	if (kv_get(labels, "name"))
		return s1_error(err, 0, "invalid label name: \"name\"");
	const char *os = kv_get(labels, "os"), *arch = kv_get(labels, "arch");
	if (!os)
		return 0;
	for (size_t i = 0; i < S1_ARRAY_SIZE(valid_os_arch); i++) {
		if (strcmp(os, valid_os_arch[i].os) != 0)
			continue;
		if (arch && !is_word_of(valid_os_arch[i].archs, arch))
			return s1_error(err, 0, "bad arch \"%s\" for %s (must be one of: %s)", arch,
					os, valid_os_arch[i].archs);
		return 0;
	}
	return s1_error(err, 0, "bad os \"%s\" (must be one of: darwin freebsd linux)", os);
}

/* A relative path of non-empty components, none "." or "..". */
static bool is_clean_relative(const char *p, size_t len)
{
	if (len == 0)
		return false;
	for (size_t start = 0; start <= len;) {
		const char *c = p + start;
		size_t n = 0;
		while (start + n < len && c[n] != '/')
			n++;
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		start += n + 1;
	}
	return true;
}

static int check_stage1_annotations(json_t *annotations, struct aci_manifest *m, struct s1_err *err)
{
	if (!json_is_array(annotations))
		return 0;
	size_t n = json_array_size(annotations), i;
	m->ep_names = s1_xcalloc(n, sizeof(*m->ep_names));
	m->ep_paths = s1_xcalloc(n, sizeof(*m->ep_paths));
	json_t *kv;
	json_array_foreach(annotations, i, kv)
	{
		const char *name = kv_name(kv);
		const char *value = json_string_value(json_object_get(kv, "value"));
		if (!s1_str_has_prefix(name, ACI_STAGE1_PREFIX))
			continue;
		if (strcmp(name, ACI_STAGE1_INTERFACE_VERSION) == 0) {
			long long v;
			if (s1_parse_ll(value, 1, INT_MAX, &v) < 0)
				return s1_error(err, 0,
						"annotation %s: \"%s\" is not a positive integer",
						name, value);
			continue;
		}
		if (value[0] != '/' || !is_clean_relative(value + 1, strlen(value + 1)))
			return s1_error(
			    err, 0, "annotation %s: entrypoint \"%s\" is not a clean absolute path",
			    name, value);
		m->ep_names[m->n_entrypoints] = name;
		m->ep_paths[m->n_entrypoints++] = value;
	}
	return 0;
}

static int check_optional_type(json_t *root, const char *key, json_type type, struct s1_err *err)
{
	json_t *v = json_object_get(root, key);
	if (v && !json_is_null(v) && json_typeof(v) != type)
		return s1_error(err, 0, "%s must be %s", key,
				type == JSON_OBJECT ? "an object" : "an array");
	return 0;
}

static int manifest_validate(json_t *root, struct aci_manifest *m, struct s1_err *err)
{
	if (!json_is_object(root))
		return s1_error(err, 0, "not a JSON object");
	const char *kind = json_string_value(json_object_get(root, "acKind"));
	if (!kind || strcmp(kind, "ImageManifest") != 0)
		return s1_error(err, 0, "acKind must be \"ImageManifest\"");
	const char *version = json_string_value(json_object_get(root, "acVersion"));
	if (!version || !*version)
		return s1_error(err, 0, "acVersion must be set");
	if (!is_semver(version))
		return s1_error(err, 0, "acVersion \"%s\": not a semantic version", version);
	json_t *jname = json_object_get(root, "name");
	const char *name = json_string_value(jname);
	if (jname && !name)
		return s1_error(err, 0, "name must be a string");
	if (!name || !*name)
		return s1_error(err, 0, "name must be set");
	if (!names_is_acidentifier(name))
		return s1_error(err, 0, "name \"%s\": %s", name, acidentifier_rule);
	json_t *labels = json_object_get(root, "labels");
	json_t *annotations = json_object_get(root, "annotations");
	int r = check_name_values(labels, "labels", err);
	if (r == 0)
		r = check_os_arch(labels, err);
	if (r == 0)
		r = check_name_values(annotations, "annotations", err);
	if (r == 0)
		r = check_optional_type(root, "app", JSON_OBJECT, err);
	if (r == 0)
		r = check_optional_type(root, "dependencies", JSON_ARRAY, err);
	if (r == 0)
		r = check_optional_type(root, "pathWhitelist", JSON_ARRAY, err);
	if (r == 0)
		r = check_stage1_annotations(annotations, m, err);
	return r;
}

int aci_manifest_parse(const char *text, size_t len, struct aci_manifest *m, struct s1_err *err)
{
	*m = (struct aci_manifest){0};
	json_error_t jerr;
	json_auto_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return s1_error(err, 0, "invalid JSON at line %d, column %d: %s", jerr.line,
				jerr.column, jerr.text);
	int r = manifest_validate(root, m, err);
	if (r < 0) {
		aci_manifest_free(m);
		return s1_error_wrap(err, "invalid ImageManifest");
	}
	m->json = steal_pointer(&root);
	return 0;
}

void aci_manifest_free(struct aci_manifest *m)
{
	free(m->ep_names);
	free(m->ep_paths);
	json_decref(m->json);
	*m = (struct aci_manifest){0};
}

/* ---- ELF --------------------------------------------------------------------------------- */

#define ELF_FIELD(type, field) offsetof(type, field), sizeof(((type *)NULL)->field)

static uint64_t elf_get(const unsigned char *base, size_t off, size_t size, bool msb)
{
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++)
		v = (v << 8) | base[off + (msb ? i : size - 1 - i)];
	return v;
}

int aci_elf_check_static(int fd, struct s1_err *err)
{
	unsigned char eh[sizeof(Elf64_Ehdr)] = {0};
	ssize_t n = pread(fd, eh, sizeof(eh), 0);
	if (n < 0)
		return s1_error(err, errno, "can't read");
	if ((size_t)n < EI_NIDENT || memcmp(eh, ELFMAG, SELFMAG) != 0)
		return s1_error(err, 0, "not an ELF executable");
	bool is64 = eh[EI_CLASS] == ELFCLASS64, msb = eh[EI_DATA] == ELFDATA2MSB;
	if ((!is64 && eh[EI_CLASS] != ELFCLASS32) || (!msb && eh[EI_DATA] != ELFDATA2LSB))
		return s1_error(err, 0, "unsupported ELF class or byte order");
	if ((size_t)n < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return s1_error(err, 0, "truncated ELF header");

	uint64_t type, phoff, phentsize, phnum;
	if (is64) {
		type = elf_get(eh, ELF_FIELD(Elf64_Ehdr, e_type), msb);
		phoff = elf_get(eh, ELF_FIELD(Elf64_Ehdr, e_phoff), msb);
		phentsize = elf_get(eh, ELF_FIELD(Elf64_Ehdr, e_phentsize), msb);
		phnum = elf_get(eh, ELF_FIELD(Elf64_Ehdr, e_phnum), msb);
	} else {
		type = elf_get(eh, ELF_FIELD(Elf32_Ehdr, e_type), msb);
		phoff = elf_get(eh, ELF_FIELD(Elf32_Ehdr, e_phoff), msb);
		phentsize = elf_get(eh, ELF_FIELD(Elf32_Ehdr, e_phentsize), msb);
		phnum = elf_get(eh, ELF_FIELD(Elf32_Ehdr, e_phnum), msb);
	}
	/* ET_DYN without an interpreter is a static-pie executable. */
	if (type != ET_EXEC && type != ET_DYN)
		return s1_error(err, 0, "not an ELF executable (e_type %u)", (unsigned)type);
	if (phnum == 0 || phnum == PN_XNUM || phentsize < sizeof(uint32_t) ||
	    phoff > (uint64_t)INT64_MAX - phnum * phentsize)
		return s1_error(err, 0, "malformed ELF program headers");
	for (uint64_t i = 0; i < phnum; i++) {
		/* p_type is the first 4 bytes of Elf32_Phdr and Elf64_Phdr alike. */
		unsigned char p_type[4];
		n = pread(fd, p_type, sizeof(p_type), (off_t)(phoff + i * phentsize));
		if (n < 0)
			return s1_error(err, errno, "can't read");
		if (n != sizeof(p_type))
			return s1_error(err, 0, "truncated ELF program headers");
		if (elf_get(p_type, 0, sizeof(p_type), msb) == PT_INTERP)
			return s1_error(err, 0,
					"dynamically linked (has an ELF interpreter): "
					"entrypoints must be static");
	}
	return 0;
}

/* ---- layout ------------------------------------------------------------------------------ */

int aci_layout_path_check(const char *name, const char **clean, size_t *clean_len,
			  struct s1_err *err)
{
	if (*name == '\0')
		return s1_error(err, 0, "empty file name in layout");
	const char *p = name;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	size_t len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		len--;
	if (len == 1 && p[0] == '.')
		len = 0; /* "." is the layout's own directory */
	if (p[0] == '/' || (len > 0 && !is_clean_relative(p, len)))
		return s1_error(err, 0, "unsafe file path in layout: \"%s\"", name);
	bool is_manifest = len == 8 && strncmp(p, "manifest", 8) == 0;
	bool in_rootfs = len >= 6 && strncmp(p, "rootfs", 6) == 0 && (len == 6 || p[6] == '/');
	if (len > 0 && !is_manifest && !in_rootfs)
		return s1_error(err, 0, "unrecognized file path in layout: \"%s\"", name);
	*clean = p;
	*clean_len = len;
	return 0;
}

int aci_mtime_parse(const char *sde, long long *mtime, struct s1_err *err)
{
	if (!sde || !*sde) {
		*mtime = ACI_DEFAULT_MTIME;
		return 0;
	}
	if (s1_parse_ll(sde, 0, ACI_MAX_MTIME, mtime) < 0)
		return s1_error(err, 0, "SOURCE_DATE_EPOCH=\"%s\": not a timestamp in [0, %lld]",
				sde, ACI_MAX_MTIME);
	return 0;
}

/* ---- packing ----------------------------------------------------------------------------- */

/* The uncompressed tar goes through here: hashed for the image ID, then gzipped. */
struct sink {
	struct archive *gz;
	struct sha512_ctx sha;
};

static la_ssize_t sink_write(struct archive *tar, void *data, const void *buf, size_t len)
{
	struct sink *s = data;
	sha512_update(&s->sha, len, buf);
	la_ssize_t n = archive_write_data(s->gz, buf, len);
	if (n < 0)
		archive_set_error(tar, EIO, "gzip: %s", archive_error_string(s->gz));
	return n;
}

static void format_id(struct sha512_ctx *sha, char *id)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA512_DIGEST_SIZE];
	sha512_digest(sha, sizeof(d), d);
	memcpy(id, "sha512-", 7);
	for (size_t i = 0; i < sizeof(d); i++) {
		id[7 + 2 * i] = hex[d[i] >> 4];
		id[8 + 2 * i] = hex[d[i] & 0xf];
	}
	id[ACI_ID_SIZE - 1] = '\0';
}

struct pack {
	struct archive *tar;
	long long mtime;
	struct s1_err *err;
};

static int pack_header(struct pack *p, const char *path, unsigned type, mode_t perm, int64_t size,
		       const char *symlink)
{
	_cleanup_archive_entry_ struct archive_entry *e = archive_entry_new();
	if (!e)
		return s1_error(p->err, ENOMEM, "%s", path);
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	archive_entry_set_mtime(e, (time_t)p->mtime, 0);
	if (type == AE_IFREG)
		archive_entry_set_size(e, size);
	if (symlink)
		archive_entry_set_symlink(e, symlink);
	if (archive_write_header(p->tar, e) != ARCHIVE_OK)
		return archive_fail(p->err, p->tar, path);
	return 0;
}

static int pack_data(struct pack *p, int fd, const char *path, int64_t size)
{
	static char buf[64 * 1024];
	int64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return s1_error(p->err, errno, "%s", path);
		if (n == 0)
			break;
		total += n;
		if (total > size)
			break;
		if (archive_write_data(p->tar, buf, (size_t)n) != n)
			return archive_fail(p->err, p->tar, path);
	}
	if (total != size)
		return s1_error(p->err, 0, "%s: file changed while packing", path);
	return 0;
}

static int pack_tree(struct pack *p, int dirfd, const char *prefix);

static int pack_one(struct pack *p, int dirfd, const char *prefix, const char *name)
{
	_cleanup_free_ char *path = s1_xasprintf("%s/%s", prefix, name);
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return s1_error(p->err, errno, "%s", path);

	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return s1_error(p->err, errno, "%s", path);
		target[n] = '\0';
		return pack_header(p, path, AE_IFLNK, 0777, 0, target);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return s1_error(p->err, 0,
				"%s: unsupported file type (directories, regular files and "
				"symlinks only)",
				path);

	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
	_cleanup_close_ int fd = openat(dirfd, name, flags);
	if (fd < 0 || fstat(fd, &st) < 0)
		return s1_error(p->err, errno, "%s", path);
	if (S_ISDIR(st.st_mode)) {
		int r = pack_header(p, path, AE_IFDIR, 0755, 0, NULL);
		return r < 0 ? r : pack_tree(p, fd, path);
	}
	int r =
	    pack_header(p, path, AE_IFREG, (st.st_mode & S_IXUSR) ? 0755 : 0644, st.st_size, NULL);
	return r < 0 ? r : pack_data(p, fd, path, st.st_size);
}

static int not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* strcmp, not the locale's collation: the same order on every build host. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int pack_tree(struct pack *p, int dirfd, const char *prefix)
{
	struct dirent **names = NULL;
	int n = scandirat(dirfd, ".", &names, not_dot, by_name);
	if (n < 0)
		return s1_error(p->err, errno, "%s", prefix);
	int r = 0;
	for (int i = 0; i < n; i++) {
		if (r == 0)
			r = pack_one(p, dirfd, prefix, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return r;
}

static int write_aci(int outfd, const char *manifest, size_t manifest_len, int rootfd,
		     long long mtime, char *id, struct s1_err *err)
{
	/* gzip as a filter over the "raw" format: the tar stream becomes one gzipped payload. */
	_cleanup_archive_write_ struct archive *gz = archive_write_new();
	_cleanup_archive_entry_ struct archive_entry *payload = archive_entry_new();
	if (!gz || !payload)
		return s1_error(err, ENOMEM, "gzip");
	archive_entry_set_filetype(payload, AE_IFREG);
	if (archive_write_add_filter_gzip(gz) != ARCHIVE_OK ||
	    archive_write_set_format_raw(gz) != ARCHIVE_OK ||
	    archive_write_set_options(gz, "gzip:!timestamp,gzip:compression-level=9") !=
		ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(gz, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(gz, outfd) != ARCHIVE_OK ||
	    archive_write_header(gz, payload) != ARCHIVE_OK)
		return archive_fail(err, gz, "gzip");

	struct sink s = {.gz = gz};
	sha512_init(&s.sha);
	/* Declared after gz and s: freed (and flushed) first. */
	_cleanup_archive_write_ struct archive *tar = archive_write_new();
	if (!tar)
		return s1_error(err, ENOMEM, "tar");
	if (archive_write_set_format_pax_restricted(tar) != ARCHIVE_OK ||
	    archive_write_add_filter_none(tar) != ARCHIVE_OK ||
	    archive_write_open2(tar, &s, NULL, sink_write, NULL, NULL) != ARCHIVE_OK)
		return archive_fail(err, tar, "tar");

	struct pack p = {.tar = tar, .mtime = mtime, .err = err};
	int r = pack_header(&p, "manifest", AE_IFREG, 0644, (int64_t)manifest_len, NULL);
	if (r < 0)
		return r;
	if (archive_write_data(tar, manifest, manifest_len) != (la_ssize_t)manifest_len)
		return archive_fail(err, tar, "manifest");
	r = pack_header(&p, "rootfs", AE_IFDIR, 0755, 0, NULL);
	if (r == 0)
		r = pack_tree(&p, rootfd, "rootfs");
	if (r < 0)
		return r;
	if (archive_write_close(tar) != ARCHIVE_OK)
		return archive_fail(err, tar, "tar");
	if (archive_write_close(gz) != ARCHIVE_OK)
		return archive_fail(err, gz, "gzip");
	if (id)
		format_id(&s.sha, id);
	return 0;
}

/* Open an entrypoint by walking its path below rootfd without following any symlink: rkt
 * executes it from the host, where a symlink would resolve outside the stage1 rootfs. */
static int open_entrypoint(int rootfd, const char *path)
{
	_cleanup_free_ char *copy = s1_xstrdup(path + 1);
	_cleanup_close_ int dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (dirfd < 0)
		return -errno;
	char *save = NULL, *comp = strtok_r(copy, "/", &save);
	for (char *next; (next = strtok_r(NULL, "/", &save)); comp = next) {
		int fd = openat(dirfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int r = -errno;
			struct stat st;
			/* A symlink with O_DIRECTORY|O_NOFOLLOW fails with ENOTDIR: tell it apart.
			 */
			if (fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				r = -ELOOP;
			return r;
		}
		close(dirfd);
		dirfd = fd;
	}
	int fd = openat(dirfd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int check_entrypoint(int rootfd, const char *name, const char *path, struct s1_err *err)
{
	_cleanup_close_ int fd = open_entrypoint(rootfd, path);
	struct stat st;
	int r = 0;
	if (fd == -ELOOP)
		r = s1_error(err, 0, "a symlink is in the way (entrypoints are regular files)");
	else if (fd < 0)
		r = s1_error(err, fd, "can't open");
	else if (fstat(fd, &st) < 0)
		r = s1_error(err, errno, "can't stat");
	else if (!S_ISREG(st.st_mode))
		r = s1_error(err, 0, "not a regular file");
	else if (!(st.st_mode & S_IXUSR))
		r = s1_error(err, 0, "not executable");
	else
		r = aci_elf_check_static(fd, err);
	return r < 0 ? s1_error_wrap(err, "entrypoint %s (%s)", path, name) : 0;
}

static int read_manifest_file(const char *path, char **text, size_t *len, struct s1_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return s1_error(err, errno, "%s", path);
	int r = s1_read_fd(fd, ACI_MANIFEST_MAX, text, len);
	return r < 0 ? s1_error(err, r, "%s", path) : 0;
}

int aci_build(const struct aci_build_opts *o, char *id, struct s1_err *err)
{
	_cleanup_free_ char *manifest = NULL;
	size_t len = 0;
	int r = read_manifest_file(o->manifest_path, &manifest, &len, err);
	if (r < 0)
		return r;
	struct aci_manifest m __attribute__((cleanup(aci_manifest_free))) = {0};
	r = aci_manifest_parse(manifest, len, &m, err);
	if (r < 0)
		return s1_error_wrap(err, "%s", o->manifest_path);

	_cleanup_close_ int rootfd = open(o->rootfs_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return s1_error(err, errno, "rootfs %s", o->rootfs_path);
	for (size_t i = 0; i < m.n_entrypoints; i++) {
		r = check_entrypoint(rootfd, m.ep_names[i], m.ep_paths[i], err);
		if (r < 0)
			return r;
	}

	_cleanup_free_ char *tmp = s1_xasprintf("%s.tmp.%ld", o->output_path, (long)getpid());
	int outfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (outfd < 0)
		return s1_error(err, errno, "%s", tmp);
	r = write_aci(outfd, manifest, len, rootfd, o->mtime, id, err);
	if (close(outfd) < 0 && r == 0)
		r = s1_error(err, errno, "%s", tmp);
	/* What was written must read back as a valid image. */
	if (r == 0 && aci_check(tmp, err) < 0)
		r = s1_error_wrap(err, "packed image fails its check");
	if (r == 0 && rename(tmp, o->output_path) < 0)
		r = s1_error(err, errno, "%s", o->output_path);
	if (r < 0)
		unlink(tmp);
	return r;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int reader_open(int fd, bool raw, struct archive **out, struct s1_err *err)
{
	_cleanup_archive_read_ struct archive *a = archive_read_new();
	if (!a)
		return s1_error(err, ENOMEM, "archive");
	/* An ACI may be gzip, bzip2 or xz compressed, or not compressed at all. */
	if (archive_read_support_filter_all(a) != ARCHIVE_OK ||
	    (raw ? archive_read_support_format_raw(a) : archive_read_support_format_tar(a)) !=
		ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK)
		return archive_fail(err, a, "archive");
	*out = steal_pointer(&a);
	return 0;
}

/* The file at path, open (*fd, to close) and read by *a (reader_open); errors name path. */
static int reader_open_path(const char *path, bool raw, int *fd, struct archive **a,
			    struct s1_err *err)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return s1_error(err, errno, "%s", path);
	int r = reader_open(*fd, raw, a, err);
	return r < 0 ? s1_error_wrap(err, "%s", path) : 0;
}

int aci_image_id(const char *path, char *id, struct s1_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_archive_read_ struct archive *a = NULL;
	int r = reader_open_path(path, true, &fd, &a, err);
	if (r < 0)
		return r;
	struct archive_entry *e;
	if (archive_read_next_header(a, &e) != ARCHIVE_OK)
		return s1_error(err, 0, "%s: empty or unreadable", path);
	struct sha512_ctx sha;
	sha512_init(&sha);
	const void *buf;
	size_t size;
	la_int64_t off;
	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
		sha512_update(&sha, size, buf);
	if (r != ARCHIVE_EOF)
		return archive_fail(err, a, path);
	format_id(&sha, id);
	return 0;
}

static int read_entry_data(struct archive *a, size_t max, char **out, size_t *len,
			   struct s1_err *err)
{
	size_t cap = 4096, used = 0;
	_cleanup_free_ char *buf = s1_xmalloc(cap + 1);
	for (;;) {
		if (used == cap) {
			if (cap >= max)
				return s1_error(err, EFBIG, "manifest");
			cap = cap * 2 > max ? max : cap * 2;
			buf = s1_xrealloc(buf, cap + 1);
		}
		la_ssize_t n = archive_read_data(a, buf + used, cap - used);
		if (n < 0)
			return archive_fail(err, a, "manifest");
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*len = used;
	*out = steal_pointer(&buf);
	return 0;
}

struct seen {
	char *name; /* layout path, no "./" prefix, no trailing slash */
	bool executable;
};

static int seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->name, ((const struct seen *)b)->name);
}

struct seen_list {
	struct seen *v;
	size_t n;
};

static void seen_list_free(struct seen_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

static int check_entry(struct archive_entry *e, struct seen_list *seen, bool *is_manifest,
		       bool *is_rootfs, struct s1_err *err)
{
	const char *name = archive_entry_pathname(e), *clean;
	size_t len;
	*is_manifest = *is_rootfs = false;
	if (!name)
		return s1_error(err, 0, "entry without a name");
	int r = aci_layout_path_check(name, &clean, &len, err);
	if (r < 0 || len == 0)
		return r;
	const char *link = archive_entry_hardlink(e);
	if (link) {
		const char *lclean;
		size_t llen;
		r = aci_layout_path_check(link, &lclean, &llen, err);
		if (r < 0)
			return s1_error_wrap(err, "hard link %s", name);
		if (llen <= 7 || strncmp(lclean, "rootfs/", 7) != 0)
			return s1_error(err, 0, "hard link %s: target \"%s\" outside rootfs", name,
					link);
	}
	unsigned type = archive_entry_filetype(e);
	*is_manifest = len == 8 && strncmp(clean, "manifest", 8) == 0;
	*is_rootfs = len == 6 && strncmp(clean, "rootfs", 6) == 0;
	if (*is_manifest && (type != AE_IFREG || link))
		return s1_error(err, 0, "manifest is not a regular file");
	if (*is_rootfs && type != AE_IFDIR)
		return s1_error(err, 0, "rootfs is not a directory");
	if (seen->n % 64 == 0)
		seen->v = s1_xrealloc(seen->v, (seen->n + 64) * sizeof(*seen->v));
	seen->v[seen->n++] = (struct seen){
	    .name = strndup(clean, len),
	    .executable = (type == AE_IFREG || link) && (archive_entry_perm(e) & S_IXUSR),
	};
	if (!seen->v[seen->n - 1].name)
		return s1_error(err, ENOMEM, "%s", name);
	return 0;
}

int aci_check(const char *path, struct s1_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_archive_read_ struct archive *a = NULL;
	int r = reader_open_path(path, false, &fd, &a, err);
	if (r < 0)
		return r;

	struct seen_list seen __attribute__((cleanup(seen_list_free))) = {0};
	_cleanup_free_ char *manifest = NULL;
	size_t manifest_len = 0;
	bool has_rootfs = false;
	struct archive_entry *e;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		bool is_manifest, is_rootfs;
		if (check_entry(e, &seen, &is_manifest, &is_rootfs, err) < 0)
			return s1_error_wrap(err, "%s", path);
		has_rootfs |= is_rootfs;
		if (is_manifest && !manifest &&
		    read_entry_data(a, ACI_MANIFEST_MAX, &manifest, &manifest_len, err) < 0)
			return s1_error_wrap(err, "%s", path);
	}
	if (r != ARCHIVE_EOF)
		return archive_fail(err, a, path);

	if (seen.n > 0)
		qsort(seen.v, seen.n, sizeof(*seen.v), seen_cmp);
	for (size_t i = 1; i < seen.n; i++)
		if (strcmp(seen.v[i - 1].name, seen.v[i].name) == 0)
			return s1_error(err, 0, "%s: duplicate file entry in archive: %s", path,
					seen.v[i].name);
	if (!manifest)
		return s1_error(err, 0, "%s: no image manifest found in layout", path);
	if (!has_rootfs)
		return s1_error(err, 0, "%s: no rootfs found in layout", path);

	struct aci_manifest m __attribute__((cleanup(aci_manifest_free))) = {0};
	if (aci_manifest_parse(manifest, manifest_len, &m, err) < 0)
		return s1_error_wrap(err, "%s: image manifest validation failed", path);
	for (size_t i = 0; i < m.n_entrypoints; i++) {
		_cleanup_free_ char *key = s1_xasprintf("rootfs%s", m.ep_paths[i]);
		struct seen k = {.name = key};
		const struct seen *s = bsearch(&k, seen.v, seen.n, sizeof(*seen.v), seen_cmp);
		if (!s || !s->executable)
			return s1_error(err, 0, "%s: entrypoint %s (%s): %s", path, m.ep_paths[i],
					m.ep_names[i],
					s ? "not an executable file" : "not in the image");
	}
	return 0;
}

int aci_list(const char *path, FILE *out, struct s1_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_archive_read_ struct archive *a = NULL;
	int r = reader_open_path(path, false, &fd, &a, err);
	if (r < 0)
		return r;
	struct archive_entry *e;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		char uid[24], gid[24];
		const char *uname = archive_entry_uname(e), *gname = archive_entry_gname(e);
		snprintf(uid, sizeof(uid), "%lld", (long long)archive_entry_uid(e));
		snprintf(gid, sizeof(gid), "%lld", (long long)archive_entry_gid(e));
		const char *name = archive_entry_pathname(e), *symlink = archive_entry_symlink(e),
			   *hardlink = archive_entry_hardlink(e);
		fprintf(out, "%.10s %s/%s %9lld %s%s%s\n", archive_entry_strmode(e),
			uname && *uname ? uname : uid, gname && *gname ? gname : gid,
			(long long)archive_entry_size(e), name ? name : "",
			symlink	   ? " -> "
			: hardlink ? " link to "
				   : "",
			symlink	   ? symlink
			: hardlink ? hardlink
				   : "");
	}
	if (r != ARCHIVE_EOF)
		return archive_fail(err, a, path);
	if (fflush(out) != 0)
		return s1_error(err, errno, "write");
	return 0;
}
