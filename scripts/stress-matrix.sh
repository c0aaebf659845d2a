#!/usr/bin/env bash
# The robustness table: `harness stress` against several HTTP/1.1 servers.
#
#   scripts/stress-matrix.sh                      # every scenario, its default size, docs/stress.md
#   scripts/stress-matrix.sh --duration 5         # shorter scenarios (passed to harness stress)
#   scripts/stress-matrix.sh --only reference,nginx --no-doc
#
# Builds the reference server and the harness (release) and the peers
# (hyper and tiny_http hello-worlds, peers/), starts each server on its own
# loopback port (nginx with a throwaway configuration under a mktemp
# folder, in the foreground), runs `harness stress --target ... --pid ...
# --json` against one server at a time, stops exactly the processes it
# started, and writes the table to docs/stress.md (unless --no-doc).
# Everything is bounded: each server gets 10 s to start and the harness
# 15 minutes per server. nginx must be installed (apt-get install -y nginx).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

ONLY=""
DOC=1
BASE_PORT="${STRESS_BASE_PORT:-18720}"
PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift ;;
    --no-doc) DOC=0 ;;
    --base-port) BASE_PORT="$2"; shift ;;
    --duration|--connections|--scenario) PASS+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "stress-matrix.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

WORK="$(mktemp -d /tmp/h1check-stress.XXXXXX)"
chmod 755 "$WORK"
RESULTS="$ROOT/target/stress"
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.log "$RESULTS"/*.txt
PID=""

stop() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    # bounded wait: a server that ignores TERM gets KILL after 5 s
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
  fi
}
cleanup() { stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
log() { printf '==> %s\n' "$*" >&2; }

log "building the reference server, the harness and the peers"
timeout 1200 cargo build --release -q -p server -p harness
timeout 1200 cargo build --release -q --manifest-path peers/Cargo.toml
PEERS="$ROOT/peers/target/release"
HARNESS="$ROOT/target/release/harness"

mkdir -p "$WORK/www"
printf '<!DOCTYPE html>\n<title>h1check</title>\n<p>hello</p>\n' > "$WORK/www/index.html"
chmod -R a+rX "$WORK/www"

wait_port() { # PORT PID: up to 10 s for the port to accept connections
  local port="$1" pid="$2"
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

ORDER=()
# NAME LABEL PORT CMD...: start, stress, stop.
stress() {
  local name="$1" label="$2" port="$3"
  shift 3
  "$@" >"$RESULTS/$name.log" 2>&1 &
  PID=$!
  if ! wait_port "$port" "$PID"; then
    log "$name did not start; see $RESULTS/$name.log"
    stop
    return
  fi
  # nginx serves in its worker (a child of the master we started).
  local measured="$PID"
  if [ "$name" = nginx ]; then
    local child
    child="$(cat "/proc/$PID/task/$PID/children" 2>/dev/null | awk '{print $1}')"
    [ -n "$child" ] && measured="$child"
  fi
  log "$label on 127.0.0.1:$port (pid $measured)"
  timeout 900 "$HARNESS" stress --target "127.0.0.1:$port" --pid "$measured" \
    "${PASS[@]}" --json "$RESULTS/$name.json" | tee "$RESULTS/$name.txt" || true
  printf '%s\n' "$label" > "$RESULTS/$name.label"
  ORDER+=("$name")
  stop
}

port=$BASE_PORT
if wanted reference; then
  stress reference "h1check reference" "$port" "$ROOT/target/release/server" --addr "127.0.0.1:$port" -q --data "$WORK/guestbook"
fi
port=$((port + 1))

crate_version() { # NAME: its version in peers/Cargo.lock
  awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' peers/Cargo.lock
}
if wanted hyper; then
  stress hyper "hyper $(crate_version hyper)" "$port" "$PEERS/hyper-hello" "$port"
fi
port=$((port + 1))
if wanted tiny-http; then
  stress tiny-http "tiny_http $(crate_version tiny_http)" "$port" "$PEERS/tiny-http-hello" "$port"
fi
port=$((port + 1))

if wanted nginx && command -v nginx >/dev/null; then
  mkdir -p "$WORK/nginx/tmp" "$WORK/nginx/logs"
  cat > "$WORK/nginx/nginx.conf" <<EOF
user www-data;
worker_processes 1;
worker_rlimit_nofile 8192;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    types { text/html html; }
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        root $WORK/www;
        index index.html;
    }
}
EOF
  NGINX_VERSION="$(nginx -v 2>&1 | sed 's/.*nginx\///')"
  stress nginx "nginx $NGINX_VERSION" "$port" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
fi

TABLE="$RESULTS/table.md"
python3 - "$RESULTS" "${ORDER[@]}" > "$TABLE" <<'PY'
import json, sys, os
results, names = sys.argv[1], sys.argv[2:]
def mib(b): return "-" if b is None else f"{b / 1048576:.1f}"
print("| server | scenario | verdict | conns | probes answered | p50 ms | p99 ms | max ms | after | closed by server (median s) | peak RSS MiB | threads |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
thresholds = ""
for n in names:
    path = os.path.join(results, n + ".json")
    if not os.path.exists(path):
        continue
    label = open(os.path.join(results, n + ".label")).read().strip()
    report = json.load(open(path))
    thresholds = report["thresholds"]
    for s in report["scenarios"]:
        closed = str(s["server_closed"]) + (f" ({s['close_after_s']})" if s["close_after_s"] is not None else "")
        print(f"| {label} | {s['scenario']} | **{s['verdict']}** | {s['opened']}/{s['connections']} | "
              f"{s['answered']}/{s['tried']} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {s['max_ms']:.1f} | "
              f"{s['after_answered']}/{s['after_tried']} | {closed} | {mib(s['peak_rss'])} | {s['peak_threads'] or '-'} |")
print()
print("Thresholds: " + thresholds)
print()
for n in names:
    path = os.path.join(results, n + ".json")
    if not os.path.exists(path):
        continue
    label = open(os.path.join(results, n + ".label")).read().strip()
    for s in json.load(open(path))["scenarios"]:
        parts = []
        if s["statuses"]:
            parts.append("answers on attack connections " + " ".join(f"{c}×{k}" for c, k in s["statuses"]))
        parts += s["notes"] + [f"{s['verdict']}: {r}" for r in s["reasons"]]
        if parts:
            print(f"- {label}, {s['scenario']}: " + "; ".join(parts))
PY
cat "$TABLE"

if [ "$DOC" = 1 ]; then
  {
    echo "# Robustness matrix"
    echo
    echo "\`harness stress\` against each server, one server at a time, on this machine"
    echo "($(nproc) cores, $(uname -sr)), made by \`$(echo "scripts/stress-matrix.sh ${PASS[*]:-}" | sed 's/ *$//')\`"
    echo "on $(date -u +%Y-%m-%d). Each row is one scenario; \`conns\` is connections"
    echo "opened at most at once / asked for; probes are \`GET /\` on fresh connections"
    echo "every 20 ms during the scenario, \`after\` those in the second after it. An"
    echo "unanswered probe counts as 2 s in the latencies. These are measurements on a"
    echo "shared machine: rerun to compare, and read the verdicts with their reasons."
    echo "See the conformance matrix in [matrix.md](matrix.md) and README's Robustness section."
    echo
    cat "$TABLE"
  } > docs/stress.md
  log "wrote docs/stress.md"
fi
