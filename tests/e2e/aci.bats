#!/usr/bin/env bats
# The stage1 image end to end: packing, validation, reproducibility, signing, installation.
# Needs BUILD (absolute build dir, with bin-host/acipack and aci/manifest), run from the repo root.
# The entrypoints are static dummies built here: the tests do not need enter/gc/stop to exist.

bats_require_minimum_version 1.5.0

setup_file() {
	BUILD=${BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
	FILE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/aci-e2e.XXXXXX")
	export FILE_TMP ACIPACK=$BUILD/bin-host/acipack MANIFEST=$BUILD/aci/manifest
	export IMG=$FILE_TMP/stage1.aci SOURCE_DATE_EPOCH=1577836800 TZ=UTC
	printf 'int main(void) { return 0; }\n' >"$FILE_TMP/dummy.c"
	"${CC:-cc}" -static -s -o "$FILE_TMP/static" "$FILE_TMP/dummy.c"
	"${CC:-cc}" -o "$FILE_TMP/dynamic" "$FILE_TMP/dummy.c"
	mkdir "$FILE_TMP/bins"
	for ep in run enter gc stop; do cp "$FILE_TMP/static" "$FILE_TMP/bins/$ep"; done
	stage_rootfs "$FILE_TMP/rootfs"
	"$ACIPACK" build --manifest "$MANIFEST" --rootfs "$FILE_TMP/rootfs" -o "$IMG"
}

teardown_file() {
	rm -rf "$FILE_TMP"
}

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/aci-test.XXXXXX")
	unset SIGNING_KEY MAKEFLAGS MAKELEVEL MFLAGS
}

teardown() {
	local home
	for home in "$T"/gpg-* "$T"/stage1-c-sign.*/gnupg; do
		if [[ -d $home ]]; then
			GNUPGHOME=$home gpgconf --kill all >/dev/null 2>&1 || true
		fi
	done
	rm -rf "$T"
}

# The staged stage1 rootfs, as mk/aci.mk makes it.
stage_rootfs() {
	mkdir -p "$1"
	cp -RP rootfs/. "$1/"
	(cd "$1" && mkdir -p rkt/status rkt/env opt/stage2)
	cp "$FILE_TMP"/bins/* "$1/"
}

# A GNUPGHOME under $T (killed in teardown).
gpg_home() {
	mkdir -m 0700 "$T/gpg-$1"
	echo "$T/gpg-$1"
}

gen_key() { # HOME UID ALGO
	GNUPGHOME=$1 gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
		--quick-generate-key "$2" "$3" sign never
}

# Pack $T/rootfs with $T/manifest into $T/out.aci; expect a refusal mentioning $1.
expect_refusal() {
	run "$ACIPACK" build --manifest "${MANIFEST_IN:-$MANIFEST}" --rootfs "$T/rootfs" -o "$T/out.aci"
	echo "$output"
	[ "$status" -eq 254 ]
	[[ ${lines[0]} == "acipack: "*"$1"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$T/out.aci" ]
	[ -z "$(compgen -G "$T/out.aci.*")" ]
}

# A tar of $T/layout (manifest, rootfs) plus "evil", stored under the name $1.
bad_archive() {
	mkdir -p "$T/layout"
	tar -xzf "$IMG" -C "$T/layout"
	echo evil >"$T/layout/evil"
	tar -P --transform="s,^evil\$,$1," -czf "$T/bad.aci" -C "$T/layout" manifest rootfs evil
}

# Command lines of the gpg-agents whose home is under $1 (no pgrep: procps may be absent).
gpg_agents_under() {
	local f cmd
	for f in /proc/[0-9]*/cmdline; do
		cmd=$(tr '\0' ' ' <"$f" 2>/dev/null) || continue
		[[ $cmd == *gpg-agent*"$1"* ]] && echo "$cmd"
	done
	return 0
}

flip_byte() { # FILE OFFSET
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf '%b' "\\$(printf %03o $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

@test "the stage1 manifest names example.org/stage1-c with version, arch and os labels" {
	run actool validate "$MANIFEST"
	[ "$status" -eq 0 ]
	grep -q '"name": "example.org/stage1-c"' "$MANIFEST"
	grep -q '{"name": "version", "value": "[0-9][^"]*"}' "$MANIFEST"
	grep -q '{"name": "arch", "value": "[a-z0-9_]*"}' "$MANIFEST"
	grep -q '{"name": "os", "value": "linux"}' "$MANIFEST"
	grep -q '"coreos.com/rkt/stage1/interface-version", "value": "5"' "$MANIFEST"
	run ! grep -q @ "$MANIFEST"
}

@test "a packed stage1 image passes actool validate" {
	run actool validate "$IMG"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the packed image holds the manifest, the flavor symlink, the stage1 directories and the four entrypoints" {
	run "$ACIPACK" list "$IMG"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"-rw-r--r-- root/root "*" manifest"* ]]
	[[ $output == *"lrwxrwxrwx root/root "*" rootfs/flavor -> fly"* ]]
	for dir in rkt/status rkt/env opt/stage2; do
		[[ $output == *"drwxr-xr-x root/root "*" rootfs/$dir/"* ]]
	done
	for ep in run enter gc stop; do
		[[ $output == *"-rwxr-xr-x root/root "*" rootfs/$ep"* ]]
	done
	# Nothing but manifest and rootfs at the top ("! grep" would not fail a bats test).
	# shellcheck disable=SC2143
	[ -z "$(tar -tzf "$IMG" | grep -Ev '^(manifest|rootfs/.*)$')" ]
}

@test "every entry is owned by root:root with the same mtime" {
	total=$(tar -tzf "$IMG" | wc -l)
	[ "$(tar --numeric-owner --full-time -tvzf "$IMG" | grep -c ' 0/0 .* 2020-01-01 00:00:00 ')" -eq "$total" ]
	[ "$(tar --full-time -tvzf "$IMG" | grep -c ' root/root ')" -eq "$total" ]
}

@test "SOURCE_DATE_EPOCH sets the mtime of every entry" {
	SOURCE_DATE_EPOCH=1700000000 "$ACIPACK" build --manifest "$MANIFEST" --rootfs "$FILE_TMP/rootfs" -o "$T/t.aci"
	total=$(tar -tzf "$T/t.aci" | wc -l)
	[ "$(tar --full-time -tvzf "$T/t.aci" | grep -c ' 2023-11-14 22:13:20 ')" -eq "$total" ]
	run env SOURCE_DATE_EPOCH=yesterday "$ACIPACK" build --manifest "$MANIFEST" --rootfs "$FILE_TMP/rootfs" -o "$T/u.aci"
	[ "$status" -eq 254 ]
	[[ $output == "acipack: SOURCE_DATE_EPOCH=\"yesterday\""* ]]
}

@test "two packer runs give byte-identical images" {
	stage_rootfs "$T/rootfs"
	touch -d '2001-02-03' "$T/rootfs/run" "$T/rootfs/rkt"
	"$ACIPACK" build --manifest "$MANIFEST" --rootfs "$T/rootfs" -o "$T/again.aci"
	cmp "$IMG" "$T/again.aci"
}

@test "two clean make builds give byte-identical images" {
	for n in 1 2; do
		make -s -j"$(nproc)" aci BUILD="$T/build$n" ACI="$T/$n.aci" ACI_BINDIR="$FILE_TMP/bins" >/dev/null
	done
	cmp "$T/1.aci" "$T/2.aci"
	cmp "$T/1.aci" "$IMG"
}

@test "the gzip header carries no file name and no timestamp" {
	[ "$(od -An -tx1 -N8 "$IMG" | tr -d ' ')" = "1f8b080000000000" ]
}

@test "acipack id prints sha512- and the sha512 of the uncompressed tar" {
	run "$ACIPACK" id "$IMG"
	[ "$status" -eq 0 ]
	[ "$output" = "sha512-$(gzip -dc "$IMG" | sha512sum | cut -d' ' -f1)" ]
	id=$("$ACIPACK" build --manifest "$MANIFEST" --rootfs "$FILE_TMP/rootfs" -o "$T/x.aci" --print-id)
	[ "$id" = "$output" ]
}

@test "acipack check accepts the packed image" {
	run "$ACIPACK" check "$IMG"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the packer refuses a manifest that does not parse" {
	stage_rootfs "$T/rootfs"
	head -c 40 "$MANIFEST" >"$T/manifest"
	MANIFEST_IN=$T/manifest expect_refusal "$T/manifest: invalid JSON at line"
}

@test "the packer refuses a manifest whose name is not an ACIdentifier" {
	stage_rootfs "$T/rootfs"
	sed 's|"example.org/stage1-c"|"Example.org/Stage1 C"|' "$MANIFEST" >"$T/manifest"
	MANIFEST_IN=$T/manifest expect_refusal 'invalid ImageManifest: name "Example.org/Stage1 C": ACIdentifier must contain only lower case'
}

@test "the packer refuses an entrypoint annotation pointing to a missing file" {
	stage_rootfs "$T/rootfs"
	rm "$T/rootfs/gc"
	expect_refusal "entrypoint /gc (coreos.com/rkt/stage1/gc): can't open: no such file or directory"
}

@test "the packer refuses a non-executable entrypoint" {
	stage_rootfs "$T/rootfs"
	chmod 0644 "$T/rootfs/stop"
	expect_refusal "entrypoint /stop (coreos.com/rkt/stage1/stop): not executable"
}

@test "the packer refuses a dynamically linked entrypoint" {
	stage_rootfs "$T/rootfs"
	cp "$FILE_TMP/dynamic" "$T/rootfs/enter"
	expect_refusal "entrypoint /enter (coreos.com/rkt/stage1/enter): dynamically linked"
}

@test "acipack check refuses an extra top-level entry, as actool validate does" {
	bad_archive extra
	run "$ACIPACK" check "$T/bad.aci"
	echo "$output"
	[ "$status" -eq 254 ]
	[ "$output" = "acipack: $T/bad.aci: unrecognized file path in layout: \"extra\"" ]
	run actool validate "$T/bad.aci"
	[ "$status" -ne 0 ]
}

@test "acipack check refuses a ../ entry" {
	bad_archive ../evil
	run "$ACIPACK" check "$T/bad.aci"
	echo "$output"
	[ "$status" -eq 254 ]
	[ "$output" = "acipack: $T/bad.aci: unsafe file path in layout: \"../evil\"" ]
	bad_archive rootfs/../../evil
	run "$ACIPACK" check "$T/bad.aci"
	[ "$status" -eq 254 ]
	[ "$output" = "acipack: $T/bad.aci: unsafe file path in layout: \"rootfs/../../evil\"" ]
}

@test "acipack check refuses an absolute path" {
	bad_archive /etc/evil
	run "$ACIPACK" check "$T/bad.aci"
	echo "$output"
	[ "$status" -eq 254 ]
	[ "$output" = "acipack: $T/bad.aci: unsafe file path in layout: \"/etc/evil\"" ]
}

@test "the signature made with a throwaway key verifies with gpg and the exported public key" {
	cp "$IMG" "$T/s.aci"
	user=$(gpg_home user)
	TMPDIR=$T GNUPGHOME=$user run scripts/sign.sh "$T/s.aci"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == "sign: SIGNING_KEY not set"* ]]
	[ "$(head -n1 "$T/s.aci.asc")" = "-----BEGIN PGP SIGNATURE-----" ]
	[ "$(head -n1 "$T/s-pubkey.asc")" = "-----BEGIN PGP PUBLIC KEY BLOCK-----" ]
	verify=$(gpg_home verify)
	GNUPGHOME=$verify gpg --batch --quiet --import "$T/s-pubkey.asc"
	GNUPGHOME=$verify run gpg --batch --status-fd 1 --verify "$T/s.aci.asc" "$T/s.aci"
	[ "$status" -eq 0 ]
	# RSA (OpenPGP algorithm 1), which rkt 1.30 verifies.
	[ "$(awk '$2 == "VALIDSIG" { print $9 }' <<<"$output")" = 1 ]
}

@test "gpg --verify fails after a one-byte change to the image" {
	cp "$IMG" "$T/s.aci"
	TMPDIR=$T GNUPGHOME=$(gpg_home user) scripts/sign.sh "$T/s.aci" 2>/dev/null
	verify=$(gpg_home verify)
	GNUPGHOME=$verify gpg --batch --quiet --import "$T/s-pubkey.asc"
	GNUPGHOME=$verify gpg --batch --quiet --verify "$T/s.aci.asc" "$T/s.aci"
	flip_byte "$T/s.aci" $(($(stat -c %s "$T/s.aci") / 2))
	run ! cmp -s "$IMG" "$T/s.aci"
	GNUPGHOME=$verify run gpg --batch --verify "$T/s.aci.asc" "$T/s.aci"
	[ "$status" -ne 0 ]
	[[ $output == *"BAD signature"* ]]
}

@test "throwaway signing leaves the caller's GNUPGHOME untouched and no gpg-agent running" {
	cp "$IMG" "$T/s.aci"
	user=$(gpg_home user)
	TMPDIR=$T GNUPGHOME=$user scripts/sign.sh "$T/s.aci" 2>/dev/null
	[ -z "$(ls -A "$user")" ]
	[ -z "$(compgen -G "$T/stage1-c-sign.*")" ]
	# gpgconf --kill returns before the agent is gone: give it two seconds.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(gpg_agents_under "$T/")" ] && break
		sleep 0.2
	done
	[ -z "$(gpg_agents_under "$T/")" ]
}

@test "signing with SIGNING_KEY uses that key from the caller's GNUPGHOME" {
	cp "$IMG" "$T/s.aci"
	user=$(gpg_home user)
	gen_key "$user" "Stage1 Test <stage1-test@example.org>" rsa2048
	fpr=$(GNUPGHOME=$user gpg --with-colons --fingerprint stage1-test@example.org | awk -F: '$1 == "fpr" { print $10; exit }')
	SIGNING_KEY=stage1-test@example.org GNUPGHOME=$user run scripts/sign.sh "$T/s.aci"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e "$T/s-pubkey.asc" ]
	GNUPGHOME=$user run gpg --batch --status-fd 1 --verify "$T/s.aci.asc" "$T/s.aci"
	[ "$status" -eq 0 ]
	[[ $output == *"[GNUPG:] VALIDSIG $fpr "* ]]
}

@test "signing with a non-RSA SIGNING_KEY warns that rkt 1.30 cannot verify it" {
	cp "$IMG" "$T/s.aci"
	user=$(gpg_home user)
	gen_key "$user" "Ed <ed@example.org>" ed25519
	SIGNING_KEY=ed@example.org GNUPGHOME=$user run scripts/sign.sh "$T/s.aci"
	[ "$status" -eq 0 ]
	[[ $output == *"sign: warning: key ed@example.org is not RSA"*"rkt 1.30 cannot verify it"* ]]
}

@test "make sign install-aci puts the image and its signature in lib/rkt/stage1-images" {
	args=(BUILD="$T/build" ACI="$T/i.aci" ACI_BINDIR="$FILE_TMP/bins" DESTDIR="$T/dest" PREFIX=/usr)
	make -s -j"$(nproc)" aci "${args[@]}" >/dev/null
	TMPDIR=$T GNUPGHOME=$(gpg_home user) make -s sign install-aci "${args[@]}" >/dev/null 2>&1
	dir=$T/dest/usr/lib/rkt/stage1-images
	cmp "$T/i.aci" "$dir/i.aci"
	cmp "$T/i.aci.asc" "$dir/i.aci.asc"
	[ "$(stat -c %a "$dir/i.aci")" = 644 ]
	[ ! -e "$dir/i-pubkey.asc" ]
	[ -f "$T/i-pubkey.asc" ]
}

@test "the built stage1-c.aci passes actool validate and acipack check" {
	[ -f stage1-c.aci ] || skip "stage1-c.aci is not built (it needs all four entrypoints)"
	actool validate stage1-c.aci
	"$ACIPACK" check stage1-c.aci
}
