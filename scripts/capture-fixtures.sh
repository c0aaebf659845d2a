#!/usr/bin/env bash
# Regenerates the sessions of fixtures/captures/ it records: real clients on this machine (headless
# Chromium and Firefox ESR, curl, wget, Python's urllib, http.client and
# requests, Node's fetch and http) talk to `harness capture`, which answers
# with the reference server and saves each request's exact bytes.
#
# Usage: scripts/capture-fixtures.sh [--port N] [--force] [--no-install]
#
#   --port N       port on 127.0.0.1 to capture on (default 8000; it shows in
#                  every Host field, so keep it fixed for stable fixtures)
#   --force        replace the sessions recorded even if some session failed
#   --no-install   do not install missing tools (apt-get, pip, npm)
#
# Captures go to a fresh temporary folder first; each session folder it
# recorded (fixtures/captures/CLIENT/SESSION/) is replaced only when every
# session succeeded (or with --force). Other folders under
# fixtures/captures/ (captures of your own) are never touched.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

PORT=8000
FORCE=0
INSTALL=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --port)
            [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "error: --port needs a number" >&2; exit 2; }
            PORT=$2
            shift 2
            ;;
        --force) FORCE=1; shift ;;
        --no-install) INSTALL=0; shift ;;
        -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
done

BASE="http://127.0.0.1:$PORT"
TOOLS=target/capture-tools
PLAYWRIGHT_CORE=1.65.1
MARIONETTE_DRIVER=3.7.1
REQUESTS=2.32.3

say() { printf '==> %s\n' "$*" >&2; }

# --- 1. Tools ----------------------------------------------------------------
install_tools() {
    local missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v firefox-esr >/dev/null || missing+=(firefox-esr)
    command -v wget >/dev/null || missing+=(wget)
    command -v curl >/dev/null || missing+=(curl)
    if [[ ${#missing[@]} -gt 0 ]]; then
        say "apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
    fi
    mkdir -p "$TOOLS"
    if ! "$TOOLS/venv/bin/python" -c 'import marionette_driver, requests' 2>/dev/null; then
        say "pip install marionette_driver requests (into $TOOLS/venv)"
        python3 -m venv "$TOOLS/venv"
        "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check \
            "marionette_driver==$MARIONETTE_DRIVER" "requests==$REQUESTS"
    fi
    if [[ ! -d $TOOLS/node_modules/playwright-core ]]; then
        say "npm install playwright-core (into $TOOLS)"
        npm install --prefix "$TOOLS" --silent --no-audit --no-fund "playwright-core@$PLAYWRIGHT_CORE"
    fi
}
[[ $INSTALL == 1 ]] && install_tools
for tool in chromium firefox-esr wget curl node python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is missing (run without --no-install)" >&2; exit 1; }
done

say "cargo build -p harness"
cargo build -q -p harness
HARNESS=target/debug/harness
PY=$TOOLS/venv/bin/python
export NODE_PATH=$ROOT/$TOOLS/node_modules

# --- 2. Versions -------------------------------------------------------------
V_CHROMIUM=$(chromium --version 2>/dev/null | awk '{print $2}')
V_FIREFOX=$(firefox-esr --version 2>/dev/null | awk '{print $3}')
V_CURL=$(curl --version | awk 'NR==1 {print $2}')
V_WGET=$(wget --version | awk 'NR==1 {print $3}')
V_PYTHON=$("$PY" -c 'import sys; print(sys.version.split()[0])')
V_REQUESTS=$("$PY" -c 'import requests; print(requests.__version__)')
V_NODE=$(node --version | sed 's/^v//')

# --- 3. Sessions -------------------------------------------------------------
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/h1check-capture.XXXXXX")
# Kept when something failed, for its logs.
trap '[[ ${KEEP_STAGE:-0} == 1 ]] && echo "logs kept in $STAGE/logs" >&2 || rm -rf "$STAGE"' EXIT
OUT=$STAGE/captures
mkdir -p "$OUT" "$STAGE/logs" "$STAGE/scratch/firefox-profile"
FAILED=()
BODY=$STAGE/scratch/body.txt
# A body of about 2 KiB for the upload sessions.
for i in $(seq 1 64); do printf 'line %04d of the h1check upload body\n' "$i"; done >"$BODY"

# Quotes each word for a shell only when it needs it.
quote() {
    local out=() word
    for word in "$@"; do
        if [[ $word =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
            out+=("$word")
        else
            out+=("'${word//\'/\'\\\'\'}'")
        fi
    done
    printf '%s' "${out[*]}"
}

# session CLIENT VERSION SESSION MIN_REQUESTS [--redact] [--note TEXT] -- COMMAND...
# Runs `harness capture` on $PORT, runs COMMAND against it, stops the
# capture with SIGINT and checks it wrote at least MIN_REQUESTS fixtures.
session() {
    local client=$1 version=$2 name=$3 min=$4
    shift 4
    local flags=()
    while [[ $1 != -- ]]; do
        case $1 in
            --redact) flags+=(--redact); shift ;;
            --note) flags+=(--note "$2"); shift 2 ;;
            *) echo "session: unexpected '$1'" >&2; exit 2 ;;
        esac
    done
    shift
    # What ran, with this machine's folders left out of the sidecar.
    local how
    how="scripts/capture-fixtures.sh: $(quote "$@")"
    how=${how//$STAGE\/work\//}
    how=${how//$ROOT\//}
    local log=$STAGE/logs/$client-$name.log
    say "$client/$name: $*"
    "$HARNESS" capture --client "$client" --client-version "$version" --session "$name" \
        --addr "127.0.0.1:$PORT" --out "$OUT" --duration 180 --how "$how" \
        ${flags[@]+"${flags[@]}"} >"$log" 2>&1 &
    local pid=$!
    local tries=0
    until grep -qs '^capturing ' "$log"; do
        if ! kill -0 "$pid" 2>/dev/null || ((++tries > 300)); then
            cat "$log" >&2
            echo "error: harness capture did not start on 127.0.0.1:$PORT (busy? try --port)" >&2
            kill -INT "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            FAILED+=("$client/$name")
            return 0
        fi
        sleep 0.1
    done
    local rc=0
    (cd "$STAGE/scratch" && timeout 120 "$@") >>"$STAGE/logs/$client-$name.client.log" 2>&1 || rc=$?
    sleep 1
    kill -INT "$pid" 2>/dev/null || true
    local crc=0
    wait "$pid" || crc=$?
    local count
    count=$( (find "$OUT/$client/$name" -name '*.http' 2>/dev/null || true) | wc -l)
    grep '^captured ' "$log" >&2 || true
    if [[ $rc != 0 || $crc != 0 || $count -lt $min ]]; then
        echo "error: $client/$name: client exit $rc, capture exit $crc, $count of at least $min requests" >&2
        tail -n 20 "$STAGE/logs/$client-$name.client.log" "$log" >&2 || true
        FAILED+=("$client/$name")
    fi
}

CHROMIUM_FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync)

# Browsers: the page (with its image and favicon), then the form.
session chromium "$V_CHROMIUM" page-and-form 3 \
    --note 'playwright-core drives Debian'\''s Chromium: it loads the page (the image and favicon follow) and submits the form' -- \
    node "$ROOT/scripts/capture/chromium.js" "$BASE/"
session chromium "$V_CHROMIUM" reload 3 \
    --note 'playwright-core drives Debian'"'"'s Chromium: it loads the page, then reloads it (revalidation)' -- \
    node "$ROOT/scripts/capture/chromium.js" "$BASE/" --reload
session chromium "$V_CHROMIUM" dump-dom 1 \
    --note 'chromium --dump-dom: the page and its subresources, no script driving the browser' -- \
    chromium "${CHROMIUM_FLAGS[@]}" --user-data-dir="$STAGE/scratch/chromium-profile" --dump-dom "$BASE/"
session firefox "$V_FIREFOX" page-and-form 3 \
    --note 'Marionette drives Firefox ESR: it loads the page (the image and favicon follow) and submits the form' -- \
    "$ROOT/$PY" "$ROOT/scripts/capture/firefox.py" "$BASE/"
session firefox "$V_FIREFOX" reload 3 \
    --note 'Marionette drives Firefox ESR: it loads the page, then reloads it (revalidation)' -- \
    "$ROOT/$PY" "$ROOT/scripts/capture/firefox.py" "$BASE/" --reload
session firefox "$V_FIREFOX" screenshot 1 \
    --note 'firefox --screenshot: the page and its image, no script driving the browser' -- \
    firefox-esr --headless --no-remote --profile firefox-profile --screenshot shot.png "$BASE/"

# curl: one feature per session.
session curl "$V_CURL" get 1 -- curl -sS -o /dev/null "$BASE/"
session curl "$V_CURL" head 1 -- curl -sS -I -o /dev/null "$BASE/"
session curl "$V_CURL" keep-alive 3 \
    --note 'three URLs on one command line reuse one connection' -- \
    curl -sS -o /dev/null -o /dev/null -o /dev/null "$BASE/" "$BASE/test.jpg" "$BASE/favicon.ico"
session curl "$V_CURL" http1.0 1 \
    --note 'an HTTP/1.0 request' -- curl -sS --http1.0 -o /dev/null "$BASE/"
session curl "$V_CURL" range 1 \
    --note 'a Range request' -- curl -sS -r 0-99 -o /dev/null "$BASE/test.jpg"
session curl "$V_CURL" form-post 1 -- curl -sS -o /dev/null -d 'name=h1check+curl' "$BASE/"
session curl "$V_CURL" json-post 1 \
    --note 'a JSON body; the form takes application/x-www-form-urlencoded only' -- \
    curl -sS -o /dev/null -H 'Content-Type: application/json' -d '{"name":"h1check"}' "$BASE/"
session curl "$V_CURL" multipart 1 \
    --note 'multipart/form-data with a file; curl picks a new boundary each run' -- \
    curl -sS -o /dev/null -F name=h1check -F upload=@body.txt "$BASE/"
session curl "$V_CURL" chunked-upload 1 \
    --note 'Transfer-Encoding: chunked forced with -H: curl sends the file as chunks' -- \
    curl -sS -o /dev/null -H 'Transfer-Encoding: chunked' \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @body.txt "$BASE/"
session curl "$V_CURL" expect-100 1 \
    --note 'Expect: 100-continue: curl waits for the interim 100 before sending the body' -- \
    curl -sS -o /dev/null -H 'Expect: 100-continue' \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @body.txt "$BASE/"
session curl "$V_CURL" credentials 1 --redact \
    --note 'Basic credentials and cookies, redacted' -- \
    curl -sS -o /dev/null -u 'user:not-a-real-secret' -b 'session=not-a-real-cookie; theme=dark' "$BASE/"

# wget.
session wget "$V_WGET" get 1 -- wget -q -O /dev/null "$BASE/"
session wget "$V_WGET" page-requisites 2 \
    --note 'wget -p asks for robots.txt before following the page'\''s image' -- wget -q -p -P wget-out "$BASE/"
session wget "$V_WGET" form-post 1 -- wget -q -O /dev/null --post-data 'name=h1check+wget' "$BASE/"

# Python and Node.
session python-urllib "$V_PYTHON" requests 3 \
    --note 'urllib: one connection per request, each with Connection: close' -- \
    "$ROOT/$PY" "$ROOT/scripts/capture/python_clients.py" urllib "$BASE" /
session python-http-client "$V_PYTHON" keep-alive 3 \
    --note 'one http.client.HTTPConnection reused for three requests' -- \
    "$ROOT/$PY" "$ROOT/scripts/capture/python_clients.py" http-client-keepalive "$BASE" /
session python-http-client "$V_PYTHON" chunked 1 \
    --note 'encode_chunked=True with an iterable body: one chunk per item' -- \
    "$ROOT/$PY" "$ROOT/scripts/capture/python_clients.py" http-client-chunked "$BASE" /
session python-requests "$V_REQUESTS" get-and-multipart 2 \
    --note 'a requests.Session: GET, then a multipart POST with a file (new boundary each run)' -- \
    "$ROOT/$PY" "$ROOT/scripts/capture/python_clients.py" requests "$BASE" /
session node-fetch "$V_NODE" get-and-posts 3 \
    --note 'Node'\''s built-in fetch (undici), which keeps connections alive' -- \
    node "$ROOT/scripts/capture/node_clients.js" fetch "$BASE" /
session node-fetch "$V_NODE" stream-body 1 \
    --note 'a ReadableStream body (duplex: '\''half'\'') is sent chunked' -- \
    node "$ROOT/scripts/capture/node_clients.js" fetch-stream "$BASE" /
session node-http "$V_NODE" keep-alive-chunked 2 \
    --note 'node:http with a keep-alive Agent; the POST has no Content-Length, so it is sent chunked' -- \
    node "$ROOT/scripts/capture/node_clients.js" http-keepalive "$BASE" /

# --- 4. Replace the sessions recorded ------------------------------------------
TOTAL=$(find "$OUT" -name '*.http' | wc -l)
CLIENTS=$(find "$OUT" -mindepth 1 -maxdepth 1 -type d | wc -l)
if [[ ${#FAILED[@]} -gt 0 ]]; then
    echo "error: ${#FAILED[@]} session(s) failed: ${FAILED[*]}" >&2
    if [[ $FORCE != 1 ]]; then
        echo "fixtures/captures/ left as it was (use --force to replace the sessions recorded anyway)" >&2
        KEEP_STAGE=1
        exit 1
    fi
fi
for recorded in "$OUT"/*/*/; do
    session=${recorded#"$OUT"/}
    session=${session%/}
    rm -rf "fixtures/captures/$session"
    mkdir -p "fixtures/captures/$(dirname "$session")"
    cp -R "$recorded" "fixtures/captures/$session"
done
say "fixtures/captures/: $TOTAL fixtures from $CLIENTS clients recorded"
for dir in fixtures/captures/*/; do
    printf '  %-20s %3d\n' "$(basename "$dir")" "$(find "$dir" -name '*.http' | wc -l)" >&2
done
