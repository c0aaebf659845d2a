# Sourced by matrix.sh, stress-matrix.sh and bench-servers.sh: the one copy
# of how they start servers on loopback, wait for their port, and stop
# exactly the processes they started, by PID and bounded in time.
#
# The caller sets ONLY (a comma list of server names; empty = all) and runs
# `servers_init NAME` once, which makes the throwaway folder $WORK
# (/tmp/h1check-NAME.XXXXXX) and installs the traps: on exit every server
# still running is stopped and $WORK is deleted; INT and TERM exit (130), so
# an interrupted script stops there instead of carrying on.

PIDS=()

wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

servers_init() { # NAME: $WORK, world-readable (nginx's and Apache's workers run as www-data)
  WORK="$(mktemp -d "/tmp/h1check-$1.XXXXXX")"
  chmod 755 "$WORK"
  trap servers_cleanup EXIT
  trap 'exit 130' INT TERM
}

servers_cleanup() {
  stop_pids ${PIDS[@]+"${PIDS[@]}"}
  # matrix.sh's guard against apt starting the packages' services
  if [ -n "${POLICY_RC:-}" ]; then rm -f "$POLICY_RC"; fi
  rm -rf "$WORK"
}

wait_port() { # PORT PID: up to 10 s for the port to accept connections
  local port="$1" pid="$2"
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# PORT OUT ERR CMD...: start CMD in the background, stdout to OUT and stderr
# to ERR (ERR "-": both to OUT), and remember its PID in STARTED and PIDS.
# Fails if the port does not accept connections within 10 s.
start_server() {
  local port="$1" out="$2" err="$3"
  shift 3
  if [ "$err" = - ]; then
    "$@" >"$out" 2>&1 &
  else
    "$@" >"$out" 2>"$err" &
  fi
  STARTED=$!
  PIDS+=("$STARTED")
  wait_port "$port" "$STARTED"
}

stop_pids() { # PID...: TERM; a server that ignores it gets KILL after 5 s; reaped
  local pid p keep
  for pid in "$@"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "$@"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # stopped: the exit trap must not signal the number again
    keep=()
    for p in ${PIDS[@]+"${PIDS[@]}"}; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=(${keep[@]+"${keep[@]}"})
  done
}

crate_version() { # NAME: its version in peers/Cargo.lock
  awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' peers/Cargo.lock
}

# The page the static servers serve as /.
SITE_INDEX=$'<!DOCTYPE html>\n<title>h1check</title>\n<p>hello</p>\n'

make_www() { # INDEX FILE...: $WORK/www with INDEX as index.html and copies of FILEs
  mkdir -p "$WORK/www"
  printf '%s' "$1" > "$WORK/www/index.html"
  shift
  local f
  for f in "$@"; do cp "$f" "$WORK/www/"; done
  chmod -R a+rX "$WORK/www"
}

nginx_version() { nginx -v 2>&1 | sed 's/.*nginx\///'; }

# PORT WORKERS CONNECTIONS ACCESS_LOG [MAIN_LINE]: $WORK/nginx/nginx.conf,
# nginx serving $WORK/www on 127.0.0.1:PORT with every path it writes under
# $WORK/nginx. ACCESS_LOG is "off" or a file; MAIN_LINE is one more
# directive for the main context (stress-matrix.sh: worker_rlimit_nofile).
# Run it with: nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
nginx_conf() {
  local port="$1" workers="$2" connections="$3" access_log="$4" main_line="${5:-}"
  mkdir -p "$WORK/nginx/tmp" "$WORK/nginx/logs"
  {
    echo "user www-data;"
    echo "worker_processes $workers;"
    if [ -n "$main_line" ]; then echo "$main_line"; fi
    cat <<EOF
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections $connections; }
http {
    access_log $access_log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    types { text/html html; image/jpeg jpg; }
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        root $WORK/www;
        index index.html;
    }
}
EOF
  } > "$WORK/nginx/nginx.conf"
}
