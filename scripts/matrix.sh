#!/usr/bin/env bash
# The conformance matrix: every case against several HTTP/1.1 servers.
#
#   scripts/matrix.sh                # install what is missing, run, write docs/matrix.*
#   scripts/matrix.sh --no-install   # use what is installed; skip servers that are not
#   scripts/matrix.sh --only nginx,reference
#
# Installs nginx and Apache with apt-get (python3 and node are expected to
# be there), builds the reference server, the harness and the peers
# (hyper and tiny_http hello-worlds, peers/) in release mode, starts every
# server on its own loopback port with a throwaway configuration under a
# mktemp folder, runs `harness run --target ... --json` against each, stops
# exactly the processes it started, and writes docs/matrix.html,
# docs/matrix.md and the summary in README.md (between the matrix markers)
# through scripts/matrix-table.py. Everything is bounded: each server gets
# 10 s to start and the harness 10 minutes per server.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/servers.sh
. scripts/lib/servers.sh

INSTALL=1
ONLY=""
BASE_PORT="${MATRIX_BASE_PORT:-18400}"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) INSTALL=0 ;;
    --only) ONLY="$2"; shift ;;
    --base-port) BASE_PORT="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "matrix.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

POLICY_RC=""
servers_init matrix
RESULTS="$ROOT/target/matrix"
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.log

log() { printf '==> %s\n' "$*" >&2; }

# --- install ---------------------------------------------------------------
if [ "$INSTALL" = 1 ] && { ! command -v nginx >/dev/null || ! command -v apache2 >/dev/null; }; then
  log "installing nginx and apache2"
  # Keep the packages' own services from starting on ports 80/443.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    POLICY_RC=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$POLICY_RC"
    chmod 755 "$POLICY_RC"
  fi
  timeout 600 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq nginx apache2 >/dev/null
  if [ -n "$POLICY_RC" ]; then rm -f "$POLICY_RC"; POLICY_RC=""; fi
fi

# --- build -----------------------------------------------------------------
log "building the reference server, the harness and the peers"
timeout 1200 cargo build --release -q -p server -p harness
if wanted hyper || wanted tiny-http; then
  timeout 1200 cargo build --release -q --manifest-path peers/Cargo.toml
fi
HARNESS="$ROOT/target/release/harness"
PEERS="$ROOT/peers/target/release"

# --- the site every static server serves -----------------------------------
make_www "$SITE_INDEX" server/assets/test.jpg

SERVERS=()   # name|label|port
start() { # NAME LABEL PORT CMD...: start in the background, remember its PID
  local name="$1" label="$2" port="$3"
  shift 3
  if start_server "$port" "$RESULTS/$name.log" - "$@"; then
    SERVERS+=("$name|$label|$port")
    log "$label on 127.0.0.1:$port (pid $STARTED)"
  else
    log "$name did not start; see $RESULTS/$name.log"
  fi
}

port=$BASE_PORT
if wanted reference; then
  # As a user runs it: the guestbook on, its database in the throwaway folder.
  start reference "h1check reference" "$port" "$ROOT/target/release/server" --addr "127.0.0.1:$port" -q --data "$WORK/guestbook"
fi
port=$((port + 1))

if wanted nginx && command -v nginx >/dev/null; then
  nginx_conf "$port" 1 1024 off
  start nginx "nginx $(nginx_version)" "$port" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
fi
port=$((port + 1))

if wanted apache && command -v apache2 >/dev/null; then
  mkdir -p "$WORK/apache"
  MODS=/usr/lib/apache2/modules
  cat > "$WORK/apache/httpd.conf" <<EOF
ServerRoot $WORK/apache
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule dir_module $MODS/mod_dir.so
LoadModule mime_module $MODS/mod_mime.so
Listen 127.0.0.1:$port
ServerName localhost
User www-data
Group www-data
PidFile $WORK/apache/httpd.pid
DefaultRuntimeDir $WORK/apache
ErrorLog $WORK/apache/error.log
LogLevel warn
TypesConfig /etc/mime.types
DocumentRoot $WORK/www
DirectoryIndex index.html
<Directory $WORK/www>
    Require all granted
</Directory>
EOF
  APACHE_VERSION="$(apache2 -v 2>/dev/null | sed -n 's/^Server version: Apache\/\([^ ]*\).*/\1/p')"
  start apache "Apache $APACHE_VERSION" "$port" apache2 -f "$WORK/apache/httpd.conf" -DFOREGROUND
fi
port=$((port + 1))

if wanted python && command -v python3 >/dev/null; then
  start python "Python $(python3 -c 'import platform; print(platform.python_version())') http.server" \
    "$port" python3 scripts/matrix/python_server.py "$port"
fi
port=$((port + 1))

if wanted node && command -v node >/dev/null; then
  start node "Node.js $(node --version) http" "$port" node scripts/matrix/node_server.js "$port"
fi
port=$((port + 1))

if wanted hyper && [ -x "$PEERS/hyper-hello" ]; then
  start hyper "hyper $(crate_version hyper)" "$port" "$PEERS/hyper-hello" "$port"
fi
port=$((port + 1))

if wanted tiny-http && [ -x "$PEERS/tiny-http-hello" ]; then
  start tiny-http "tiny_http $(crate_version tiny_http)" "$port" "$PEERS/tiny-http-hello" "$port"
fi

# --- run -------------------------------------------------------------------
TABLE_ARGS=()
for s in "${SERVERS[@]}"; do
  IFS='|' read -r name label p <<<"$s"
  log "running the cases against $label"
  # The harness exits non-zero when something FAILs: that is a result here.
  timeout 600 "$HARNESS" run -q -j "${MATRIX_JOBS:-8}" --target "127.0.0.1:$p" --json "$RESULTS/$name.json" \
    >"$RESULTS/$name.run.txt" 2>&1 || true
  tail -n 2 "$RESULTS/$name.run.txt" >&2
  if [ -s "$RESULTS/$name.json" ]; then
    TABLE_ARGS+=("$name=$label=$RESULTS/$name.json")
  fi
done

[ ${#TABLE_ARGS[@]} -gt 0 ] || { echo "matrix.sh: no server could be judged" >&2; exit 1; }
python3 scripts/matrix-table.py --html docs/matrix.html --md docs/matrix.md --readme README.md "${TABLE_ARGS[@]}"
log "wrote docs/matrix.html, docs/matrix.md and the README summary"
