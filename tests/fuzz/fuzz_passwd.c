/* Fuzzes user_db_find: the input is a user or group name, a NUL, then a passwd or group file. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "fuzz.h"
#include "stage1c/user.h"

/* Whether some line of text[0..len) starts with "name:". */
static bool has_entry(const char *text, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	for (const char *line = text, *end = text + len; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > nlen && memcmp(line, name, nlen) == 0 &&
		    line[nlen] == ':')
			return true;
		line = eol + 1;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t name_len = nul ? (size_t)(nul - data) : size;
	size_t len = nul ? size - name_len - 1 : 0;
	char *name = fuzz_cstr(data, name_len);
	/* Not NUL-terminated, and exactly len bytes: ASan sees any read past the end. */
	char *text = s1_xmalloc(len);
	if (len)
		memcpy(text, nul + 1, len);
	unsigned id = 0;
	int r = user_db_find(text, len, name, &id);
	FUZZ_CHECK(r == 0 || r == -ENOENT || r == -EINVAL);
	if (r == 0)
		FUZZ_CHECK(id < UINT32_MAX && has_entry(text, len, name));
	free(text);
	free(name);
	return 0;
}
