/* Diagnostics on stderr, each line prefixed with the entrypoint's name ("run: ..."). */
#ifndef STAGE1C_LOG_H
#define STAGE1C_LOG_H

#include "stage1c/error.h"

#include <stdbool.h>

void s1_log_init(const char *prog, bool debug);
const char *s1_log_prog(void);
bool s1_log_debug_enabled(void);
void s1_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void s1_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* rkt's exit code for "the stage1 program itself failed" (docs/interface.md §3). */
#define S1_EXIT_FAILURE 254

/* The one line an entrypoint prints before exiting S1_EXIT_FAILURE. */
void s1_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An entrypoint's exit code for r: r itself when >= 0, else S1_EXIT_FAILURE after err's line. */
int s1_exit_code(int r, const struct s1_err *err);

#endif
