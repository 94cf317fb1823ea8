#!/usr/bin/env bash
# WebSocket permessage-deflate figures (part of `make bench`, or alone): one socketio-node with
# --per-message-deflate, the `echo` and `fanout` scenarios with clients that offer the extension
# (socketio-bench --deflate) and clients that do not, at a payload under (32 B) and over (2,000 B) the
# 1,024-byte threshold. Prints a Markdown section on stdout (progress on stderr); the server it starts
# is stopped by PID on exit.
#
# Environment: BENCH_SCRATCH (default .build-bench), BENCH_SKIP_BUILD=1, BENCH_QUICK=1 (as scripts/bench.sh).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
scratch="${BENCH_SCRATCH:-.build-bench}"
quick="${BENCH_QUICK:-0}"
results="$scratch/bench-results"
bin="$scratch/release"
server_pid=""

log() { printf 'bench-deflate: %s\n' "$*" >&2; }
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

mkdir -p "$results"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release --scratch-path "$scratch" --product socketio-bench >&2
    swift build -c release --scratch-path "$scratch" --product socketio-node >&2
fi
if [ "$quick" = 1 ]; then d=1; w=0.3; fan_clients=50; echo_clients=10; else d=8; w=2; fan_clients=1000; echo_clients=50; fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
"$bin/socketio-node" --host 127.0.0.1 --port "$port" --bench-handlers --log-level warning --per-message-deflate \
    >"$results/server-deflate-$port.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
    curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/socket.io/?EIO=4&transport=polling" && break
    sleep 0.1
done
url="http://127.0.0.1:$port"

names=()
for size in 32 2000; do
    for scenario in echo fanout; do
        for client in plain deflate; do
            name="deflate-$scenario-$size-$client"
            args=("$scenario" --url "$url" --handlers bench --server-pid "$server_pid" --payload-size "$size"
                --duration "$d" --warmup "$w")
            if [ "$scenario" = echo ]; then
                args+=(--clients "$echo_clients" --in-flight 1)
            else
                args+=(--clients "$fan_clients" --in-flight 32 --rate max)
            fi
            [ "$client" = deflate ] && args+=(--deflate)
            cmd=("$bin/socketio-bench" "${args[@]}" --quiet --json "$results/$name.json")
            printf '%q ' "${cmd[@]}" | sed "s|$repo_root/||g; s| $||" >"$results/$name.cmd"
            log "$name"
            sleep 1
            "${cmd[@]}" || log "$name: exited with status $? (errors are in the report)"
            names+=("$name")
        done
    done
done

python3 - "$results" "$bin/socketio-node --host 127.0.0.1 --port $port --bench-handlers --log-level warning --per-message-deflate &" "${names[@]}" <<'PY'
import json, os, sys
results, server_cmd, names = sys.argv[1], sys.argv[2], sys.argv[3:]
def num(v, digits=0):
    return "–" if v is None else (f"{v:,.0f}" if digits == 0 else f"{v:,.{digits}f}")
out = ["## permessage-deflate (`echo`, `fanout` with `--deflate`)", "",
       "One `socketio-node --per-message-deflate` (threshold 1,024 bytes); clients that offer the extension "
       "(`socketio-bench --deflate`: they compress what they send from 1,024 bytes and inflate what they get, as a "
       "browser would) against clients that do not, with a 32-byte payload (under the threshold: nothing is compressed) "
       "and a 2,000-byte one (a compressible string: the bench's filler). Server bytes per operation are what the "
       "server process read and wrote through system calls (`rchar`/`wchar` of `/proc/PID/io`) over the window: "
       "frames, headers and Engine.IO framing. Echo: 50 clients, 1 in flight, per ack; fan-out: 1,000 receivers, "
       "32 broadcasts in flight, per delivered message. The filler repeats every 36 bytes and every message "
       "repeats the one before, so with context takeover a 2,000-byte message shrinks to a few dozen bytes: the best "
       "case for bytes on the wire. The CPU figure is the real price: every connection has its own compression "
       "window, so a broadcast is compressed once per receiver (the prepared broadcast frame is not reused), as "
       "the reference's `ws` does.", "", "```sh", server_cmd.replace(os.getcwd() + "/", "")]
rows = ["| scenario | payload | client | ops/s | server CPU µs/op | server bytes written/op | server bytes read/op | errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|"]
for name in names:
    path = os.path.join(results, name + ".json")
    if not os.path.exists(path):
        continue
    with open(path) as f:
        report = json.load(f)
    with open(os.path.join(results, name + ".cmd")) as f:
        out.append(f.read().strip())
    _, scenario, size, client = name.split("-")
    run = next((r for r in report["runs"] if r["label"] in ("websocket", "rate=max")), report["runs"][0])
    extra = run.get("extra", {})
    rows.append(f"| {scenario} | {size} B | {client} | {num(run['operationsPerSecond'])} | "
                f"{num((run.get('serverCPU') or {}).get('microsecondsPerOperation'), 2)} | "
                f"{num(extra.get('serverWrittenBytesPerOp'), 1)} | {num(extra.get('serverReadBytesPerOp'), 1)} | {run['errors']} |")
out += ["```", ""] + rows + [""]
print("\n".join(out))
PY
