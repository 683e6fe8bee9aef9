/* Helpers shared by the libFuzzer harnesses of tests/fuzz. */
#ifndef STAGE1C_FUZZ_H
#define STAGE1C_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage1c/util.h"

/* A NUL-terminated copy of data, for APIs that take a C string (it ends at data's first NUL). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = s1_xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An invariant the sanitizers cannot see: abort, and libFuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
