/* No precompiled default filter: what seccompgen itself links with (it makes the real one). */
#include "stage1c/seccomp.h"

const struct s1_seccomp_precompiled s1_seccomp_default_prog = {.arch = 0, .len = 0, .insns = 0};
