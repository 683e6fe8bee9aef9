/* The pod's cgroups, one concern per file (include what you use; this header brings them all):
 *   cgroupparse.h  the hierarchies this process is in (/proc/self/cgroup, mountinfo)
 *   cgroupplan.h   the plan: which cgroups the pod gets, its limits, as data (pure)
 *   cgroupfs.h     the file-system calls the rest make, as a table (the host's, or a test's)
 *   cgroupapply.h  the plan carried out, and undone
 *   cgroupjoin.h   a process of the app joining its cgroups (run, enter)
 *   cgroupgc.h     the record of them, killing what is in them, removing them (stop, gc) */
#ifndef STAGE1C_CGROUP_H
#define STAGE1C_CGROUP_H

#include "stage1c/cgroupapply.h"
#include "stage1c/cgroupfs.h"
#include "stage1c/cgroupgc.h"
#include "stage1c/cgroupjoin.h"
#include "stage1c/cgroupparse.h"
#include "stage1c/cgroupplan.h"

#endif
