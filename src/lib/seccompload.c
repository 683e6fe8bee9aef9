/* A compiled seccomp filter as the child loads it, and errno names: what enter needs, without
 * libseccomp (seccomp.c). */
#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>

#include "stage1c/seccomp.h"
#include "stage1c/util.h"

/* clang-format off */
#define E(name) {#name, name}
static const struct {
	const char *name;
	int value;
} errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
	E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST),
	E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM),
	E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
	E(ENOMSG), E(EIDRM), E(ECHRNG), E(EL2NSYNC), E(EL3HLT), E(EL3RST), E(ELNRNG), E(EUNATCH),
	E(ENOCSI), E(EL2HLT), E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC), E(EBADSLT),
	E(EBFONT), E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR), E(ENONET), E(ENOPKG), E(EREMOTE),
	E(ENOLINK), E(EADV), E(ESRMNT), E(ECOMM), E(EPROTO), E(EMULTIHOP), E(EDOTDOT), E(EBADMSG),
	E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EREMCHG), E(ELIBACC), E(ELIBBAD), E(ELIBSCN),
	E(ELIBMAX), E(ELIBEXEC), E(EILSEQ), E(ERESTART), E(ESTRPIPE), E(EUSERS), E(ENOTSOCK),
	E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT), E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE),
	E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED),
	E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ESHUTDOWN), E(ETOOMANYREFS),
	E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS),
	E(ESTALE), E(EUCLEAN), E(ENOTNAM), E(ENAVAIL), E(EISNAM), E(EREMOTEIO), E(EDQUOT),
	E(ENOMEDIUM), E(EMEDIUMTYPE), E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED), E(EKEYREVOKED),
	E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL), E(EHWPOISON),
	/* Other names of values above (a value's name is the first one). */
	E(EWOULDBLOCK), E(EDEADLOCK), E(ENOTSUP),
};
#undef E
/* clang-format on */

int seccomp_errno_from_name(const char *name)
{
	for (size_t i = 0; i < S1_ARRAY_SIZE(errno_names); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].value;
	return -1;
}

const char *seccomp_errno_name(int value)
{
	for (size_t i = 0; i < S1_ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].value == value)
			return errno_names[i].name;
	return NULL;
}

void seccomp_prog_set(struct s1_seccomp_prog *prog, const struct sock_filter *insns, size_t len)
{
	prog->insns = s1_xmalloc(len * sizeof(*insns));
	memcpy(prog->insns, insns, len * sizeof(*insns));
	prog->len = (unsigned short)len;
}

void seccomp_prog_free(struct s1_seccomp_prog *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}

int seccomp_prog_load(const struct s1_seccomp_prog *prog)
{
	if (prog->len == 0)
		return 0;
	struct sock_fprog fprog = {.len = prog->len, .filter = (struct sock_filter *)prog->insns};
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0 ? -errno : 0;
}

/* Here rather than in seccomp.c, so that enter, which reads the record, does without
 * libseccomp: run records the default by name only once it chose it for this architecture. */
bool seccomp_is_default_prog(const struct s1_seccomp_prog *prog)
{
	const struct s1_seccomp_precompiled *pre = &s1_seccomp_default_prog;
	return pre->len > 0 && prog->len == pre->len &&
	       memcmp(prog->insns, pre->insns, pre->len * sizeof(*pre->insns)) == 0;
}

bool seccomp_default_copy(struct s1_seccomp_prog *prog)
{
	const struct s1_seccomp_precompiled *pre = &s1_seccomp_default_prog;
	if (pre->len == 0)
		return false;
	seccomp_prog_set(prog, pre->insns, pre->len);
	return true;
}
