#!/usr/bin/env bash
# Starts, stops or restarts the server for the Playwright suite: the release
# build, or the binary SWITCHBOARD_BIN names (`make test` uses the debug one
# the Rust tests built; the pages' WASM is the release build either way).
#   end2end/server.sh start|stop|restart|kill-restart
# Uses E2E_PORT (default 3100) and E2E_DATA (a folder for the SQLite file and
# the pid file); restart keeps the same port and database, as a real restart does.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${E2E_PORT:-3100}"
data="${E2E_DATA:?E2E_DATA must name a folder}"
pidfile="$data/server.pid"
bin="${SWITCHBOARD_BIN:-$root/target/release/server}"

start() {
  mkdir -p "$data"
  cd "$root"
  # A simple command (no `&&` list) so that $! is the server's own pid.
  SWITCHBOARD_ADDR="127.0.0.1:$port" \
    DATABASE_URL="sqlite://$data/e2e.db" \
    LEPTOS_SITE_ROOT="$root/target/site" \
    RUST_LOG="${RUST_LOG:-info,sqlx=warn}" \
    nohup "$bin" >>"$data/server.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if curl -fs "http://127.0.0.1:$port/login" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "server did not start; log:" >&2; tail -n 30 "$data/server.log" >&2; return 1
}

stop() {
  local sig="${1:-TERM}"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  kill -s "$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop TERM ;;
  restart) stop TERM; start ;;
  kill-restart) stop KILL; start ;;
  *) echo "usage: $0 start|stop|restart|kill-restart" >&2; exit 2 ;;
esac
