/* Fuzzes env_parse (the rkt/env/APP format), and that env_serialize gives back what it parsed. */
#include <stdint.h>

#include "fuzz.h"
#include "stage1c/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s1_err err = {0};
	char *text = fuzz_cstr(data, size);
	char **envp, **back;
	if (env_parse(text, &envp, &err) == 0) {
		char *again = env_serialize(envp);
		FUZZ_CHECK(env_parse(again, &back, &err) == 0);
		size_t i = 0;
		for (; envp[i] && back[i]; i++)
			FUZZ_CHECK(strcmp(envp[i], back[i]) == 0);
		FUZZ_CHECK(!envp[i] && !back[i]);
		env_free(back);
		free(again);
		env_free(envp);
	}
	free(text);
	return 0;
}
