#!/usr/bin/env bash
# The benchmark of robot-server with a fleet: N robots on one broker, driven
# through the REST API and watched through signaling. It prints numbers; it is
# not a test (it never fails on a slow result). Method and results:
# BENCHMARKS.md, section "Fleet".
#
#   ./scripts/bench-fleet.sh [--robots N | --sweep] [--viewers M] [--seconds S] [--rate R]
#                            [--connections C] [--one-server | --nginx] [--wait-quiet] [--no-build] [--keep]
#
# For each fleet size (N, default 200; --sweep: 50, 100 and 200) and each
# set-up (one robot-server; then two clustered robot-servers, instances a and
# b, behind nginx running deploy/nginx/robot-server.conf — --one-server or
# --nginx runs only one of them):
# 1. a TLS mosquitto (scripts/broker.sh, the AWS-IoT-like ACL with the
#    cluster topics), its logging cut to notices (the debug log of
#    every message would be most of its CPU), and a throwaway PKI with one
#    client certificate per robot (fleet-001 … fleet-N, CN = thing name);
# 2. the fleet: fleet-001 is a real robotd on the simulated driver (the
#    calibration), fleet-002 … fleet-N one `fleet-bench robots` process that
#    runs robotd's own drive service per robot, each with its own MQTT session
#    and certificate, heartbeats every 10 s as robotd's default;
# 3. robot-server(s) configured with the N robots and one static token with
#    the drive and view roles on every robot;
# 4. `fleet-bench load`: M signaling viewers (default 20; viewer v watches
#    robot v mod N and counts the `telemetry` frames it is sent) and a watcher
#    of +/telemetry on the broker; calibration (one command to every robot,
#    each must answer); then S seconds (default 10) paced — R commands a second
#    per robot (default 10, a held joystick), spread over C keep-alive
#    connections (default 32) — and S seconds as fast as robot-server answers.
#    Per phase: requests/s, the HTTP → motor call time (the `ts` robotd stamps
#    after the motor call) p50/p99, the viewers' frames and
#    delay, the CPU (% of one core, /proc/PID/stat over the phase) and RSS of
#    robot-server, mosquitto, the fleet process, robotd and nginx;
#    and whether the simulated robots' telemetry has the real robotd's keys;
# 5. a table of every run's RESULT lines at the end.
# Each run first says how busy the CPUs were (other processes); --wait-quiet
# waits (up to 10 min) for them to be under 10 % busy first.
# Builds robotd, robot-server and fleet-bench in release mode first (into
# .build-release, as the other benches; --no-build skips it). --keep keeps the
# scratch folder (PKI, configs, logs).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/nginx.sh"
cd "$(dirname "$0")/.."

keep=false
build=true
wait_quiet=false
sizes=(200)
viewers=20
seconds=10
rate=10
connections=32
setups=(one-server nginx-two)
while [[ $# -gt 0 ]]; do
    case $1 in
    --robots) sizes=("$2"); shift ;;
    --sweep) sizes=(50 100 200) ;;
    --viewers) viewers=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --rate) rate=$2; shift ;;
    --connections) connections=$2; shift ;;
    --one-server) setups=(one-server) ;;
    --nginx) setups=(nginx-two) ;;
    --no-build) build=false ;;
    --wait-quiet) wait_quiet=true ;;
    --keep) keep=true ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
for size in "${sizes[@]}"; do
    if ! [[ $size =~ ^[0-9]+$ ]] || ((size < 2 || size > 999)); then die "--robots must be 2…999, not '$size'"; fi
done

needed=("${ROBOT_APT_PACKAGES[@]}")
[[ " ${setups[*]} " == *" nginx-two "* ]] && needed+=(nginx)
ensure_packages "${needed[@]}"
require_swift
command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin

scratch=.build-release
if $build; then
    echo "== building (release)"
    for product in robotd robot-server fleet-bench; do
        swift build -c release --scratch-path "$scratch" --product "$product"
    done
fi
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-fleet.XXXXXX")
run_pids=()
run_broker=
# stop_run: stops what the current run started (newest first), then its broker.
stop_run() {
    local index
    for ((index = ${#run_pids[@]} - 1; index >= 0; index--)); do
        kill -TERM "${run_pids[index]}" 2>/dev/null || true
        wait "${run_pids[index]}" 2>/dev/null || true
    done
    run_pids=()
    [[ -z $run_broker ]] || scripts/broker.sh "$run_broker" --stop >/dev/null 2>&1 || true
    run_broker=
}
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    stop_run
    bench_cleanup "$work" "$keep" ""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The largest fleet's certificates, made once: every run uses a prefix of them.
largest=0
for size in "${sizes[@]}"; do ((size > largest)) && largest=$size; done
robot_names=()
for ((number = 1; number <= largest; number++)); do robot_names+=("$(printf 'fleet-%03d' "$number")"); done
echo "== PKI: CA, broker, robot-server, operator and $largest robot certificates (EC P-256)"
started=$SECONDS
scripts/pki.sh "$work/pki" robot-server operator "${robot_names[@]}" >/dev/null
echo "   $((SECONDS - started)) s"

token=$(openssl rand -hex 24)
token_sha256=$(printf %s "$token" | openssl dgst -sha256 -r | cut -d' ' -f1)

# write_server_config FILE HTTP_PORT MQTT_PORT N [INSTANCE]: robot-server for fleet-001 … fleet-N, the bench's
# token with drive and view on every robot (as many viewers as the bench opens), a `cluster` section with INSTANCE.
write_server_config() {
    local robots cluster=
    robots=$(printf '"%s",' "${robot_names[@]:0:$4}")
    [[ -z ${5:-} ]] || cluster=",\"cluster\":{\"instanceId\":\"$5\"}"
    cat >"$1" <<EOF
{"listen":{"host":"127.0.0.1","port":$2},
 "mqtt":{"endpoint":"localhost","port":$3,"caFile":"pki/ca.crt","certFile":"pki/robot-server.crt","keyFile":"pki/robot-server.key"},
 "robots":[${robots%,}],
 "auth":{"tokens":[{"name":"bench","sha256":"$token_sha256","robots":["*"],"roles":["drive","view"]}]},
 "video":{"maxViewersPerPrincipal":$((viewers + 1))}$cluster}
EOF
}

# start_server DIR NAME HTTP_PORT MQTT_PORT N [INSTANCE]: one robot-server; prints nothing, records its pid.
start_server() {
    write_server_config "$1/$2.json" "$3" "$4" "$5" "${6:-}"
    "$bin/robot-server" --config "$1/$2.json" --log-level notice >"$1/$2.log" 2>&1 &
    run_pids+=($!)
    wait_for_line "$1/$2.log" "robot-server listening" "$!"
    wait_for_line "$1/$2.log" "connected to the MQTT broker" "${run_pids[-1]}"
}

results=()
# run_fleet N SETUP: one measured run.
run_fleet() {
    local n=$1 setup=$2 dir="$work/$2-$1" mqtt_port='' candidate port watch=() http_port
    mkdir -p "$dir"
    ln -s "$work/pki" "$dir/pki"
    for _ in 1 2 3 4 5; do
        candidate=$(free_port)
        if scripts/broker.sh "$dir/broker" "$candidate" --pki "$work/pki" \
            --set 'log_type none' --set 'log_type error' --set 'log_type warning' --set 'log_type notice' --set 'log_type information' \
            >/dev/null 2>"$dir/broker.err"; then
            mqtt_port=$candidate
            break
        fi
    done
    [[ -n $mqtt_port ]] || { cat "$dir/broker.err" >&2; die "could not start mosquitto"; }
    run_broker=$dir/broker
    watch+=(--watch "mosquitto=$(cat "$dir/broker/mosquitto.pid")")

    write_local_robotd_config "$dir/robotd.json" fleet-001 "$mqtt_port" 10
    "$bin/robotd" run --config "$dir/robotd.json" --log-level warning >"$dir/robotd.log" 2>&1 &
    run_pids+=($!)
    watch+=(--watch "robotd=$!")
    "$bin/fleet-bench" robots --config "$dir/robotd.json" --from 2 --to "$n" --fleet-size "$n" >"$dir/fleet.log" 2>&1 &
    run_pids+=($!)
    watch+=(--watch "fleet=$!")
    wait_for_line "$dir/fleet.log" "robots connected" "$!" 60
    sed 's/^/   /' "$dir/fleet.log"

    if [[ $setup == one-server ]]; then
        http_port=$(free_port)
        start_server "$dir" robot-server "$http_port" "$mqtt_port" "$n"
        watch+=(--watch "robot-server=${run_pids[-1]}")
    else
        local ports=()
        for instance in a b; do
            port=$(free_port)
            ports+=("$port")
            start_server "$dir" "robot-server-$instance" "$port" "$mqtt_port" "$n" "$instance"
            watch+=(--watch "robot-server=${run_pids[-1]}")
        done
        http_port=$(free_port)
        write_nginx_config "$dir/nginx" "$http_port" "${ports[@]}"
        nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" >"$dir/nginx.out" 2>&1 &
        run_pids+=($!)
        wait_for_line "$dir/nginx/error.log" "start worker process" "$!"
        sleep 0.2
        for worker in $(pgrep -P "${run_pids[-1]}"); do watch+=(--watch "nginx=$worker"); done
    fi

    echo
    echo "== $n robots, $setup: machine $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    check_quiet
    "$bin/fleet-bench" load --port "$http_port" --token "$token" --robots "$n" --viewers "$viewers" \
        --seconds "$seconds" --rate "$rate" --connections "$connections" --label "$setup" \
        --broker-port "$mqtt_port" --ca-file "$work/pki/ca.crt" \
        --cert-file "$work/pki/operator.crt" --key-file "$work/pki/operator.key" "${watch[@]}" | tee "$dir/load.out"
    while read -r line; do results+=("$line"); done < <(grep '^RESULT ' "$dir/load.out")
    local log
    for log in "$dir"/robot-server*.log "$dir/fleet.log" "$dir/robotd.log"; do
        if grep -qE "warning|error|critical" "$log"; then
            echo "${log##*/} (warnings and errors):"
            grep -E "warning|error|critical" "$log" | sed 's/^/  /' | head -8
        fi
    done
    stop_run
}

for setup in "${setups[@]}"; do
    for size in "${sizes[@]}"; do
        run_fleet "$size" "$setup"
    done
done

echo
echo "== summary (CPU in % of one core; paced = $rate commands/s per robot, max = $connections connections flat out;"
echo "   µs/req = robot-server's CPU time per accepted request; growth = its RSS after the phase minus before the"
echo "   runs, per robot; unseen = command telemetry the bench's own watcher missed — the viewers' count is the check)"
format='%-10s %6s %-6s %7s %7s %7s %6s %11s %10s %8s %7s %8s %10s %7s %6s %6s %6s\n'
# shellcheck disable=SC2059  # the format is ours
printf "$format" setup robots phase req/s p50_ms p99_ms unseen viewer_fr viewer_p99 srv_cpu µs/req srv_rss growth_kib \
    broker fleet nginx bench
for line in "${results[@]}"; do
    declare -A field=()
    for pair in ${line#RESULT }; do field[${pair%%=*}]=${pair#*=}; done
    # shellcheck disable=SC2059
    printf "$format" "${field[label]}" "${field[robots]}" "${field[phase]}" "${field[rps]}" "${field[p50_ms]}" \
        "${field[p99_ms]}" "${field[unseen]}" "${field[viewer_frames]}" "${field[viewer_p99_ms]}" "${field[server_cpu]}" \
        "${field[server_us_per_request]}" \
        "${field[server_rss_mib]}" "${field[server_rss_growth_kib_per_robot]}" "${field[broker_cpu]}" \
        "${field[fleet_cpu]}" "${field[nginx_cpu]}" "${field[bench_cpu]}"
    unset field
done
exit 0
