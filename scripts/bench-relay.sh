#!/usr/bin/env bash
# The benchmark of robot-server's cross-account relay beside mosquitto's own
# bridge: QoS 1 messages a second from broker A to broker B. It prints numbers;
# it is not a test (it never fails on a slow result). Method and results:
# BENCHMARKS.md, section "Relay throughput".
#
#   ./scripts/bench-relay.sh [--count N] [--rounds R] [--window W] [--only bridge|relay]
#                            [--inflight N] [--queued N] [--relay-inflight N] [--durability normal|full] [--wait-quiet]
#                            [--debug] [--no-build] [--keep]
#
# 1. builds robot-server and relay-bench in release mode (scratch path
#    .build-release; --debug: the debug builds in .build instead);
# 2. makes two throwaway PKIs (scripts/pki.sh), one per broker, and starts two
#    TLS mosquittos on free ports of 127.0.0.1 (scripts/broker.sh, client
#    certificates, an ACL for the bench's identities), both with
#    `max_inflight_messages N` (default 1000; mosquitto's default of 20 caps a
#    QoS 1 stream at 20 unacknowledged messages per connection) and
#    `max_queued_messages N` (default 1000000; with mosquitto's default of
#    1000 a fast publisher loses thousands of messages at the broker), and
#    only error/warning/notice/information/subscribe logging (`log_type all`
#    writes several lines per message);
# 3. broker A also runs mosquitto's bridge to B over TLS at QoS 1
#    (bridge_cafile/certfile/keyfile from B's PKI, `topic bench/bridge out 1`);
# 4. writes a robot-server config whose `relay` section has two accounts,
#    "ingestion" = broker A and "data" = broker B (with a grant for
#    ingestion's data/#), and one rule: data/bench on A → data/bench on B at
#    QoS 1 with one `set` field, "relayedAt": "${timestamp}"; the durable
#    queue is SQLite in the scratch folder (durability full, the default); starts it;
# 5. per round, for the bridge and then for the relay: `relay-bench receive`
#    subscribes on B (QoS 1, persistent session) and counts by seq;
#    `relay-bench publish` sends N (default 100,000) ~200-byte JSON messages at
#    QoS 1 to A, pipelined through a window of W (default 1000) and waiting
#    for every PUBACK; then the receiver's counts, the rates and the CPU time
#    of each process;
# 6. prints a table of every round and removes everything it started (--keep
#    keeps the scratch folder: PKIs, configs, logs, the relay's queue).
#
# --relay-inflight N    maxInflight of both relay accounts (default: the relay's
#                       own, 1000)
# --durability D        the relay queue's: full (default, as robot-server's; also survives a power loss:
#                       an fsync per commit) or normal (survives kill -9)
# --wait-quiet          before each run, wait (up to 10 min) until other
#                       processes use less than 10 % of the CPUs: on a shared
#                       2-CPU machine a compiler next door changes every number
# --only bridge         the bridge alone (robot-server is not built or started)
# --no-build            take the binaries already built (release, or debug with
#                       --debug)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

count=100000
rounds=1
window=1000
only=
inflight=1000
queued=1000000
relay_inflight=
durability=full
debug=false
no_build=false
wait_quiet=false
keep=false
while [[ $# -gt 0 ]]; do
    case $1 in
    --count) count=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --window) window=$2; shift ;;
    --only) only=$2; shift ;;
    --inflight) inflight=$2; shift ;;
    --queued) queued=$2; shift ;;
    --relay-inflight) relay_inflight=$2; shift ;;
    --durability) durability=$2; shift ;;
    --debug) debug=true ;;
    --no-build) no_build=true ;;
    --wait-quiet) wait_quiet=true ;;
    --keep) keep=true ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
for value in "$count" "$rounds" "$window" "$inflight" "$queued" ${relay_inflight:+"$relay_inflight"}; do
    [[ $value =~ ^[0-9]+$ ]] || die "counts must be whole numbers, not '$value'"
done
[[ $durability == normal || $durability == full ]] || die "--durability takes normal or full, not '$durability'"
case $only in
'') phases=(bridge relay) ;;
bridge | relay) phases=("$only") ;;
*) die "--only takes bridge or relay, not '$only'" ;;
esac
with_relay=false
[[ " ${phases[*]} " == *" relay "* ]] && with_relay=true

ensure_packages "${ROBOT_APT_PACKAGES[@]}" curl
require_swift

# MARK: build

products=(relay-bench)
$with_relay && products+=(robot-server)
if $debug; then
    build_kind="debug builds (.build)"
    build=(swift build)
else
    build_kind="release builds (.build-release)"
    build=(swift build -c release --scratch-path .build-release)
fi
if $debug; then bin=.build/debug; else bin=.build-release/release; fi
if $no_build; then
    for product in "${products[@]}"; do
        [[ -x $bin/$product ]] || die "$bin/$product is not built (drop --no-build)"
    done
else
    echo "== building ${products[*]}: $build_kind"
    for product in "${products[@]}"; do
        "${build[@]}" --product "$product"
    done
    bin=$("${build[@]}" --show-bin-path)
fi

# MARK: scratch folder and clean-up

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-relay.XXXXXX")
server_pid=
receiver_pid=
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    bench_cleanup "$work" "$keep" "$receiver_pid $server_pid" "$work/broker-a" "$work/broker-b"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# MARK: PKIs, ACL, brokers

# Broker A's identities: the publisher, the relay's ingestion account, robot-server's own connection.
scripts/pki.sh "$work/pki-a" bench-publisher relay robot-server >/dev/null
# Broker B's identities: the receiver, the bridge from A, the relay's data account.
scripts/pki.sh "$work/pki-b" bench-receiver bridge relay >/dev/null

# One ACL for both brokers (usernames are the certificates' CNs).
cat >"$work/acl" <<'EOF'
# Generated by scripts/bench-relay.sh.
user bench-publisher
topic write bench/#
topic write data/#

user bench-receiver
topic read bench/#
topic read data/#

# mosquitto's bridge from A, on B.
user bridge
topic readwrite bench/#

# robot-server's relay: reads data/# on A, writes data/# on B.
user relay
topic readwrite data/#

user robot-server
topic write +/action
topic read +/telemetry
EOF

broker_settings=(
    --set "max_inflight_messages $inflight"
    --set "max_queued_messages $queued"
    --set "log_type none"
    --set "log_type error"
    --set "log_type warning"
    --set "log_type notice"
    --set "log_type information"
    --set "log_type subscribe"
)

# start_broker NAME EXTRA_SETTINGS...: starts broker NAME on a free port; sets $started_port.
start_broker() {
    local name=$1 candidate
    shift
    started_port=
    for _ in 1 2 3 4 5; do
        candidate=$(free_port)
        if scripts/broker.sh "$work/broker-$name" "$candidate" --pki "$work/pki-$name" --acl "$work/acl" \
            "${broker_settings[@]}" "$@" >/dev/null 2>"$work/broker-$name.err"; then
            started_port=$candidate
            return 0
        fi
    done
    cat "$work/broker-$name.err" >&2
    die "could not start mosquitto $name"
}

start_broker b
port_b=$started_port
start_broker a \
    --set "connection bench-bridge" \
    --set "address 127.0.0.1:$port_b" \
    --set "remote_clientid bench-bridge" \
    --set "bridge_protocol_version mqttv311" \
    --set "bridge_cafile $work/pki-b/ca.crt" \
    --set "bridge_certfile $work/pki-b/bridge.crt" \
    --set "bridge_keyfile $work/pki-b/bridge.key" \
    --set "notifications false" \
    --set "topic bench/bridge out 1"
port_a=$started_port
broker_a_pid=$(cat "$work/broker-a/mosquitto.pid")
broker_b_pid=$(cat "$work/broker-b/mosquitto.pid")
wait_for_line "$work/broker-b/mosquitto.log" "as bench-bridge" "$broker_b_pid"

# MARK: robot-server with the relay

http_port=$(free_port)
if $with_relay; then
    inflight_setting=
    [[ -n $relay_inflight ]] && inflight_setting=", \"maxInflight\": $relay_inflight"
    token=$(openssl rand -hex 24)
    token_sha256=$(printf %s "$token" | openssl dgst -sha256 -r | cut -d' ' -f1)
    cat >"$work/server.json" <<EOF
{
  "listen": { "host": "127.0.0.1", "port": $http_port },
  "mqtt": { "endpoint": "localhost", "port": $port_a, "caFile": "pki-a/ca.crt",
            "certFile": "pki-a/robot-server.crt", "keyFile": "pki-a/robot-server.key" },
  "robots": ["sts-pi"],
  "auth": { "tokens": [{ "name": "bench", "sha256": "$token_sha256", "robots": ["sts-pi"] }] },
  "relay": {
    "queue": { "path": "relay.db", "durability": "$durability" },
    "accounts": {
      "ingestion": {
        "accountId": "111111111111",
        "mqtt": { "endpoint": "localhost", "port": $port_a, "caFile": "pki-a/ca.crt",
                  "certFile": "pki-a/relay.crt", "keyFile": "pki-a/relay.key", "clientId": "relay-ingestion"$inflight_setting }
      },
      "data": {
        "accountId": "333333333333",
        "mqtt": { "endpoint": "localhost", "port": $port_b, "caFile": "pki-b/ca.crt",
                  "certFile": "pki-b/relay.crt", "keyFile": "pki-b/relay.key", "clientId": "relay-data"$inflight_setting },
        "grants": [{ "from": "ingestion", "topics": ["data/#"] }]
      }
    },
    "rules": [
      {
        "name": "bench",
        "source": { "account": "ingestion", "topic": "data/bench" },
        "set": { "relayedAt": "\${timestamp}" },
        "targets": [{ "mqtt": { "account": "data", "topic": "data/bench", "qos": 1 } }]
      }
    ]
  }
}
EOF
    "$bin/robot-server" --config "$work/server.json" --log-level notice >"$work/robot-server.log" 2>&1 &
    server_pid=$!
    wait_for_line "$work/robot-server.log" "robot-server listening" "$server_pid" 60
    # The relay's connections: its subscription on A (mosquitto logs SUBSCRIBE at log_type subscribe) and B.
    wait_for_line "$work/broker-a/mosquitto.log" "relay-ingestion 1 data/bench" "$server_pid" 30
    wait_for_line "$work/broker-b/mosquitto.log" "as relay-data" "$server_pid" 30
fi

# MARK: measuring

# cpu_ticks PID: user + system CPU time of PID so far, in clock ticks (1/100 s); 0 when it is gone.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# switches PID: context switches (voluntary + involuntary) of all PID's threads so far; 0 when it is gone.
switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ {n += $2} END {print n + 0}'
}
# busy_ticks: the machine's busy time so far (all CPUs, ticks).
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# result_field LOG KEY: KEY's value in LOG's last `result` line (empty when there is none).
result_field() {
    { grep '^result ' "$1" || true; } | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# per_message N: N / $count with two decimals.
per_message() { printf '%d.%02d' $(($1 / count)) $((($1 * 100 / count) % 100)); }

# seconds_of MILLISECONDS: "1.23".
seconds_of() { printf '%d.%02d' $(($1 / 1000)) $((($1 % 1000) / 10)); }

rows=()
# measure PHASE ROUND: one run of N messages through the bridge or the relay; appends a table row.
measure() {
    local phase=$1 round=$2 topic expect=() run receive_log publish_log
    if [[ $phase == bridge ]]; then topic=bench/bridge; else topic=data/bench; expect=(--expect-field relayedAt); fi
    run=$phase-$round-$$
    receive_log=$work/$phase-$round-receive.log
    publish_log=$work/$phase-$round-publish.log
    echo
    echo "== round $round, $phase: $count messages A:$topic → B:$topic"
    check_quiet
    "$bin/relay-bench" receive --port "$port_b" --ca-file "$work/pki-b/ca.crt" \
        --cert-file "$work/pki-b/bench-receiver.crt" --key-file "$work/pki-b/bench-receiver.key" \
        --client-id "bench-receiver-$phase-$round" --topic "$topic" --count "$count" --run "$run" \
        "${expect[@]}" >"$receive_log" 2>&1 &
    receiver_pid=$!
    wait_for_line "$receive_log" "subscribed to" "$receiver_pid"
    local a0 b0 s0=0 busy0 a1 b1 s1=0 busy1 cs_a0 cs_b0 cs_s0=0
    cs_a0=$(switches "$broker_a_pid")
    cs_b0=$(switches "$broker_b_pid")
    [[ -n $server_pid ]] && cs_s0=$(switches "$server_pid")
    a0=$(cpu_ticks "$broker_a_pid")
    b0=$(cpu_ticks "$broker_b_pid")
    [[ -n $server_pid ]] && s0=$(cpu_ticks "$server_pid")
    busy0=$(busy_ticks)
    "$bin/relay-bench" publish --port "$port_a" --ca-file "$work/pki-a/ca.crt" \
        --cert-file "$work/pki-a/bench-publisher.crt" --key-file "$work/pki-a/bench-publisher.key" \
        --topic "$topic" --count "$count" --window "$window" --run "$run" >"$publish_log" 2>&1 || true
    wait "$receiver_pid" || true
    receiver_pid=
    a1=$(cpu_ticks "$broker_a_pid")
    b1=$(cpu_ticks "$broker_b_pid")
    [[ -n $server_pid ]] && s1=$(cpu_ticks "$server_pid")
    busy1=$(busy_ticks)
    sed 's/^/  publish: /' "$publish_log"
    sed 's/^/  receive: /' "$receive_log"
    local context
    context="  context switches per message: broker A $(per_message $(($(switches "$broker_a_pid") - cs_a0))),"
    context+=" broker B $(per_message $(($(switches "$broker_b_pid") - cs_b0)))"
    [[ $phase == relay ]] && context+=", robot-server $(per_message $(($(switches "$server_pid") - cs_s0)))"
    echo "$context"
    local broker_a=$(((a1 - a0) * 10)) broker_b=$(((b1 - b0) * 10)) server=$(((s1 - s0) * 10))
    local publisher_cpu receiver_cpu
    publisher_cpu=$(result_field "$publish_log" cpuMs)
    receiver_cpu=$(result_field "$receive_log" cpuMs)
    local bench=$((${publisher_cpu:-0} + ${receiver_cpu:-0}))
    local busy=$(((busy1 - busy0) * 10))
    local others=$((busy - broker_a - broker_b - server - bench))
    ((others < 0)) && others=0
    local relay_cpu=-
    [[ $phase == relay ]] && relay_cpu=$(seconds_of "$server")
    rows+=("| $round | $phase | $(result_field "$publish_log" rate) | $(result_field "$receive_log" endToEndRate) | \
$(result_field "$receive_log" arrivalRate) | $(result_field "$receive_log" unique) | \
$(result_field "$receive_log" duplicates) | $(result_field "$receive_log" missing) | \
$(result_field "$receive_log" p50Ms) / $(result_field "$receive_log" p99Ms) | \
$(seconds_of "$broker_a") / $(seconds_of "$broker_b") / $relay_cpu / $(seconds_of "$bench") / $(seconds_of "$others") | \
$(result_field "$receive_log" endToEndSeconds) |")
}

echo
echo "machine: $(nproc) CPUs ($(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), kernel $(uname -r)"
echo "mosquitto $(mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version //p' | head -n 1), $build_kind"
echo "broker A 127.0.0.1:$port_a, broker B 127.0.0.1:$port_b (TLS, client certificates), each with" \
    "max_inflight_messages $inflight, max_queued_messages $queued, no per-message logging"
echo "bridge: on A, to B over TLS at QoS 1 (topic bench/bridge out 1)"
$with_relay && echo "relay: robot-server (pid $server_pid, maxInflight ${relay_inflight:-default}) rule data/bench → B data/bench at QoS 1," \
    "set relayedAt = \${timestamp}, durable queue $work/relay.db (durability $durability)"
echo "publisher: relay-bench publish, QoS 1, window $window, waits for every PUBACK;" \
    "receiver: relay-bench receive, QoS 1, persistent session"

for round in $(seq "$rounds"); do
    for phase in "${phases[@]}"; do
        measure "$phase" "$round"
    done
done

echo
echo "== results: $count messages per run, ~200-byte JSON, QoS 1 end to end, TLS on every connection"
echo
echo "| round | path | publish msg/s (PUBACKs from A) | end-to-end msg/s | arrival msg/s | unique | duplicates | missing | latency p50 / p99 ms | CPU s: broker A / broker B / robot-server / relay-bench / everything else | end-to-end s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "end-to-end msg/s = unique messages / (first message sent → last one received on B), from the publisher's and"
echo "the receiver's CLOCK_REALTIME; arrival msg/s = between the first and the last arrival on B. CPU: during the"
echo "run, from /proc (robot-server's is blank for the bridge: it idles then); everything else = the machine's busy"
echo "time minus the listed processes (other work on a shared machine)."
if $with_relay; then
    echo
    echo "relay metrics (GET /metrics, relay lines):"
    { curl -fsS "http://127.0.0.1:$http_port/metrics" 2>/dev/null || echo "(no answer)"; } | grep -i relay | sed 's/^/  /' | head -30 || true
    echo
    echo "robot-server's log (warnings and errors):"
    { grep -E "warning|error|critical" "$work/robot-server.log" || true; } | sed 's/^/  /' | head -20
fi
exit 0
