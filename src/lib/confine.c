/* Capabilities, no-new-privileges, OOM score, cgroup membership and the seccomp filter of the
 * app's processes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage1c/cgroup.h"
#include "stage1c/cgroupjoin.h"
#include "stage1c/confine.h"
#include "stage1c/podstate.h"
#include "stage1c/util.h"

#define BIT(c) (1ULL << (c))

uint64_t confine_default_caps(void)
{
	return BIT(CAP_AUDIT_WRITE) | BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) |
	       BIT(CAP_FOWNER) | BIT(CAP_KILL) | BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) |
	       BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(CAP_SETPCAP) |
	       BIT(CAP_SETFCAP) | BIT(CAP_SYS_CHROOT);
}

static void set_oom_score_adj(struct s1_confine *c, bool has, int value)
{
	c->has_oom_score_adj = has;
	c->oom_score_adj = value;
	snprintf(c->oom_score_adj_text, sizeof(c->oom_score_adj_text), "%d", value);
}

/* Whether this process holds CAP_SYS_ADMIN in its effective set (or only in its permitted
 * one: the child can make it effective again). */
static bool self_has_sys_admin(bool effective)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	uint32_t set =
	    effective ? data[CAP_SYS_ADMIN / 32].effective : data[CAP_SYS_ADMIN / 32].permitted;
	return set & (1u << (CAP_SYS_ADMIN % 32));
}

static void derive_admin_until_seccomp(struct s1_confine *c)
{
	c->admin_until_seccomp = c->seccomp.len > 0 && !c->no_new_privs && !c->keep_caps &&
				 !(c->granted & BIT(CAP_SYS_ADMIN));
}

void confine_compute(const struct s1_isolators *iso, bool disable_caps, uid_t uid,
		     struct s1_confine *c)
{
	memset(c, 0, sizeof(*c));
	c->cgroup2_dir = -1;
	c->seccomp_mode = iso->seccomp_mode;
	c->seccomp_errno = iso->seccomp_errno;
	if (iso->seccomp.len > 0)
		seccomp_prog_set(&c->seccomp, iso->seccomp.insns, iso->seccomp.len);
	/* Without no_new_privs, only a process with CAP_SYS_ADMIN may load a filter. */
	c->no_new_privs = iso->no_new_privs ||
			  (c->seccomp.len > 0 && (uid != 0 || !self_has_sys_admin(disable_caps)));
	set_oom_score_adj(c, iso->has_oom_score_adj, iso->oom_score_adj);
	if (disable_caps) {
		c->keep_caps = true;
		return;
	}
	switch (iso->caps_mode) {
	case S1_CAPS_RETAIN:
		c->bounding = iso->caps_set;
		break;
	case S1_CAPS_REMOVE:
		c->bounding = confine_default_caps() & ~iso->caps_set;
		break;
	case S1_CAPS_DEFAULT:
		c->bounding = confine_default_caps();
		break;
	}
	if (uid == 0) {
		c->granted = c->bounding;
	} else if (iso->caps_mode == S1_CAPS_RETAIN) {
		c->granted = c->bounding;
		c->ambient = true;
	}
	derive_admin_until_seccomp(c);
}

static int write_str(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w = write(fd, s, n);
	return w == (ssize_t)n ? 0 : (w < 0 ? -errno : -EIO);
}

/* set as the effective, permitted and inheritable sets; extra effective and permitted only. */
static int capset_all(uint64_t set, uint64_t extra)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	for (int i = 0; i < 2; i++) {
		uint32_t w = (uint32_t)(set >> (32 * i));
		data[i].effective = data[i].permitted = w | (uint32_t)(extra >> (32 * i));
		data[i].inheritable = w;
	}
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

int confine_before_setuid(const struct s1_confine *c, bool in_cgroup2)
{
	int r = cgroupjoin_join(c, in_cgroup2);
	if (r < 0)
		return r;
	if (c->has_oom_score_adj) {
		int fd = openat(AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = write_str(fd, c->oom_score_adj_text);
		close(fd);
		if (r < 0)
			return r;
	}
	if (c->keep_caps)
		return 0;
	/* Capabilities outside the bounding set are gone for good, for this process and all it
	 * executes, setuid binaries included. */
	for (int cap = 0; cap < 64; cap++) {
		if (c->bounding & BIT(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return -errno;
		}
	}
	/* Ambient capabilities for a non-root user need permitted ones across setresuid. */
	if (c->ambient && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int confine_after_setuid(const struct s1_confine *c)
{
	if (!c->keep_caps) {
		int r = capset_all(c->granted, c->admin_until_seccomp ? BIT(CAP_SYS_ADMIN) : 0);
		if (r < 0)
			return r;
		if (c->ambient) {
			for (int cap = 0; cap < 64; cap++)
				if ((c->granted & BIT(cap)) &&
				    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
					return -errno;
			if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
				return -errno;
		}
	}
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int confine_load_seccomp(const struct s1_confine *c)
{
	return seccomp_prog_load(&c->seccomp);
}

void confine_free(struct s1_confine *c)
{
	confine_close_fds(c);
	seccomp_prog_free(&c->seccomp);
}

void confine_close_fds(struct s1_confine *c)
{
	for (size_t i = 0; i < c->n_cgroup_fds; i++)
		close(c->cgroup_fds[i]);
	c->n_cgroup_fds = 0;
	if (c->cgroup2_dir >= 0)
		close(c->cgroup2_dir);
	c->cgroup2_dir = -1;
	c->cgroup2_move = false;
}

#define INSNS_PER_LINE 16

/* "retain kill" / "remove EPERM" / "off", then the program, 16 instructions a line, each as
 * code, jt, jf and k in hex. */
static char *put_hex(char *p, unsigned long v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		*p++ = hex[(v >> (4 * i)) & 0xf];
	return p;
}

#define DEFAULT_PROG "default" /* the line that stands for the precompiled default program */

static void seccomp_record_add(struct s1_record *rec, const struct s1_confine *c)
{
	if (c->seccomp.len == 0) {
		record_add(rec, S1_REC_SECCOMP, "off");
		return;
	}
	size_t lines = (c->seccomp.len + INSNS_PER_LINE - 1) / INSNS_PER_LINE;
	_cleanup_free_ char *text = s1_xmalloc(64 + lines * 4 + (size_t)c->seccomp.len * 17);
	const char *en = c->seccomp_errno ? seccomp_errno_name(c->seccomp_errno) : "kill";
	char *p =
	    text + sprintf(text, "%s ", c->seccomp_mode == S1_SECCOMP_REMOVE ? "remove" : "retain");
	p += en ? sprintf(p, "%s", en) : sprintf(p, "%d", c->seccomp_errno);
	/* The precompiled default, which enter (of the same image) has too, by name: writing its
	 * 400 instructions out took run a tenth of a millisecond. */
	if (seccomp_is_default_prog(&c->seccomp)) {
		stpcpy(p, "\n" DEFAULT_PROG);
		record_add(rec, S1_REC_SECCOMP, text);
		return;
	}
	for (unsigned i = 0; i < c->seccomp.len; i++) {
		const struct sock_filter *f = &c->seccomp.insns[i];
		if (i % INSNS_PER_LINE == 0)
			p = stpcpy(p, "\nbpf");
		*p++ = ' ';
		p = put_hex(p, f->code, 4);
		p = put_hex(p, f->jt, 2);
		p = put_hex(p, f->jf, 2);
		p = put_hex(p, f->k, 8);
	}
	*p = '\0';
	record_add(rec, S1_REC_SECCOMP, text);
}

static int hex_value(const char *s, size_t len, unsigned long *out)
{
	*out = 0;
	for (size_t i = 0; i < len; i++) {
		int d = s[i] >= '0' && s[i] <= '9'   ? s[i] - '0'
			: s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
						     : -1;
		if (d < 0)
			return -1;
		*out = *out << 4 | (unsigned long)d;
	}
	return 0;
}

static int seccomp_record_parse(char *text, struct s1_confine *c)
{
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	if (!line)
		return -1;
	if (strcmp(line, "off") == 0)
		return strtok_r(NULL, "\n", &save) ? -1 : 0;
	char mode[16], en[32];
	if (sscanf(line, "%15s %31s", mode, en) != 2)
		return -1;
	if (strcmp(mode, "retain") == 0)
		c->seccomp_mode = S1_SECCOMP_RETAIN;
	else if (strcmp(mode, "remove") == 0)
		c->seccomp_mode = S1_SECCOMP_REMOVE;
	else
		return -1;
	long long num;
	if (strcmp(en, "kill") == 0)
		c->seccomp_errno = 0;
	else if (s1_parse_ll(en, 1, 4095, &num) == 0)
		c->seccomp_errno = (int)num;
	else if ((c->seccomp_errno = seccomp_errno_from_name(en)) < 0)
		return -1;
	size_t len = 0;
	line = strtok_r(NULL, "\n", &save);
	if (line && strcmp(line, DEFAULT_PROG) == 0)
		return !strtok_r(NULL, "\n", &save) && seccomp_default_copy(&c->seccomp) ? 0 : -1;
	_cleanup_free_ struct sock_filter *insns =
	    s1_xmalloc(S1_SECCOMP_MAX_INSNS * sizeof(*insns));
	for (; line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "bpf", 3) != 0)
			return -1;
		for (const char *p = line + 3; *p;) {
			unsigned long code, jt, jf, k;
			if (p[0] != ' ' || strlen(p + 1) < 16 || (p[17] != ' ' && p[17] != '\0') ||
			    len == S1_SECCOMP_MAX_INSNS || hex_value(p + 1, 4, &code) < 0 ||
			    hex_value(p + 5, 2, &jt) < 0 || hex_value(p + 7, 2, &jf) < 0 ||
			    hex_value(p + 9, 8, &k) < 0)
				return -1;
			insns[len++] = (struct sock_filter){.code = (uint16_t)code,
							    .jt = (uint8_t)jt,
							    .jf = (uint8_t)jf,
							    .k = (uint32_t)k};
			p += 17;
		}
	}
	if (len == 0)
		return -1;
	seccomp_prog_set(&c->seccomp, insns, len);
	return 0;
}

void confine_record_add(struct s1_record *rec, const struct s1_confine *c)
{
	char buf[256];
	snprintf(buf, sizeof(buf),
		 "keep_caps %d\nbounding %llx\ngranted %llx\nambient %d\nno_new_privs %d\n"
		 "oom_score_adj %d %d",
		 c->keep_caps, (unsigned long long)c->bounding, (unsigned long long)c->granted,
		 c->ambient, c->no_new_privs, c->has_oom_score_adj, c->oom_score_adj);
	record_add(rec, S1_REC_CONFINE, buf);
	seccomp_record_add(rec, c);
}

int confine_record_read(const struct s1_record *rec, const char *app, struct s1_confine *c,
			struct s1_err *err)
{
	char *text = NULL;
	int r = record_get(rec, S1_REC_CONFINE, app, &text);
	if (r < 0)
		return s1_error(err, r, "reading the pod's confinement record");
	unsigned long long bnd, gr;
	int keep, amb, nnp, has_oom, oom;
	memset(c, 0, sizeof(*c));
	c->cgroup2_dir = -1;
	int n = sscanf(text,
		       "keep_caps %d\nbounding %llx\ngranted %llx\nambient %d\nno_new_privs %d\n"
		       "oom_score_adj %d %d",
		       &keep, &bnd, &gr, &amb, &nnp, &has_oom, &oom);
	free(text);
	if (n != 7)
		return s1_error(err, 0, "malformed confinement record");
	c->keep_caps = keep;
	c->bounding = bnd;
	c->granted = gr;
	c->ambient = amb;
	c->no_new_privs = nnp;
	set_oom_score_adj(c, has_oom, oom);
	/* No filter recorded is a malformed record, never a pod without one. */
	if ((r = record_get(rec, S1_REC_SECCOMP, app, &text)) < 0)
		return s1_error(err, r == -ENOENT ? 0 : r,
				"malformed confinement record: no seccomp filter");
	r = seccomp_record_parse(text, c);
	free(text);
	if (r < 0) {
		seccomp_prog_free(&c->seccomp);
		return s1_error(err, 0, "malformed seccomp filter in the confinement record");
	}
	derive_admin_until_seccomp(c);
	return 0;
}
