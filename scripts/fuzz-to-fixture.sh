#!/usr/bin/env bash
# Turns an input from cargo-fuzz (a crash, a disagreement, or any corpus
# entry worth keeping) into a fixture that stable `cargo test` replays for
# ever:
#
#   scripts/fuzz-to-fixture.sh ARTIFACT NAME [TARGET]
#
# writes fixtures/fuzz/NAME.http (the exact request bytes) and its sidecar
# fixtures/fuzz/NAME.toml. TARGET (request_head, chunked_decoder,
# connection) defaults to the artifact's folder name, as in
# fuzz/artifacts/TARGET/crash-HASH. An input of the chunked_decoder target
# is a body, so it is put behind a chunked POST head. Refuses to overwrite
# a fixture.
#
# Then:
#   cargo test --test properties fuzz_fixtures     # the fuzz targets' checks
#   INSTA_UPDATE=always cargo test --test replay -- 'replay::fuzz/NAME.http'
#   git diff snapshots/                            # review the new snapshot
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
artifact="${1:?usage: scripts/fuzz-to-fixture.sh ARTIFACT NAME [TARGET]}"
name="${2:?usage: scripts/fuzz-to-fixture.sh ARTIFACT NAME [TARGET]}"
target="${3:-$(basename "$(dirname "$artifact")")}"
case "$name" in
*/* | "" | .*)
    echo "NAME must be a plain file stem, like crlf-in-chunk-ext" >&2
    exit 2
    ;;
esac
dir="$root/fixtures/fuzz"
http="$dir/$name.http"
side="$dir/$name.toml"
for f in "$http" "$side"; do
    if [ -e "$f" ]; then
        echo "$f already exists; refusing to overwrite it" >&2
        exit 1
    fi
done
mkdir -p "$dir"

case "$target" in
request_head | connection)
    cp "$artifact" "$http"
    ;;
chunked_decoder)
    {
        printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n'
        printf 'Content-Type: application/x-www-form-urlencoded\r\n'
        printf 'Transfer-Encoding: chunked\r\n\r\n'
        cat "$artifact"
    } >"$http"
    ;;
*)
    echo "unknown target $target: pass request_head, chunked_decoder or connection" >&2
    exit 2
    ;;
esac

sum="$(sha256sum "$artifact" | cut -d' ' -f1)"
cat >"$side" <<TOML
client = "cargo-fuzz"
how = "scripts/fuzz-to-fixture.sh $(basename "$artifact") $name $target"
notes = "Found by the $target fuzz target (input sha256 $sum)."
TOML
echo "wrote $http and $side"
echo "next: cargo test --test properties fuzz_fixtures"
echo "      INSTA_UPDATE=always cargo test --test replay -- 'replay::fuzz/$name.http'"
echo "      then review and commit fixtures/fuzz/$name.* and its snapshot"
