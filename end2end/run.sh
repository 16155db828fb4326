#!/usr/bin/env bash
# Runs the Playwright suite against a release server on a fresh SQLite database.
# The server is stopped whatever happens; the suite's exit code is ours.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export E2E_PORT="${E2E_PORT:-3100}"
export E2E_DATA="$(mktemp -d /tmp/switchboard-e2e.XXXXXX)"
export BASE_URL="http://127.0.0.1:$E2E_PORT"
# The reconnect test restarts the server mid-test (SIGKILL: the harshest case).
export SWITCHBOARD_RESTART_CMD="$here/server.sh kill-restart"
cleanup() {
  local status=$?
  "$here/server.sh" stop
  if [ "$status" -ne 0 ]; then echo "--- server log (last 50 lines)"; tail -n 50 "$E2E_DATA/server.log" || true; fi
  rm -rf "$E2E_DATA"
}
trap cleanup EXIT
"$here/server.sh" start
cd "$here"
npx playwright test
