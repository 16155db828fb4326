#!/usr/bin/env bash
# `make cluster`: three Switchboard nodes on one PostgreSQL database and one bus,
# behind nginx on one port, with no sticky sessions. Ctrl-C stops everything.
#   CLUSTER_PORT (3000)  CLUSTER_BUS (redis://127.0.0.1:6379)
#   CLUSTER_DATABASE_URL (postgres://postgres@127.0.0.1:5432/switchboard_cluster)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${CLUSTER_PORT:-3000}"
bus="${CLUSTER_BUS:-redis://127.0.0.1:6379}"
db="${CLUSTER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/switchboard_cluster}"
run="$(mktemp -d /tmp/switchboard-cluster.XXXXXX)"

command -v nginx >/dev/null || { apt-get update && apt-get install -y nginx; }
nginx_bin="$(command -v nginx)"

# The database, if missing (the nodes migrate it; only one of them does the work).
name="${db##*/}"; base="${db%/*}"
if command -v psql >/dev/null; then
  psql "$base/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
    || psql "$base/postgres" -c "CREATE DATABASE \"$name\"" >/dev/null
fi

pids=()
stop() {
  echo "stopping"
  [ -f "$run/nginx.pid" ] && kill "$(cat "$run/nginx.pid")" 2>/dev/null || true
  # SIGTERM drains: each node closes its sockets with 1012 and finishes its writes.
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait || true
  rm -rf "$run"
}
trap stop EXIT INT TERM

upstreams=""
for i in 1 2 3; do
  node_port=$((port + i))
  SWITCHBOARD_ADDR="127.0.0.1:$node_port" \
    DATABASE_URL="$db" \
    SWITCHBOARD_BUS="$bus" \
    SWITCHBOARD_FILES="${CLUSTER_FILES:-$root/data/cluster-files}" \
    SWITCHBOARD_TRUSTED_PROXIES=127.0.0.1 \
    LEPTOS_SITE_ROOT="$root/target/site" \
    RUST_LOG="${RUST_LOG:-info,sqlx=warn}" \
    "$root/target/release/server" >"$run/node$i.log" 2>&1 &
  pids+=($!)
  upstreams+="    server 127.0.0.1:$node_port max_fails=1 fail_timeout=5s;"$'\n'
done

cat >"$run/nginx.conf" <<CONF
worker_processes 1;
pid $run/nginx.pid;
error_log $run/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $run/body;
  proxy_temp_path $run/proxy;
  upstream switchboard {
    # No stickiness: any node serves any request and any WebSocket.
$upstreams  }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://switchboard;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout http_503;
    }
  }
}
CONF

for i in 1 2 3; do
  node_port=$((port + i))
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$node_port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs "http://127.0.0.1:$node_port/readyz" || { echo "node $i did not get ready:"; tail -n 20 "$run/node$i.log"; exit 1; }
  echo
done
"$nginx_bin" -c "$run/nginx.conf" -p "$run"
echo "Switchboard cluster on http://127.0.0.1:$port (nodes on $((port + 1))-$((port + 3)), bus $bus); logs in $run; Ctrl-C stops"
wait "${pids[@]}"
