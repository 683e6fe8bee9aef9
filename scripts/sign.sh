#!/usr/bin/env bash
# Sign a stage1 ACI: writes FILE.aci.asc, an ASCII-armored OpenPGP detached signature.
#
# Usage: scripts/sign.sh FILE.aci [PUBKEY_OUT]
#   SIGNING_KEY=<gpg key id>  sign with that key from the caller's GNUPGHOME (or ~/.gnupg).
#   SIGNING_KEY unset         say so, and sign with a throwaway RSA 2048 key made in a temporary
#                             GNUPGHOME (never the caller's keyring), deleted afterwards with its
#                             gpg-agent; its public key goes to PUBKEY_OUT (default
#                             FILE-pubkey.asc), for `rkt trust --prefix=NAME PUBKEY_OUT`.
# rkt 1.30 verifies RSA signatures only: a signature by another kind of key gets a warning.
set -euo pipefail

prog=sign
aci=${1:?usage: scripts/sign.sh FILE.aci [PUBKEY_OUT]}
pubkey=${2:-${aci%.aci}-pubkey.asc}
[[ -f $aci ]] || { echo "$prog: $aci: no such file" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stage1-c-sign.XXXXXX")
throwaway_home=
cleanup() {
	if [[ -n $throwaway_home ]]; then
		GNUPGHOME=$throwaway_home gpgconf --kill all >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

gpg_opts=()
if [[ -n ${SIGNING_KEY:-} ]]; then
	key=$SIGNING_KEY
else
	echo "$prog: SIGNING_KEY not set: signing with a throwaway RSA 2048 key (public key: $pubkey)" >&2
	throwaway_home=$tmp/gnupg
	mkdir -m 0700 "$throwaway_home"
	export GNUPGHOME=$throwaway_home
	key=stage1-c-throwaway@example.org
	gpg_opts=(--batch --pinentry-mode loopback --passphrase '')
	gpg "${gpg_opts[@]}" --quiet --quick-generate-key \
		"stage1-c throwaway signing key <$key>" rsa2048 sign never 2>/dev/null
	gpg --batch --armor --export "$key" >"$tmp/pubkey"
fi

gpg "${gpg_opts[@]}" --quiet --yes --armor --detach-sign --local-user "$key" \
	--output "$tmp/sig" "$aci"

# Check the signature before publishing it, and the key algorithm rkt will meet.
status=$(gpg --batch --status-fd 1 --verify "$tmp/sig" "$aci" 2>/dev/null) || {
	echo "$prog: the new signature of $aci does not verify" >&2
	exit 1
}
algo=$(awk '$2 == "VALIDSIG" { print $9 }' <<<"$status")
if [[ $algo != 1 && $algo != 3 ]]; then
	echo "$prog: warning: key $key is not RSA (OpenPGP algorithm $algo): rkt 1.30 cannot verify it" >&2
fi

mv -f "$tmp/sig" "$aci.asc"
if [[ -n $throwaway_home ]]; then
	mv -f "$tmp/pubkey" "$pubkey"
else
	rm -f "$pubkey" # a throwaway key's public key would not match this signature
fi
