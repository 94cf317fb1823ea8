#!/usr/bin/env bash
# One Redis versus a 3-primary Redis Cluster under the same fan-out load: three socketio-node processes
# (sharded adapter, release build), three rooms whose channels hash to the three shards, one
# `socketio-bench cluster-fanout` per room at the maximum rate, all at once. Prints delivered messages/s
# (summed over the rooms) and each redis-server's CPU (%core, from /proc/PID/stat over the run).
#
# Environment: BENCH_SCRATCH (SwiftPM scratch path with release socketio-node and socketio-bench,
# default .build-bench), CLIENTS (receivers per room, default 100), DURATION (s, default 8), WARMUP
# (s, default 2). Every process it starts is stopped by PID at exit.
set -euo pipefail

bench_name=bench-redis-cluster
# shellcheck source=scripts/bench-node-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-node-lib.sh"

start_redis() { # port [extra args...]; sets redis_pid
    local port="$1"
    shift
    mkdir -p "$work/redis-$port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis-$port" "$@" \
        >"$work/redis-$port.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
    log "redis-server on $port did not start"
    exit 1
}

# Three room names whose shard channels fall in the three slot ranges `--cluster create` gives.
rooms=()
for range in "0 5460" "5461 10922" "10923 16383"; do
    read -r low high <<<"$range"
    n=0
    while :; do
        slot="$(python3 - "socket.io#/#bench-$n#" <<'PY'
import sys
data = sys.argv[1].encode()
crc = 0
for byte in data:
    crc ^= byte << 8
    for _ in range(8):
        crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
print(crc % 16384)
PY
)"
        if [ "$slot" -ge "$low" ] && [ "$slot" -le "$high" ]; then rooms+=("bench-$n"); break; fi
        n=$((n + 1))
    done
done

run_topology() { # name url redis-pids...
    local name="$1" url="$2"
    shift 2
    local redis_pids=("$@") i
    start_nodes "$name" "$url" --adapter sharded
    local before=() bench_pids=() r
    for r in "${redis_pids[@]}"; do before+=("$(cpu_ticks "$r")"); done
    local started=$SECONDS
    for i in 0 1 2; do
        "$bin/socketio-bench" cluster-fanout "${urls[@]}" --publisher-node "$i" --room "${rooms[$i]}" \
            --clients "$clients" --payload-size 32 --rate max --duration "$duration" --warmup "$warmup" \
            --json "$work/$name-$i.json" >"$work/$name-bench$i.log" 2>&1 &
        bench_pids+=($!)
    done
    for i in "${bench_pids[@]}"; do wait "$i" || log "a bench run failed: see $work"; done
    local elapsed=$((SECONDS - started)) hz
    hz="$(getconf CLK_TCK)"
    local delivered
    delivered="$(python3 - "$work" "$name" <<'PY'
import json, sys
total = 0.0
for i in range(3):
    report = json.load(open(f"{sys.argv[1]}/{sys.argv[2]}-{i}.json"))
    total += sum(run["operationsPerSecond"] for run in report["runs"])
print(f"{total:,.0f}")
PY
)"
    local cpu=() k=0
    for r in "${redis_pids[@]}"; do
        cpu+=("$(( ($(cpu_ticks "$r") - before[k]) * 100 / hz / (elapsed > 0 ? elapsed : 1) ))%")
        k=$((k + 1))
    done
    printf '| %s | %s | %s |\n' "$name" "$delivered" "${cpu[*]}"
    for i in "${node_pids[@]}"; do kill -TERM "$i" 2>/dev/null || true; wait "$i" 2>/dev/null || true; done
}

log "rooms ${rooms[*]}, $clients receivers each, ${duration}s at the maximum rate"
printf '| topology | delivered msg/s (3 rooms) | Redis CPU per server (%%core) |\n|---|---:|---|\n'

port="$(free_port)"
start_redis "$port"
run_topology "one Redis" "redis://127.0.0.1:$port" "$redis_pid"

cluster_ports=() cluster_pids=()
for _ in 1 2 3; do
    port="$(free_port)"
    while [ "$port" -gt 55000 ]; do port="$(free_port)"; done
    start_redis "$port" --cluster-enabled yes --cluster-config-file nodes.conf
    cluster_ports+=("$port")
    cluster_pids+=("$redis_pid")
done
redis-cli --cluster create "127.0.0.1:${cluster_ports[0]}" "127.0.0.1:${cluster_ports[1]}" "127.0.0.1:${cluster_ports[2]}" \
    --cluster-replicas 0 --cluster-yes >"$work/create.log" 2>&1
for _ in $(seq 1 100); do
    redis-cli -p "${cluster_ports[0]}" cluster info | grep -q cluster_state:ok && break
    sleep 0.1
done
run_topology "3-primary cluster" "redis-cluster://127.0.0.1:${cluster_ports[0]},127.0.0.1:${cluster_ports[1]}" "${cluster_pids[@]}"
