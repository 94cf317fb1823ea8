#!/usr/bin/env bash
# `make bench-floor`: what this machine charges for the traffic of two socketio-bench scenarios when no
# protocol runs at all (scripts/floor/floor.c, single-threaded C on plain TCP). The figures are the floor
# under `echo` (server CPU per round trip, round trips per second) and under `cluster-fanout` (latency of
# a broadcast relayed publisher -> node -> hub -> nodes -> 100 receivers at 100/s). Prints a Markdown
# table; docs/performance-notes.md compares the Swift figures with it. Takes about 40 seconds.
#
# Environment: FLOOR_RUNS (default 3) runs of each; FLOOR_SCRATCH (default .build-floor) for the binary;
# FLOOR_JSON=path also writes one JSON object per run there (scripts/bench.sh puts them in docs/benchmarks.md).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
scratch="${FLOOR_SCRATCH:-.build-floor}"
runs="${FLOOR_RUNS:-3}"
json="${FLOOR_JSON:-/dev/null}"
: >"$json"
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

compiler="$(command -v cc || command -v clang || command -v gcc || true)"
if [ -z "$compiler" ]; then
    echo "bench-floor: needs a C compiler (cc, clang or gcc)" >&2
    exit 1
fi
mkdir -p "$scratch"
"$compiler" -O2 -o "$scratch/floor" scripts/floor/floor.c
floor="$scratch/floor"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# CPU time of a running process in microseconds (utime + stime from /proc).
cpu_of() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000000 / hz }' "/proc/$1/stat"
}

value_of() { # value_of KEY LINE
    awk -v key="$1" '{ for (i = 1; i < NF; i++) if ($i == key) print $(i + 1) }' <<<"$2"
}

echo_run() {
    local port server before line after echoes seconds client_cpu
    port="$(free_port)"
    "$floor" echo-server "$port" & server=$!
    pids+=("$server")
    sleep 0.3
    before="$(cpu_of "$server")"
    line="$("$floor" echo-client "$port" 50 5)"
    after="$(cpu_of "$server")"
    kill "$server"; wait "$server" 2>/dev/null || true
    echoes="$(value_of echoes "$line")"; seconds="$(value_of seconds "$line")"; client_cpu="$(value_of cpu_us "$line")"
    python3 -c "import json
e, s, srv, cli = $echoes, $seconds, $after - $before, $client_cpu
print(json.dumps({'scenario': 'echo', 'perSecond': e / s, 'serverMicrosecondsPerOperation': srv / e, 'clientMicrosecondsPerOperation': cli / e}), file=open('$json', 'a'))
print(f'| echo, 50 connections, 1 in flight | {e / s:,.0f} round trips/s | server {srv / e:.2f} µs CPU per round trip | client {cli / e:.2f} µs |')"
}

fan_run() {
    local hub_port p1 p2 p3 dir line
    hub_port="$(free_port)"; p1="$(free_port)"; p2="$(free_port)"; p3="$(free_port)"
    dir="$(mktemp -d)"
    "$floor" hub "$hub_port" 2 >"$dir/hub" & pids+=($!)
    "$floor" node "$p2" "$hub_port" 33 0 >"$dir/node2" & pids+=($!)
    "$floor" node "$p3" "$hub_port" 33 0 >"$dir/node3" & pids+=($!)
    sleep 0.3
    "$floor" node "$p1" "$hub_port" 34 1 >"$dir/node1" & pids+=($!)
    sleep 0.3
    line="$("$floor" fan-client 100 800 100 "$p1" "$p2" "$p3")"
    sleep 0.3
    local nodes_cpu=0 f
    for f in node1 node2 node3; do nodes_cpu=$(( nodes_cpu + $(value_of cpu_us "$(cat "$dir/$f")" || echo 0) )); done
    python3 -c "import json
d = $(value_of deliveries "$line"); n = $nodes_cpu; c = $(value_of cpu_us "$line")
print(json.dumps({'scenario': 'relay', 'p50Microseconds': $(value_of p50_us "$line"), 'p99Microseconds': $(value_of p99_us "$line"), 'p999Microseconds': $(value_of p999_us "$line"), 'serverMicrosecondsPerOperation': n / d, 'clientMicrosecondsPerOperation': c / d}), file=open('$json', 'a'))
print(f'| relay 1 → hub → 3 nodes → 100 receivers, 100/s | p50 $(value_of p50_us "$line") µs, p99 $(value_of p99_us "$line") µs, p99.9 $(value_of p999_us "$line") µs | nodes {n / d:.2f} µs CPU per delivery | client {c / d:.2f} µs |')"
    rm -rf "$dir"
}

echo "| traffic (no protocol, C, one thread per process) | figure | server side | load generator |"
echo "|---|---|---|---|"
for _ in $(seq 1 "$runs"); do echo_run; done
for _ in $(seq 1 "$runs"); do fan_run; done
