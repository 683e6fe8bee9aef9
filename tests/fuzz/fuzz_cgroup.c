/* Fuzzes cgroup_plan_build: the input is a mountinfo text, a NUL, then a /proc/self/cgroup text. */
#include <stdint.h>

#include "fuzz.h"
#include "stage1c/cgroupplan.h"

static const char pod_name[] = S1_CGROUP_POD_PREFIX "2b4b0f52-83f1-4a6c-9f6c-0ddc1d6f0e33";

/* No limits, then every limit: each one sends the plan through other hierarchies. */
static const struct s1_cgroup_limits limits[] = {
    {0},
    {.has_memory = true,
     .memory_bytes = 64 << 20,
     .has_cpu = true,
     .cpu_milli = 250,
     .has_shares = true,
     .shares = 512},
};

static void check_plan(const struct s1_cgroup_plan *plan)
{
	/* The record lists the directories one per line. */
	FUZZ_CHECK(plan->n_dirs > 0 && plan->n_app_procs > 0);
	for (size_t i = 0; i < plan->n_dirs; i++)
		FUZZ_CHECK(*plan->dirs[i] && !strchr(plan->dirs[i], '\n'));
	for (size_t i = 0; i < plan->n_ops; i++)
		FUZZ_CHECK(plan->ops[i].path && plan->ops[i].what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	size_t mountinfo_len = strlen(text);
	const char *self_cgroup = mountinfo_len < size ? text + mountinfo_len + 1 : "";
	for (size_t i = 0; i < S1_ARRAY_SIZE(limits); i++) {
		struct s1_err err = {0};
		struct s1_cgroup_plan plan;
		if (cgroup_plan_build(text, self_cgroup, pod_name, &limits[i], &plan, &err) == 0) {
			check_plan(&plan);
			cgroup_plan_free(&plan);
		}
	}
	free(text);
	return 0;
}
