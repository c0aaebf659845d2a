#!/usr/bin/env bash
# Throughput of the reference server beside the servers people would pick
# instead, measured in one run on this machine.
#
#   scripts/bench-servers.sh                   # 3 rounds of 3 s runs
#   scripts/bench-servers.sh --rounds 5 --seconds 2
#   scripts/bench-servers.sh --only ours,ours-quiet,hyper
#   scripts/bench-servers.sh --only ours,threads,threads-yield,hyper
#
# Builds the reference server and the peers (hyper and tiny_http
# hello-worlds, peers/) in release mode, starts nginx serving a small file
# (installed with apt-get when missing), and drives each with wrk on
# loopback: keep-alive with 1 and 32 connections, and `Connection: close`
# with 32. Runs are short and interleaved (round 1 of every server, then
# round 2, ...) so the load of a shared machine falls on all alike; the
# median of the rounds is reported. wrk cannot see a server that starves
# some connections, so each server is also asked to answer 32 keep-alive
# connections opened at once, each within a second. Prints, per load and
# server: req/s, p99 latency, the ratio to hyper, and peak RSS; and a line
# naming the machine. `ours` is the default configuration (access log on,
# to a file); `ours-quiet` runs with --quiet. Everything is bounded: each
# server gets 10 s to start, each wrk run its seconds plus 10, and only the
# processes started here are stopped, by PID.
#
# Two more columns say what limits a run: the server's CPU time per
# request (user + system, from /proc, with nginx's workers), and how busy
# wrk's own thread was. A run where wrk is near 100% measured wrk as much
# as the server: on a machine this small, wrk and the server share the
# cores, and a server cannot be faster than its load generator.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/servers.sh
. scripts/lib/servers.sh

ROUNDS=3
SECONDS_PER_RUN=3
ONLY=""
BASE_PORT="${BENCH_BASE_PORT:-18450}"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift ;;
    --seconds) SECONDS_PER_RUN="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    --base-port) BASE_PORT="$2"; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "bench-servers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case "$ROUNDS$SECONDS_PER_RUN" in
  *[!0-9]*) echo "bench-servers.sh: --rounds and --seconds take whole numbers" >&2; exit 2 ;;
esac
if [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 20 ] || [ "$SECONDS_PER_RUN" -lt 1 ] || [ "$SECONDS_PER_RUN" -gt 30 ]; then
  echo "bench-servers.sh: --rounds must be 1-20 and --seconds 1-30" >&2
  exit 2
fi

log() { echo "bench: $*" >&2; }

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || [ ! -x /usr/bin/time ]; then
  log "installing wrk, nginx and time"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq wrk nginx time >/dev/null
fi

servers_init bench
# The servers' output outlives the throwaway folder, as the other scripts' does.
LOGS="$ROOT/target/bench"
mkdir -p "$LOGS"
rm -f "$LOGS"/*.out "$LOGS"/*.log

log "building the reference server and the peers (release)"
timeout 1800 cargo build --release -q -p server
timeout 1800 cargo build --release -q --manifest-path peers/Cargo.toml
PEERS="$ROOT/peers/target/release"

SERVERS=()   # name|port|pid
start() { # NAME PORT CMD...: start in the background with stderr to a file
  local name="$1" port="$2"
  shift 2
  if start_server "$port" "$LOGS/$name.out" "$LOGS/$name.log" "$@"; then
    SERVERS+=("$name|$port|$STARTED")
  else
    log "$name did not start; see $LOGS/$name.log"
  fi
}

port=$BASE_PORT
if wanted ours; then
  start ours "$port" "$ROOT/target/release/server" --addr "127.0.0.1:$port" --data "$WORK/guestbook-ours"
fi
port=$((port + 1))
if wanted ours-quiet; then
  start ours-quiet "$port" "$ROOT/target/release/server" --addr "127.0.0.1:$port" --quiet --data "$WORK/guestbook-quiet"
fi
port=$((port + 1))
if wanted hyper; then
  start hyper "$port" "$PEERS/hyper-hello" "$port"
fi
port=$((port + 1))
if wanted tiny-http; then
  start tiny-http "$port" "$PEERS/tiny-http-hello" "$port"
fi
port=$((port + 1))
# The model's ceiling: a thread per connection that parses nothing
# (peers/src/bin/threads-hello.rs), sleeping in read at once, and
# yielding and looking twice first as ours does. Only with --only.
if [ -n "$ONLY" ] && wanted threads; then
  start threads "$port" "$PEERS/threads-hello" "$port"
fi
port=$((port + 1))
if [ -n "$ONLY" ] && wanted threads-yield; then
  start threads-yield "$port" "$PEERS/threads-hello" "$port" --yield
fi
port=$((port + 1))
if wanted nginx; then
  make_www $'hello\n'
  nginx_conf "$port" auto 1024 "$WORK/nginx/logs/access.log"
  start nginx "$port" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
fi

# --- 32 keep-alive connections at once: how many are answered within 1 s ---
served_of_32() { # PORT
  timeout 20 python3 - "$1" <<'EOF'
import socket, sys, time, selectors
port = int(sys.argv[1])
conns = []
for _ in range(32):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    conns.append(s)
# Every connection is open before any request is sent.
for s in conns:
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
sel = selectors.DefaultSelector()
for s in conns:
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
answered = set()
deadline = time.monotonic() + 1.0
while len(answered) < len(conns):
    left = deadline - time.monotonic()
    if left <= 0:
        break
    for key, _ in sel.select(left):
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        if data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200"):
            answered.add(key.fileobj)
        sel.unregister(key.fileobj)
print(len(answered))
for s in conns:
    s.close()
EOF
}

# --- wrk runs, interleaved ---------------------------------------------------
HZ="$(getconf CLK_TCK)"
cpu_ticks() { # PID: user + system CPU ticks of the process and its children (nginx's workers)
  local total=0 t
  for p in "$1" $(pgrep -P "$1" || true); do
    t="$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)"
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
LOADS=("keep-alive c=1|1|" "keep-alive c=32|32|" "close c=32|32|Connection: close")
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
for round in $(seq "$ROUNDS"); do
  log "round $round of $ROUNDS"
  for load in "${LOADS[@]}"; do
    IFS='|' read -r lname conns header <<<"$load"
    for s in "${SERVERS[@]}"; do
      IFS='|' read -r name sport spid <<<"$s"
      args=(-t1 -c"$conns" -d"${SECONDS_PER_RUN}s" --latency)
      if [ -n "$header" ]; then args+=(-H "$header"); fi
      before="$(cpu_ticks "$spid")"
      out="$(timeout $((SECONDS_PER_RUN + 10)) /usr/bin/time -f 'wrk-cpu %P' wrk "${args[@]}" "http://127.0.0.1:$sport/" 2>&1 || true)"
      after="$(cpu_ticks "$spid")"
      rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
      p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
      total="$(awk '/requests in/ {print $1}' <<<"$out")"
      wrkcpu="$(awk '$1 == "wrk-cpu" {sub("%", "", $2); print $2}' <<<"$out")"
      # The server's CPU time per request, in microseconds (ticks of 10 ms).
      us="$(awk -v t="$((after - before))" -v n="${total:-0}" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "-" }')"
      errors="$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$lname" "$name" "${rps:-0}" "${p99:--}" "$errors" "$us" "${wrkcpu:--}" >> "$RESULTS"
    done
  done
done

SERVED="$WORK/served.tsv"
: > "$SERVED"
for s in "${SERVERS[@]}"; do
  IFS='|' read -r name sport pid <<<"$s"
  n="$(served_of_32 "$sport" 2>/dev/null || echo '?')"
  # Peak RSS of the server and its children (nginx's workers), in KiB.
  rss=0
  for p in "$pid" $(pgrep -P "$pid" || true); do
    kb="$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)"
    rss=$((rss + ${kb:-0}))
  done
  printf '%s\t%s\t%s\n' "$name" "$n" "$rss" >> "$SERVED"
done

CPU="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo "machine: $(uname -sr), $(nproc) CPUs ($CPU), $(date -u +%Y-%m-%dT%H:%MZ); wrk -t1, ${ROUNDS} interleaved rounds of ${SECONDS_PER_RUN} s, median"
python3 - "$RESULTS" "$SERVED" <<'EOF'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
served = {l.split("\t")[0]: l.rstrip("\n").split("\t")[1:] for l in open(sys.argv[2]) if l.strip()}
def ms(p):
    if p in ("-", ""): return None
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if p.endswith(unit): return float(p[: -len(unit)]) * f
    return None
loads, servers, runs, lat, errs = [], [], {}, {}, {}
cpu, wrkcpu = {}, {}
for load, name, rps, p99, err, us, wc in (r + [""] * (7 - len(r)) for r in rows):
    if load not in loads: loads.append(load)
    if name not in servers: servers.append(name)
    runs.setdefault((load, name), []).append(float(rps))
    v = ms(p99)
    if v is not None: lat.setdefault((load, name), []).append(v)
    if err.strip(): errs[(load, name)] = err.strip()
    try: cpu.setdefault((load, name), []).append(float(us))
    except ValueError: pass
    try: wrkcpu.setdefault((load, name), []).append(float(wc))
    except ValueError: pass
def med(d, key, fmt):
    return fmt.format(statistics.median(d[key])) if d.get(key) else "-"
print(f"| load | server | req/s | p99 ms | ratio to hyper | server CPU µs/req | wrk CPU % | of 32 served | peak RSS MiB |")
print(f"|---|---|---:|---:|---:|---:|---:|---:|---:|")
for load in loads:
    base = statistics.median(runs.get((load, "hyper"), [0])) or None
    for name in servers:
        r = statistics.median(runs[(load, name)])
        p = statistics.median(lat[(load, name)]) if lat.get((load, name)) else float("nan")
        ratio = f"{r / base:.2f}×" if base else "-"
        n, rss = served.get(name, ["?", "0"])
        note = f" ({errs[(load, name)]})" if (load, name) in errs else ""
        c = med(cpu, (load, name), "{:.1f}")
        w = med(wrkcpu, (load, name), "{:.0f}")
        print(f"| {load} | {name}{note} | {r:,.0f} | {p:.2f} | {ratio} | {c} | {w} | {n} | {int(rss) / 1024:.1f} |")
for load in loads:
    if (load, "ours") in runs and (load, "ours-quiet") in runs:
        a = statistics.median(runs[(load, "ours")]); b = statistics.median(runs[(load, "ours-quiet")])
        print(f"logging, {load}: ours / ours-quiet = {a / b:.2f}")
EOF
