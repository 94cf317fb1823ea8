#!/usr/bin/env bash
# Runs every libFuzzer target (Sources/SocketIOFuzzTargets) for FUZZ_SECONDS each and prints a table of
# executions, coverage and findings. Usage: make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="json msgpack"] [FUZZ_JOBS=1]
#
# Build: a release build of socketio-fuzz with -sanitize=fuzzer,address in .build-fuzz (its own scratch
# path, so the normal build is untouched). Each target starts from its committed corpus
# (Fuzz/Corpus/<target>) plus what earlier runs here found (.build-fuzz/corpus/<target>); new inputs go
# to the latter only. A finding (crash, sanitizer report, timeout, out-of-memory) is written to
# .build-fuzz/findings/<target>/ and the script exits 1: fix it, then copy the input into
# Fuzz/Corpus/<target>/ so the replay test (Tests/FuzzReplayTests) keeps it from coming back.
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
SCRATCH=.build-fuzz
ALL_TARGETS="engineio-packet engineio-payload websocket-frames permessage-deflate http-request socketio-packet socketio-msgpack-packet json codable msgpack redis-wire resp-reply redis-stream"
FUZZ_TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}

case "$FUZZ_SECONDS" in ''|*[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a whole number of seconds" >&2; exit 2 ;; esac

scripts/build-deps.sh
echo "fuzz: building socketio-fuzz with -sanitize=fuzzer,address in $SCRATCH"
"$SWIFT" build -c release --product socketio-fuzz --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSOCKETIO_LIBFUZZER -Xswiftc -parse-as-library
BINARY="$SCRATCH/release/socketio-fuzz"

run_target() {
    local target=$1
    local corpus="$SCRATCH/corpus/$target" findings="$SCRATCH/findings/$target" log="$SCRATCH/logs/$target.log"
    mkdir -p "$corpus" "$findings" "$(dirname "$log")"
    [ -d "Fuzz/Corpus/$target" ] || { echo "fuzz: no seed corpus Fuzz/Corpus/$target" >&2; return 1; }
    # -timeout: one input may take at most 10 s; -rss_limit_mb/-malloc_limit_mb: an input that makes the
    # process hold or ask for over 2 GiB is a finding (an unbounded allocation).
    SOCKETIO_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$BINARY" \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=3072 -malloc_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "Fuzz/Corpus/$target" >"$log" 2>&1
}

status=0
pids=()
for target in $FUZZ_TARGETS; do
    echo "fuzz: $target for ${FUZZ_SECONDS}s"
    run_target "$target" &
    pids+=("$!")
    if [ "${#pids[@]}" -ge "$FUZZ_JOBS" ]; then
        wait "${pids[0]}" || status=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done

printf '\n| target | executions | exec/s | coverage (edges) | features | corpus | findings |\n|---|---|---|---|---|---|---|\n'
total=0
for target in $FUZZ_TARGETS; do
    log="$SCRATCH/logs/$target.log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
    found=$(find "$SCRATCH/findings/$target" -type f | wc -l)
    total=$((total + ${runs:-0}))
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found"
    [ "$found" -eq 0 ] || status=1
done
printf '\nfuzz: %s executions in total, %s s per target\n' "$total" "$FUZZ_SECONDS"
[ "$status" -eq 0 ] || echo "fuzz: findings or failed runs: see $SCRATCH/findings/ and $SCRATCH/logs/" >&2
exit "$status"
