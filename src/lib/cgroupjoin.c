/* The record of the app's cgroups, so that enter's commands join the app's cgroups. */
#include <errno.h>
#include <string.h>

#include "stage1c/cgroup.h"
#include "stage1c/cgroupjoin.h"
#include "stage1c/podstate.h"
#include "stage1c/util.h"

void cgroupjoin_record_add(struct s1_record *rec, char *const *procs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		podstate_record_add(rec, S1_APP_CGROUPS_RECORD, procs[i]);
}

int cgroupjoin_open_app(int podfd, struct s1_confine *c, struct s1_err *err)
{
	_cleanup_free_ char *text = NULL;
	c->n_cgroup_fds = 0;
	int r = podstate_record_read(podfd, S1_APP_CGROUPS_RECORD, &text);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return s1_error(err, r, "reading the %s record", S1_APP_CGROUPS_RECORD);
	char *paths[S1_MAX_CGROUP_FDS];
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* Only the join file of a pod cgroup, never anything else the record could name. */
		if (!cgroup_is_app_join_file(line))
			return s1_error(err, 0, "%s record: bad entry \"%s\"",
					S1_APP_CGROUPS_RECORD, line);
		if (n == S1_MAX_CGROUP_FDS)
			return s1_error(err, 0, "%s record: too many entries",
					S1_APP_CGROUPS_RECORD);
		paths[n++] = line;
	}
	if ((r = cgroup_open_join_files(paths, n, c->cgroup_fds, S1_MAX_CGROUP_FDS, err)) < 0)
		return r;
	c->n_cgroup_fds = n;
	return confine_use_cgroup2(c, paths, err);
}
