#!/usr/bin/env bash
# THE run command: the whole robot on this machine, no AWS account and no HAT.
#
#   ./scripts/run-local.sh
#
# 1. installs the Debian packages it needs when some are missing (as test.sh);
# 2. makes a throwaway PKI in .local/pki (scripts/pki.sh; kept between runs);
# 3. builds robotd, robot-server and robot-webrtc (debug);
# 4. starts a local mosquitto on 127.0.0.1:$ROBOT_MQTT_PORT (default 8883) with
#    TLS, client certificates and the AWS-IoT-like ACL (scripts/broker.sh; its
#    files and log in .local/broker);
# 5. generates a bearer token for this run (roles drive and view) and one for
#    the video producer (role produce only: it cannot drive), writes
#    .local/server.json (only the tokens' SHA-256 is stored) and starts robot-server on
#    127.0.0.1:$ROBOT_HTTP_PORT (default 8080) in the background, its log in
#    .local/robot-server.log;
# 6. writes .local/robotd.json — the simulated motor driver, robot-webrtc as its
#    video producer (the test picture) with sound through robotd's `audio`
#    section: a quiet 440 Hz test tone to the viewers (`--audio-source test`)
#    and, by default, no speaker (`--audio-sink off`) — and runs
#    `robotd run --config .local/robotd.json` in the foreground, its log on
#    this terminal, after printing the token and the commands that drive and
#    watch the robot from another terminal (curl to the REST API, or MQTT).
#    Its stateDirectory is .local/state: an emergency stop engaged there stays
#    engaged across runs until {"action":"release"}, as on a robot.
#
# Ctrl-C, SIGTERM or SIGHUP stops everything it started: robotd (and with it its
# video producer), then robot-server, then the broker; each runs in a process
# group of its own, which is signalled whole (SIGKILL after 10 s). .local/robotd.json and
# .local/server.json are rewritten on every run (with a new token); to try your
# own settings, copy them and run `swift run robotd run --config YOUR.json` or
# `swift run robot-server --config YOUR.json` while a broker runs.
#
# Environment: ROBOT_MQTT_PORT (default 8883), ROBOT_HTTP_PORT (default 8080),
# ROBOT_THING_NAME (default sts-pi); ROBOT_AUDIO_SINK (default off: where the
# page's push-to-talk plays — `ROBOT_AUDIO_SINK=auto ./scripts/run-local.sh`
# plays it on this machine's speaker; also alsa, pulse or file:PATH, a WAV);
# ROBOT_LOCAL_DIR (default .local: the state folder) and ROBOT_BIN_DIR (prebuilt
# robotd, robot-server and robot-webrtc; no build), which let tests run it in a
# scratch folder.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
root=$PWD

port=${ROBOT_MQTT_PORT:-8883}
http_port=${ROBOT_HTTP_PORT:-8080}
thing=${ROBOT_THING_NAME:-sts-pi}
audio_sink=${ROBOT_AUDIO_SINK:-off}
state=${ROBOT_LOCAL_DIR:-$root/.local}
pki=$state/pki
broker=$state/broker
config=$state/robotd.json
server_config=$state/server.json
server_log=$state/robot-server.log

for variable in ROBOT_MQTT_PORT:$port ROBOT_HTTP_PORT:$http_port; do
    value=${variable#*:}
    if [[ ! $value =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
        die "${variable%%:*} must be a port number, not '$value'"
    fi
done
if [[ ! $audio_sink =~ ^(off|auto|alsa|pulse|file:[^\"\\]+)$ ]]; then
    die "ROBOT_AUDIO_SINK must be off, auto, alsa, pulse or file:PATH, not '$audio_sink'"
fi

# curl drives the robot; GStreamer's plugins and libnice run robot-webrtc's test picture and sound (videotestsrc,
# x264enc, audiotestsrc, opusenc, webrtcbin); gstreamer1.0-alsa plays push-to-talk (alsasink, under autoaudiosink).
ensure_packages "${ROBOT_APT_PACKAGES[@]}" curl gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
    gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-alsa

mkdir -p "$state"
scripts/pki.sh "$pki" "$thing" operator robot-server admin

if [[ -n ${ROBOT_BIN_DIR:-} ]]; then
    bin=$ROBOT_BIN_DIR
else
    require_swift
    swift build --product robotd
    swift build --product robot-server
    swift build --product robot-webrtc
    bin=$(swift build --show-bin-path)
fi
robotd=$bin/robotd
robot_server=$bin/robot-server
robot_webrtc=$bin/robot-webrtc

# A broker left over from a run that did not get to clean up.
scripts/broker.sh "$broker" --stop >/dev/null

server_pid=
robotd_pid=
# stop_group PID: SIGTERM to the process group PID leads (started with setsid), SIGKILL after 10 s.
# shellcheck disable=SC2317  # invoked by the trap
stop_group() {
    local pid=$1
    [[ -n $pid ]] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 200); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# Whatever ends the script — robotd exiting, Ctrl-C, SIGTERM, SIGHUP (a closed terminal or SSH session), an
# error — stops what it started: robotd first (it stops the motors and its video producer), then robot-server,
# then the broker.
# shellcheck disable=SC2317  # invoked by the trap
stop_all() {
    trap '' INT TERM HUP
    stop_group "$robotd_pid"
    robotd_pid=
    stop_group "$server_pid"
    server_pid=
    scripts/broker.sh "$broker" --stop >/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! scripts/broker.sh "$broker" "$port" --pki "$pki" >/dev/null; then
    die "the broker did not start on port $port (see above). If the port is taken, pick another:" \
        "ROBOT_MQTT_PORT=8884 ./scripts/run-local.sh"
fi

# robot-server: a bearer token for this run only. The config keeps its SHA-256,
# never the token; it is printed below and nowhere else.
token=$(openssl rand -hex 24)
token_sha256=$(printf %s "$token" | openssl dgst -sha256 -r | cut -d' ' -f1)
# The video producer has a token of its own, in a file only this user reads.
producer_token_file=$state/producer.token
(umask 077 && openssl rand -hex 24 >"$producer_token_file")
producer_sha256=$(tr -d '\n' <"$producer_token_file" | openssl dgst -sha256 -r | cut -d' ' -f1)

# robotd runs robot-webrtc as its video producer: the test picture, 640×480 at 30 fps, signaled through
# robot-server. --ice-loopback also offers 127.0.0.1, so a browser on this machine connects without a network.
video_command=$(printf '["%s", "--server", "ws://127.0.0.1:%s", "--thing", "{thingName}", "--token-file", "%s", "--source", "videotestsrc", "--ice-loopback"]' \
    "$robot_webrtc" "$http_port" "$producer_token_file")
# robotd appends robot-webrtc's audio options from its `audio` section: --audio-source test --audio-sink off.
audio_section=$(printf '{ "enabled": true, "source": "test", "sink": "%s" }' "$audio_sink")
write_local_robotd_config "$config" "$thing" "$port" 10 "$video_command" "$audio_section"
cat >"$server_config" <<EOF
{
  "listen": { "host": "127.0.0.1", "port": $http_port },
  "mqtt": {
    "endpoint": "localhost",
    "port": $port,
    "caFile": "pki/ca.crt",
    "certFile": "pki/robot-server.crt",
    "keyFile": "pki/robot-server.key",
    "clientId": "robot-server"
  },
  "robots": ["$thing"],
  "defaultRobot": "$thing",
  "auth": { "tokens": [
    { "name": "local", "sha256": "$token_sha256", "robots": ["$thing"], "roles": ["drive", "view"] },
    { "name": "video-producer", "sha256": "$producer_sha256", "robots": ["$thing"], "roles": ["produce"] }
  ] },
  "cors": { "allowedOrigins": ["*"] }
}
EOF
# setsid: a process group (and session) of its own, which stop_all signals whole; a terminal's signals reach
# only this script, which stops everything in order.
setsid "$robot_server" --config "$server_config" >"$server_log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do
    grep -q "robot-server listening" "$server_log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
done
if ! grep -q "robot-server listening" "$server_log" 2>/dev/null; then
    tail -n 20 "$server_log" >&2
    die "robot-server did not start on 127.0.0.1:$http_port (its log is above). If the port is taken, pick another:" \
        "ROBOT_HTTP_PORT=8081 ./scripts/run-local.sh"
fi

# The operator's view, ready to paste in another terminal.
tls=(-h localhost -p "$port" --cafile "$pki/ca.crt" --cert "$pki/operator.crt" --key "$pki/operator.key")
curl_drive=$(shell_quote curl -X POST "http://127.0.0.1:$http_port/publish" -d '{"action":"forward"}' \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $token")
drive=$(shell_quote mosquitto_pub "${tls[@]}" -t "$thing/action" -m '{"action":"forward"}')
watch=$(shell_quote mosquitto_sub "${tls[@]}" -t "$thing/telemetry" -v)
cat <<EOF

Broker: mosquitto on 127.0.0.1:$port (TLS, client certificates), log in ${broker#"$root"/}/mosquitto.log
Server: robot-server on http://127.0.0.1:$http_port, config ${server_config#"$root"/}, log in ${server_log#"$root"/}
Robot:  robotd as "$thing" with the simulated motor driver and robot-webrtc as its video producer, config ${config#"$root"/}
Sound:  a quiet 440 Hz test tone to the page; push-to-talk plays on: $audio_sink (ROBOT_AUDIO_SINK=auto: this machine's speaker)

Bearer token for this run (only its SHA-256 is stored in ${server_config#"$root"/}):
  $token

Open the drive page — live video and sound (robot-webrtc's test picture and tone), buttons, arrow keys/WASD, touch
joystick, hold to talk:
  http://127.0.0.1:$http_port/#token=$token

Drive it from another terminal through the REST API (actions: forward, backwards, left, right, stop):
  $curl_drive

or straight over MQTT:
  $drive

Watch its telemetry:
  $watch

Ctrl-C (or SIGTERM, SIGHUP) stops robotd, robot-server and the broker.

EOF

# robotd's log goes to this terminal; once it listens, drive it once with the curl above.
robotd_log=$state/robotd.log
setsid "$robotd" run --config "$config" > >(tee "$robotd_log" >&2) 2>&1 &
robotd_pid=$!
for _ in $(seq 200); do
    grep -q "listening for drive commands" "$robotd_log" 2>/dev/null && break
    kill -0 "$robotd_pid" 2>/dev/null || break
    sleep 0.05
done
if grep -q "listening for drive commands" "$robotd_log" 2>/dev/null; then
    echo
    echo "First drive, through the REST API: $curl_drive"
    echo "→ $(curl -sS -X POST "http://127.0.0.1:$http_port/publish" -d '{"action":"forward"}' \
        -H 'Content-Type: application/json' -H "Authorization: Bearer $token")"
    echo
fi
status=0
wait "$robotd_pid" || status=$?
robotd_pid=
exit "$status"
