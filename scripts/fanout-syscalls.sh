#!/usr/bin/env bash
# System calls and context switches of one server in one fixed-rate fan-out
# step, under the same CPU cap as `loadtest --cpu-cap` (docs/performance.md,
# "Where the capped server's time goes"). Counts the server process over its
# whole life: the set-up (accounts, 1,000 connections) is included, and is
# small next to a 14 s step of deliveries. (Counting a fixed window on the
# servers' core instead, as this script did before session 28, missed most
# of the bare server's step, whose set-up is shorter than Switchboard's.)
#
#   scripts/fanout-syscalls.sh switchboard|bare [rate] [cap %]
#
# Needs root (the cgroup and perf), `perf` (apt: linux-perf) and a release
# build (`make build && cargo build --release -p loadtest`).
set -euo pipefail
which="${1:?switchboard or bare}"
rate="${2:-500}"
cap="${3:-25}"
cd "$(dirname "$0")/.."
command -v perf >/dev/null || { echo "perf is missing: apt-get install -y linux-perf" >&2; exit 1; }
log="$(mktemp)"
./target/release/loadtest fanout --only "$which" --cpu-cap "$cap" \
  --start-rate "$rate" --max-rate "$(echo "$rate * 1.1" | bc)" \
  --step-secs 14 --half-secs 1 --budget-secs 60 >"$log" 2>&1 &
run=$!
bin=$([ "$which" = bare ] && echo target/release/bare || echo target/release/server)
pid=""
for _ in $(seq 1 400); do
  pid="$(pgrep -f "$bin" | head -1 || true)"
  [ -n "$pid" ] && break
  sleep 0.05
done
[ -n "$pid" ] || { echo "the server did not start" >&2; kill "$run"; exit 1; }
# perf stat -p ends when the process does.
perf stat -p "$pid" -e 'syscalls:sys_enter_sendto,syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,context-switches,task-clock' \
  2>&1 | grep -E 'syscalls|context|task-clock' &
counting=$!
wait "$run"
wait "$counting" || true
# The step, and the short "half" step the run ends with: deliveries in both.
grep -E "^\| (${rate}/s|half) " "$log" || tail -5 "$log"
rm -f "$log"
