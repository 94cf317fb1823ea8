#!/usr/bin/env bash
# The Redis adapter protocols side by side under the same cross-node fan-out: three socketio-node
# processes (release build) on one fresh redis-server per protocol (classic, sharded, streams, and
# streams with connection state recovery, where every broadcast is delivered only once Redis stored
# it), `socketio-bench cluster-fanout` at 100 broadcasts/s and at the maximum rate. Prints one
# markdown row per protocol and rate: delivered messages/s, p50/p99 latency, the nodes' CPU per
# delivered message, and Redis' CPU (%core, from /proc/PID/stat over the run).
#
# Environment: BENCH_SCRATCH (SwiftPM scratch path with release socketio-node and socketio-bench,
# default .build-bench), CLIENTS (receivers, default 100), DURATION (s, default 8), WARMUP (s,
# default 2), MODES (default "classic sharded streams streams+recovery"). Every process it starts is
# stopped by PID at exit.
set -euo pipefail

bench_name=bench-adapters
modes="${MODES:-classic sharded streams streams+recovery}"
# shellcheck source=scripts/bench-node-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-node-lib.sh"
command -v redis-server >/dev/null || { log "redis-server not found (make test-deps installs it)"; exit 1; }

printf '| adapter | rate | delivered msg/s | p50 µs | p99 µs | nodes CPU µs per delivered message | Redis %%core |\n'
printf '|---|---|---:|---:|---:|---:|---:|\n'
for mode in $modes; do
    adapter="${mode%%+*}"
    extra=()
    [ "$mode" = "streams+recovery" ] && extra=(--recovery 2m)
    redis_port="$(free_port)"
    mkdir -p "$work/$mode-redis"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/$mode-redis" >"$work/$mode-redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
    start_nodes "$mode" "redis://127.0.0.1:$redis_port" --adapter "$adapter" "${extra[@]}"
    before="$(cpu_ticks "$redis_pid")"
    started=$SECONDS
    "$bin/socketio-bench" cluster-fanout "${urls[@]}" "${server_pids[@]}" --clients "$clients" --payload-size 32 \
        --rate 100 --rate max --duration "$duration" --warmup "$warmup" --json "$work/$mode.json" >"$work/$mode-bench.log" 2>&1 \
        || { log "$mode: the bench failed"; tail -n 20 "$work/$mode-bench.log" >&2; }
    elapsed=$((SECONDS - started))
    redis_cpu="$(( ($(cpu_ticks "$redis_pid") - before) * 100 / $(getconf CLK_TCK) / (elapsed > 0 ? elapsed : 1) ))%"
    [ -f "$work/$mode.json" ] && python3 - "$work/$mode.json" "$mode" "$redis_cpu" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
def f(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"
for run in report["runs"]:
    latency = run.get("latency") or {}
    cpu = (run.get("serverCPU") or {}).get("microsecondsPerOperation")
    print(f"| {sys.argv[2]} | {run['label']} | {f(run['operationsPerSecond'])} | {f(latency.get('p50Microseconds'))} | "
          f"{f(latency.get('p99Microseconds'))} | {f(cpu, 2)} | {sys.argv[3]} |")
PY
    for pid in "${node_pids[@]}" "$redis_pid"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
done
