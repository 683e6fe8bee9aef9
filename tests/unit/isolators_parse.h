/* The isolator tests' fixture: decode an isolators JSON array as an image's app section holds
 * it. Include after <cmocka.h>. */
#ifndef STAGE1C_TESTS_ISOLATORS_PARSE_H
#define STAGE1C_TESTS_ISOLATORS_PARSE_H

#include <stdbool.h>
#include <string.h>

#include "stage1c/isolators.h"
#include "stage1c/manifest.h"
#include "stage1c/util.h"

/* Parse an app section holding the given isolators JSON array into iso. */
static inline int tu_parse_isolators(const char *isolators_json, bool disable_seccomp,
				     struct s1_isolators *iso, struct s1_err *err)
{
	_cleanup_free_ char *text = s1_xasprintf(
	    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/a\","
	    "\"app\":{\"exec\":[\"/a\"],\"user\":\"0\",\"group\":\"0\",\"isolators\":%s}}",
	    isolators_json);
	struct s1_image_manifest im;
	int r = manifest_image_parse(text, strlen(text), &im, err);
	if (r < 0)
		return r;
	r = isolators_parse(&im.app, NULL, disable_seccomp, iso, err);
	manifest_image_free(&im);
	return r;
}

#endif
