#!/usr/bin/env bash
# Runs every case RUNS times against other servers, at the default -j and at
# -j 64, and counts the cases whose verdict differs between runs. A verdict
# must be a pure function of what the server sent, so the count must be 0.
#
# Usage: scripts/stability.sh [RUNS]          (default 10, at most 50)
#
# Servers, started here on loopback and stopped (by PID) at the end:
#   python  python3 -m http.server --protocol HTTP/1.1   (port $PY_PORT, 18231)
#   node    a Node http.createServer hello app          (port $NODE_PORT, 18232)
# A server whose program is missing is skipped with a note. Extra targets:
# TARGETS="name=HOST:PORT ..." (already running). Set JOBS to change the
# -j values tried (default: "default 64"). Reports go to $OUT
# (default target/stability). Each run is bounded by `timeout 300`.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${1:-10}"
if ! [[ "$RUNS" =~ ^[0-9]+$ ]] || (( RUNS < 2 || RUNS > 50 )); then
    echo "error: RUNS must be a number from 2 to 50, not '$RUNS'" >&2
    exit 2
fi
PY_PORT="${PY_PORT:-18231}"
NODE_PORT="${NODE_PORT:-18232}"
JOBS="${JOBS:-default 64}"
OUT="${OUT:-target/stability}"
mkdir -p "$OUT"

cargo build --release -q -p harness
HARNESS=target/release/harness

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_port() {
    for _ in $(seq 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "error: nothing listens on 127.0.0.1:$1" >&2
    return 1
}

targets=()
if command -v python3 >/dev/null; then
    mkdir -p "$OUT/www"
    (cd "$OUT/www" && exec python3 -m http.server --protocol HTTP/1.1 "$PY_PORT" --bind 127.0.0.1) \
        >"$OUT/python.log" 2>&1 &
    PIDS+=($!)
    wait_port "$PY_PORT"
    targets+=("python=127.0.0.1:$PY_PORT")
else
    echo "note: no python3, skipping http.server"
fi
if command -v node >/dev/null; then
    node -e "require('http').createServer((q, s) => s.end('hello\n')).listen($NODE_PORT, '127.0.0.1')" \
        >"$OUT/node.log" 2>&1 &
    PIDS+=($!)
    wait_port "$NODE_PORT"
    targets+=("node=127.0.0.1:$NODE_PORT")
else
    echo "note: no node, skipping the Node app"
fi
for t in ${TARGETS:-}; do targets+=("$t"); done

status=0
for target in "${targets[@]}"; do
    name="${target%%=*}"
    addr="${target#*=}"
    for jobs in $JOBS; do
        flag=()
        [[ "$jobs" == default ]] || flag=(-j "$jobs")
        for run in $(seq "$RUNS"); do
            timeout 300 "$HARNESS" run --target "$addr" "${flag[@]}" -q \
                --json "$OUT/$name-j$jobs-$run.json" >/dev/null 2>&1 || true
        done
    done
    for jobs in $JOBS all; do
        pattern="$OUT/$name-j$jobs-"
        [[ "$jobs" == all ]] && pattern="$OUT/$name-j"
        python3 - "$name" "$jobs" "$pattern"*.json <<'EOF' || status=1
import json, sys
name, jobs, files = sys.argv[1], sys.argv[2], sys.argv[3:]
seen = {}
for f in files:
    for case in json.load(open(f))["cases"]:
        seen.setdefault(f'{case["category"]}/{case["id"]}', {}).setdefault(case["outcome"], []).append(f)
differ = {k: v for k, v in seen.items() if len(v) > 1}
counts = {}
for v in seen.values():
    for outcome, fs in v.items():
        counts[outcome] = counts.get(outcome, 0) + len(fs)
print(f"{name} -j {jobs}: {len(files)} runs, {len(seen)} cases, "
      f"{len(differ)} with differing verdicts; outcomes over all runs: {counts}")
for k, v in sorted(differ.items()):
    print(f"  {k}: " + ", ".join(f"{o} x{len(fs)}" for o, fs in v.items()))
sys.exit(1 if differ else 0)
EOF
    done
done
exit "$status"
