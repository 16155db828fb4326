#!/usr/bin/env bash
# Starts or stops two cluster nodes for the Playwright cluster spec: the server
# (release, or $SWITCHBOARD_BIN as in server.sh) on ports $E2E_NODE_A_PORT and $E2E_NODE_B_PORT (3104, 3105), one fresh
# PostgreSQL database and the machine's Redis as the bus, with its own subject
# prefix. `start` prints nothing on success and registers the suite's admin on it.
#   end2end/cluster.sh start|stop
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${E2E_DATA:?E2E_DATA must name a folder}"
a="${E2E_NODE_A_PORT:-3104}"
b="${E2E_NODE_B_PORT:-3105}"
pg="${E2E_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
bus="${E2E_BUS:-redis://127.0.0.1:6379}"
bin="${SWITCHBOARD_BIN:-$root/target/release/server}"

start() {
  local db="sb_e2e_cluster_$(date +%s)_$$"
  psql "$pg/test" -qc "CREATE DATABASE $db" >/dev/null
  echo "$db" >"$data/cluster.db"
  local prefix="e2e$$x$(date +%s)"
  for port in "$a" "$b"; do
    SWITCHBOARD_ADDR="127.0.0.1:$port" \
      DATABASE_URL="$pg/$db" \
      SWITCHBOARD_BUS="$bus" \
      SWITCHBOARD_BUS_PREFIX="$prefix" \
      SWITCHBOARD_FILES="$data/cluster-files" \
      LEPTOS_SITE_ROOT="$root/target/site" \
      RUST_LOG="${RUST_LOG:-info,sqlx=warn}" \
      nohup "$bin" >>"$data/node-$port.log" 2>&1 &
    echo $! >"$data/node-$port.pid"
  done
  for port in "$a" "$b"; do
    for _ in $(seq 1 150); do
      if curl -fs "http://127.0.0.1:$port/readyz" 2>/dev/null | grep -q '"peers":1'; then break; fi
      sleep 0.2
    done
    curl -fs "http://127.0.0.1:$port/readyz" | grep -q '"peers":1' \
      || { echo "cluster node $port not ready:" >&2; tail -n 30 "$data/node-$port.log" >&2; return 1; }
  done
  # The suite's admin, first account of this database (see global-setup.ts).
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"username":"e2e-admin","password":"correct horse battery"}' \
    "http://127.0.0.1:$a/api/auth/register"
}

stop() {
  for port in "$a" "$b"; do
    local pidfile="$data/node-$port.pid"
    [ -f "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pidfile"
  done
  if [ -f "$data/cluster.db" ]; then
    psql "$pg/test" -qc "DROP DATABASE IF EXISTS $(cat "$data/cluster.db")" >/dev/null 2>&1 || true
    rm -f "$data/cluster.db"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
