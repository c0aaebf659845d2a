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
# shellcheck source=lib/servers.sh
. scripts/lib/servers.sh

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

servers_init stress
RESULTS="$ROOT/target/stress"
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.log "$RESULTS"/*.txt

log() { printf '==> %s\n' "$*" >&2; }

log "building the reference server, the harness and the peers"
timeout 1200 cargo build --release -q -p server -p harness
timeout 1200 cargo build --release -q --manifest-path peers/Cargo.toml
PEERS="$ROOT/peers/target/release"
HARNESS="$ROOT/target/release/harness"

make_www "$SITE_INDEX"

ORDER=()
# NAME LABEL PORT CMD...: start, stress, stop.
stress() {
  local name="$1" label="$2" port="$3"
  shift 3
  if ! start_server "$port" "$RESULTS/$name.log" - "$@"; then
    log "$name did not start; see $RESULTS/$name.log"
    stop_pids "$STARTED"
    return
  fi
  # nginx serves in its worker (a child of the master we started).
  local measured="$STARTED"
  if [ "$name" = nginx ]; then
    local child
    child="$(cat "/proc/$STARTED/task/$STARTED/children" 2>/dev/null | awk '{print $1}')"
    [ -n "$child" ] && measured="$child"
  fi
  log "$label on 127.0.0.1:$port (pid $measured)"
  timeout 900 "$HARNESS" stress --target "127.0.0.1:$port" --pid "$measured" \
    "${PASS[@]}" --json "$RESULTS/$name.json" | tee "$RESULTS/$name.txt" || true
  printf '%s\n' "$label" > "$RESULTS/$name.label"
  ORDER+=("$name")
  stop_pids "$STARTED"
}

port=$BASE_PORT
if wanted reference; then
  stress reference "h1check reference" "$port" "$ROOT/target/release/server" --addr "127.0.0.1:$port" -q --data "$WORK/guestbook"
fi
port=$((port + 1))

if wanted hyper; then
  stress hyper "hyper $(crate_version hyper)" "$port" "$PEERS/hyper-hello" "$port"
fi
port=$((port + 1))
if wanted tiny-http; then
  stress tiny-http "tiny_http $(crate_version tiny_http)" "$port" "$PEERS/tiny-http-hello" "$port"
fi
port=$((port + 1))

if wanted nginx && command -v nginx >/dev/null; then
  nginx_conf "$port" 1 4096 off 'worker_rlimit_nofile 8192;'
  stress nginx "nginx $(nginx_version)" "$port" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
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
