#!/usr/bin/env bash
# Runs one cargo-fuzz target for a bounded time, seeding its corpus first.
#
#   scripts/fuzz.sh TARGET [SECONDS]        # TARGET: request_head, chunked_decoder, connection
#
# The server forbids unsafe code, so the targets run without a sanitizer
# (--sanitizer none), with debug assertions and overflow checks on.
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler; runs on
# stable Rust through RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly flags).
# The corpus grows in fuzz/corpus/TARGET (not committed); a failing input
# lands in fuzz/artifacts/TARGET/ and becomes a fixture with
# scripts/fuzz-to-fixture.sh. libFuzzer's last lines give the executions
# run and exec/s.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}"
seconds="${2:-240}"
corpus="fuzz/corpus/$target"
mkdir -p "$corpus"

case "$target" in
request_head | connection)
    # Every fixture's exact bytes is a seed.
    find fixtures -name '*.http' -not -path 'fixtures/cases/*' | while read -r f; do
        cp "$f" "$corpus/seed-$(printf '%s' "$f" | tr '/' '_')"
    done
    ;;
chunked_decoder)
    printf '5\r\nhello\r\n0\r\n\r\n' >"$corpus/seed-plain"
    printf '5;name=value;q="a \\"b\\""\r\nhello\r\n000 ; last\r\nTrailer: x\r\n\r\n' >"$corpus/seed-ext-trailer"
    printf '00A\r\n0123456789\r\n1\r\nz\r\n0\r\n\r\n' >"$corpus/seed-padded"
    ;;
*)
    echo "unknown target $target (request_head, chunked_decoder, connection)" >&2
    exit 2
    ;;
esac

cd fuzz
RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none "$target" -- \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1
