#!/usr/bin/env bash
# System calls and context switches of one server at a fixed fan-out rate,
# under the same CPU cap as `loadtest --cpu-cap` (docs/performance.md,
# "Where the capped server's time goes"). Counts on the servers' core (0)
# for 10 s in the middle of a 14 s step.
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
# From the server's start: accounts and 1,000 connections first, then the step.
bin=$([ "$which" = bare ] && echo target/release/bare || echo target/release/server)
for _ in $(seq 1 120); do pgrep -f "$bin" >/dev/null && break; sleep 0.5; done
sleep 12
perf stat -a -C 0 -e 'syscalls:sys_enter_sendto,syscalls:sys_enter_writev,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,context-switches' \
  -- sleep 10 2>&1 | grep -E 'syscalls|context|elapsed'
wait "$run"
grep "^| ${rate}/s" "$log" || tail -5 "$log"
rm -f "$log"
