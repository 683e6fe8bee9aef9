/* appc name formats (spec 0.8.11 types.md): ACName, ACIdentifier, UUID, environment names. */
#ifndef STAGE1C_NAMES_H
#define STAGE1C_NAMES_H

#include <stdbool.h>

/* ^[a-z0-9]+(-[a-z0-9]+)*$ */
bool names_is_acname(const char *s);
/* ^[a-z0-9]+([-._~/][a-z0-9]+)*$ */
bool names_is_acidentifier(const char *s);
/* 8-4-4-4-12 lower-case hex, as rkt prints a pod UUID */
bool names_is_uuid(const char *s);
/* ^[A-Za-z_][A-Za-z_0-9.-]*$ */
bool names_is_env_name(const char *s);
/* "sha512-" followed by hex digits (rkt accepts a prefix of the full hash) */
bool names_is_image_id(const char *s);

#endif
