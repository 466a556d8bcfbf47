#!/usr/bin/env bash
# The benchmark of robotd's drive path. It prints numbers; it is not a test (it
# never fails on a slow result). Method and results: BENCHMARKS.md.
#
#   ./scripts/bench-drive.sh [--no-static] [--keep] [-- DRIVE_BENCH_OPTIONS...]
#   ./scripts/bench-drive.sh --safety [--debug] [--keep]
#
# 1. builds robotd and drive-bench in release mode (scratch path .build-release, shared with bench-server.sh and bench-relay.sh),
#    and robotd once more with --static-swift-stdlib (.build-bench-static);
# 2. makes a throwaway PKI and starts a TLS mosquitto (client certificates, the
#    AWS-IoT-like ACL) on a free port, with scripts/pki.sh and scripts/broker.sh;
# 3. writes a robotd config: simulated driver, no video, no heartbeats;
# 4. runs drive-bench once per robotd build. drive-bench starts robotd itself
#    (with --log-level warning) and measures start → subscribed, publish →
#    motor-driver-call latency over 2,000 commands, a 50 Hz stream for 10 s,
#    CPU time and robotd's RSS while idle and connected;
# 5. prints a summary against the goals, then removes everything it started.
#
# --no-static   skip the static-stdlib build and run
# --keep        keep the scratch folder (PKI, broker log, robotd logs, results)
# --wait-quiet  before each run, wait (up to 10 min) until other processes
#               use less than 10 % of the CPUs: on a shared 2-CPU machine a
#               compiler next door changes every number
# --awake       pass --keep-cpus-awake to drive-bench (diagnostic: no CPU
#               sleeps, which separates CPU wake-up cost from robotd's work)
# --safety      instead of the runs above: robotd with motors.maxAcceleration 4
#               (the recommended Pi setting) and robot-server beside it; prints
#               the ramp of one full forward and a stop as robotd's simulated
#               motors logged it, and the emergency stop's latency (publish →
#               robotd's `estop` event, sent after the motors stopped) over
#               MQTT and over REST (a POST to /robots/sts-pi/publish on a new
#               connection, as curl), 40 samples each (ESTOP_SAMPLES)
# --debug       with --safety: the debug build in .build instead of release
# Options after -- go to drive-bench, e.g. `-- --count 5000 --seconds 30`
# (see `.build-release/release/drive-bench --help`).
#
# About 40 s in all once built (the first build takes a few minutes).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

static=true
keep=false
wait_quiet=false
bench_args=()
extra_args=()
safety=false
debug=false
while [[ $# -gt 0 ]]; do
    case $1 in
    --no-static) static=false ;;
    --keep) keep=true ;;
    --wait-quiet) wait_quiet=true ;;
    --awake) extra_args+=(--keep-cpus-awake) ;;
    --safety) safety=true static=false ;;
    --debug) debug=true ;;
    --) shift; bench_args=("$@"); break ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

ensure_packages "${ROBOT_APT_PACKAGES[@]}"
require_swift

thing=sts-pi
scratch=.build-release
static_scratch=.build-bench-static

# MARK: build

if $safety && $debug; then
    echo "== building (debug, .build)"
    swift build --product robotd
    swift build --product drive-bench
    swift build --product robot-server
    bin=$(swift build --show-bin-path)
else
    echo "== building (release, scratch path $scratch)"
    swift build -c release --scratch-path "$scratch" --product robotd
    swift build -c release --scratch-path "$scratch" --product drive-bench
    ! $safety || swift build -c release --scratch-path "$scratch" --product robot-server
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
fi
variants=(dynamic)
binaries=("$bin/robotd")
if $static; then
    echo "== building robotd with --static-swift-stdlib (scratch path $static_scratch)"
    if swift build -c release --scratch-path "$static_scratch" --static-swift-stdlib --product robotd; then
        variants+=(static)
        binaries+=("$(swift build -c release --scratch-path "$static_scratch" --static-swift-stdlib --show-bin-path)/robotd")
    else
        note "the --static-swift-stdlib build failed; benchmarking the dynamic build only"
    fi
fi

# MARK: scratch folder and clean-up

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-drive.XXXXXX")
config=$work/robotd.json
bench_pid=
server_pid=

# Kills the robotd that drive-bench started, if drive-bench could not: the
# robotd process whose command line names our (unique) config file.
kill_leftover_robotd() {
    local proc pid
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        [[ $(cat "$proc/comm" 2>/dev/null) == robotd ]] || continue
        if tr '\0' '\n' <"$proc/cmdline" 2>/dev/null | grep -qxF -- "$config"; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
}

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    if [[ -n $bench_pid ]]; then
        kill -TERM "$bench_pid" 2>/dev/null || true
        wait "$bench_pid" 2>/dev/null || true
    fi
    kill_leftover_robotd
    if [[ -n $server_pid ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    scripts/broker.sh "$work/broker" --stop >/dev/null 2>&1 || true
    if $keep; then
        echo "kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# MARK: PKI, broker, config

scripts/pki.sh "$work/pki" "$thing" operator robot-server >/dev/null

# True when something listens on TCP port $1 (IPv4 or IPv6).
port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

port=
broker_pid=
for _ in 1 2 3 4 5 6 7 8; do
    candidate=$((20000 + RANDOM % 40000))
    port_in_use "$candidate" && continue
    # A port taken between the check and mosquitto's bind: try another.
    if broker_pid=$(scripts/broker.sh "$work/broker" "$candidate" --pki "$work/pki" 2>"$work/broker.err"); then
        port=$candidate
        break
    fi
done
[[ -n $port ]] || { cat "$work/broker.err" >&2; die "could not start mosquitto on a free port"; }

write_local_robotd_config "$config" "$thing" "$port" 0

if $safety; then
    sed -i 's/"driver": "simulated" }/"driver": "simulated", "maxAcceleration": 4.0 }/' "$config"
    grep -q '"maxAcceleration": 4.0' "$config" || die "could not set motors.maxAcceleration in $config"
    http_port=$((20000 + RANDOM % 40000))
    while port_in_use "$http_port"; do http_port=$((20000 + RANDOM % 40000)); done
    token=$(openssl rand -hex 24)
    token_sha256=$(printf %s "$token" | openssl dgst -sha256 -r | cut -d' ' -f1)
    write_bench_server_config "$work/server.json" "$http_port" "$port" "$thing" "$token_sha256"
    "$bin/robot-server" --config "$work/server.json" --log-level notice >"$work/robot-server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 200); do
        grep -q "robot-server listening" "$work/robot-server.log" 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/robot-server.log" >&2; die "robot-server exited"; }
        sleep 0.05
    done
    grep -q "robot-server listening" "$work/robot-server.log" || die "robot-server did not start (see $work/robot-server.log)"
    extra_args+=(--safety-only --estop-samples "${ESTOP_SAMPLES:-40}" --robotd-log-level info
        --rest-url "http://127.0.0.1:$http_port" --rest-token "$token")
fi

# MARK: runs

echo
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
# shellcheck source=/dev/null
os_name=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
echo "machine: $(nproc) CPUs ($cpu_model), $os_name, kernel $(uname -r)"
echo "software: $(swift --version 2>/dev/null | head -1 | sed 's/ (.*//'), $( ("$mosquitto_bin" -h 2>/dev/null || true) | head -1)"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "broker: mosquitto pid $broker_pid on 127.0.0.1:$port (TLS, client certificates)"

for i in "${!variants[@]}"; do
    variant=${variants[$i]}
    robotd=${binaries[$i]}
    echo
    echo "== robotd, $variant Swift stdlib ($(du -k "$robotd" | cut -f1) KiB binary)"
    check_quiet
    "$bin/drive-bench" --host localhost --port "$port" --thing "$thing" \
        --ca-file "$work/pki/ca.crt" --cert-file "$work/pki/operator.crt" --key-file "$work/pki/operator.key" \
        --robotd "$robotd" --robotd-config "$config" --robotd-log "$work/robotd-$variant.log" \
        --broker-pid "$broker_pid" --summary "$work/$variant.txt" ${extra_args[@]+"${extra_args[@]}"} ${bench_args[@]+"${bench_args[@]}"} &
    bench_pid=$!
    status=0
    wait "$bench_pid" || status=$?
    bench_pid=
    if [[ -s $work/robotd-$variant.log ]] && ! $safety; then
        echo "  robotd's log (warnings and errors only):"
        sed 's/^/    /' "$work/robotd-$variant.log"
    fi
    ((status == 0)) || die "drive-bench failed (exit $status) on the $variant build"
done

# MARK: summary

# value FILE KEY: the value of KEY in a drive-bench --summary file, or "–".
value() {
    local found
    found=$(sed -n "s/^$2=//p" "$1" 2>/dev/null | head -1)
    echo "${found:-–}"
}

# verdict VALUE GOAL: "ok" when VALUE ≤ GOAL, "MISSED" otherwise.
verdict() {
    awk -v v="$1" -v g="$2" 'BEGIN { if (v == "–" || v == "n/a") print "?"; else if (v + 0 <= g + 0) print "ok"; else print "MISSED" }'
}

if $safety; then
    echo
    build=release
    ! $debug || build=debug
    echo "== summary (emergency stop → motors stopped, ms; robotd $build build)"
    for path in mqtt rest; do
        echo "$path: median $(value "$work/${variants[0]}.txt" "estop_${path}_p50_ms")," \
            "p95 $(value "$work/${variants[0]}.txt" "estop_${path}_p95_ms")," \
            "max $(value "$work/${variants[0]}.txt" "estop_${path}_max_ms")"
    done
    exit 0
fi

echo
echo "== summary"
header=$(printf '%-44s %-10s' metric goal)
for variant in "${variants[@]}"; do header+=$(printf ' %-18s' "$variant"); done
echo "$header"
row() {
    local label=$1 key=$2 goal=$3 shown_goal=$4 line variant v
    line=$(printf '%-44s %-10s' "$label" "$shown_goal")
    for variant in "${variants[@]}"; do
        v=$(value "$work/$variant.txt" "$key")
        if [[ -n $goal ]]; then
            line+=$(printf ' %-18s' "$v $(verdict "$v" "$goal")")
        else
            line+=$(printf ' %-18s' "$v")
        fi
    done
    echo "$line"
}
row "start -> subscribed (ms)" start_subscribed_ms 50 "<= 50"
row "latency p50, one at a time (us)" latency_p50_us 100 "<= 100"
row "latency p99, one at a time (us)" latency_p99_us 500 "<= 500"
row "latency max, one at a time (us)" latency_max_us "" ""
row "round trip p50, one at a time (us)" roundtrip_p50_us "" ""
row "50 Hz stream: applied" stream_applied "" "all"
row "50 Hz stream: lag p50 (us)" stream_lag_p50_us 100 "(<= 100)"
row "50 Hz stream: lag p99 (us)" stream_lag_p99_us 500 "(<= 500)"
row "50 Hz stream: lag max (us)" stream_lag_max_us "" ""
row "50 Hz stream: backlog (commands)" stream_backlog 0 "0"
row "50 Hz stream: motion after release (ms)" motion_after_release_ms "" "~ 200"
row "RSS idle-connected, before commands (KiB)" rss_start_kib 15360 "<= 15360"
row "RSS idle-connected, after the runs (KiB)" rss_after_kib 15360 "<= 15360"
row "  of which anonymous (KiB)" rss_after_anon_kib "" ""
row "  of which file-backed (KiB)" rss_after_file_kib "" ""
row "CPU, latency run: robotd (ms)" latency_cpu_robotd_ms "" ""
row "CPU, latency run: mosquitto (ms)" latency_cpu_mosquitto_ms "" ""
row "CPU, latency run: drive-bench (ms)" latency_cpu_drive_bench_ms "" ""
row "CPU, latency run: everything else (ms)" latency_cpu_others_ms "" ""
row "CPU, stream: everything else (ms)" stream_cpu_others_ms "" ""
row "SIGTERM -> exit (ms)" shutdown_ms "" ""
echo "(RSS goal: 15 MiB = 15360 KiB. Goals in parentheses: the per-command goals, applied to the stream too.)"
