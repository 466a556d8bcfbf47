#!/usr/bin/env bash
# The NAT path on one machine: a robot behind one NAT, a browser behind another, and robot-server, mosquitto and
# coturn on an "internet" between them, each in a network namespace of its own (docs/NAT.md).
#
#   sudo scripts/nat-demo.sh [nat-demo options]     e.g. --seconds 30, --no-turn, --direct,
#                                                   --netem "delay 80ms 10ms loss 2% rate 2mbit",
#                                                   --rate-schedule "4mbit:20,1mbit:20,4mbit:20", --json FILE
#
# Builds nat-demo and the robot-server, robotd and robot-webrtc it runs (debug, incremental; with ROBOT_BIN_PATH set,
# uses the binaries there instead), runs it and prints what the page saw. Needs root
# (network namespaces, nftables); installs what it needs when missing (apt-get: iproute2, nftables, conntrack, coturn,
# socat, chromium, GStreamer's plugins). Every rlab-* namespace nat-demo made is removed when it ends — also on Ctrl-C,
# and, should nat-demo itself be killed, by this script's trap.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

[[ $(id -u) -eq 0 ]] || die "nat-demo needs root (network namespaces and nftables): sudo $0 $*"
ensure_packages "${ROBOT_APT_PACKAGES[@]}" chromium gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
    gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice iproute2 nftables conntrack coturn socat

if [[ -z ${ROBOT_BIN_PATH:-} ]]; then
    require_swift
    note "building nat-demo, robot-server, robotd and robot-webrtc (debug; incremental)"
    for product in nat-demo robot-server robotd robot-webrtc; do
        swift build --product "$product" >/dev/null
    done
fi
bin=${ROBOT_BIN_PATH:-$(swift build --show-bin-path)}

# nat-demo lists its namespaces in its scratch folder ($TMPDIR/telepresence-robot-tests-<pid>/rlab-runs);
# once it has ended, reap_lab_namespaces deletes every rlab-* namespace no live process lists — its own if a
# killed nat-demo left them, and never those of a test run going on beside it.
cleanup() {
    reap_lab_namespaces
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nat-demo handles SIGINT/SIGTERM itself (stops everything, removes its namespaces, exits 130); the trap above
# catches what a killed nat-demo leaves.
ROBOT_BIN_PATH=$bin "$bin/nat-demo" "$@"
