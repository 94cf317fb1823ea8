#!/usr/bin/env bash
# A local cluster without Docker: redis-server (or, with REDIS_MODE=cluster, a 3-primary Redis Cluster
# made with `redis-cli --cluster create`), three socketio-node processes (node1..node3) and HAProxy
# with the same docker/haproxy.cfg the compose cluster uses.
#
#   scripts/cluster.sh start     start everything, wait (bounded) until it is ready, print the URLs
#   scripts/cluster.sh stop      stop what `start` started (by the PIDs it recorded), nothing else
#   scripts/cluster.sh status    show each process and the nodes' /readyz; exit 0 only if all run
#
# State (PID files, logs, cluster.env with the chosen addresses) lives in $CLUSTER_DIR.
#
# Environment (defaults in brackets):
#   CLUSTER_DIR        state directory                              [<repo>/.cluster]
#   SOCKETIO_BIN_DIR   directory holding socketio-node              [<repo>/.build/debug]
#   LB_HOST, LB_PORT   the balancer's address                       [127.0.0.1, 8080]
#   LB_MODE            sid (route by routing tag) or roundrobin     [sid]
#   LB_STATS_PORT      HAProxy stats page (and /metrics) port       [none]
#   NODE_HOST          the nodes' listen and advertised address     [127.0.0.1]
#   NODE1_PORT..NODE3_PORT                                          [3001, 3002, 3003]
#   NODE_ARGS          extra socketio-node arguments                [--bench-handlers]
#   REDIS_MODE         standalone, or cluster (3 primaries redis1..redis3, nodes in
#                      sharded mode on redis-cluster://)              [standalone]
#   REDIS_PORT         redis-server port (the first of three with REDIS_MODE=cluster)
#                                                                   [first free port(s) from 6380]
#   REDIS_URL          use this Redis instead of starting one       [none]
#   REDIS_SERVER, HAPROXY   the binaries                            [redis-server, haproxy on PATH]
#   HAPROXY_CFG        balancer configuration                       [<repo>/docker/haproxy.cfg]
#   READY_TIMEOUT      seconds each component has to become ready  [30]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="${CLUSTER_DIR:-$repo_root/.cluster}"
bin_dir="${SOCKETIO_BIN_DIR:-$repo_root/.build/debug}"
node_bin="$bin_dir/socketio-node"
lb_host="${LB_HOST:-127.0.0.1}"
lb_port="${LB_PORT:-8080}"
lb_mode="${LB_MODE:-sid}"
lb_stats_port="${LB_STATS_PORT:-}"
node_host="${NODE_HOST:-127.0.0.1}"
node_ports=("${NODE1_PORT:-3001}" "${NODE2_PORT:-3002}" "${NODE3_PORT:-3003}")
node_ids=(node1 node2 node3)
read -r -a node_args <<<"${NODE_ARGS---bench-handlers}"
redis_server="${REDIS_SERVER:-redis-server}"
redis_cli="${REDIS_CLI:-redis-cli}"
redis_mode="${REDIS_MODE:-standalone}"
haproxy_bin="${HAPROXY:-haproxy}"
haproxy_cfg="${HAPROXY_CFG:-$repo_root/docker/haproxy.cfg}"
ready_timeout="${READY_TIMEOUT:-30}"
stop_timeout=15

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- small helpers ------------------------------------------------------------------------------

# True when something accepts TCP connections on host:port.
port_in_use() {
    timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# The HTTP status of GET http://host:port/path (000 when there is no answer within 2 s).
http_status() {
    local status
    status="$(timeout 2 bash -c '
        exec 3<>/dev/tcp/$1/$2 || exit 1
        printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$3" "$1" "$2" >&3
        IFS=" " read -r _ code _ <&3 && printf "%s" "$code"
    ' _ "$1" "$2" "$3" 2>/dev/null)" || true
    printf '%s' "${status:-000}"
}

# True when a RESP PING to host:port gets +PONG.
redis_pings() {
    timeout 2 bash -c '
        exec 3<>/dev/tcp/$1/$2 || exit 1
        printf "PING\r\n" >&3
        IFS= read -r reply <&3 && [ "${reply%$'"'"'\r'"'"'}" = "+PONG" ]
    ' _ "$1" "$2" 2>/dev/null
}

pid_file() { printf '%s/%s.pid' "$state_dir" "$1"; }
log_file() { printf '%s/%s.log' "$state_dir" "$1"; }

# The start time of process $1 (clock ticks since boot, field 22 of /proc/PID/stat); empty if gone.
start_time() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    # The command name (field 2) may hold spaces: cut after its closing parenthesis.
    stat="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $stat
    printf '%s' "${20}"
}

# The PID recorded for a component, if that process still runs: same PID and same start time, so a
# recycled PID is never taken for ours (the executable may be rebuilt meanwhile).
live_pid() {
    local file pid started state
    file="$(pid_file "$1")"
    [ -f "$file" ] || return 1
    read -r pid started _ <"$file" || return 1
    [ -n "$pid" ] && [ -n "$started" ] && [ "$(start_time "$pid")" = "$started" ] || return 1
    # A zombie (exited, not yet reaped) does not run.
    state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)"
    [ "$state" != Z ] || return 1
    printf '%s' "$pid"
}

# Starts an executable in its own session, output appended to the component's log, and records
# "PID start-time executable" in its PID file.
launch() {
    local name="$1"
    shift
    local logf pid
    logf="$(log_file "$name")"
    printf '\n=== %s: %s\n' "$(date '+%F %T')" "$*" >>"$logf"
    # setsid execs the program in this same process (it is not a process group leader here).
    setsid "$@" </dev/null >>"$logf" 2>&1 &
    pid=$!
    printf '%s %s %s\n' "$pid" "$(start_time "$pid")" "$1" >"$(pid_file "$name")"
}

# Waits until `probe args...` succeeds, the component dies, or READY_TIMEOUT passes.
wait_for() {
    local name="$1"
    shift
    local deadline=$((SECONDS + ready_timeout))
    while ! "$@"; do
        if ! live_pid "$name" >/dev/null; then
            log "$name exited during startup; last lines of $(log_file "$name"):"
            tail -n 20 "$(log_file "$name")" >&2 || true
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "$name not ready after ${ready_timeout}s; last lines of $(log_file "$name"):"
            tail -n 20 "$(log_file "$name")" >&2 || true
            return 1
        fi
        sleep 0.1
    done
}

node_ready() { [ "$(http_status "$node_host" "$1" /readyz)" = 200 ]; }
balancer_ready() { [ "$(http_status "$lb_host" "$lb_port" /readyz)" = 200 ]; }

# Stops components together: SIGTERM to each, then SIGKILL to any still running after stop_timeout.
stop_components() {
    local name pid pids=() names=()
    for name in "$@"; do
        if pid="$(live_pid "$name")"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("$name")
        else
            rm -f "$(pid_file "$name")"
        fi
    done
    local deadline=$((SECONDS + stop_timeout)) i running
    while :; do
        running=false
        for i in "${!names[@]}"; do
            live_pid "${names[$i]}" >/dev/null && running=true
        done
        [ "$running" = true ] && [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.1
    done
    for i in "${!names[@]}"; do
        if live_pid "${names[$i]}" >/dev/null; then
            log "${names[$i]} (pid ${pids[$i]}) ignored SIGTERM for ${stop_timeout}s: SIGKILL"
            kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
        log "stopped ${names[$i]} (pid ${pids[$i]})"
        rm -f "$(pid_file "${names[$i]}")"
    done
}

# The Redis components of the running cluster (as recorded at start), or of the one to start.
redis_components() {
    local mode="$redis_mode"
    [ ! -f "$state_dir/redis.mode" ] || read -r mode <"$state_dir/redis.mode"
    if [ "$mode" = cluster ]; then printf '%s\n' redis1 redis2 redis3; else printf '%s\n' redis; fi
}

components() {
    printf '%s\n' haproxy "${node_ids[@]}"
    redis_components
}

# The first free port from $1 (bounded to 100 tries). With --cluster-bus, port + 10000 (the Redis
# Cluster bus port) must be free too.
free_port_from() {
    local port="$1" limit=$(($1 + 100)) bus="${2:-}"
    while port_in_use 127.0.0.1 "$port" || { [ -n "$bus" ] && port_in_use 127.0.0.1 $((port + 10000)); }; do
        port=$((port + 1))
        [ "$port" -lt "$limit" ] || die "no free port in $1-$limit"
    done
    printf '%s' "$port"
}

# True when every primary of the local Redis Cluster reports cluster_state:ok.
cluster_ok() {
    local port
    for port in "$@"; do
        "$redis_cli" -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    done
}

# Starts three cluster-mode redis-server processes, joins them with redis-cli --cluster create and
# prints the redis-cluster:// URL.
start_redis_cluster() {
    command -v "$redis_cli" >/dev/null || die "redis-cli not found (apt-get install redis-tools, or set REDIS_CLI)"
    local port="${REDIS_PORT:-6380}" ports=() i attempt
    for i in 1 2 3; do
        # A free-looking port can still be lost to another process between the probe and the bind
        # (or be an outgoing connection's local port, which a connect probe cannot see): a node that
        # exits with "Address already in use" is relaunched on the next free port, a bounded number
        # of times.
        for attempt in 1 2 3 4 5; do
            port="$(free_port_from "$port" --cluster-bus)"
            mkdir -p "$state_dir/redis$i"
            rm -f "$state_dir/redis$i/nodes.conf"  # a fresh cluster every start
            launch "redis$i" "$(command -v "$redis_server")" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
                --dir "$state_dir/redis$i" --daemonize no --cluster-enabled yes --cluster-config-file nodes.conf \
                --cluster-node-timeout 5000
            if wait_for "redis$i" redis_pings 127.0.0.1 "$port" 2>/dev/null; then
                break
            fi
            if [ "$attempt" -lt 5 ] && ! live_pid "redis$i" >/dev/null && tail -n 5 "$(log_file "redis$i")" | grep -q 'Address already in use'; then
                log "redis$i lost port $port to another process; trying the next one"
                port=$((port + 1))
                continue
            fi
            wait_for "redis$i" redis_pings 127.0.0.1 "$port" || die "redis$i did not start"
        done
        ports+=("$port")
        port=$((port + 1))
    done
    "$redis_cli" --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
        --cluster-replicas 0 --cluster-yes >>"$(log_file redis1)" 2>&1 || die "redis-cli --cluster create failed (see $(log_file redis1))"
    wait_for redis1 cluster_ok "${ports[@]}"
    log "Redis Cluster on 127.0.0.1:${ports[0]},${ports[1]},${ports[2]} (pids $(live_pid redis1) $(live_pid redis2) $(live_pid redis3))"
    printf 'redis-cluster://127.0.0.1:%s,127.0.0.1:%s,127.0.0.1:%s' "${ports[@]}"
}

# --- commands -----------------------------------------------------------------------------------

cmd_start() {
    mkdir -p "$state_dir"
    local name
    for name in $(components); do
        if pid="$(live_pid "$name")"; then
            die "$name already runs (pid $pid, state in $state_dir): run scripts/cluster.sh stop first"
        fi
    done
    [ -x "$node_bin" ] || die "no socketio-node at $node_bin (build it, or set SOCKETIO_BIN_DIR)"
    command -v "$haproxy_bin" >/dev/null || die "haproxy not found (apt-get install haproxy, or set HAPROXY)"
    [ -f "$haproxy_cfg" ] || die "no balancer configuration at $haproxy_cfg"
    case "$lb_mode" in sid | roundrobin) ;; *) die "LB_MODE must be sid or roundrobin, not '$lb_mode'" ;; esac

    local port
    for port in "$lb_port" "${node_ports[@]}" ${lb_stats_port:+"$lb_stats_port"}; do
        if port_in_use 127.0.0.1 "$port"; then
            die "port $port is in use (choose others with LB_PORT, NODE1_PORT..NODE3_PORT, LB_STATS_PORT)"
        fi
    done

    # Anything that fails from here on stops what was already started.
    trap 'status=$?; if [ "$status" -ne 0 ]; then log "start failed; stopping what was started"; cmd_stop; fi' EXIT

    case "$redis_mode" in standalone | cluster) ;; *) die "REDIS_MODE must be standalone or cluster, not '$redis_mode'" ;; esac
    printf '%s\n' "$redis_mode" >"$state_dir/redis.mode"
    local redis_url="${REDIS_URL:-}"
    if [ "$redis_mode" = cluster ] && [ -z "$redis_url" ]; then
        redis_url="$(start_redis_cluster)"
    fi
    case "$redis_url" in redis-cluster://*) node_args+=(--adapter sharded) ;; esac
    if [ -z "$redis_url" ]; then
        command -v "$redis_server" >/dev/null || die "redis-server not found (apt-get install redis-server, or set REDIS_SERVER or REDIS_URL)"
        local redis_port="${REDIS_PORT:-}"
        if [ -z "$redis_port" ]; then
            redis_port=6380
            while port_in_use 127.0.0.1 "$redis_port"; do
                redis_port=$((redis_port + 1))
                [ "$redis_port" -lt 6480 ] || die "no free port for redis-server in 6380-6479 (set REDIS_PORT)"
            done
        elif port_in_use 127.0.0.1 "$redis_port"; then
            die "port $redis_port is in use (REDIS_PORT)"
        fi
        launch redis "$(command -v "$redis_server")" --port "$redis_port" --bind 127.0.0.1 \
            --save "" --appendonly no --dir "$state_dir" --daemonize no
        wait_for redis redis_pings 127.0.0.1 "$redis_port"
        redis_url="redis://127.0.0.1:$redis_port"
        log "redis-server on 127.0.0.1:$redis_port (pid $(live_pid redis))"
    fi

    local i
    for i in 0 1 2; do
        launch "${node_ids[$i]}" "$node_bin" --host "$node_host" --port "${node_ports[$i]}" \
            --node-id "${node_ids[$i]}" --redis "$redis_url" --advertise "$node_host:${node_ports[$i]}" \
            "${node_args[@]}"
    done
    for i in 0 1 2; do
        wait_for "${node_ids[$i]}" node_ready "${node_ports[$i]}"
        log "${node_ids[$i]} on http://$node_host:${node_ports[$i]} (pid $(live_pid "${node_ids[$i]}"), routing tag $("$node_bin" --node-id "${node_ids[$i]}" --print-routing-tag))"
    done

    local haproxy_env=(
        LB_BIND="$lb_host:$lb_port" LB_MODE="$lb_mode"
        NODE1_ADDR="$node_host:${node_ports[0]}" NODE2_ADDR="$node_host:${node_ports[1]}" NODE3_ADDR="$node_host:${node_ports[2]}"
    )
    [ -z "$lb_stats_port" ] || haproxy_env+=(LB_STATS_BIND="$lb_host:$lb_stats_port")
    if ! env "${haproxy_env[@]}" "$haproxy_bin" -c -q -f "$haproxy_cfg" >>"$(log_file haproxy)" 2>&1; then
        tail -n 20 "$(log_file haproxy)" >&2
        die "haproxy rejected $haproxy_cfg"
    fi
    (
        export "${haproxy_env[@]}"
        launch haproxy "$(command -v "$haproxy_bin")" -db -f "$haproxy_cfg"
    )
    wait_for haproxy balancer_ready
    trap - EXIT

    cat >"$state_dir/cluster.env" <<EOF
LB_URL=http://$lb_host:$lb_port
LB_MODE=$lb_mode
REDIS_URL=$redis_url
NODE1_URL=http://$node_host:${node_ports[0]}
NODE2_URL=http://$node_host:${node_ports[1]}
NODE3_URL=http://$node_host:${node_ports[2]}
EOF
    log "balancer on http://$lb_host:$lb_port (mode $lb_mode, pid $(live_pid haproxy))${lb_stats_port:+, stats on http://$lb_host:$lb_stats_port/}"
    log "state and logs in $state_dir; stop with scripts/cluster.sh stop"
}

cmd_stop() {
    local name found=false
    for name in $(components); do
        [ -f "$(pid_file "$name")" ] && found=true
    done
    # The balancer first (no new traffic), then the nodes together, then Redis (so no node sees it
    # vanish while shutting down).
    stop_components haproxy
    stop_components "${node_ids[@]}"
    # shellcheck disable=SC2046
    stop_components $(redis_components)
    rm -f "$state_dir/cluster.env" "$state_dir/redis.mode"
    [ "$found" = true ] || log "nothing to stop (no PID files in $state_dir)"
}

cmd_status() {
    local name pid all=true line
    for name in $(components); do
        if pid="$(live_pid "$name")"; then
            line="$name: running (pid $pid)"
        else
            line="$name: stopped"
            all=false
        fi
        printf '%s\n' "$line"
    done
    if [ -f "$state_dir/cluster.env" ]; then
        local key value
        while IFS='=' read -r key value; do
            case "$key" in
            NODE?_URL)
                local hostport="${value#http://}"
                printf '%s %s /readyz: %s\n' "$key" "$value" "$(http_status "${hostport%:*}" "${hostport##*:}" /readyz)"
                ;;
            *) printf '%s %s\n' "$key" "$value" ;;
            esac
        done <"$state_dir/cluster.env"
    fi
    [ "$all" = true ] || return 3
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
