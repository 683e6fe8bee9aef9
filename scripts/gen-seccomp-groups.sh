#!/bin/sh
# Turn rkt's seccomp groups (data/rkt-seccomp-groups.json) into the C table stage1-c is built
# with (include/stage1c/seccomp.h: s1_seccomp_groups, s1_seccomp_arm_additions).
# usage: scripts/gen-seccomp-groups.sh IN.json > OUT.c
set -eu
in=$1
# Every name must be a plain C identifier-like word, so that nothing in the data can end up
# as C code; every group needs at least one name.
jq -e '
	(.groups | type == "object" and length > 0) and
	([.groups[] | (type == "array" and length > 0)] | all) and
	([.groups[][], .["whitelist additions on arm and arm64"][]]
	 | all(type == "string" and test("^[a-z_][a-z0-9_]*$"))) and
	([.groups | keys[] | test("^@[a-z0-9.-]+/[a-z0-9-]+$")] | all)
' "$in" >/dev/null || {
	echo "gen-seccomp-groups: $in: unexpected content (group names, syscall names)" >&2
	exit 1
}
jq -r --arg src "$in" '
	def cstrs: map("\t\"" + . + "\",") | join("\n");
	"/* Generated from \($src) by scripts/gen-seccomp-groups.sh: do not edit. */",
	"#include \"stage1c/seccomp.h\"",
	"",
	(.groups | to_entries | sort_by(.key) | to_entries[] |
	 "static const char *const group_\(.key)[] = {\n\(.value.value | cstrs)\n};"),
	"",
	"const struct s1_seccomp_group s1_seccomp_groups[] = {",
	(.groups | to_entries | sort_by(.key) | to_entries[] |
	 "\t{\"\(.value.key)\", group_\(.key), \(.value.value | length)},"),
	"};",
	"const size_t s1_seccomp_n_groups = \(.groups | length);",
	"",
	"const char *const s1_seccomp_arm_additions[] = {",
	(.["whitelist additions on arm and arm64"] | cstrs),
	"};",
	"const size_t s1_seccomp_n_arm_additions = \(.["whitelist additions on arm and arm64"] | length);"
' "$in"
