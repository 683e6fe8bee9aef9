/* Fuzzes mountinfo_parse, and that mountinfo_find gives each ID's first entry. */
#include <stdint.h>

#include "fuzz.h"
#include "stage1c/mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s1_err err = {0};
	struct s1_mountinfo mi;
	char *text = fuzz_cstr(data, size);
	if (mountinfo_parse(text, &mi, &err) == 0) {
		for (size_t i = 0; i < mi.n; i++) {
			const struct s1_mountinfo_entry *e = &mi.entries[i];
			FUZZ_CHECK(e->id >= 0 && e->root && e->point && e->opts && e->optional &&
				   e->fstype && e->source && e->superopts);
			size_t first = 0;
			while (mi.entries[first].id != e->id)
				first++;
			FUZZ_CHECK(mountinfo_find(&mi, e->id) == &mi.entries[first]);
		}
		FUZZ_CHECK(mountinfo_find(&mi, -1) == NULL);
		mountinfo_free(&mi);
	}
	free(text);
	return 0;
}
