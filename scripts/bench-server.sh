#!/usr/bin/env bash
# The benchmark of robot-server's REST publish path. It prints numbers; it is
# not a test (it never fails on a slow result). Method and results:
# BENCHMARKS.md, section "robot-server".
#
#   ./scripts/bench-server.sh [--keep] [--count N] [--seconds S] [--connections C] [--threads T]
#
# 1. installs wrk when missing (only this script needs it), builds robotd,
#    robot-server and server-bench in release mode;
# 2. makes a throwaway PKI, starts a TLS mosquitto (client certificates, the
#    AWS-IoT-like ACL) on a free port, robotd as sts-pi on the simulated driver
#    (log level warning) and robot-server with a static bearer token (auth on)
#    on a free port of 127.0.0.1;
# 3. latency: server-bench sends N (default 2,000, after 200 warm-up) POST
#    /publish requests one at a time on one keep-alive connection and matches
#    each to robotd's `command` telemetry, whose `ts` is taken right after the
#    motor driver call: HTTP request → motor driver call, p50/p99/max, and the
#    HTTP round trip (202 comes after the broker's PUBACK);
# 4. throughput: wrk (T threads, C keep-alive connections, S seconds; defaults
#    2, 32, 10) against POST /publish with the token: requests/s, latency
#    percentiles, non-2xx answers. Twice: first with robotd stopped (the
#    server's own throughput: every request still waits for the broker's
#    PUBACK), then with robotd subscribed to the topic, which on 2 CPUs then
#    competes for them while it applies thousands of commands a second (a real
#    robot gets at most ~50 a second);
# 5. removes everything it started (--keep keeps the scratch folder: PKI,
#    configs, logs).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

keep=false
count=2000
seconds=10
connections=32
threads=2
while [[ $# -gt 0 ]]; do
    case $1 in
    --keep) keep=true ;;
    --count) count=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --connections) connections=$2; shift ;;
    --threads) threads=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

ensure_packages "${ROBOT_APT_PACKAGES[@]}" wrk
require_swift

echo "== building (release)"
for product in robotd robot-server server-bench; do
    swift build -c release --scratch-path .build-release --product "$product"
done
bin=$(swift build -c release --scratch-path .build-release --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-server.XXXXXX")
robotd_pid=
server_pid=
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    bench_cleanup "$work" "$keep" "$server_pid $robotd_pid" "$work/broker"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scripts/pki.sh "$work/pki" sts-pi robot-server operator >/dev/null
mqtt_port=
for _ in 1 2 3 4 5; do
    candidate=$(free_port)
    if scripts/broker.sh "$work/broker" "$candidate" --pki "$work/pki" >/dev/null 2>"$work/broker.err"; then
        mqtt_port=$candidate
        break
    fi
done
[[ -n $mqtt_port ]] || { cat "$work/broker.err" >&2; die "could not start mosquitto"; }

cat >"$work/robotd.json" <<EOF
{"thingName":"sts-pi",
 "mqtt":{"endpoint":"localhost","port":$mqtt_port,"caFile":"pki/ca.crt","certFile":"pki/sts-pi.crt","keyFile":"pki/sts-pi.key"},
 "motors":{"driver":"simulated"},"video":{"enabled":false},"telemetry":{"heartbeatSeconds":0}}
EOF
"$bin/robotd" run --config "$work/robotd.json" --log-level warning >"$work/robotd.log" 2>&1 &
robotd_pid=$!

http_port=$(free_port)
token=$(openssl rand -hex 24)
token_sha256=$(printf %s "$token" | openssl dgst -sha256 -r | cut -d' ' -f1)
write_bench_server_config "$work/server.json" "$http_port" "$mqtt_port" sts-pi "$token_sha256"
"$bin/robot-server" --config "$work/server.json" --log-level notice >"$work/robot-server.log" 2>&1 &
server_pid=$!
wait_for_line "$work/robot-server.log" "connected to the MQTT broker" "$server_pid"
wait_for_line "$work/robot-server.log" "robot-server listening" "$server_pid"

echo
echo "machine: $(nproc) CPUs ($(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), kernel $(uname -r)"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "robot-server on 127.0.0.1:$http_port (auth: static token), mosquitto on 127.0.0.1:$mqtt_port (TLS), robotd as sts-pi (simulated)"

echo
echo "== latency: POST /publish → motor driver call ($count requests, one at a time, keep-alive)"
"$bin/server-bench" --port "$http_port" --token "$token" --broker-port "$mqtt_port" \
    --ca-file "$work/pki/ca.crt" --cert-file "$work/pki/operator.crt" --key-file "$work/pki/operator.key" \
    --count "$count"

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"action":"forward","durationMs":200}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
EOF
# cpu_ticks PID: user + system CPU time of PID so far, in clock ticks (1/100 s).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# throughput LABEL: one wrk run, with the CPU time robot-server, mosquitto and robotd used.
throughput() {
    local broker_pid server_before broker_before robotd_before=0
    broker_pid=$(cat "$work/broker/mosquitto.pid")
    server_before=$(cpu_ticks "$server_pid")
    broker_before=$(cpu_ticks "$broker_pid")
    kill -0 "$robotd_pid" 2>/dev/null && robotd_before=$(cpu_ticks "$robotd_pid")
    echo
    echo "== throughput, $1: wrk -t$threads -c$connections -d${seconds}s POST /publish (auth on)"
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" "http://127.0.0.1:$http_port/publish"
    local robotd_cpu="not running"
    kill -0 "$robotd_pid" 2>/dev/null && robotd_cpu="$(($(cpu_ticks "$robotd_pid") - robotd_before))0 ms"
    echo "CPU time during the run: robot-server $(($(cpu_ticks "$server_pid") - server_before))0 ms," \
        "mosquitto $(($(cpu_ticks "$broker_pid") - broker_before))0 ms, robotd $robotd_cpu (of $((seconds * $(nproc))) CPU-seconds)"
}

kill -TERM "$robotd_pid" 2>/dev/null || true
wait "$robotd_pid" 2>/dev/null || true
throughput "robotd stopped"
"$bin/robotd" run --config "$work/robotd.json" --log-level warning >>"$work/robotd.log" 2>&1 &
robotd_pid=$!
sleep 1
throughput "robotd subscribed"

echo
echo "robot-server's log (warnings and errors):"
grep -E "warning|error|critical" "$work/robot-server.log" | sed 's/^/  /' | head -20 || true
kill -0 "$robotd_pid" 2>/dev/null || echo "robotd exited during the run: $(tail -n 5 "$work/robotd.log")"
exit 0
