#!/usr/bin/env bash
# Where a handshake's time goes, by kind of work, for the crypto floor, strata and rustls
# side by side: each runs `handshake_loop STACK SECONDS KIND` under `perf record`, the
# samples are put in buckets by symbol (X25519, P-256, RSA, SHA-256 and HMAC, AEAD, the
# kernel's random source, the allocator, memcpy/memset, the rest), and each bucket is
# printed in µs per handshake (its share of the samples times the loop's time per
# handshake). The three run in turn ROUNDS times, so that a change in the shared machine's
# speed touches them alike; compare the rows of one round.
#
#   benches/scripts/time-by-kind.sh resumed13 3      # TLS 1.3 resumed, 3 rounds
#   benches/scripts/time-by-kind.sh full 3           # TLS 1.3 ECDSA P-256, no client auth
#
# Needs `perf` (perf record -e cpu-clock works in VMs where hardware counters do not) and
# a release build of the example:
#   cargo build --release -p strata-bench --example handshake_loop
set -euo pipefail
kind=${1:-full}
rounds=${2:-3}
seconds=${SECONDS_PER_RUN:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
loop="${CARGO_TARGET_DIR:-$root/target}/release/examples/handshake_loop"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
printf '%-7s %8s %9s | %7s %7s %7s %8s %6s %6s %6s %6s %7s\n' \
    stack hs/s 'µs/hs' x25519 p256 rsa sha/hmac aead random alloc memcpy other
for _ in $(seq "$rounds"); do
    for stack in floor strata rustls; do
        out=$(perf record -q -e cpu-clock -F 10000 -o "$data/perf.data" \
            "$loop" "$stack" "$seconds" "$kind" 2>/dev/null)
        rate=$(grep -oE '[0-9]+/s' <<<"$out" | head -1 | tr -d '/s')
        perf report -i "$data/perf.data" --no-children --stdio --sort sym 2>/dev/null |
            grep -vE '^(#|$)' |
            awk -v stack="$stack" -v rate="$rate" '
            {
                share = $1; sub("%", "", share); s = $0
                if (s ~ /curve25519|x25519|fe4_|fe_loose|fe_sq|ge_|table_select/) b["x25519"] += share
                else if (s ~ /p256|nistz|ecp_|ecdsa/) b["p256"] += share
                else if (s ~ /bn_|mulx4x|sqrx8x|rsaz|LIMBS|powerx5|rsa::|bigint/) b["rsa"] += share
                else if (s ~ /sha2::|sha256|digest::|hmac::|Hmac|hkdf|expand_label|p_hash/) b["sha"] += share
                else if (s ~ /aes|gcm|ghash|chacha20_poly|poly1305|aead/) b["aead"] += share
                else if (s ~ /crng|chacha_permute|getrandom|do_syscall|entry_SYSCALL|syscall_return|\[k\] _copy_to_iter/) b["random"] += share
                else if (s ~ /malloc|_int_free|cfree|free@|unlink_chunk|__rust_alloc|__rdl_alloc|__rust_dealloc|__rdl_dealloc|realloc|alloc_shim/) b["alloc"] += share
                else if (s ~ /memmove|memcpy|memset/) b["memcpy"] += share
                else b["other"] += share
            }
            END {
                t = 1e6 / rate
                printf "%-7s %8d %9.1f | %7.1f %7.1f %7.1f %8.1f %6.1f %6.1f %6.1f %6.1f %7.1f\n",
                    stack, rate, t, b["x25519"] * t / 100, b["p256"] * t / 100, b["rsa"] * t / 100,
                    b["sha"] * t / 100, b["aead"] * t / 100, b["random"] * t / 100,
                    b["alloc"] * t / 100, b["memcpy"] * t / 100, b["other"] * t / 100
            }'
    done
done
