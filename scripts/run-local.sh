#!/usr/bin/env bash
# THE run command: the whole robot on this machine, no AWS account and no HAT.
#
#   ./scripts/run-local.sh
#
# 1. installs the Debian packages it needs when some are missing (as test.sh);
# 2. makes a throwaway PKI in .local/pki (scripts/pki.sh; kept between runs);
# 3. builds robotd (debug);
# 4. starts a local mosquitto on 127.0.0.1:$ROBOT_MQTT_PORT (default 8883) with
#    TLS, client certificates and the AWS-IoT-like ACL (scripts/broker.sh; its
#    files and log in .local/broker);
# 5. writes .local/robotd.json — the simulated motor driver, no video — and
#    runs `robotd run --config .local/robotd.json` in the foreground, its log on
#    this terminal, after printing the commands that drive and watch the robot
#    from another terminal.
#
# Ctrl-C stops robotd and then the broker. .local/robotd.json is rewritten on
# every run; to try your own settings, copy it and run
# `swift run robotd run --config YOUR.json` while a broker runs.
#
# Environment: ROBOT_MQTT_PORT (default 8883), ROBOT_THING_NAME (default sts-pi).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
root=$PWD

port=${ROBOT_MQTT_PORT:-8883}
thing=${ROBOT_THING_NAME:-sts-pi}
state=$root/.local
pki=$state/pki
broker=$state/broker
config=$state/robotd.json

if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    die "ROBOT_MQTT_PORT must be a port number, not '$port'"
fi

ensure_packages "${ROBOT_APT_PACKAGES[@]}"
require_swift

scripts/pki.sh "$pki" "$thing" operator robot-server admin

swift build --product robotd
robotd=$(swift build --show-bin-path)/robotd

# A broker left over from a run that did not get to clean up.
scripts/broker.sh "$broker" --stop >/dev/null

# shellcheck disable=SC2317  # invoked by the trap
stop_broker() {
    scripts/broker.sh "$broker" --stop >/dev/null || true
}
trap stop_broker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! scripts/broker.sh "$broker" "$port" --pki "$pki" >/dev/null; then
    die "the broker did not start on port $port (see above). If the port is taken, pick another:" \
        "ROBOT_MQTT_PORT=8884 ./scripts/run-local.sh"
fi

# Relative paths resolve against the config file's folder (.local).
cat >"$config" <<EOF
{
  "thingName": "$thing",
  "mqtt": {
    "endpoint": "localhost",
    "port": $port,
    "caFile": "pki/ca.crt",
    "certFile": "pki/$thing.crt",
    "keyFile": "pki/$thing.key"
  },
  "motors": { "driver": "simulated" },
  "video": { "enabled": false },
  "telemetry": { "heartbeatSeconds": 10 }
}
EOF

# The operator's view, ready to paste in another terminal.
tls=(-h localhost -p "$port" --cafile "$pki/ca.crt" --cert "$pki/operator.crt" --key "$pki/operator.key")
drive=$(shell_quote mosquitto_pub "${tls[@]}" -t "$thing/action" -m '{"action":"forward"}')
watch=$(shell_quote mosquitto_sub "${tls[@]}" -t "$thing/telemetry" -v)
cat <<EOF

Broker: mosquitto on 127.0.0.1:$port (TLS, client certificates), log in ${broker#"$root"/}/mosquitto.log
Robot:  robotd as "$thing" with the simulated motor driver, config ${config#"$root"/}

Drive it from another terminal (actions: forward, backwards, left, right, stop):
  $drive

Watch its telemetry:
  $watch

Ctrl-C stops robotd and the broker.

EOF

status=0
"$robotd" run --config "$config" || status=$?
exit "$status"
