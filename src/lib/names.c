/* Validators for the appc name formats used in manifests and on the command line. */
#include <string.h>

#include "stage1c/names.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Runs of [a-z0-9]+ separated by single characters from seps. */
static bool is_separated_words(const char *s, const char *seps)
{
	if (!s || !is_lower_alnum(*s))
		return false;
	for (; *s; s++) {
		if (is_lower_alnum(*s))
			continue;
		if (!strchr(seps, *s) || !is_lower_alnum(s[1]))
			return false;
	}
	return true;
}

bool names_is_acname(const char *s)
{
	return is_separated_words(s, "-");
}

bool names_is_acidentifier(const char *s)
{
	return is_separated_words(s, "-._~/");
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool names_is_uuid(const char *s)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	if (!s)
		return false;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!is_lower_hex(*s))
				return false;
		if (g < 4 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

bool names_is_env_name(const char *s)
{
	if (!s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return false;
	for (s++; *s; s++) {
		char c = *s;
		if (!(c == '_' || c == '.' || c == '-' || (c >= 'A' && c <= 'Z') ||
		      (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

bool names_is_image_id(const char *s)
{
	if (!s || strncmp(s, "sha512-", 7) != 0 || !s[7])
		return false;
	for (s += 7; *s; s++)
		if (!is_lower_hex(*s))
			return false;
	return true;
}
