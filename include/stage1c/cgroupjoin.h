/* The app's cgroup membership, recorded by run for enter: the files the app joined through,
 * one per hierarchy ("tasks" on v1, "cgroup.procs" on v2). */
#ifndef STAGE1C_CGROUPJOIN_H
#define STAGE1C_CGROUPJOIN_H

#include <stddef.h>

#include "stage1c/confine.h"
#include "stage1c/error.h"
#include "stage1c/podstate.h"

#define S1_APP_CGROUPS_RECORD "app-cgroups" /* the section of the pod record */

void cgroupjoin_record_add(struct s1_record *rec, char *const *procs, size_t n);

/* Open every recorded file for c to join through (the v2 one as the cgroup its child is
 * created in: confine_use_cgroup2); a pod without the record has none. */
int cgroupjoin_open_app(int podfd, struct s1_confine *c, struct s1_err *err);

#endif
