#!/usr/bin/env bash
# The default benchmark suite (`make bench`): builds socketio-bench and socketio-node in release mode
# (scratch path .build-bench), starts the servers it needs on free loopback ports, runs the scenarios,
# and writes docs/benchmarks.md with every figure, the exact commands, the machine, the date and the
# load. The suite itself takes about three minutes; every server it starts is stopped by PID on exit.
#
# Environment:
#   BENCH_OUT=path        where to write the report (default docs/benchmarks.md)
#   BENCH_SCRATCH=dir     SwiftPM scratch path (default .build-bench)
#   BENCH_SKIP_BUILD=1    use the binaries already in the scratch path
#   BENCH_QUICK=1         a smoke run: tiny loads, short windows (figures meaningless, same shape)
#   BENCH_SERVER=fixture  measure socketio-fixture (--handlers fixture) instead of socketio-node
#   BENCH_REFERENCE=1     also measure the reference Node server (socket.io 4.8.1, installed with npm
#                         into $BENCH_SCRATCH/reference on first use) with the same echo/fanout commands
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
scratch="${BENCH_SCRATCH:-.build-bench}"
out="${BENCH_OUT:-docs/benchmarks.md}"
quick="${BENCH_QUICK:-0}"
server_kind="${BENCH_SERVER:-node}"
results="$scratch/bench-results"
bin="$scratch/release"
pids=()

log() { printf 'bench: %s\n' "$*" >&2; }

# Stops what this script started, by PID, newest first (cluster nodes before their Redis).
cleanup() {
    local i pid
    for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do
        pid="${pids[$i]}"
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_ready PORT PID: until the server answers an Engine.IO handshake (at most 20 s).
wait_ready() {
    local port="$1" pid="$2" i
    for i in $(seq 1 200); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "server pid $pid on port $port exited; log:"
            tail -20 "$results/server-$port.log" >&2 || true
            exit 1
        fi
        if curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/socket.io/?EIO=4&transport=polling"; then
            return 0
        fi
        sleep 0.1
    done
    log "server on port $port not ready after 20 s"
    exit 1
}

# start_server PORT [extra args...]: starts the measured server in the background; sets $server_pid.
start_server() {
    local port="$1"
    shift
    if [ "$server_kind" = fixture ]; then
        "$bin/socketio-fixture" --host 127.0.0.1 --port "$port" >"$results/server-$port.log" 2>&1 &
    else
        "$bin/socketio-node" --host 127.0.0.1 --port "$port" --bench-handlers --log-level warning "$@" \
            >"$results/server-$port.log" 2>&1 &
    fi
    server_pid=$!
    pids+=("$server_pid")
    wait_ready "$port" "$server_pid"
}

stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# wait_quiet: until the machine is at least 90% idle over one second (at most 20 s), so one scenario's
# aftermath (the kernel tearing down thousands of closed connections) is not charged to the next.
wait_quiet() {
    local i a b idle total
    for i in $(seq 1 20); do
        read -r -a a < <(grep '^cpu ' /proc/stat)
        sleep 1
        read -r -a b < <(grep '^cpu ' /proc/stat)
        idle=$(( (b[4] + b[5]) - (a[4] + a[5]) ))
        total=0
        for j in 1 2 3 4 5 6 7 8; do total=$(( total + b[j] - a[j] )); done
        quiet_idle=$(( total > 0 ? idle * 100 / total : 100 ))
        if (( quiet_idle >= 90 )); then return 0; fi
    done
    log "machine still busy after 20 s (${quiet_idle}% idle); measuring anyway"
}

# run_bench NAME ARGS...: runs one scenario, JSON to $results/NAME.json, command line to NAME.cmd.
run_bench() {
    local name="$1"
    shift
    local cmd=("$bin/socketio-bench" "$@" --json "$results/$name.json")
    wait_quiet
    printf '%s %s\n' "$name" "$quiet_idle" >>"$results/quiet.txt"
    printf '%q ' "${cmd[@]}" | sed "s|$repo_root/||g; s| $| |" >"$results/$name.cmd"
    log "$name: ${cmd[*]}"
    "${cmd[@]}" || log "$name: exited with status $? (errors are in the report)"
}

# ------------------------------------------------------------------------------------------------

mkdir -p "$results"
rm -f "$results"/*.json "$results"/*.jsonl "$results"/*.cmd "$results"/*.log "$results"/quiet.txt "$results"/deflate.md

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries in $scratch (one product at a time)"
    swift build -c release --scratch-path "$scratch" --product socketio-bench
    if [ "$server_kind" = fixture ]; then
        swift build -c release --scratch-path "$scratch" --product socketio-fixture
    else
        swift build -c release --scratch-path "$scratch" --product socketio-node
    fi
fi
bin="$scratch/release"  # SwiftPM's symlink to the release products
handlers=(--handlers bench)
if [ "$server_kind" = fixture ]; then
    handlers=(--handlers fixture)
elif ! "$bin/socketio-node" --help 2>/dev/null | grep -q -- --bench-handlers; then
    log "socketio-node has no --bench-handlers; rerun with BENCH_SERVER=fixture"
    exit 1
fi

uptime_before="$(uptime)"
started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

if [ "$quick" = 1 ]; then
    d=1; w=0.3; fan_clients=50; echo_clients=10; idle_clients=200; poll_clients=5; cluster_clients=20; storm_clients=200
else
    d=8; w=2; fan_clients=1000; echo_clients=50; idle_clients=10000; poll_clients=50; cluster_clients=100; storm_clients=5000
fi

# 1. Codec micro-benchmarks (no server).
run_bench codec codec --seconds "$([ "$quick" = 1 ] && echo 0.05 || echo 0.5)"

# 2. One node for echo, fanout, connect and polling.
port="$(free_port)"
start_server "$port"
node="$server_pid"
url="http://127.0.0.1:$port"
run_bench echo echo --url "$url" "${handlers[@]}" --server-pid "$node" --clients "$echo_clients" --in-flight 1 \
    --payload-size 32 --duration "$d" --warmup "$w"
run_bench fanout fanout --url "$url" "${handlers[@]}" --server-pid "$node" --clients "$fan_clients" --payload-size 32 \
    --in-flight 32 --rate 100 --rate max --duration "$d" --warmup "$w"
run_bench connect connect --url "$url" --server-pid "$node" --transport websocket --transport polling \
    --concurrency 32 --duration "$(( d / 2 > 0 ? d / 2 : 1 ))" --warmup 1
run_bench polling polling --url "$url" "${handlers[@]}" --server-pid "$node" --clients "$poll_clients" --in-flight 1 \
    --duration "$d" --warmup "$w"
stop_server "$node"

# 2b. Echo again with the server on one event loop: the load generator needs the other core.
if [ "$server_kind" = node ] && [ "$quick" != 1 ]; then
    port="$(free_port)"
    start_server "$port" --threads 1
    run_bench echo-one-loop echo --url "http://127.0.0.1:$port" "${handlers[@]}" --server-pid "$server_pid" \
        --clients "$echo_clients" --in-flight 1 --payload-size 32 --duration "$d" --warmup "$w"
    stop_server "$server_pid"
fi

# 2c. WebSocket permessage-deflate on its own node (scripts/bench-deflate.sh writes its page section).
if [ "$server_kind" = node ]; then
    wait_quiet
    BENCH_SKIP_BUILD=1 BENCH_SCRATCH="$scratch" BENCH_QUICK="$quick" scripts/bench-deflate.sh >"$results/deflate.md" \
        || log "bench-deflate.sh exited with status $?"
fi

# 2d. The two parsers side by side: echo and fanout with --parser default and --parser msgpack on both
#     sides, each scenario on a freshly started node (server CPU per message is steadiest there).
if [ "$server_kind" = node ]; then
    for parser in default msgpack; do
        port="$(free_port)"
        start_server "$port" --parser "$parser"
        run_bench "echo-parser-$parser" echo --url "http://127.0.0.1:$port" "${handlers[@]}" --parser "$parser" \
            --server-pid "$server_pid" --clients "$echo_clients" --in-flight 1 --payload-size 32 --duration "$d" --warmup "$w"
        stop_server "$server_pid"
        port="$(free_port)"
        start_server "$port" --parser "$parser"
        run_bench "fanout-parser-$parser" fanout --url "http://127.0.0.1:$port" "${handlers[@]}" --parser "$parser" \
            --server-pid "$server_pid" --clients "$fan_clients" --payload-size 32 --in-flight 32 --rate 100 --rate max \
            --duration "$d" --warmup "$w"
        stop_server "$server_pid"
    done
fi

# 3. Idle connections on a fresh process.
port="$(free_port)"
start_server "$port"
run_bench idle idle --url "http://127.0.0.1:$port" --server-pid "$server_pid" --clients "$idle_clients" \
    --connect-concurrency 200 --settle 3
stop_server "$server_pid"

# 3b. Reconnect storm on a fresh process: every client drops at once and reconnects at once, per transport.
port="$(free_port)"
start_server "$port"
run_bench storm storm --url "http://127.0.0.1:$port" --server-pid "$server_pid" --clients "$storm_clients" \
    --transport websocket --transport polling --timeout 60
stop_server "$server_pid"

# 4. Three nodes through Redis (classic adapter), 100 receivers, 100 broadcasts/s.
if [ "$server_kind" = node ] && command -v redis-server >/dev/null 2>&1; then
    redis_port="$(free_port)"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$results/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 1 50); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    cluster_urls=()
    cluster_pids=()
    for n in 1 2 3; do
        port="$(free_port)"
        start_server "$port" --redis "redis://127.0.0.1:$redis_port" --node-id "bench$n"
        cluster_urls+=(--url "http://127.0.0.1:$port")
        cluster_pids+=(--server-pid "$server_pid")
    done
    run_bench cluster cluster-fanout "${cluster_urls[@]}" "${cluster_pids[@]}" --redis "127.0.0.1:$redis_port" \
        --clients "$cluster_clients" --payload-size 32 --rate 100 --rate max --duration "$d" --warmup "$w"
else
    log "skipping cluster-fanout (needs socketio-node and redis-server)"
fi

# 5. The machine's floor: the traffic of echo and cluster-fanout in single-threaded C with no protocol.
if [ "$quick" != 1 ]; then
    wait_quiet
    printf '%s %s\n' floor "$quiet_idle" >>"$results/quiet.txt"
    log "floor: scripts/bench-floor.sh (FLOOR_RUNS=1)"
    FLOOR_RUNS=1 FLOOR_JSON="$results/floor.jsonl" FLOOR_SCRATCH="$scratch/floor" scripts/bench-floor.sh >&2 \
        || log "floor: failed (no C compiler?); the page will have no floor"
fi

# 5b. One Redis versus a 3-primary Redis Cluster: the same fan-out, three rooms on three shards.
if [ "$quick" != 1 ] && [ "$server_kind" = node ] && command -v redis-cli >/dev/null; then
    log "redis-cluster: scripts/bench-redis-cluster.sh"
    BENCH_SCRATCH="$scratch" DURATION="$d" WARMUP="$w" scripts/bench-redis-cluster.sh >"$results/redis-cluster.md" \
        || { log "redis-cluster: failed; the page will have no cluster comparison"; rm -f "$results/redis-cluster.md"; }
fi

# 5c. The adapter protocols side by side: classic, sharded, streams, streams with recovery.
if [ "$quick" != 1 ] && [ "$server_kind" = node ] && command -v redis-server >/dev/null; then
    log "adapters: scripts/bench-adapters.sh"
    BENCH_SCRATCH="$scratch" DURATION="$d" WARMUP="$w" scripts/bench-adapters.sh >"$results/adapters.md" \
        || { log "adapters: failed; the page will have no adapter comparison"; rm -f "$results/adapters.md"; }
fi

# 6. Optional: the reference Node server, same commands.
if [ "${BENCH_REFERENCE:-0}" = 1 ]; then
    refdir="$scratch/reference"
    if [ ! -d "$refdir/node_modules/socket.io" ]; then
        log "installing socket.io@4.8.1 into $refdir (npm)"
        mkdir -p "$refdir"
        (cd "$refdir" && npm init -y >/dev/null && npm install --no-audit --no-fund socket.io@4.8.1 >/dev/null)
    fi
    cat >"$refdir/server.js" <<'EOF'
// The reference server with the four bench handlers, for comparison only.
const { createServer } = require("http");
const { Server } = require("socket.io");
const port = Number(process.argv[2]);
const httpServer = createServer();
const io = new Server(httpServer, { cors: { origin: "*" } });
io.on("connection", (socket) => {
  socket.on("echo", (...args) => { const ack = args.pop(); if (typeof ack === "function") ack(...args); });
  socket.on("join", (room, ack) => { socket.join(room); if (typeof ack === "function") ack(); });
  socket.on("broadcast", (...args) => { const ack = args.pop(); io.emit("broadcast", ...args); if (typeof ack === "function") ack(); });
  socket.on("to-room", (room, ...args) => { const ack = args.pop(); io.to(room).emit("to-room", ...args); if (typeof ack === "function") ack(); });
});
httpServer.listen(port, "127.0.0.1");
EOF
    port="$(free_port)"
    node "$refdir/server.js" "$port" >"$results/server-$port.log" 2>&1 &
    ref_pid=$!
    pids+=("$ref_pid")
    wait_ready "$port" "$ref_pid"
    run_bench reference-echo echo --url "http://127.0.0.1:$port" --server-pid "$ref_pid" --clients "$echo_clients" \
        --in-flight 1 --payload-size 32 --duration "$d" --warmup "$w"
    run_bench reference-fanout fanout --url "http://127.0.0.1:$port" --server-pid "$ref_pid" --clients "$fan_clients" \
        --payload-size 32 --in-flight 32 --rate 100 --rate max --duration "$d" --warmup "$w"
    stop_server "$ref_pid"
fi

uptime_after="$(uptime)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git status --porcelain 2>/dev/null | head -1)"
[ -n "$dirty" ] && commit="$commit (with uncommitted changes)"

python3 - "$results" "$out" "$started_at" "$uptime_before" "$uptime_after" "$commit" "$quick" "$server_kind" <<'EOF'
import json, os, sys

results, out, started_at, up_before, up_after, commit, quick, server_kind = sys.argv[1:9]
REDIS_CLUSTER_HEADING = "## One Redis versus a 3-primary Redis Cluster (`scripts/bench-redis-cluster.sh`)"
ADAPTERS_HEADING = "## The Redis adapters side by side (`scripts/bench-adapters.sh`)"
ADAPTERS_TEXT = [
    "Three socketio-node processes on a fresh redis-server per adapter, `socketio-bench cluster-fanout` (100 receivers",
    "spread over the nodes, publisher on the first) at 100 broadcasts/s and at the maximum rate. `streams+recovery`",
    "adds `--recovery 2m`: every broadcast is then delivered, on every node, only once it was read back from the",
    "stream. CPU is the three nodes' user + system time per delivered message; Redis CPU over the whole run.",
]
REDIS_CLUSTER_TEXT = [
    "Three socketio-node processes (sharded adapter) on one redis-server, then on a 3-primary Redis Cluster made with",
    "`redis-cli --cluster create`; three rooms whose shard channels hash to the three primaries, one",
    "`socketio-bench cluster-fanout --rate max` per room (100 receivers each, spread over the nodes, publishers on",
    "different nodes), all at once. Delivered messages/s are summed over the rooms; Redis CPU is each redis-server's",
    "user + system time over the run (from `/proc/PID/stat`), in % of one core.",
]

def load(name):
    path = os.path.join(results, name + ".json")
    if not os.path.exists(path):
        return None, None
    with open(path) as f:
        report = json.load(f)
    with open(os.path.join(results, name + ".cmd")) as f:
        return report, f.read().strip()

def num(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"

def lat(run, key):
    l = run.get("latency")
    return num(l[key], 0 if l[key] >= 100 else 1) if l else "–"

def run_table(report):
    rows = ["| run | operation | ops/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/op | server %core | bench %core | bench share | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["runs"]:
        s = r.get("serverCPU") or {}
        b = r["benchCPU"]
        rows.append(f"| {r['label']} | {r['operation']} | {num(r['operationsPerSecond'])} | {lat(r,'p50Microseconds')} | "
                    f"{lat(r,'p99Microseconds')} | {lat(r,'p999Microseconds')} | {num(s.get('microsecondsPerOperation'), 2)} | "
                    f"{num(s.get('percentOfOneCore'))}% | {num(b['percentOfOneCore'])}% | "
                    f"{num(b.get('shareOfMeasuredCPUPercent'))}% | {r['errors']} |")
    notes = []
    for r in report["runs"]:
        extra = ", ".join(f"{k}={v:g}" for k, v in sorted(r.get("extra", {}).items()))
        if extra:
            notes.append(f"- {r['label']}: {extra}")
        for n in r.get("notes", []):
            notes.append(f"- {r['label']}: {n}")
        for e in r.get("errorSamples", []):
            notes.append(f"- {r['label']}: error: {e}")
    return "\n".join(rows + ([""] + notes if notes else []))

def codec_table(report):
    rows = ["| case | ops/s | ns/op | allocations/op | bytes/op | what |", "|---|---:|---:|---:|---:|---|"]
    for r in report["runs"]:
        e = r["extra"]
        rows.append(f"| {r['label']} | {num(r['operationsPerSecond'])} | {num(e.get('nanosecondsPerOperation'), 1)} | "
                    f"{num(e.get('allocationsPerOperation'), 2)} | {num(e.get('allocatedBytesPerOperation'))} | {('`' + r['notes'][0] + '`') if r['notes'] else ''} |")
    return "\n".join(rows)

def find(report, label):
    for r in (report or {}).get("runs", []):
        if r["label"] == label:
            return r
    return None

def load_floor():
    path = os.path.join(results, "floor.jsonl")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {row["scenario"]: row for row in map(json.loads, filter(str.strip, f))}

floor = load_floor()
reports = {name: load(name) for name in ["codec", "echo", "echo-one-loop", "fanout", "connect", "polling", "idle", "storm", "cluster", "reference-echo", "reference-fanout",
                                   "echo-parser-default", "echo-parser-msgpack", "fanout-parser-default", "fanout-parser-msgpack"]}
machine = next((r[0]["machine"] for r in reports.values() if r[0]), {})

lines = []
lines.append("# Benchmarks")
lines.append("")
lines.append("Figures written by `make bench` (`scripts/bench.sh`); rerun it to regenerate this page. The load generator is")
lines.append("`socketio-bench` (`Sources/socketio-bench`, `socketio-bench --help`). Throughput on this shared 2-core machine swings")
lines.append("±40% from run to run, so the figure to compare is the **server's CPU time per operation** (user + system, all threads,")
lines.append("from `/proc/PID/stat`, 10 ms resolution), reported beside every throughput together with the bench tool's own CPU")
lines.append("(`bench %core`; `bench share` = bench CPU / (bench + server CPU)). The bench and the server share the same cores.")
lines.append("What limits each figure, with profiles: [performance-notes.md](performance-notes.md).")
lines.append("")
if quick == "1":
    lines.append("> **Smoke run (`BENCH_QUICK=1`)**: tiny loads and windows; the figures below are not measurements.")
    lines.append("")
# How idle the machine was (CPU idle over one second, steal counted as busy) when each scenario started.
quiet = []
quiet_path = os.path.join(results, "quiet.txt")
if os.path.exists(quiet_path):
    with open(quiet_path) as f:
        quiet = [(name, int(idle)) for name, idle in (line.split() for line in f if line.strip())]
busy = [f"{name} ({idle}% idle)" for name, idle in quiet if idle < 90]
if busy:
    lines.append("> **Provisional figures**: other work kept the machine busy when these scenarios started (each waits up to")
    lines.append(f"> 20 s for 90% idle): {', '.join(busy)}. Throughput and latency suffer most; CPU per operation less")
    lines.append("> so, but it is inflated too (cache and scheduler contention). Rerun `make bench` on a quiet machine.")
    lines.append("")
lines.append("## Run")
lines.append("")
lines.append(f"- Date: {started_at}")
lines.append(f"- Commit: {commit}")
lines.append(f"- Server: {'socketio-node --bench-handlers' if server_kind == 'node' else 'socketio-fixture (--handlers fixture)'} (release build)")
lines.append(f"- Machine: {machine.get('cpuModel','?')}, {machine.get('cores','?')} cores, {machine.get('memoryBytes',0)/2**30:.1f} GiB, Linux {machine.get('kernel','?')}")
lines.append(f"- Load before: `{up_before.strip()}`")
lines.append(f"- Load after: `{up_after.strip()}`")
if quiet:
    lines.append("- CPU idle when each scenario started: " + ", ".join(f"{name} {idle}%" for name, idle in quiet))
lines.append("- Commands below are exactly as run; ports and PIDs are the ones of that run (servers on free loopback ports).")
lines.append("")

# Targets
lines.append("## Targets")
lines.append("")
if quick == "1":
    lines.append("Only the targets whose load matches are checked; a smoke run matches few of them.")
    lines.append("")
lines.append("| target | measured | machine floor (C, no protocol) | |")
lines.append("|---|---|---|---|")
fe, fr = floor.get("echo"), floor.get("relay")
def check(ok):
    return "✅" if ok else "❌"
def load_is(report, **params):
    """True when the scenario ran with the target's load (a quick run does not)."""
    return report is not None and all(report["parameters"].get(k) == v for k, v in params.items())
fan = find(reports["fanout"][0], "rate=max") if load_is(reports["fanout"][0], clients="1000", inFlight="32", payloadSize="32") else None
if fan:
    cpu = (fan.get("serverCPU") or {}).get("microsecondsPerOperation")
    lines.append(f"| fan-out, 1,000 clients, 32 B, 32 in flight: ≤ 3 µs server CPU per delivered message | {num(cpu, 2)} µs | – | {check(cpu is not None and cpu <= 3)} |")
    lines.append(f"| same: ≥ 350,000 delivered msgs/s | {num(fan['operationsPerSecond'])} /s | – | {check(fan['operationsPerSecond'] >= 350000)} |")
echo = find(reports["echo"][0], "websocket") if load_is(reports["echo"][0], clients="50", inFlight="1") else None
if echo:
    cpu = (echo.get("serverCPU") or {}).get("microsecondsPerOperation")
    one = find(reports["echo-one-loop"][0], "websocket")
    one_cpu = ((one or {}).get("serverCPU") or {}).get("microsecondsPerOperation")
    one_note = f" (one event loop: {num(one_cpu, 2)} µs)" if one_cpu is not None else ""
    one_rate = f" (one event loop: {num(one['operationsPerSecond'])} /s)" if one else ""
    lines.append(f"| request/ack, 50 clients, 1 in flight: ≤ 8 µs server CPU per ack | {num(cpu, 2)} µs{one_note} | {num(fe and fe['serverMicrosecondsPerOperation'], 2)} µs | {check(cpu is not None and cpu <= 8)} |")
    lines.append(f"| same: ≥ 90,000 acks/s | {num(echo['operationsPerSecond'])} /s{one_rate} | {num(fe and fe['perSecond'])} /s | {check(echo['operationsPerSecond'] >= 90000)} |")
idle = reports["idle"][0]
if idle and idle["runs"] and idle["runs"][0].get("serverRSS"):
    rss = idle["runs"][0]["serverRSS"]
    per = rss["perConnectionBytes"] / 1024
    lines.append(f"| idle WebSocket clients: ≤ 6 KB server RSS each at 10,000 clients (fresh process) | {per:.2f} KB ({rss['connections']:,} clients) | – | {check(per <= 6 and rss['connections'] >= 10000)} |")
cl = find(reports["cluster"][0], "rate=100") if load_is(reports["cluster"][0], clients="100", nodes="3") else None
if cl:
    p99 = (cl.get("latency") or {}).get("p99Microseconds")
    lines.append(f"| cross-node broadcast via Redis, 3 nodes, 100 receivers, 100 msgs/s: p99 ≤ 2 ms | {num(p99/1000 if p99 else None, 2)} ms | {num(fr and fr['p99Microseconds'] / 1000, 2)} ms | {check(p99 is not None and p99 <= 2000)} |")
    ppb = cl.get("extra", {}).get("redisPublishesPerBroadcast")
    lines.append(f"| one Redis PUBLISH per broadcast regardless of recipients | {num(ppb, 2)} per broadcast | – | {check(ppb is not None and abs(ppb - 1) < 0.01)} |")
lines.append("")

sections = [
    ("echo", "Request/ack round trips (`echo`)", "50 WebSocket clients, one `echo` request in flight each, 32-byte string argument; latency is emit to ack."),
    ("echo-one-loop", "Request/ack round trips, server on one event loop", "The same `echo` load against `socketio-node --threads 1`: on this 2-core machine the load generator needs the other core, and one event loop saves the wake-ups of a second (the target rows above are checked on the default, one loop per core)."),
    ("fanout", "Fan-out to one room (`fanout`)", "1,000 WebSocket receivers in one room, one publisher emitting `to-room` with a 32-byte payload (16 digits of send time + filler); at 100 broadcasts/s (100,000 deliveries/s) and at the maximum with 32 broadcasts in flight (emitted and not yet delivered to every receiver). Latency is from the publisher's write of the broadcast to the receiver's read; at a fixed rate, how late the publisher's sends were against their schedule is reported apart (`sendLag…`: the bench's own timer wake-up, not the server)."),
    ("cluster", "Fan-out across nodes through Redis (`cluster-fanout`)", "Three socketio-node processes on one Redis (classic adapter), receivers spread round robin, publisher on the first node; PUBLISH calls counted from Redis `INFO commandstats`."),
    ("connect", "Handshakes (`connect`)", "32 lanes, each: TCP connect, Engine.IO handshake, Socket.IO CONNECT to `/`, answer, Engine.IO close. Polling uses one keep-alive connection per handshake."),
    ("polling", "Polling-only clients (`polling`)", "Request/ack round trips with polling-only clients (a long-poll GET and a POST connection each)."),
    ("idle", "Idle connections (`idle`)", "Idle WebSocket clients connected to `/` on a freshly started server; RSS from `/proc/PID/status` before connecting and 3 s after the last connect."),
    ("storm", "Reconnect storm (`storm`)", "Clients (5,000; 200 in a quick run) connected to one freshly started node drop their TCP connections at once (nothing sent first) and all reconnect at once to the same URL, first over WebSocket, then polling-only (two connections per client); `ops/s` is reconnects over the time until the last one is back, latency is each client's time from the drop to its CONNECT answer, server CPU per reconnect includes closing the dropped sessions."),
    ("reference-echo", "Reference Node server: echo", "socket.io 4.8.1 on Node, same command."),
    ("reference-fanout", "Reference Node server: fan-out", "socket.io 4.8.1 on Node, same command."),
]
for name, title, what in sections:
    report, cmd = reports[name]
    if not report:
        continue
    lines.append(f"## {title}")
    lines.append("")
    lines.append(what)
    lines.append("")
    lines.append("```sh")
    lines.append(cmd)
    lines.append("```")
    lines.append("")
    lines.append(run_table(report))
    if name == "fanout" and os.path.exists(os.path.join(results, "deflate.md")):
        with open(os.path.join(results, "deflate.md")) as f:
            lines.append("")
            lines.append(f.read().strip())
    if name == "idle":
        for r in report["runs"]:
            rss = r.get("serverRSS")
            if rss:
                lines.append("")
                lines.append(f"Server RSS {rss['beforeBytes']/2**20:.1f} MiB before, {rss['afterBytes']/2**20:.1f} MiB with {rss['connections']:,} clients: "
                             f"**{rss['perConnectionBytes']/1024:.2f} KB per connection** ({rss['totalPerConnectionBytes']/1024:.2f} KB including the process baseline).")
    lines.append("")

parser_runs = [(scenario, label, reports[f"{scenario}-parser-default"], reports[f"{scenario}-parser-msgpack"])
               for scenario, label in [("echo", "websocket"), ("fanout", "rate=100"), ("fanout", "rate=max")]]
if any(default[0] and msgpack[0] for _, _, default, msgpack in parser_runs):
    lines.append("## msgpack parser (`--parser msgpack`)")
    lines.append("")
    lines.append("The `echo` and `fanout` loads above with each parser on both sides: `socketio-node --parser default|msgpack` and")
    lines.append("`socketio-bench --parser default|msgpack` (msgpack: every packet one MessagePack map `{type, data, nsp, id?}` in a")
    lines.append("binary WebSocket message, as socket.io-msgpack-parser writes it). Each scenario runs on a freshly started node.")
    lines.append("")
    lines.append("| scenario | run | default: ops/s | default: server CPU µs/op | msgpack: ops/s | msgpack: server CPU µs/op | msgpack / default CPU |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for scenario, label, default, msgpack in parser_runs:
        d_run, m_run = find(default[0], label), find(msgpack[0], label)
        if not d_run or not m_run:
            continue
        d_cpu = (d_run.get("serverCPU") or {}).get("microsecondsPerOperation")
        m_cpu = (m_run.get("serverCPU") or {}).get("microsecondsPerOperation")
        ratio = f"{m_cpu / d_cpu:.2f}×" if d_cpu and m_cpu else "–"
        lines.append(f"| {scenario} | {label} | {num(d_run['operationsPerSecond'])} | {num(d_cpu, 2)} | "
                     f"{num(m_run['operationsPerSecond'])} | {num(m_cpu, 2)} | {ratio} |")
    lines.append("")
    lines.append("```sh")
    for name in ["echo-parser-default", "fanout-parser-default", "echo-parser-msgpack", "fanout-parser-msgpack"]:
        if reports[name][1]:
            lines.append(reports[name][1])
    lines.append("```")
    lines.append("")

if floor:
    lines.append("## Machine floor (`make bench-floor`)")
    lines.append("")
    lines.append("The traffic of `echo` and `cluster-fanout` with no protocol at all: single-threaded C programs on plain TCP")
    lines.append("(`scripts/floor/floor.c`), run in this suite right after the scenarios above. What they cost is what this")
    lines.append("machine charges for the syscalls and thread wake-ups alone; no server can go below it here.")
    lines.append("")
    lines.append("| traffic | figure | server side CPU | load generator CPU |")
    lines.append("|---|---|---:|---:|")
    if fe:
        lines.append(f"| echo: 50 connections, one 32-byte message in flight each | {num(fe['perSecond'])} round trips/s | "
                     f"{num(fe['serverMicrosecondsPerOperation'], 2)} µs per round trip | {num(fe['clientMicrosecondsPerOperation'], 2)} µs |")
    if fr:
        lines.append(f"| relay: publisher → node 1 → hub → nodes 2, 3; 100 receivers over 3 nodes; 100 broadcasts/s | "
                     f"p50 {num(fr['p50Microseconds'])} µs, p99 {num(fr['p99Microseconds'])} µs, p99.9 {num(fr['p999Microseconds'])} µs | "
                     f"{num(fr['serverMicrosecondsPerOperation'], 2)} µs per delivery (nodes) | {num(fr['clientMicrosecondsPerOperation'], 2)} µs |")
    lines.append("")

redis_cluster = os.path.join(results, "redis-cluster.md")
if os.path.exists(redis_cluster):
    lines.append(REDIS_CLUSTER_HEADING)
    lines.append("")
    lines.extend(REDIS_CLUSTER_TEXT)
    lines.append("")
    lines.append(open(redis_cluster).read().strip())
    lines.append("")

adapters = os.path.join(results, "adapters.md")
if os.path.exists(adapters):
    lines.append(ADAPTERS_HEADING)
    lines.append("")
    lines.extend(ADAPTERS_TEXT)
    lines.append("")
    lines.append(open(adapters).read().strip())
    lines.append("")

report, cmd = reports["codec"]
if report:
    lines.append("## Codec micro-benchmarks (`codec`)")
    lines.append("")
    lines.append("SocketIOProtocol's packet encoder/decoder on the packets the server handles most, plus the bench client's own")
    lines.append("per-message work. Allocations are malloc calls per operation (glibc `mtrace()` in a child process over 1,000")
    lines.append("operations: every Swift object, array, string and ByteBuffer storage, and C allocations).")
    lines.append("")
    lines.append("```sh")
    lines.append(cmd)
    lines.append("```")
    lines.append("")
    lines.append(codec_table(report))
    lines.append("")

lines.append("## Reproducing one figure")
lines.append("")
lines.append("```sh")
lines.append("swift build -c release --scratch-path .build-bench --product socketio-bench")
lines.append("swift build -c release --scratch-path .build-bench --product socketio-node")
lines.append(".build-bench/release/socketio-node --port 3000 --bench-handlers --log-level warning &")
lines.append(".build-bench/release/socketio-bench fanout --url http://127.0.0.1:3000 --server-pid $! --clients 1000 --rate max")
lines.append("```")
lines.append("")
lines.append("Every scenario prints a table and, with `--json FILE` (`-` for stdout), writes the full report")
lines.append("(`Sources/socketio-bench/Report/BenchReport.swift`):")
lines.append("")
lines.append("```text")
lines.append("{ tool, schemaVersion, scenario, command, startedAt, targets[], serverPIDs[], parameters{},")
lines.append("  machine { cores, cpuModel, kernel, memoryBytes, loadAverage[3], benchThreads },")
lines.append("  errors, errorSamples[],")
lines.append("  runs[] { label, operation, durationSeconds, operations, operationsPerSecond, sent?,")
lines.append("           latency? { count, minMicroseconds, meanMicroseconds, p50Microseconds, p90Microseconds,")
lines.append("                      p99Microseconds, p999Microseconds, maxMicroseconds },")
lines.append("           serverCPU? { seconds, percentOfOneCore, microsecondsPerOperation, perProcessSeconds[] },")
lines.append("           benchCPU { seconds, percentOfOneCore, microsecondsPerOperation, shareOfMeasuredCPUPercent? },")
lines.append("           serverRSS? { beforeBytes, afterBytes, connections, perConnectionBytes, totalPerConnectionBytes },")
lines.append("           errors, errorSamples[], notes[], extra{} } }")
lines.append("```")
lines.append("")
lines.append("Fields marked `?` are absent when not measured. `extra` holds scenario figures such as `broadcastsPerSecond`,")
lines.append("`targetRate`, `skippedBroadcasts`, `undelivered`, `redisPublishesPerBroadcast`, or for `codec`")
lines.append("`nanosecondsPerOperation`, `allocationsPerOperation`, `allocatedBytesPerOperation`. The exit status is 0 when")
lines.append("`errors` is 0, 2 otherwise (the report is still written).")
lines.append("")

with open(out, "w") as f:
    f.write("\n".join(lines))
print(f"bench: wrote {out}", file=sys.stderr)
EOF
