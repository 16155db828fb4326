#!/usr/bin/env bash
# Runs the Playwright suite against a server (release, or $SWITCHBOARD_BIN: see
# server.sh) on a fresh SQLite database.
# The server is stopped whatever happens; the suite's exit code is ours.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export E2E_PORT="${E2E_PORT:-3100}"
export E2E_DATA="$(mktemp -d /tmp/switchboard-e2e.XXXXXX)"
export BASE_URL="http://127.0.0.1:$E2E_PORT"
# A second origin for the widget test: fixtures/ served on 127.0.0.1:$E2E_WIDGET_PORT
# (allowed to embed the widget) and reachable as localhost:$E2E_WIDGET_PORT (not allowed).
# shop.test:$E2E_WIDGET_PORT is the same server on another *site* (the browser maps
# the name to 127.0.0.1), where the widget's cookie is a third-party one.
export E2E_WIDGET_PORT="${E2E_WIDGET_PORT:-3101}"
export SWITCHBOARD_WIDGET_ORIGINS="http://127.0.0.1:$E2E_WIDGET_PORT,http://shop.test:$E2E_WIDGET_PORT"
# The cluster spec: two more nodes on PostgreSQL and Redis (end2end/cluster.sh);
# 3102 is the invite spec's own server.
export E2E_NODE_A="http://127.0.0.1:${E2E_NODE_A_PORT:-3104}"
export E2E_NODE_B="http://127.0.0.1:${E2E_NODE_B_PORT:-3105}"
# The reconnect test restarts the server mid-test (SIGKILL: the harshest case).
export SWITCHBOARD_RESTART_CMD="$here/server.sh kill-restart"
host_pid=""
cleanup() {
  local status=$?
  "$here/server.sh" stop
  "$here/cluster.sh" stop
  if [ -n "$host_pid" ]; then kill "$host_pid" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ]; then
    echo "--- server log (last 50 lines)"; tail -n 50 "$E2E_DATA/server.log" || true
    for log in "$E2E_DATA"/node-*.log; do
      if [ -f "$log" ]; then echo "--- $log"; tail -n 20 "$log"; fi
    done
    # Last, what failed: CI shows the end of the output, and the server logs
    # above would otherwise push Playwright's own summary out of it.
    if [ -f "$E2E_DATA/playwright.log" ]; then
      echo "--- what failed (from Playwright's output above)"
      grep -E '✘|^ +Error:|^ +[0-9]+\) ' "$E2E_DATA/playwright.log" | head -n 40 || true
      tail -n 12 "$E2E_DATA/playwright.log"
    fi
  fi
  rm -rf "$E2E_DATA"
}
trap cleanup EXIT
"$here/server.sh" start
"$here/cluster.sh" start
python3 -m http.server "$E2E_WIDGET_PORT" --bind 127.0.0.1 --directory "$here/fixtures" \
  >"$E2E_DATA/widget-host.log" 2>&1 &
host_pid=$!
for _ in $(seq 1 50); do
  if curl -fs "http://127.0.0.1:$E2E_WIDGET_PORT/widget-host.html" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
cd "$here"
# Arguments go to Playwright: ./end2end/run.sh tests/widget.spec.ts
npx playwright test "$@" 2>&1 | tee "$E2E_DATA/playwright.log"
