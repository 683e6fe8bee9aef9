/* Capabilities, no-new-privileges, OOM score and cgroup membership of the app's processes. */
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

void confine_compute(const struct s1_isolators *iso, bool disable_caps, uid_t uid,
		     struct s1_confine *c)
{
	memset(c, 0, sizeof(*c));
	c->cgroup2_dir = c->cgroup2_procs = -1;
	c->no_new_privs = iso->no_new_privs;
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
}

static int write_str(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w = write(fd, s, n);
	return w == (ssize_t)n ? 0 : (w < 0 ? -errno : -EIO);
}

static int capset_all(uint64_t set)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	for (int i = 0; i < 2; i++) {
		uint32_t w = (uint32_t)(set >> (32 * i));
		data[i].effective = data[i].permitted = data[i].inheritable = w;
	}
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

int confine_before_setuid(const struct s1_confine *c, bool in_cgroup2)
{
	int r = cgroup_join_fds(c->cgroup_fds, c->n_cgroup_fds);
	if (r < 0)
		return r;
	if (!in_cgroup2 && c->cgroup2_procs >= 0 && (r = cgroup_join_fds(&c->cgroup2_procs, 1)) < 0)
		return r;
	if (c->has_oom_score_adj) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
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
		int r = capset_all(c->granted);
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

int confine_use_cgroup2(struct s1_confine *c, char *const *paths, struct s1_err *err)
{
	for (size_t i = 0; i < c->n_cgroup_fds; i++) {
		const char *slash = strrchr(paths[i], '/');
		if (!slash || strcmp(slash, "/cgroup.procs") != 0)
			continue;
		_cleanup_free_ char *dir = s1_xstrndup(paths[i], (size_t)(slash - paths[i]));
		c->cgroup2_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->cgroup2_dir < 0)
			return s1_error(err, errno, "opening cgroup %s", dir);
		c->cgroup2_procs = c->cgroup_fds[i];
		c->cgroup_fds[i] = c->cgroup_fds[--c->n_cgroup_fds];
		return 0;
	}
	return 0;
}

void confine_close_fds(struct s1_confine *c)
{
	for (size_t i = 0; i < c->n_cgroup_fds; i++)
		close(c->cgroup_fds[i]);
	c->n_cgroup_fds = 0;
	if (c->cgroup2_dir >= 0)
		close(c->cgroup2_dir);
	if (c->cgroup2_procs >= 0)
		close(c->cgroup2_procs);
	c->cgroup2_dir = c->cgroup2_procs = -1;
}

void confine_record_add(struct s1_record *rec, const struct s1_confine *c)
{
	char buf[256];
	snprintf(buf, sizeof(buf),
		 "keep_caps %d\nbounding %llx\ngranted %llx\nambient %d\nno_new_privs %d\n"
		 "oom_score_adj %d %d",
		 c->keep_caps, (unsigned long long)c->bounding, (unsigned long long)c->granted,
		 c->ambient, c->no_new_privs, c->has_oom_score_adj, c->oom_score_adj);
	podstate_record_add(rec, "confine", buf);
}

int confine_record_read(int podfd, struct s1_confine *c, struct s1_err *err)
{
	char *text = NULL;
	int r = podstate_record_read(podfd, "confine", &text);
	if (r < 0)
		return s1_error(err, r, "reading the pod's confinement record");
	unsigned long long bnd, gr;
	int keep, amb, nnp, has_oom, oom;
	memset(c, 0, sizeof(*c));
	c->cgroup2_dir = c->cgroup2_procs = -1;
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
	return 0;
}
