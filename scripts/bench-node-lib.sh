# Shared by the scripts that run release socketio-node processes against Redis for a benchmark
# (bench-adapters.sh, bench-redis-cluster.sh). Source it after setting `bench_name`; it sets
# repo_root (and cd's there), bin, clients, duration, warmup, work (a temporary directory) and pids
# (every process started, stopped by PID at exit), and defines log, free_port and cpu_ticks.
# Environment: BENCH_SCRATCH (SwiftPM scratch path with release socketio-node and socketio-bench,
# default .build-bench), CLIENTS (receivers, default 100), DURATION (s, default 8), WARMUP (s, default 2).

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
bin="${BENCH_SCRATCH:-.build-bench}/release"
clients="${CLIENTS:-100}"
duration="${DURATION:-8}"
warmup="${WARMUP:-2}"
work="$(mktemp -d "/tmp/$bench_name.XXXXXX")"
pids=()

log() { printf '%s: %s\n' "$bench_name" "$*" >&2; }
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for tool in "$bin/socketio-node" "$bin/socketio-bench"; do
    [ -x "$tool" ] || { log "missing $tool: swift build -c release --scratch-path ${BENCH_SCRATCH:-.build-bench} --product $(basename "$tool")"; exit 1; }
done

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Starts three release nodes on Redis `$2` with the extra socketio-node arguments after it, logs under
# "$work/$1-node<i>.log", and waits (10 s at most each) for their /readyz. Sets node_pids, urls
# (`--url …` pairs) and server_pids (`--server-pid …` pairs) for socketio-bench.
start_nodes() {
    local name="$1" redis_url="$2" i port
    shift 2
    node_pids=() urls=() server_pids=()
    for i in 1 2 3; do
        port="$(free_port)"
        "$bin/socketio-node" --host 127.0.0.1 --port "$port" --node-id "bench$i" --redis "$redis_url" "$@" \
            --bench-handlers --log-level warning >"$work/$name-node$i.log" 2>&1 &
        node_pids+=($!)
        pids+=($!)
        urls+=(--url "http://127.0.0.1:$port")
        server_pids+=(--server-pid "$!")
    done
    for i in 0 1 2; do
        for _ in $(seq 1 200); do
            curl -fs "${urls[$((i * 2 + 1))]}/readyz" >/dev/null 2>&1 && break
            sleep 0.05
        done
    done
}
