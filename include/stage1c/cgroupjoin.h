/* The app's cgroup membership, recorded by run for enter: the files the app joined through,
 * one per hierarchy ("tasks" on v1, "cgroup.procs" on v2). */
#ifndef STAGE1C_CGROUPJOIN_H
#define STAGE1C_CGROUPJOIN_H

#include <stddef.h>

#include "stage1c/confine.h"
#include "stage1c/error.h"

#define S1_APP_CGROUPS_RECORD "stage1-c/app-cgroups"

int cgroupjoin_record(int podfd, char *const *procs, size_t n, struct s1_err *err);

/* Open every recorded file for c to join through (the v2 one as the cgroup its child is
 * created in: confine_use_cgroup2); a pod without the record has none. */
int cgroupjoin_open_app(int podfd, struct s1_confine *c, struct s1_err *err);

#endif
