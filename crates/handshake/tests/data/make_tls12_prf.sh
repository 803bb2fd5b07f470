#!/usr/bin/env bash
# Regenerates tls12_prf.txt: TLS 1.2 PRF vectors computed by the openssl binary's TLS1-PRF
# KDF (`openssl kdf ... TLS1-PRF`), independently of strata's code.
#
# OpenSSL's TLS1-PRF takes the PRF's label and seed as one "seed" (RFC 5246 §5 hashes
# label + seed), so each vector passes hexseed = hex(label) || hex(seed parts), built here
# in the order the RFCs give:
#   master secret   RFC 5246 §8.1:  "master secret" + client_random + server_random
#   extended master RFC 7627 §4:    "extended master secret" + session_hash
#   key block       RFC 5246 §6.3:  "key expansion" + server_random + client_random
#   verify_data     RFC 5246 §7.4.9: "client finished"/"server finished" + handshake hash
#   exporter        RFC 5705 §4:    label + client_random + server_random
#                                   [+ uint16 context length + context]
#
# The inputs are fixed: SHA-256/SHA-384 digests of short names, so reruns give the same
# file. Usage: bash make_tls12_prf.sh > tls12_prf.txt   (tested with OpenSSL 3.0)
set -euo pipefail

hexof() { od -An -v -tx1 | tr -d ' \n'; }
ascii() { printf '%s' "$1" | hexof; }
sha256() { printf '%s' "$1" | openssl dgst -sha256 -binary | hexof; }
sha384() { printf '%s' "$1" | openssl dgst -sha384 -binary | hexof; }

# tls1_prf DIGEST SECRET_HEX SEED_HEX LEN: prints the output as lower-case hex.
tls1_prf() {
    openssl kdf -keylen "$4" -kdfopt "digest:$1" -kdfopt "hexsecret:$2" \
        -kdfopt "hexseed:$3" TLS1-PRF | tr -d ':\n' | tr 'A-F' 'a-f'
}

# emit DIGEST SECRET_HEX SEED_HEX LEN: the command as a comment, then `output = ...`.
emit() {
    echo "# openssl kdf -keylen $4 -kdfopt digest:$1 -kdfopt hexsecret:$2 -kdfopt hexseed:$3 TLS1-PRF"
    echo "output = $(tls1_prf "$@")"
    echo
}

echo "# TLS 1.2 PRF vectors made by make_tls12_prf.sh with $(openssl version | cut -d' ' -f1-2)."
echo "# Do not edit by hand: rerun the script. Each record's comment is the command that made"
echo "# its output; hexseed is hex(label) followed by the seed parts."
echo

cr=$(sha256 "client random")
sr=$(sha256 "server random")

# Plain PRF, SHA-256: 100 bytes (not a multiple of 32).
secret=$(sha256 "prf secret sha256" | cut -c1-32)
seed=$(sha256 "prf seed sha256")
echo "kind = prf"; echo "hash = SHA256"; echo "secret = $secret"
echo "label = test label"; echo "seed = $seed"
emit SHA256 "$secret" "$(ascii "test label")$seed" 100

# Plain PRF, SHA-384: 148 bytes (not a multiple of 48).
secret=$(sha384 "prf secret sha384")
seed=$(sha384 "prf seed sha384")$(sha256 "prf seed sha384")
echo "kind = prf"; echo "hash = SHA384"; echo "secret = $secret"
echo "label = test label"; echo "seed = $seed"
emit SHA384 "$secret" "$(ascii "test label")$seed" 148

# Master secret (RFC 5246 §8.1).
for hash in SHA256 SHA384; do
    if [ $hash = SHA256 ]; then pms=$(sha256 "pre-master secret"); else pms=$(sha384 "pre-master secret"); fi
    echo "kind = master_secret"; echo "hash = $hash"; echo "pre_master_secret = $pms"
    echo "client_random = $cr"; echo "server_random = $sr"
    emit $hash "$pms" "$(ascii "master secret")$cr$sr" 48
done

# Extended master secret (RFC 7627 §4).
for hash in SHA256 SHA384; do
    if [ $hash = SHA256 ]; then
        pms=$(sha256 "pre-master secret"); sh=$(sha256 "session hash")
    else
        pms=$(sha384 "pre-master secret"); sh=$(sha384 "session hash")
    fi
    echo "kind = extended_master_secret"; echo "hash = $hash"; echo "pre_master_secret = $pms"
    echo "session_hash = $sh"
    emit $hash "$pms" "$(ascii "extended master secret")$sh" 48
done

# Key block (RFC 5246 §6.3): 2 * (key_len + fixed_iv_len) bytes.
ms=$(sha384 "master secret")
for spec in "AES_128_GCM SHA256 40" "AES_256_GCM SHA384 72" "CHACHA20_POLY1305 SHA256 88"; do
    set -- $spec
    echo "kind = key_block"; echo "aead = $1"; echo "hash = $2"; echo "master_secret = $ms"
    echo "client_random = $cr"; echo "server_random = $sr"
    emit "$2" "$ms" "$(ascii "key expansion")$sr$cr" "$3"
done

# verify_data (RFC 5246 §7.4.9): 12 bytes.
for spec in "client SHA256" "server SHA256" "client SHA384" "server SHA384"; do
    set -- $spec
    if [ "$2" = SHA256 ]; then hh=$(sha256 "handshake messages"); else hh=$(sha384 "handshake messages"); fi
    echo "kind = verify_data"; echo "hash = $2"; echo "sender = $1"; echo "master_secret = $ms"
    echo "handshake_hash = $hh"
    emit "$2" "$ms" "$(ascii "$1 finished")$hh" 12
done

# Exporters (RFC 5705 §4): no context ("none"), a 5-byte context, an empty context
# ("empty": length 0000 and no bytes).
label="EXPERIMENTAL strata test"
for spec in "SHA256 none 32" "SHA256 0102030405 50" "SHA384 empty 64"; do
    set -- $spec
    case $2 in
        none) ctxseed=""; ctx="none" ;;
        empty) ctxseed="0000"; ctx="empty" ;;
        *) ctxseed=$(printf '%04x' $(( ${#2} / 2 )))$2; ctx=$2 ;;
    esac
    echo "kind = exporter"; echo "hash = $1"; echo "master_secret = $ms"; echo "label = $label"
    echo "context = $ctx"; echo "client_random = $cr"; echo "server_random = $sr"
    emit "$1" "$ms" "$(ascii "$label")$cr$sr$ctxseed" "$3"
done
